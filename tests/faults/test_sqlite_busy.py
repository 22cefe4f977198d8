"""The database busy under concurrent writers: no error reaches a player, nothing is lost.

A second connection holds the write lock (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL an
exclusive lock on the table every decision writes first) while players of several teams act at
once: each gets their normal reply once the lock is gone. On SQLite the first write of every
update is the inbox's (`bot.telegram.intake`): the updates wait there, unconfirmed to Telegram,
and a lock held past the busy timeout makes the inbox try again. "database is locked" met by a
decision becomes `ConcurrentChange`, and the decision is made again from scratch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

import bot.storage.database
from bot.core.engine import TeamState
from bot.storage.conflicts import conflicts_as_concurrent_change
from bot.storage.database import create_engine, migrate, session_factory
from bot.storage.errors import ConcurrentChange
from bot.storage.uow import SqlUnitOfWork
from loopback.users import SimulatedUser
from tests.bot.conftest import World
from tests.databases import POSTGRES_URL, database_url, reset, sqlite_url
from tests.faults.conftest import ErrorRecords, fault_world
from tests.faults.teams import APOLOGY, code_word, progress, teams_playing

HOLD_SECONDS = 1.5
"""How long the other connection keeps the lock: well past a player's patience for a reply."""
TEAM_SIZES = (2, 2, 2, 2)


@asynccontextmanager
async def write_lock(url: str) -> AsyncIterator[None]:
    """Hold the database's write lock from another connection until the block ends."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        assert path is not None
        async with aiosqlite.connect(path) as connection:
            await connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                await connection.rollback()
        return
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            # every player's update first records its id there: all of them wait for it
            await connection.execute(text("LOCK TABLE processed_updates IN EXCLUSIVE MODE"))
            try:
                yield
            finally:
                await connection.rollback()
    finally:
        await engine.dispose()


async def everyone_acts_at_once(world: World, teams: list[list[SimulatedUser]]) -> None:
    """The first member of each team types the code word, the second a wrong one."""
    codes = [await code_word(world, members[0]) for members in teams]
    for members, code in zip(teams, codes, strict=True):
        members[0].send_text(code)
        members[1].send_text("pas le bon mot")


async def assert_everyone_was_answered(
    world: World, teams: list[list[SimulatedUser]], seen: dict[int, int]
) -> None:
    for members in teams:
        assert (await progress(world, members[0])).state is TeamState.CHECKED_IN
        for member in members:
            told = world.new_texts(member, seen[member.id])
            assert told, f"{member.user['first_name']} got no reply"
            assert APOLOGY not in told
            arrivals = [t for t in told if "You are at" in t or "checked your team in" in t]
            assert len(arrivals) == 1, told  # the team's check-in, told once to each


async def test_players_acting_while_another_connection_holds_the_write_lock_are_answered(
    world: World, error_records: ErrorRecords
) -> None:
    teams = await teams_playing(world, TEAM_SIZES)
    players = [member for members in teams for member in members]
    seen = {player.id: len(world.texts(player)) for player in players}
    sends = len(world.api.calls_of("sendMessage"))

    async with write_lock(world.settings.database_url):
        await everyone_acts_at_once(world, teams)
        if world.settings.database_url.startswith("postgresql"):
            # the inbox is not locked there: the updates are taken, the decisions wait
            await world.api.wait_for(lambda: world.api.state.updates.handed_over, timeout=10)
        await asyncio.sleep(HOLD_SECONDS)  # the other writer's long transaction
        # nobody was answered while the lock was held: the test really made them wait
        assert len(world.api.calls_of("sendMessage")) == sends

    await world.settle()
    await assert_everyone_was_answered(world, teams, seen)
    assert error_records.describe() == []


async def test_a_lock_held_past_the_busy_timeout_is_retried_not_shown(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error_records: ErrorRecords,
) -> None:
    monkeypatch.setattr(bot.storage.database, "SQLITE_BUSY_TIMEOUT", 0.3)
    async with fault_world(tmp_path, "sqlite") as world:
        teams = await teams_playing(world, TEAM_SIZES)
        players = [member for members in teams for member in members]
        seen = {player.id: len(world.texts(player)) for player in players}

        with caplog.at_level(logging.INFO, logger="bot.telegram.intake"):
            async with write_lock(world.settings.database_url):
                await everyone_acts_at_once(world, teams)
                await asyncio.sleep(1.0)  # past the 0.3 s busy timeout: "database is locked"
                # nobody was answered: the updates wait, stored nowhere, confirmed to nobody
                assert not any(world.new_texts(p, seen[p.id]) for p in players)
            await world.settle()

        retried = [r for r in caplog.records if "not stored yet" in r.getMessage()]
        assert retried, "the lock never outlasted the busy timeout: nothing was retried"
        await assert_everyone_was_answered(world, teams, seen)
        assert error_records.describe() == []


async def test_database_is_locked_is_a_concurrent_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.storage.database, "SQLITE_BUSY_TIMEOUT", 0.05)
    url = sqlite_url(tmp_path / "rallye.sqlite3")
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await uow.rallies.ensure("rally", at=datetime.now(UTC))
            await uow.commit()
        async with write_lock(url), SqlUnitOfWork(session_factory(engine)) as uow:
            with pytest.raises(ConcurrentChange, match="database is locked"):
                await uow.updates.claim("rally", 1, at=datetime.now(UTC))
        async with SqlUnitOfWork(session_factory(engine)) as uow:  # the lock is gone
            assert await uow.updates.claim("rally", 1, at=datetime.now(UTC))
    finally:
        await engine.dispose()


async def test_other_operational_errors_are_not_conflicts(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "rallye.sqlite3"))
    try:
        async with engine.connect() as connection:
            with (
                pytest.raises(OperationalError, match="no such table"),
                conflicts_as_concurrent_change(),
            ):
                await connection.execute(text("SELECT * FROM no_such_table"))
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="RALLY_TEST_DATABASE_URL is not set")
async def test_a_postgresql_deadlock_is_a_concurrent_change(tmp_path: Path) -> None:
    url = database_url("postgresql", tmp_path)
    await reset(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as first, engine.connect() as second:
            await first.execute(text("SELECT pg_advisory_xact_lock(1)"))
            await second.execute(text("SELECT pg_advisory_xact_lock(2)"))

            async def take(connection, key: int) -> None:
                try:
                    with conflicts_as_concurrent_change():
                        await connection.execute(text(f"SELECT pg_advisory_xact_lock({key})"))
                except ConcurrentChange:
                    await connection.rollback()  # the loser lets the winner through
                    raise

            outcomes = await asyncio.gather(take(first, 2), take(second, 1), return_exceptions=True)
            assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrentChange", "NoneType"]
            for connection in (first, second):
                await connection.rollback()
    finally:
        await engine.dispose()
