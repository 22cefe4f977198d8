"""Teammates' news: what a team's other members are told of an action, queued, sent later.

A player's update is done once their own reply is sent: what their teammates should know (a
check-in, a verdict, the next question, who joined) is stored in the outbox, durably, and sent
by the background sender within the flood budget after everything more urgent, each chat's
pending news coalesced into as few messages as possible (`bot.telegram.outbox`).

Every action queues news, so the writes are grouped: news queued while a write is under way
goes in the next one, one INSERT and one commit for all of it (a group commit). Each caller
still waits until its own news is stored: nothing an update said is lost once it is done.
"""

from __future__ import annotations

import asyncio
import enum
from collections import Counter
from collections.abc import Sequence

from bot.services.base import Services
from bot.services.broadcasts import news_signal
from bot.storage.repositories import NewsEntry


class NewsTopic(enum.StrEnum):
    """What a piece of news is about: who joined (summed up by name), or anything else."""

    JOINED = "joined"
    TEAM = "team"


class NewsService:
    """Queues teammates' news for the background sender."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._arrivals: Counter[int] = Counter()
        self._waiting: list[tuple[Sequence[NewsEntry], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    def arrivals(self, chat_id: int) -> int:
        """How many times news was queued for this chat by this process (a hint, in memory).

        The sender reads a chat's news again just before sending it only when this changed
        since it read its batch: then more news came, and goes in the same message. A hint
        missed (another process queued it) only means that news goes in the next message.
        """
        return self._arrivals[chat_id]

    async def queue(self, news: Sequence[NewsEntry]) -> None:
        """Store the news (with what others queue meanwhile, in one transaction) and wake the
        sender; returns once it is stored, raises what the write raised."""
        if not news:
            return
        stored: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((news, stored))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="news writer")
        await asyncio.shield(stored)  # a caller cancelled does not cancel the others' write

    async def _write(self) -> None:
        """Write what waits, group by group, until nothing does."""
        rally_id = self.services.rally.id
        while self._waiting:
            group, self._waiting = self._waiting, []
            entries = [entry for news, _ in group for entry in news]
            try:
                async with self.services.new_uow() as uow:
                    await uow.outbox.add_news(rally_id, entries, at=self.services.clock())
                    await uow.commit()
            except BaseException as exc:  # each caller sees it, as its own write's
                for _, stored in group:
                    if not stored.done():
                        stored.set_exception(exc)
                        stored.exception()  # retrieved: a caller gone is no warning
                if not isinstance(exc, Exception):  # cancelled: the bot is stopping
                    raise
                continue
            self._arrivals.update({entry.chat_id for entry in entries})
            for _, stored in group:
                if not stored.done():
                    stored.set_result(None)
            news_signal.notify(rally_id)
