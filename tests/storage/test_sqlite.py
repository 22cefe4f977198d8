"""A SQLite database file is set up safely for a bot that reads and writes at once."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.storage.database import create_engine, migrate, session_factory
from bot.storage.uow import SqlUnitOfWork
from tests.databases import sqlite_url

START = datetime(2025, 6, 14, 9, 0, tzinfo=UTC)


async def test_every_connection_uses_wal_foreign_keys_and_normal_sync(tmp_path: Path):
    # the bot has one connection; tests (and other processes) open others on the file
    engine = create_engine(sqlite_url(tmp_path / "rallye.db"), sqlite_connections=2)
    try:
        async with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                pragmas: dict[str, object] = {
                    name: (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
                    for name in ("journal_mode", "foreign_keys", "synchronous")
                }
                assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1}
    finally:
        await engine.dispose()


async def test_a_write_waits_for_another_writer_without_stopping_the_bot(tmp_path: Path):
    path = tmp_path / "rallye.db"
    engine = create_engine(sqlite_url(path))
    try:
        await migrate(engine)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await uow.rallies.ensure("spring", at=START)
            await uow.commit()
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        ticks = 0

        async def rest_of_the_bot() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        others = asyncio.create_task(rest_of_the_bot())
        try:
            async with SqlUnitOfWork(session_factory(engine)) as uow:
                claiming = asyncio.create_task(uow.updates.claim("spring", 1, at=START))
                await asyncio.sleep(0.3)
                assert not claiming.done()  # waiting for the lock...
                assert ticks >= 10  # ...while the event loop serves everything else
                other.rollback()
                assert await asyncio.wait_for(claiming, timeout=2)
                await uow.commit()
        finally:
            others.cancel()
            other.close()
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            assert not await uow.updates.claim("spring", 1, at=START)  # it was stored once
    finally:
        await engine.dispose()


async def test_foreign_keys_are_enforced(tmp_path: Path):
    engine = create_engine(sqlite_url(tmp_path / "rallye.db"))
    try:
        await migrate(engine)
        async with engine.connect() as connection:
            with pytest.raises(IntegrityError, match="FOREIGN KEY"):
                await connection.execute(
                    text(
                        "INSERT INTO teams (rally_id, name, code, position, created_at)"
                        " VALUES ('nowhere', 'Foxes', 'FOX-1', 0, '2025-06-14 09:00:00')"
                    )
                )
    finally:
        await engine.dispose()


async def test_the_database_directory_is_created(tmp_path: Path):
    database = tmp_path / "var" / "data" / "rallye.db"
    engine = create_engine(sqlite_url(database))
    try:
        await migrate(engine)
    finally:
        await engine.dispose()

    assert database.is_file()
