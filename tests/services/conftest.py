"""A migrated database and the services on the mini rally, with a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.content import Rally
from bot.core.rally_file import load_rally
from bot.services.base import Services
from bot.services.leaderboard import LeaderboardService
from bot.services.play import PlayService
from bot.services.teams import TeamService
from bot.services.timeline import TimelineService
from bot.storage.database import migrate, session_factory
from bot.storage.uow import SqlUnitOfWork
from tests.clock import FakeClock
from tests.databases import BACKENDS, empty_database

MINI = load_rally(Path(__file__).parent.parent / "rally_files" / "mini.yaml")
ADMIN = 999


@dataclass
class App:
    """The services of one bot process, as the handlers see them."""

    services: Services
    clock: FakeClock
    sessions: async_sessionmaker[AsyncSession]

    @property
    def teams(self) -> TeamService:
        return TeamService(self.services)

    @property
    def play(self) -> PlayService:
        return PlayService(self.services)

    @property
    def timeline(self) -> TimelineService:
        return TimelineService(self.services)

    @property
    def leaderboard(self) -> LeaderboardService:
        return LeaderboardService(self.services)

    def uow(self) -> SqlUnitOfWork:
        return self.services.new_uow()


@pytest.fixture(params=BACKENDS)
async def app(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[App]:
    async with empty_database(request.param, tmp_path) as engine:
        await migrate(engine)
        sessions = session_factory(engine)
        clock = FakeClock()
        services = Services(rally=MINI, new_uow=lambda: SqlUnitOfWork(sessions), clock=clock)
        application = App(services, clock, sessions)
        await application.teams.sync_from_file()
        yield application


def rally_of(app: App) -> Rally:
    return app.services.rally
