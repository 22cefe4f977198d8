"""The unit of work: one session and one transaction per decision of the service layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.conflicts import conflicts_as_concurrent_change
from bot.storage.repositories import (
    AuditRepository,
    BroadcastRepository,
    InboxRepository,
    OutboxRepository,
    PhotoRepository,
    PlayerRepository,
    PrivacyRepository,
    ProcessedUpdateRepository,
    ProgressRepository,
    RallyRepository,
    RecordRepository,
    SurveyRepository,
    TeamRepository,
    VoiceRepository,
)


@dataclass(frozen=True, slots=True)
class _Repositories:
    rallies: RallyRepository
    teams: TeamRepository
    players: PlayerRepository
    progress: ProgressRepository
    records: RecordRepository
    audit: AuditRepository
    updates: ProcessedUpdateRepository
    photos: PhotoRepository
    broadcasts: BroadcastRepository
    outbox: OutboxRepository
    inbox: InboxRepository
    privacy: PrivacyRepository
    voices: VoiceRepository
    survey: SurveyRepository

    @classmethod
    def on(cls, session: AsyncSession) -> _Repositories:
        return cls(
            rallies=RallyRepository(session),
            teams=TeamRepository(session),
            players=PlayerRepository(session),
            progress=ProgressRepository(session),
            records=RecordRepository(session),
            audit=AuditRepository(session),
            updates=ProcessedUpdateRepository(session),
            photos=PhotoRepository(session),
            broadcasts=BroadcastRepository(session),
            outbox=OutboxRepository(session),
            inbox=InboxRepository(session),
            privacy=PrivacyRepository(session),
            voices=VoiceRepository(session),
            survey=SurveyRepository(session),
        )


class SqlUnitOfWork:
    """`async with uow:` opens a session; only `await uow.commit()` makes its changes stick.

    Leaving the block without committing, or with an exception, rolls everything back. The
    same object can be entered again afterwards, which is how a service retries a decision
    after `ConcurrentChange`; it cannot be entered twice at once.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None
        self._repositories: _Repositories | None = None
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already in use: leave it before re-entering")
        self._session = self._session_factory()
        self._repositories = _Repositories.on(self._session)
        self._after_commit = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session, self._session, self._repositories = self._session, None, None
        if session is not None:
            # Closing rolls back whatever was not committed. Unlike rollback() it does not
            # expire the rows read in the block, so they stay readable after it (detached).
            await session.close()

    async def commit(self) -> None:
        """Commit the transaction; a concurrent update of the same rows raises ConcurrentChange."""
        with conflicts_as_concurrent_change():
            await self._active_session().commit()
        done, self._after_commit = self._after_commit, []
        for callback in done:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the next commit succeeded (wake a sender for rows written in
        this transaction, say); forgotten if the transaction is rolled back instead."""
        self._after_commit.append(callback)

    async def rollback(self) -> None:
        """Drop everything done since the last commit."""
        self._after_commit = []
        await self._active_session().rollback()

    @property
    def holds_row_locks(self) -> bool:
        """Whether rows read "for update" stay locked against other processes until the end.

        True on PostgreSQL. SQLite has no row locks, and its one connection is shared by the
        whole bot (`bot.storage.database.create_engine`), so it must not be held while waiting.
        """
        return self._active_session().get_bind().dialect.name != "sqlite"

    def _active_session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its 'async with' block")
        return self._session

    def _active_repositories(self) -> _Repositories:
        if self._repositories is None:
            raise RuntimeError("the unit of work is used outside its 'async with' block")
        return self._repositories

    @property
    def rallies(self) -> RallyRepository:
        """Rallies stored in this database."""
        return self._active_repositories().rallies

    @property
    def teams(self) -> TeamRepository:
        """Teams and their join codes."""
        return self._active_repositories().teams

    @property
    def players(self) -> PlayerRepository:
        """Players and their team membership."""
        return self._active_repositories().players

    @property
    def progress(self) -> ProgressRepository:
        """Each team's progress along its route."""
        return self._active_repositories().progress

    @property
    def records(self) -> RecordRepository:
        """Check-ins, answers, hints and awards."""
        return self._active_repositories().records

    @property
    def audit(self) -> AuditRepository:
        """The organisers' audit log."""
        return self._active_repositories().audit

    @property
    def updates(self) -> ProcessedUpdateRepository:
        """Telegram updates already handled."""
        return self._active_repositories().updates

    @property
    def photos(self) -> PhotoRepository:
        """Team photos and their review."""
        return self._active_repositories().photos

    @property
    def broadcasts(self) -> BroadcastRepository:
        """Organisers' broadcasts."""
        return self._active_repositories().broadcasts

    @property
    def outbox(self) -> OutboxRepository:
        """Messages waiting to be sent, and the ones sent."""
        return self._active_repositories().outbox

    @property
    def inbox(self) -> InboxRepository:
        """Telegram updates stored as they came, until handled."""
        return self._active_repositories().inbox

    @property
    def privacy(self) -> PrivacyRepository:
        """Erasing a rally's personal data once its retention period is over."""
        return self._active_repositories().privacy

    @property
    def voices(self) -> VoiceRepository:
        """The voices of the rally's texts."""
        return self._active_repositories().voices

    @property
    def survey(self) -> SurveyRepository:
        """Who took the end-of-rally survey, and the anonymous counts of its answers."""
        return self._active_repositories().survey
