"""Fault tests: a bot whose Bot API timeouts are short and whose retry pauses never sleep.

`pauses` (autouse) swaps `bot.telegram.delivery.RETRY` for a policy whose pauses are recorded, not
slept, and can be held until a test releases them; the application is built with a short read
timeout so that a hanging Bot API call times out within a second. Hypothesis' profiles live
here too: `ci` (the default) is bounded and derandomized so CI stays fast and stable;
`HYPOTHESIS_PROFILE=explore` runs many more random examples.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

import bot.telegram.app
import bot.telegram.delivery
from bot.telegram.delivery import RetryPolicy
from bot.telegram.transport import BotApiTimeouts
from loopback.server import Clock as ApiClock
from tests.bot.conftest import DEFAULT_RALLY, FAST, World, open_world
from tests.databases import BACKENDS

hypothesis_settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,  # an example goes through HTTP and a database: its time varies
    derandomize=True,
    database=None,
    print_blob=True,
    # one bot serves every example of a test (starting it per example would take minutes)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hypothesis_settings.register_profile(
    "explore", parent=hypothesis_settings.get_profile("ci"), max_examples=2000, derandomize=False
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

READ_TIMEOUT = 1.0
"""Seconds before a Bot API call the loopback holds times out (production: 10 s)."""


@dataclass
class Pauses:
    """The retry policy's pauses: recorded instead of slept, the next one held on demand."""

    waits: list[float] = field(default_factory=list)
    on_pause: Callable[[float], None] | None = None
    """Called with each pause (a test's fake clock can move on by it)."""
    hold_next: bool = False
    holding: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, seconds: float) -> None:
        """Pause as the retry policy asks: record it, and wait if a test holds it."""
        self.waits.append(seconds)
        if self.on_pause is not None:
            self.on_pause(seconds)
        if self.hold_next:
            self.hold_next = False
            self.holding.set()
            await self.released.wait()
        await asyncio.sleep(0)  # a pause lets the other tasks run, as a real one would

    def release(self) -> None:
        """Let the held pause end."""
        self.released.set()


@pytest.fixture(autouse=True)
def pauses(monkeypatch: pytest.MonkeyPatch) -> Pauses:
    """Retry pauses that never sleep, and Bot API calls that time out after READ_TIMEOUT."""
    recorded = Pauses()
    monkeypatch.setattr(bot.telegram.delivery, "RETRY", RetryPolicy(sleep=recorded))
    timeouts = BotApiTimeouts(connect=2.0, read=READ_TIMEOUT, write=2.0, pool=2.0)
    monkeypatch.setattr(bot.telegram.app, "BOT_API_TIMEOUTS", timeouts)
    return recorded


@asynccontextmanager
async def fault_world(
    tmp_path: Path,
    backend: str,
    *,
    flood_limit: int = FAST,
    api_clock: ApiClock = time.monotonic,
) -> AsyncIterator[World]:
    """The bot (rate limiter at `flood_limit`, 0: none) against a loopback without flood limit.

    The fuzzers write faster than a person could, example after example in one chat: here that
    is no flood to merge (`tests/faults/test_floods.py` tests floods)."""
    async for world in open_world(
        tmp_path,
        backend,
        DEFAULT_RALLY,
        flood_limit=flood_limit,
        server_per_second=None,
        api_clock=api_clock,
        chat_update_burst=FAST,
    ):
        yield world


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database the bot runs on: SQLite, and PostgreSQL when configured."""
    return str(request.param)


@pytest.fixture
async def world(tmp_path: Path, backend: str) -> AsyncIterator[World]:
    """The bot over HTTP against the loopback, on a fresh database."""
    async with fault_world(tmp_path, backend) as running:
        yield running


class ErrorRecords(logging.Handler):
    """Every log record at ERROR or above, from anywhere."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def describe(self) -> list[str]:
        """Each record as a line, with its exception."""
        return [
            f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage()
            for r in self.records
        ]


@pytest.fixture
def error_records() -> Iterator[ErrorRecords]:
    """Collects ERROR records (an unhandled exception logs one through `handlers.errors`)."""
    handler = ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
