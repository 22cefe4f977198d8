"""Durable intake: no update is confirmed to Telegram before it is stored, none is lost in a crash.

Telegram keeps an update until the bot confirms it: in long polling by asking `getUpdates` for
a later `offset`, in webhook mode by answering its post with 200. PTB's `Updater` confirms a
batch as soon as it is queued in memory, so a crash used to lose every update fetched and not
yet handled (hundreds under load). The intake is a transactional inbox in the bot's own
database (the `inbox` table, one row per update):

- `IntakeBot.get_updates` stores each batch, in one transaction, before it returns it to the
  `Updater`: the next `getUpdates` (the confirmation) is only made once the batch is stored. A
  batch that cannot be stored (the database locked or away) is tried again until it is.
- in webhook mode the web server stores the posted update before it answers 200 (503 if it
  cannot, and Telegram posts it again later);
- after a crash, `resume` queues every stored update not handled yet, oldest first, before any
  new one: the update processor keeps each chat's order (`bot.telegram.update_order`). An update
  Telegram delivers again (one stored but not confirmed before the crash) is not handled twice:
  only the updates this process stored or resumed are `take`n;
- an update is marked handled once its handlers are done (`done`); marks are written in batches
  (`FLUSH_EVERY`), so a crash can leave the last ones unmarked: they are handled again after
  the restart, and every action that changes the rally claims its update id in the
  transaction of its decision (`processed_updates`), so it is not applied twice;
- handled updates are forgotten after `KEEP_HANDLED`.

The same on SQLite and PostgreSQL: one table, batched inserts and updates, no second service.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

from bot.services.base import Clock
from bot.storage.errors import ConcurrentChange
from bot.storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

FLUSH_EVERY = 0.25
"""Seconds between the batched writes of "handled" marks."""
KEEP_HANDLED = timedelta(hours=1)
"""How long a handled update stays in the inbox (a redelivery within it is recognised)."""
FORGET_EVERY = 300.0
"""Seconds between two sweeps of handled updates older than `KEEP_HANDLED`."""
STORE_RETRY = 0.5
"""Seconds before a batch that could not be stored (the database locked or away) is tried again."""


class Intake:
    """The inbox of one bot: stores updates as they come, and what of them was handled."""

    def __init__(
        self,
        new_uow: Callable[[], SqlUnitOfWork],
        bot_id: int,
        clock: Clock,
        *,
        flush_every: float = FLUSH_EVERY,
    ) -> None:
        self.new_uow = new_uow
        self.bot_id = bot_id
        self.clock = clock
        self.flush_every = flush_every
        self._admitted: set[int] = set()
        self._done: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def store(self, updates: Sequence[Update]) -> set[int]:
        """Store these updates in one transaction; the ids this process is now to handle."""
        if not updates:
            return set()
        rows = [(update.update_id, update.to_json()) for update in updates]
        async with self.new_uow() as uow:
            fresh = await uow.inbox.add_new(self.bot_id, rows, at=self.clock())
            await uow.commit()
        self._admitted |= fresh
        return fresh

    async def resume(self, bot: ExtBot[Any]) -> list[Update]:
        """The stored updates a previous process did not handle, oldest first."""
        async with self.new_uow() as uow:
            rows = await uow.inbox.unhandled(self.bot_id)
        updates = []
        for update_id, payload in rows:
            try:
                updates.append(Update.de_json(json.loads(payload), bot))
            except Exception:  # stored by an older version, say: never handled, never again
                log.exception("inbox: update %s cannot be read back; marked handled", update_id)
                self._done.add(update_id)
                continue
            self._admitted.add(update_id)
        if updates:
            log.info(
                "inbox: %d update(s) left unhandled by the last run, handled now", len(updates)
            )
        return updates

    def take(self, update: object) -> bool:
        """Whether this process handles the update now (False: it was stored before, or is
        being handled already: a redelivery)."""
        if not isinstance(update, Update):
            return True
        if update.update_id not in self._admitted:
            log.info("inbox: update %s delivered again; handled once", update.update_id)
            return False
        self._admitted.discard(update.update_id)
        return True

    def done(self, update: object) -> None:
        """The update's handlers are done (or it was dropped): mark it, in the next batch."""
        if isinstance(update, Update):
            self._done.add(update.update_id)

    async def flush(self) -> None:
        """Write the "handled" marks gathered since the last flush."""
        if not self._done:
            return
        done, self._done = self._done, set()
        try:
            async with self.new_uow() as uow:
                await uow.inbox.mark_handled(self.bot_id, done, at=self.clock())
                await uow.commit()
        except Exception:
            self._done |= done  # kept for the next flush
            raise

    async def redact(self, update_id: int) -> None:
        """Forget what an update said, now (`InboxRepository.redact`)."""
        async with self.new_uow() as uow:
            await uow.inbox.redact(self.bot_id, update_id)
            await uow.commit()

    async def forget_old(self) -> int:
        """Delete the updates handled longer than `KEEP_HANDLED` ago; how many went."""
        async with self.new_uow() as uow:
            gone = await uow.inbox.forget_handled(self.bot_id, before=self.clock() - KEEP_HANDLED)
            await uow.commit()
        return gone

    def start(self) -> None:
        """Start writing marks in the background (and forgetting old updates)."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name="inbox")

    async def stop(self) -> None:
        """Write the last marks and stop (after the application handled its queue)."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping.set()
            await task
        await self.flush()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.flush_every):
                    await self._stopping.wait()
            try:
                await self.flush()
                if loop.time() >= next_sweep:
                    next_sweep = loop.time() + FORGET_EVERY
                    gone = await self.forget_old()
                    if gone:
                        log.info("inbox: %d handled update(s) forgotten", gone)
            except ConcurrentChange as exc:  # the database is locked for now: the marks wait
                log.warning("inbox: marks not written (%s); trying again shortly", exc)
            except Exception:
                log.exception("inbox: marks not written; trying again shortly")


class IntakeBot(ExtBot[int]):
    """PTB's bot, storing each `getUpdates` batch in the inbox before it is returned (and so
    before the next call confirms it to Telegram)."""

    _intake: Intake | None = None  # a protected name: PTB freezes a bot's public attributes

    def attach(self, intake: Intake) -> None:
        """Store every batch in `intake` from now on (the composition root, once the database
        is open; before that, and for tests of the Bot API alone, nothing is stored)."""
        self._intake = intake

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """`getUpdates`, the batch stored before anyone reads it."""
        updates = await super().get_updates(*args, **kwargs)
        if self._intake is None or not updates:
            return updates
        while True:  # never returned (and so never confirmed) before it is stored
            try:
                await self._intake.store(updates)
            except Exception as exc:  # the database is locked or away: it will be back
                log.warning(
                    "inbox: %d update(s) not stored yet (%s); trying again in %.1f s",
                    len(updates),
                    type(exc).__name__,
                    STORE_RETRY,
                )
                await asyncio.sleep(STORE_RETRY)
            else:
                return updates
