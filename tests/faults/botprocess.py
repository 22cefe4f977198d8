"""The bot as production runs it, `python -m bot` in a process of its own, and its database.

`BotProcess` starts the real command line against a loopback Bot API of the test, kills it
(SIGKILL: no `post_stop`, no last getUpdates confirming what it fetched) and starts it again;
each run's output goes to a log file the test reads. `RallyDatabase` is the test's own
read-only view of the SQLite file the bot writes, what an organiser would look at after a crash.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Collection, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.engine import Progress
from bot.services.base import progress_of
from bot.storage.database import create_engine, session_factory
from bot.storage.models import (
    AnswerRow,
    CheckinRow,
    InboxRow,
    PlayerRow,
    ProcessedUpdateRow,
    ProgressRow,
)

START_TIMEOUT = 30.0
"""Seconds for a fresh process to import, migrate and poll (a loaded 2-core machine is slow)."""
STOP_TIMEOUT = 20.0
_SETTINGS_PREFIXES = ("TELEGRAM_", "RALLY_", "DATABASE_URL", "LOG_LEVEL")


@dataclass
class BotProcess:
    """`python -m bot` polling `base_url`, started, killed and started again by the test."""

    base_url: str
    token: str
    database_url: str
    rally_file: Path
    admins: Collection[int]
    directory: Path
    flood_limit: int = 0
    """RALLY_FLOOD_LIMIT: 0 lifts the limiter (for a loopback without flood limit)."""
    chat_flood_limit: float = 1.0
    """RALLY_CHAT_FLOOD_LIMIT: messages a second to one chat, with the limiter on."""
    runs: int = 0
    process: asyncio.subprocess.Process | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    def environment(self) -> dict[str, str]:
        """This machine's environment without the bot's settings, then the test's settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SETTINGS_PREFIXES)}
        env.update(
            TELEGRAM_BOT_TOKEN=self.token,
            TELEGRAM_API_BASE_URL=self.base_url,
            DATABASE_URL=self.database_url,
            RALLY_FILE=str(self.rally_file),
            RALLY_ADMINS=",".join(str(user_id) for user_id in self.admins),
            RALLY_FLOOD_LIMIT=str(self.flood_limit),
            RALLY_CHAT_FLOOD_LIMIT=str(self.chat_flood_limit),
            RALLY_LISTEN="127.0.0.1",
            RALLY_PORT="0",  # /healthz on any free port: never the internet, never a clash
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        return env

    def log_path(self, run: int) -> Path:
        """Where the output of the `run`-th start (0-based) goes."""
        return self.directory / f"bot-run-{run}.log"

    async def start(self) -> None:
        """Start a new process (cwd: the test's directory, so no `.env` is read)."""
        if self.running:
            raise RuntimeError("the bot is already running")
        self._close_log()
        self._log = self.log_path(self.runs).open("wb")
        self.runs += 1
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.directory,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def running(self) -> bool:
        """Whether the process was started and has not ended."""
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        """SIGKILL: the process ends at once, whatever it was doing."""
        process = self.process
        assert process is not None and process.returncode is None, "the bot is not running"
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert process.returncode == -signal.SIGKILL, process.returncode

    async def stop(self) -> int:
        """SIGTERM, as `docker stop` sends: the bot stops cleanly; its exit status."""
        process = self.process
        assert process is not None
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(STOP_TIMEOUT):
                await process.wait()
        self._close_log()
        assert process.returncode is not None
        return process.returncode

    async def close(self) -> None:
        """Make sure nothing is left running (after a failed test, say)."""
        process = self.process
        if process is not None and process.returncode is None:
            with suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        self._close_log()

    def logs(self) -> list[str]:
        """Every run's output, one string per run."""
        return [
            self.log_path(run).read_text(encoding="utf-8", errors="replace")
            for run in range(self.runs)
        ]

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass(frozen=True)
class TeamRecords:
    """What the database holds for one team: its progress and every scored record."""

    progress: Progress
    checkins: list[str]
    """Stage ids, in the order the check-ins were stored."""
    answers: list[tuple[str, bool]]
    """(question id, correct), in the order the answers were stored."""


class RallyDatabase:
    """Read-only queries of the test on the bot's database."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_engine(url)
        self.sessions = session_factory(self.engine)

    async def close(self) -> None:
        """Release the connections."""
        await self.engine.dispose()

    async def team_of(self, user_id: int) -> int | None:
        """The team id of a Telegram user (None before they joined)."""
        async with self.engine.connect() as connection:
            found = await connection.scalar(
                select(PlayerRow.team_id).where(PlayerRow.telegram_user_id == user_id)
            )
        return int(found) if found is not None else None

    async def progress(self, team_id: int) -> Progress:
        """A team's stored progress."""
        async with self.sessions() as session:
            row = await session.get_one(ProgressRow, team_id)
            return progress_of(row)

    async def processed(self, update_ids: Sequence[int]) -> set[int]:
        """Which of these update ids the bot recorded as handled."""
        if not update_ids:
            return set()
        async with self.engine.connect() as connection:
            found = await connection.scalars(
                select(ProcessedUpdateRow.update_id).where(
                    ProcessedUpdateRow.update_id.in_(list(update_ids))
                )
            )
            return set(found)

    async def in_inbox(self, update_ids: Sequence[int]) -> set[int]:
        """Which of these update ids the bot stored in its inbox (handled or to be handled)."""
        if not update_ids:
            return set()
        async with self.engine.connect() as connection:
            found = await connection.scalars(
                select(InboxRow.update_id).where(InboxRow.update_id.in_(list(update_ids)))
            )
            return set(found)

    async def processed_count(self) -> int:
        """How many updates the bot recorded as handled."""
        async with self.engine.connect() as connection:
            count = await connection.scalar(select(func.count()).select_from(ProcessedUpdateRow))
        return int(count or 0)

    async def records(self, team_id: int) -> TeamRecords:
        """A team's progress, check-ins and answers."""
        async with self.engine.connect() as connection:
            checkins = await connection.scalars(
                select(CheckinRow.stage_id)
                .where(CheckinRow.team_id == team_id)
                .order_by(CheckinRow.id)
            )
            answers = await connection.execute(
                select(AnswerRow.question_id, AnswerRow.correct)
                .where(AnswerRow.team_id == team_id)
                .order_by(AnswerRow.id)
            )
            stage_ids = list(checkins)
            given = [(str(question), bool(correct)) for question, correct in answers]
        return TeamRecords(await self.progress(team_id), stage_ids, given)
