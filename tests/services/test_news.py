"""Teammates' news is written in the decision's own transaction: stored with it or not at all.

A process can die at any instant. Here it dies right after the decision's commit returned
(`CrashAfterCommit`), before anything else the update would have done: the teammates' news
must already be stored then, because the update, delivered again, is a duplicate and tells
nobody anything. And a decision rolled back leaves no news behind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from bot.core.engine import CheckInWithCode
from bot.core.phase import Move
from bot.services.news import NewsService, NewsTopic
from bot.services.play import Outcome, PlayService
from bot.storage.errors import ConcurrentChange
from bot.storage.repositories import NewsEntry
from bot.storage.uow import SqlUnitOfWork
from tests.services.conftest import ADMIN, App
from tests.services.test_services import AMINA, BILAL, CHLOE, join


class Died(BaseException):
    """The process dying: nothing after this point of the update runs."""


class Texts:
    """Each teammate but the actor is told the events' names (no Telegram rendering here)."""

    def __call__(self, outcome: Outcome, rank: tuple[int, int] | None) -> Sequence[NewsEntry]:
        assert outcome.team is not None
        said = " ".join(type(event).__name__ for event in outcome.events)
        return [
            NewsEntry(member.chat_id, member.player_id, said, NewsTopic.TEAM)
            for member in outcome.team.members
            if outcome.actor is None or member.player_id != outcome.actor.player_id
        ]


class CrashAfterCommit(SqlUnitOfWork):
    """A unit of work whose commit succeeds, then the process dies (once, when armed)."""

    armed = False

    async def commit(self) -> None:
        await super().commit()
        if CrashAfterCommit.armed:
            CrashAfterCommit.armed = False
            raise Died


class FailingCommit(SqlUnitOfWork):
    """A unit of work whose commit loses to a concurrent writer (once, when armed)."""

    armed = False

    async def commit(self) -> None:
        if FailingCommit.armed:
            FailingCommit.armed = False
            raise ConcurrentChange("another writer won")
        await super().commit()


def playing_with(app: App, uow: type[SqlUnitOfWork]) -> PlayService:
    """The play service over units of work of this kind, with its teammates' news staged."""
    services = dataclasses.replace(app.services, new_uow=lambda: uow(app.sessions))
    news = NewsService(services, Texts())
    return PlayService(dataclasses.replace(services, news=news.stage))


async def news_rows(app: App) -> list[tuple[int, str]]:
    """The teammates' news waiting to be sent: whose chat, what it says."""
    async with app.uow() as uow:
        rows = await uow.outbox.pending_news("mini", chats=10)
    return sorted((row.chat_id, row.text) for row in rows)


@pytest.fixture
async def team_of_three(app: App) -> App:
    for user in (AMINA, BILAL, CHLOE):
        await join(app, user, "DOMES")
    await app.timeline.move(Move.START, ADMIN)
    return app


async def test_news_is_stored_with_the_decision_when_the_process_dies_right_after(
    team_of_three: App,
) -> None:
    app = team_of_three
    play = playing_with(app, CrashAfterCommit)
    CrashAfterCommit.armed = True
    with pytest.raises(Died):
        await play.act(AMINA, CheckInWithCode("carte vitale"), update_id=5)
    told = [(BILAL, "CheckedIn"), (CHLOE, "CheckedIn")]
    assert [(chat, text.split()[0]) for chat, text in await news_rows(app)] == told
    again = await play.act(AMINA, CheckInWithCode("carte vitale"), update_id=5)
    assert again.duplicate  # handled again after the restart: applied and told once
    assert len(await news_rows(app)) == 2
    assert (await app.teams.team_of(AMINA)).progress.score == 10


async def test_a_decision_rolled_back_leaves_no_news_and_its_retry_tells_once(
    team_of_three: App,
) -> None:
    app = team_of_three
    play = playing_with(app, FailingCommit)
    FailingCommit.armed = True
    outcome = await play.act(BILAL, CheckInWithCode("carte vitale"), update_id=6)
    assert not outcome.duplicate  # decided again after the lost commit, and stored once
    assert [chat for chat, _ in await news_rows(app)] == [AMINA, CHLOE]
    assert (await app.teams.team_of(AMINA)).progress.score == 10
