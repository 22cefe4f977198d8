"""SQLite run in the event loop's own thread, for SQLAlchemy's asyncio engine.

SQLAlchemy's `sqlite+aiosqlite` driver runs every call in aiosqlite's worker thread and waits
for it: four round trips between the threads per statement (open a cursor, execute, fetch,
close), each waiting for a turn of a busy event loop. The statements themselves take tens of
microseconds on a local file in WAL mode, so the trips were the cost: under load a unit of work
held the bot's one connection for 4.5 ms on average, and that connection became the bot's
limit (`bench/RESULTS.md`, section 7). Here the same `sqlite3` calls run directly, and
`create_engine` hands these connections to SQLAlchemy through its documented `async_creator`
hook (the aiosqlite dialect adapts them like aiosqlite's own).

The one call that could block is a write waiting for another connection's lock. SQLite's own
busy handler would sleep in the event loop's thread, so it is off (`busy_timeout=0`) and the
wait is done here instead: the statement is tried again after an `asyncio.sleep`, for at most
`busy_timeout` seconds, then SQLite's "database is locked" is raised as before
(`bot.storage.conflicts` turns it into a concurrent change). Everything else the bot does goes
on meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

FIRST_PAUSE = 0.001
"""Seconds before a locked write is tried again; doubled each time, up to `LONGEST_PAUSE`."""
LONGEST_PAUSE = 0.02


def _locked(error: sqlite3.OperationalError) -> bool:
    return str(error).startswith(("database is locked", "database table is locked"))


class InlineConnection:
    """A `sqlite3` connection with aiosqlite's awaitable interface, run without a thread."""

    def __init__(self, connection: sqlite3.Connection, busy_timeout: float) -> None:
        self._connection: sqlite3.Connection | None = connection
        self.busy_timeout = busy_timeout
        connection.execute("PRAGMA busy_timeout=0")  # the waiting is done in `run`

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """`call(*args)` now; while another connection holds the write lock, again later."""
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        pause = FIRST_PAUSE
        while True:
            try:
                return call(*args)
            except sqlite3.OperationalError as error:
                if not _locked(error):
                    raise
                now = loop.time()
                if deadline is None:
                    deadline = now + self.busy_timeout
                if now >= deadline:
                    raise
                await asyncio.sleep(min(pause, deadline - now))
                pause = min(pause * 2, LONGEST_PAUSE)

    def cursor(self) -> _CursorOpening:
        return _CursorOpening(self)

    def _new_cursor(self) -> InlineCursor:
        return InlineCursor(self, self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        return await self._new_cursor().execute(sql, parameters)

    async def commit(self) -> None:
        await self.run(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's "terminate", for a connection it gives up on)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)


class _CursorOpening:
    """What `cursor()` returns: awaited, or entered with `async with`, it gives the cursor."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection

    def __await__(self) -> Any:
        return self.__aenter__().__await__()

    async def __aenter__(self) -> InlineCursor:
        return self._connection._new_cursor()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


class InlineCursor:
    """A `sqlite3` cursor with aiosqlite's awaitable interface."""

    def __init__(self, connection: InlineConnection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        await self._connection.run(self._cursor.execute, sql, parameters or ())
        return self

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> InlineCursor:
        batch = list(rows)  # tried again whole if the lock is taken
        await self._connection.run(self._cursor.executemany, sql, batch)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


def connector(database: str, busy_timeout: float) -> Callable[[], Any]:
    """SQLAlchemy's `async_creator`: a new inline connection to the file (or `:memory:`)."""

    async def connect() -> InlineConnection:
        # sqlite3's default transaction handling, as with aiosqlite: reads run on their own
        # and a transaction begins at the first write
        connection = sqlite3.connect(
            database,
            check_same_thread=False,  # SQLAlchemy may close it from its pool's finaliser
            uri=database.startswith("file:"),
        )
        return InlineConnection(connection, busy_timeout)

    return connect
