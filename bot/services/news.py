"""Teammates' news: what a team's other members are told of an action, queued, sent later.

A player's update is done once their own reply is sent: what their teammates should know (a
check-in, a verdict, the next question, who joined) is written to the outbox in the action's
own transaction (`stage`), so it is committed with the decision or not at all: a crash between
the two can lose neither. The background sender sends it within the flood budget after
everything more urgent, each chat's pending news coalesced into as few messages as possible
(`bot.telegram.outbox`).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from bot.core.engine import Audience, TeamFinished
from bot.services.base import Services
from bot.services.broadcasts import news_signal
from bot.services.leaderboard import rank_of, ranking_in
from bot.services.play import Outcome
from bot.storage.repositories import NewsEntry
from bot.storage.uow import SqlUnitOfWork


class TeamNewsTexts(Protocol):
    """Renders an outcome's news for each teammate in their language (the Telegram layer's
    `bot.telegram.team_news`, given by the composition root)."""

    def __call__(self, outcome: Outcome, rank: tuple[int, int] | None) -> Sequence[NewsEntry]: ...


class NewsTopic(enum.StrEnum):
    """What a piece of news is about: who joined (summed up by name), or anything else."""

    JOINED = "joined"
    TEAM = "team"


class NewsService:
    """Queues teammates' news for the background sender."""

    def __init__(self, services: Services, texts: TeamNewsTexts | None = None) -> None:
        self.services = services
        self.texts = texts
        self._arrivals: Counter[int] = Counter()

    def arrivals(self, chat_id: int) -> int:
        """How many times news was queued for this chat by this process (a hint, in memory).

        The sender reads a chat's news again just before sending it only when this changed
        since it read its batch: then more news came, and goes in the same message. A hint
        missed (another process queued it) only means that news goes in the next message.
        """
        return self._arrivals[chat_id]

    async def stage(self, uow: SqlUnitOfWork, outcome: Outcome) -> None:
        """Write the outcome's news for the team's other members into `uow`'s transaction; the
        sender is woken once it commits. A team that finished is told its place as ranked in
        that same transaction."""
        if self.texts is None or outcome.team is None:
            return
        if not outcome.for_audience(Audience.TEAM):
            return
        rank = None
        if any(isinstance(event, TeamFinished) for event in outcome.events):
            rank = rank_of(await ranking_in(uow, self.services.rally.id), outcome.team.id)
        news = self.texts(outcome, rank)
        if not news:
            return
        await uow.outbox.add_news(self.services.rally.id, news, at=self.services.clock())
        uow.after_commit(lambda: self._stored(news))

    async def queue(self, news: Sequence[NewsEntry]) -> None:
        """Store news that no decision goes with (a teammate asked for help, say) in its own
        transaction, and wake the sender."""
        if not news:
            return
        async with self.services.new_uow() as uow:
            await uow.outbox.add_news(self.services.rally.id, news, at=self.services.clock())
            await uow.commit()
        self._stored(news)

    def _stored(self, news: Sequence[NewsEntry]) -> None:
        """News is committed: count its chats' arrivals and wake the sender."""
        self._arrivals.update({entry.chat_id for entry in news})
        news_signal.notify(self.services.rally.id)
