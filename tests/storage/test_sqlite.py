"""A SQLite database file is set up safely for a bot that reads and writes at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.storage.database import create_engine, migrate
from tests.databases import sqlite_url


async def test_every_connection_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path):
    # the bot has one connection; a CLI export or a second process opens others on the file
    engine = create_engine(sqlite_url(tmp_path / "rallye.db"), sqlite_connections=2)
    try:
        async with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                pragmas: dict[str, object] = {
                    name: (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
                    for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
                }
                assert pragmas == {
                    "journal_mode": "wal",
                    "foreign_keys": 1,
                    "busy_timeout": 5000,
                    "synchronous": 1,  # NORMAL
                }
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
