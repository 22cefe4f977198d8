"""Updates of one chat handled one after another, different chats at the same time, and no chat
holding more than its share.

PTB handles up to `concurrent_updates` updates at once, in any order. For a rally that would
let two messages of one chat race: a player who types an answer and, at once, another, could
get the second verdict before the first (seen in the SIGKILL test once the database got fast).
A team sharing one phone writes quickly. `ChatOrderedUpdates` queues the updates of a chat
behind the one being handled, in the order they came (asyncio's locks wake their waiters first
come, first served). Teammates on their own phones still play at the same time; the database
settles their races (`bot.services.base.retrying`).

Fairness. An update takes one of the `max_concurrent_updates` slots only once it is its chat's
turn: a chat whose updates wait holds at most one slot, so one player sending hundreds of
messages cannot make everyone else wait (PTB's own semaphore, taken before the chat's turn,
would let them fill every slot). PTB is given a bound it never reaches; this processor keeps the
real one. An update's messages to its chat after the first wait until its slot is free
(`bot.telegram.follow_ups`), still in the chat's turn.

Floods. A chat that sends more than a person could (`FLOOD_BURST` updates within
`FLOOD_WINDOW` seconds) has its excess merged: when its turn comes, an update with a newer one
of the same chat waiting is dropped, so the flooder is answered about its latest message only,
and told once per flood (`take_slow_down`) that the bot read their last message. A chat's
updates are never dropped outside a flood, and the staff's never (`trusted`): an admin's
script of corrections is no flood, each one counts.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram import follow_ups
from bot.telegram.intake import Intake

log = logging.getLogger(__name__)

FLOOD_BURST = 20
"""Updates of one chat within `FLOOD_WINDOW` seconds that a person could still send."""
FLOOD_WINDOW = 10.0
SWEEP_AT = 1024
"""Chats remembered for their recent arrivals before the quiet ones are forgotten."""
PTB_BOUND = 1 << 16
"""The bound PTB's own semaphore gets: never reached, the processor keeps the real one."""

ChatKey = tuple[str, int]
Monotonic = Callable[[], float]


@dataclass
class _Chat:
    """One chat's queue: its turn, its newest update, its recent arrivals, its flood state."""

    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0
    newest: int = 0
    arrivals: deque[float] = field(default_factory=deque)
    flooding: bool = False
    warned: bool = False
    dropped: int = 0


class ChatOrderedUpdates(BaseUpdateProcessor):
    """PTB's update processor with one queue per chat (per user for updates without a chat)."""

    def __init__(
        self,
        max_concurrent_updates: int,
        *,
        flood_burst: int = FLOOD_BURST,
        flood_window: float = FLOOD_WINDOW,
        clock: Monotonic | None = None,
    ) -> None:
        super().__init__(PTB_BOUND)
        self.slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self.flood_burst = flood_burst
        self.flood_window = flood_window
        self._clock = clock
        self._chats: dict[ChatKey, _Chat] = {}
        self._sequence = itertools.count(1)
        self._next_sweep = 0.0
        self.intake: Intake | None = None
        """The inbox: told when an update is done; asked whether a redelivery is to be handled."""
        self.trusted: frozenset[int] = frozenset()
        """Users whose updates are never merged (the staff: each correction counts)."""

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: every queue empties as its updates are handled."""

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        intake = self.intake
        if intake is not None and not intake.take(update):  # a redelivery: handled once
            _drop(coroutine)
            return
        try:
            await self._in_turn(update, coroutine)
        finally:
            if intake is not None:
                intake.done(update)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_of(update)
        if key is None:
            async with self.slots:
                await coroutine
            return
        chat = self._chats.setdefault(key, _Chat())
        seq = next(self._sequence)
        chat.newest = seq
        chat.holders += 1
        self._arrived(chat, update)
        try:
            async with chat.turn:
                if chat.flooding and seq < chat.newest:  # merged into the newer one waiting
                    _drop(coroutine)
                    chat.dropped += 1
                    return
                if key[0] != "chat":
                    async with self.slots:
                        await coroutine
                    return
                with follow_ups.chat_busy(key[1]):
                    with follow_ups.turn_of(key[1]) as turn:
                        async with self.slots:
                            await coroutine
                    await follow_ups.send_later(turn)  # in the chat's turn, the slot freed
        finally:
            chat.holders -= 1
            if not chat.holders:
                self._forget_quiet(key, chat)

    def _forget_quiet(self, key: ChatKey, chat: _Chat) -> None:
        """Forget a chat with nothing waiting once its window holds no arrival any more."""
        now = self._now()
        if not self._quiet(chat, now):
            self._sweep(now)  # kept for its flood count; the quiet ones go
            return
        if chat.dropped:
            log.info("chat flood over: %d update(s) merged into the latest", chat.dropped)
        del self._chats[key]

    def _sweep(self, now: float) -> None:
        """Forget the quiet chats, once a flood window at most: not on every update's end."""
        if len(self._chats) < SWEEP_AT or now < self._next_sweep:
            return
        self._next_sweep = now + self.flood_window
        for key, chat in list(self._chats.items()):
            if not chat.holders and self._quiet(chat, now):
                del self._chats[key]

    def _quiet(self, chat: _Chat, now: float) -> bool:
        """Whether a chat sent nothing within the flood window."""
        return not chat.arrivals or chat.arrivals[-1] <= now - self.flood_window

    def _arrived(self, chat: _Chat, update: object) -> None:
        """Count an arrival; a chat over the burst floods until its window is quiet again."""
        if _user_of(update) in self.trusted:
            return
        now = self._now()
        chat.arrivals.append(now)
        while chat.arrivals and chat.arrivals[0] <= now - self.flood_window:
            chat.arrivals.popleft()
        if len(chat.arrivals) > self.flood_burst:
            chat.flooding = True
        elif not chat.arrivals or len(chat.arrivals) <= self.flood_burst // 2:
            chat.flooding = chat.warned = False

    def take_slow_down(self, update: object) -> bool:
        """Whether this update's chat is flooding and has not been told so yet (then it is)."""
        key = _chat_of(update)
        chat = self._chats.get(key) if key is not None else None
        if chat is None or not chat.flooding or chat.warned:
            return False
        chat.warned = True
        return True


def _drop(coroutine: Awaitable[Any]) -> None:
    """Close an update's handling that will never run (no "never awaited" warning)."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()


def _user_of(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


def _chat_of(update: object) -> ChatKey | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None
