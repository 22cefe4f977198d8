"""What every service shares: the rally, a fresh unit of work per decision, the clock."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.core.content import Rally
from bot.core.engine import Progress, TeamState
from bot.storage.errors import ConcurrentChange
from bot.storage.models import ProgressRow
from bot.storage.uow import SqlUnitOfWork

if TYPE_CHECKING:
    from bot.services.play import Outcome

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], datetime]
MAX_RETRIES = 5


def utc_now() -> datetime:
    """The real clock, in UTC."""
    return datetime.now(UTC)


class NewsStage(Protocol):
    """Writes what an action's teammates should be told into the action's own transaction
    (`bot.services.news.NewsService.stage`): committed with the decision, or not at all."""

    async def __call__(self, uow: SqlUnitOfWork, outcome: Outcome) -> None: ...


@dataclass(frozen=True)
class Services:
    """The dependencies of every service."""

    rally: Rally
    new_uow: Callable[[], SqlUnitOfWork]
    clock: Clock = utc_now
    news: NewsStage | None = None
    """Where teammates' news goes; None where nobody is told (the command line, tests of
    the services alone)."""

    async def stage_news(self, uow: SqlUnitOfWork, outcome: Outcome) -> None:
        """Queue the outcome's teammates' news in `uow`'s transaction, before its commit."""
        if self.news is not None and not outcome.duplicate:
            await self.news(uow, outcome)

    async def retrying(self, work: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
        """Run `work` in a fresh unit of work, again from scratch if a concurrent change won.

        The retry re-reads the state, so the second member answering the same question meets
        the question already closed and is told so, instead of scoring twice.
        """
        for attempt in range(1, MAX_RETRIES + 1):
            try:
                async with self.new_uow() as uow:
                    return await work(uow)
            except ConcurrentChange:
                if attempt == MAX_RETRIES:
                    raise
                log.info("concurrent change, retrying (attempt %d)", attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def progress_of(row: ProgressRow) -> Progress:
    """The engine's view of a stored progress row."""
    return Progress(
        state=TeamState(row.state),
        route=tuple(row.route),
        stage_index=row.stage_index,
        question_index=row.question_index,
        attempts_used=row.attempts_used,
        hints_used=row.hints_used,
        score=row.score,
        tried=tuple(row.tried or ()),
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def store_progress(row: ProgressRow, progress: Progress, at: datetime) -> None:
    """Copy a decided progress onto its row (the version column guards concurrent writers)."""
    row.state = progress.state.value
    row.route = list(progress.route)
    row.stage_index = progress.stage_index
    row.question_index = progress.question_index
    row.attempts_used = progress.attempts_used
    row.hints_used = progress.hints_used
    row.score = progress.score
    row.tried = list(progress.tried)
    row.started_at = progress.started_at
    row.finished_at = progress.finished_at
    row.last_activity_at = at
