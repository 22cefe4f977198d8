"""Fixtures: a migrated database per test, on SQLite always and on PostgreSQL when configured.

Set RALLY_TEST_DATABASE_URL (e.g. postgresql+asyncpg://rallye:rallye@127.0.0.1:5432/rallye_test)
to run every storage test on PostgreSQL too; its `public` schema is dropped before each test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.database import migrate, session_factory
from bot.storage.models import ProgressRow
from bot.storage.uow import SqlUnitOfWork
from tests.databases import BACKENDS, empty_database

START = datetime(2025, 6, 14, 9, 0, tzinfo=UTC)
"""The rally's start; tests pass times explicitly, as the services will."""


def minutes(n: int) -> datetime:
    """`n` minutes after START."""
    return START + timedelta(minutes=n)


@pytest.fixture(params=BACKENDS)
async def empty_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database, never migrated."""
    async with empty_database(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
async def engine(empty_engine: AsyncEngine) -> AsyncEngine:
    """An engine on a database migrated to head."""
    await migrate(empty_engine)
    return empty_engine


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def uow(sessions: async_sessionmaker[AsyncSession]) -> SqlUnitOfWork:
    return SqlUnitOfWork(sessions)


@dataclass(frozen=True)
class Rally:
    """Ids of a stored rally with two teams and one player in the first team."""

    id: str
    team_a: int
    team_b: int
    player: int


@pytest.fixture
async def rally(uow: SqlUnitOfWork) -> Rally:
    async with uow:
        await uow.rallies.ensure("spring", at=START)
        team_a = await uow.teams.add("spring", "Foxes", "fox-1", 0, at=minutes(1))
        team_b = await uow.teams.add("spring", "Owls", "owl-2", 1, at=minutes(2))
        player = await uow.players.add(
            "spring",
            1001,
            1001,
            "Amina",
            "ar",
            at=minutes(3),
            team_id=team_a.id,
            joined_at=minutes(3),
        )
        await uow.commit()
    return Rally("spring", team_a.id, team_b.id, player.id)


def new_progress(rally_id: str, team_id: int) -> ProgressRow:
    """A team's progress at the start of its route."""
    return ProgressRow(
        team_id=team_id,
        rally_id=rally_id,
        state="travelling",
        route=["market", "library", "park"],
        stage_index=0,
        question_index=0,
        attempts_used=0,
        hints_used=0,
        score=0,
        started_at=START,
        finished_at=None,
        last_activity_at=START,
        last_lat=None,
        last_lon=None,
    )
