"""Teammates' news: what a team's other members are told of an action, queued, sent later.

A player's update is done once their own reply is sent: what their teammates should know (a
check-in, a verdict, the next question, who joined) is stored in the outbox, durably, and sent
by the background sender within the flood budget after everything more urgent, each chat's
pending news coalesced into as few messages as possible (`bot.telegram.outbox`).
"""

from __future__ import annotations

import enum
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

    async def queue(self, news: Sequence[NewsEntry]) -> None:
        """Store the news in one transaction and wake the sender."""
        if not news:
            return
        rally_id = self.services.rally.id
        async with self.services.new_uow() as uow:
            await uow.outbox.add_news(rally_id, news, at=self.services.clock())
            await uow.commit()
        news_signal.notify(rally_id)
