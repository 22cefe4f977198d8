"""Connecting to the database, migrating it, and making sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from bot.storage.inline_sqlite import connector

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
"""The Alembic script directory shipped inside the `bot` package."""

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers do not block the writer
    "PRAGMA foreign_keys=ON",  # SQLite ignores foreign keys unless told
    "PRAGMA synchronous=NORMAL",  # safe with WAL, far fewer fsyncs
)
SQLITE_BUSY_TIMEOUT = 5.0
"""Seconds a write waits for another connection's lock before "database is locked"; waited
with `asyncio.sleep` (`bot.storage.inline_sqlite`), never blocking the event loop."""


def create_engine(url: str, *, sqlite_connections: int = 1) -> AsyncEngine:
    """Create the async engine for `sqlite+aiosqlite://` or `postgresql+asyncpg://` URLs.

    For a SQLite file, its directory is created, the bot shares one connection (`bench/RESULTS.md`
    measured it against several), run in the event loop's thread (`bot.storage.inline_sqlite`),
    and it gets `SQLITE_PRAGMAS`. `sqlite_connections` is for tests that play several
    processes writing to one file at once.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # One connection, taken in turn: SQLite has one writer at a time, and a second
        # connection would wait for it by polling (`inline_sqlite`; SQLite's own busy handler
        # sleeps 1, 2, 5... 100 ms) where the pool's queue hands the connection over the
        # moment it is free. The cost: nothing may hold it while awaiting Telegram.
        engine = create_async_engine(
            parsed,
            async_creator=connector(database or ":memory:", SQLITE_BUSY_TIMEOUT),
            pool_size=sqlite_connections,
            max_overflow=0,
            pool_timeout=30,
        )
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_async_engine(
        parsed,
        pool_size=5,
        max_overflow=10,
        pool_timeout=30,
        pool_pre_ping=True,  # survive a database restart between updates
        pool_recycle=1800,
    )


def _set_sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def alembic_config() -> Config:
    """Alembic's configuration for the migrations shipped with the bot, without an ini file."""
    config = Config()
    # The ini parser treats '%' as interpolation, so a literal one must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Upgrade the database to the newest schema; does nothing if it is already there."""
    config = alembic_config()

    def upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to `engine` whose rows stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
