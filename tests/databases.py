"""The databases tests run on: SQLite always, PostgreSQL when RALLY_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import create_engine

POSTGRES_URL = os.environ.get("RALLY_TEST_DATABASE_URL", "")

BACKENDS = [pytest.param("sqlite", id="sqlite")]
if POSTGRES_URL:
    BACKENDS.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite database file."""
    return f"sqlite+aiosqlite:///{path}"


def database_url(backend: str, tmp_path: Path) -> str:
    """A database URL for a test: a fresh SQLite file, or the test PostgreSQL database."""
    if backend == "sqlite":
        return sqlite_url(tmp_path / "var" / "rallye.sqlite3")
    return POSTGRES_URL


async def reset(url: str) -> None:
    """Empty the PostgreSQL test database (a fresh SQLite file needs nothing)."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()


@asynccontextmanager
async def empty_database(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database, disposed of afterwards.

    On SQLite it has several connections, as if several processes shared the file: the
    storage tests interleave transactions that the bot's single connection would serialise.
    """
    url = database_url(backend, tmp_path)
    await reset(url)
    engine = create_engine(url, sqlite_connections=4)
    try:
        yield engine
    finally:
        await engine.dispose()
