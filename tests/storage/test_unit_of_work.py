"""Only a committed unit of work leaves a trace; a failed one can simply be run again."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.errors import ConcurrentChange
from bot.storage.uow import SqlUnitOfWork
from tests.storage.conftest import Rally, minutes


class HandlerError(Exception):
    """A bug in a handler, raised in the middle of its unit of work."""


async def team_names(uow: SqlUnitOfWork, rally_id: str) -> list[str]:
    async with uow:
        return [team.name for team in await uow.teams.list(rally_id)]


async def test_leaving_without_commit_stores_nothing(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        await uow.teams.add(rally.id, "Badgers", "bad-3", 2, at=minutes(5))
        await uow.records.add_checkin(
            rally_id=rally.id,
            team_id=rally.team_a,
            stage_id="market",
            player_id=None,
            method="code",
            points=10,
            at=minutes(6),
        )
        assert await uow.teams.by_name(rally.id, "Badgers") is not None

    assert await team_names(uow, rally.id) == ["Foxes", "Owls"]
    async with uow:
        assert await uow.records.checkins(rally.team_a) == []


async def test_an_exception_rolls_back_and_propagates(uow: SqlUnitOfWork, rally: Rally):
    async def failing_handler() -> None:
        async with uow:
            await uow.teams.add(rally.id, "Badgers", "bad-3", 2, at=minutes(5))
            await uow.audit.log(rally.id, 9, "add_team", {"name": "Badgers"}, at=minutes(5))
            raise HandlerError

    with pytest.raises(HandlerError):
        await failing_handler()

    assert await team_names(uow, rally.id) == ["Foxes", "Owls"]
    async with uow:
        assert await uow.audit.list(rally.id) == []


async def test_only_what_was_committed_stays(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        await uow.teams.add(rally.id, "Badgers", "bad-3", 2, at=minutes(5))
        await uow.commit()
        await uow.teams.add(rally.id, "Herons", "her-4", 3, at=minutes(6))

    assert await team_names(uow, rally.id) == ["Foxes", "Owls", "Badgers"]


async def test_rows_stay_readable_after_the_block(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        added = await uow.teams.add(rally.id, "Badgers", "bad-3", 2, at=minutes(5))
        await uow.commit()
    async with uow:
        read = await uow.teams.get(rally.team_b)

    assert (added.name, added.code, added.created_at) == ("Badgers", "BAD-3", minutes(5))
    assert read is not None
    assert read.name == "Owls"


async def test_the_same_unit_of_work_can_retry_after_a_conflict(uow: SqlUnitOfWork, rally: Rally):
    with pytest.raises(ConcurrentChange):
        async with uow:
            await uow.teams.add(rally.id, "Badgers", "fox-1", 2, at=minutes(5))

    async with uow:
        await uow.teams.add(rally.id, "Badgers", "bad-3", 2, at=minutes(5))
        await uow.commit()

    assert await team_names(uow, rally.id) == ["Foxes", "Owls", "Badgers"]


async def test_a_unit_of_work_is_entered_once_at_a_time(
    sessions: async_sessionmaker[AsyncSession],
):
    uow = SqlUnitOfWork(sessions)
    async with uow:
        with pytest.raises(RuntimeError, match="already in use"):
            await uow.__aenter__()


async def test_repositories_are_refused_outside_the_block(
    sessions: async_sessionmaker[AsyncSession],
):
    uow = SqlUnitOfWork(sessions)
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.teams
    async with uow:
        pass
    with pytest.raises(RuntimeError, match="outside"):
        await uow.commit()
