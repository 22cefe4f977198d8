"""The pending updates of the bot and getUpdates' long polling over them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from loopback.errors import conflict
from loopback.waiting import ChangeSignal

JsonDict = dict[str, Any]

# Telegram's default when allowed_updates was never set (or set to []).
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_LIMIT = 100


def update_type(update: JsonDict) -> str:
    """The kind of an update: the one field next to update_id."""
    return next((key for key in update if key != "update_id"), "unknown")


@dataclass
class _Queued:
    update: JsonDict
    delivered: bool = False
    predates_filter: bool = False
    """Created before the bot chose its allowed_updates: delivered whatever its kind."""

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


@dataclass
class _Poll:
    terminated: asyncio.Event


class UpdateQueue:
    """Updates waiting for the bot; confirmed by getUpdates' offset, else delivered again."""

    def __init__(self, signal: ChangeSignal) -> None:
        self._signal = signal
        self._queued: list[_Queued] = []
        self._allowed: frozenset[str] | None = None
        self._active_poll: _Poll | None = None
        self.last_update_id = 0
        self._polls_started = 0
        self._delivering_poll = 0

    def next_update_id(self) -> int:
        """A fresh, increasing update id."""
        self.last_update_id += 1
        return self.last_update_id

    def push(self, update: JsonDict, *, predates_filter: bool = False) -> JsonDict:
        """Queue an update (giving it an id if it has none); the same id twice is a redelivery.

        `predates_filter`: the update was created before the bot last set allowed_updates,
        which "doesn't affect updates created before the call" (Bot API): any kind comes.
        """
        if "update_id" not in update:
            update = {"update_id": self.next_update_id(), **update}
        else:
            self.last_update_id = max(self.last_update_id, int(update["update_id"]))
        self._queued.append(_Queued(update, predates_filter=predates_filter))
        self._signal.notify()
        return update

    @property
    def pending(self) -> list[JsonDict]:
        """Updates not yet confirmed, in delivery order."""
        return [entry.update for entry in self._queued]

    @property
    def unconfirmed(self) -> list[JsonDict]:
        """Updates fetched at least once and not yet confirmed: a new poll gets them again."""
        return [entry.update for entry in self._queued if entry.delivered]

    @property
    def all_delivered(self) -> bool:
        """Whether every queued update was fetched at least once."""
        return all(entry.delivered for entry in self._queued)

    @property
    def handed_over(self) -> bool:
        """Every update fetched, and the client polled again since (so it has queued them)."""
        return self.all_delivered and self._polls_started > self._delivering_poll

    @property
    def polling(self) -> bool:
        """Whether a getUpdates call is waiting right now."""
        return self._active_poll is not None

    def drop_pending(self) -> None:
        """Forget every pending update (deleteWebhook/setWebhook with drop_pending_updates)."""
        self._queued.clear()
        self._signal.notify()

    def confirm(self, offset: int) -> None:
        """Apply getUpdates' offset: confirm delivered updates below it (negative: keep a tail)."""
        if offset < 0:
            self._queued = self._queued[offset:]
            for entry in self._queued:
                entry.delivered = False
            return
        self._queued = [
            entry for entry in self._queued if not (entry.delivered and entry.update_id < offset)
        ]

    def _deliverable(self, limit: int) -> list[_Queued]:
        allowed = self._allowed
        kept: list[_Queued] = []
        for entry in self._queued:
            kind = update_type(entry.update)
            if not entry.predates_filter and (
                (allowed is None and kind in _NOT_BY_DEFAULT)
                or (allowed is not None and kind not in allowed)
            ):
                continue
            kept.append(entry)
        # Updates of types the bot did not ask for are dropped, as Telegram does.
        if len(kept) != len(self._queued):
            self._queued = kept
        return kept[:limit]

    async def get_updates(
        self,
        *,
        offset: int | None,
        limit: int | None,
        poll_seconds: float,
        allowed_updates: list[str] | None,
        gone: asyncio.Event,
    ) -> list[JsonDict]:
        """Answer getUpdates: confirm, then return updates, long-polling up to `poll_seconds`."""
        if self._active_poll is not None:
            # Telegram ends the older request: "terminated by other getUpdates request".
            self._active_poll.terminated.set()
        poll = _Poll(asyncio.Event())
        self._active_poll = poll
        self._polls_started += 1
        poll_number = self._polls_started
        try:
            if allowed_updates is not None:
                self._allowed = frozenset(allowed_updates) if allowed_updates else None
            if offset is not None:
                self.confirm(offset)
            count = min(max(limit or MAX_LIMIT, 1), MAX_LIMIT)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + max(poll_seconds, 0.0)
            while True:
                changed = self._signal.next_change()
                batch = self._deliverable(count)
                if batch:
                    for entry in batch:
                        entry.delivered = True
                    self._delivering_poll = poll_number
                    self._signal.notify()
                    return [entry.update for entry in batch]
                remaining = deadline - loop.time()
                if remaining <= 0 or gone.is_set():
                    return []
                await _first_of((changed, poll.terminated, gone), remaining)
                if poll.terminated.is_set():
                    raise conflict(
                        "terminated by other getUpdates request; "
                        "make sure that only one bot instance is running"
                    )
        finally:
            if self._active_poll is poll:
                self._active_poll = None


async def _first_of(events: tuple[asyncio.Event, ...], within: float) -> None:
    """Wait until one of the events is set, at most `within` seconds."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
