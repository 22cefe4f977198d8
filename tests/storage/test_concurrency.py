"""Two updates of the same team at once: one wins, the other is told to retry."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.errors import ConcurrentChange
from bot.storage.uow import SqlUnitOfWork
from tests.storage.conftest import Rally, new_progress


@pytest.fixture
async def started(uow: SqlUnitOfWork, rally: Rally) -> Rally:
    async with uow:
        await uow.progress.add(new_progress(rally.id, rally.team_a))
        await uow.commit()
    return rally


async def stored_score(sessions: async_sessionmaker[AsyncSession], team_id: int) -> tuple[int, int]:
    async with SqlUnitOfWork(sessions) as uow:
        progress = await uow.progress.get(team_id)
    assert progress is not None
    return progress.score, progress.version


async def test_the_second_of_two_interleaved_updates_gets_concurrent_change(
    sessions: async_sessionmaker[AsyncSession], started: Rally
):
    first, second = SqlUnitOfWork(sessions), SqlUnitOfWork(sessions)
    async with first, second:
        mine = await first.progress.get(started.team_a)
        theirs = await second.progress.get(started.team_a)
        assert mine is not None
        assert theirs is not None
        mine.score += 10
        theirs.score += 7
        await first.commit()
        with pytest.raises(ConcurrentChange):
            await second.commit()

    assert await stored_score(sessions, started.team_a) == (10, 2)


async def test_exactly_one_of_two_simultaneous_updates_commits(
    sessions: async_sessionmaker[AsyncSession], started: Rally
):
    both_read = asyncio.Barrier(2)

    async def add_points(points: int) -> int:
        async with SqlUnitOfWork(sessions) as uow:
            progress = await uow.progress.get(started.team_a)
            assert progress is not None
            await asyncio.wait_for(both_read.wait(), timeout=5)
            progress.score += points
            await uow.commit()
            return points

    outcomes = await asyncio.gather(add_points(10), add_points(7), return_exceptions=True)

    winners = [o for o in outcomes if isinstance(o, int)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1, outcomes
    assert isinstance(losers[0], ConcurrentChange), outcomes
    assert await stored_score(sessions, started.team_a) == (winners[0], 2)


async def test_a_writer_waiting_on_another_loses_once_that_one_commits(
    sessions: async_sessionmaker[AsyncSession], started: Rally
):
    first, second = SqlUnitOfWork(sessions), SqlUnitOfWork(sessions)
    async with first, second:
        mine = await first.progress.get(started.team_a)
        theirs = await second.progress.get(started.team_a)
        assert mine is not None
        assert theirs is not None
        mine.score += 10
        await first.progress.list(started.id)  # autoflush: the first now holds the write lock
        theirs.score += 7
        waiting = asyncio.create_task(second.commit())
        await asyncio.sleep(0.2)
        await first.commit()
        with pytest.raises(ConcurrentChange):
            await waiting

    assert await stored_score(sessions, started.team_a) == (10, 2)


async def test_the_loser_retries_on_fresh_data(
    sessions: async_sessionmaker[AsyncSession], started: Rally
):
    uow = SqlUnitOfWork(sessions)
    async with SqlUnitOfWork(sessions) as other, uow:
        stale = await uow.progress.get(started.team_a)
        fresh_elsewhere = await other.progress.get(started.team_a)
        assert stale is not None
        assert fresh_elsewhere is not None
        fresh_elsewhere.score = 10
        await other.commit()
        stale.score += 7
        with pytest.raises(ConcurrentChange):
            await uow.commit()

    async with uow:
        progress = await uow.progress.get_for_update(started.team_a)
        assert progress is not None
        assert progress.score == 10
        progress.score += 7
        await uow.commit()

    assert await stored_score(sessions, started.team_a) == (17, 3)


async def test_get_for_update_rereads_a_row_already_loaded(
    sessions: async_sessionmaker[AsyncSession], started: Rally
):
    async with SqlUnitOfWork(sessions) as uow:
        loaded = await uow.progress.get(started.team_a)
        assert loaded is not None
        async with SqlUnitOfWork(sessions) as other:
            changed = await other.progress.get(started.team_a)
            assert changed is not None
            changed.stage_index = 2
            await other.commit()
        reread = await uow.progress.get_for_update(started.team_a)

    assert reread is loaded
    assert (reread.stage_index, reread.version) == (2, 2)


async def test_get_for_update_makes_a_second_reader_wait_on_postgresql(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], started: Rally
):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks; its writers are serialised by the file lock")

    async def read_score() -> int:
        async with SqlUnitOfWork(sessions) as uow:
            progress = await uow.progress.get_for_update(started.team_a)
            assert progress is not None
            return progress.score

    async with SqlUnitOfWork(sessions) as first:
        progress = await first.progress.get_for_update(started.team_a)
        assert progress is not None
        waiting = asyncio.create_task(read_score())
        done, _ = await asyncio.wait({waiting}, timeout=0.5)
        assert not done, "the second reader was not blocked by the row lock"
        progress.score = 25
        await first.commit()

    assert await waiting == 25
