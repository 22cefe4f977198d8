"""The handlers' typed context and the runtime they share (PTB's `bot_data`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.content import Rally
from bot.i18n import Catalogs, Translator
from bot.outbox import OutboxWorker
from bot.services.base import Clock, Services, utc_now
from bot.services.broadcasts import BroadcastService
from bot.services.leaderboard import LeaderboardService
from bot.services.play import PlayService
from bot.services.teams import TeamService
from bot.services.timeline import TimelineService
from bot.services.views import Member
from bot.settings import Settings


@dataclass
class Runtime:
    """What every handler needs, created in `post_init` (PTB's `bot_data`)."""

    settings: Settings | None = None
    rally: Rally | None = None
    catalogs: Catalogs | None = None
    services: Services | None = None
    clock: Clock = utc_now
    outbox: OutboxWorker | None = None
    """Sends broadcasts: started in `post_init`, stopped before the bot shuts down."""
    extra: dict[str, Any] = field(default_factory=dict)

    def ready(self) -> Services:
        """The services, once `post_init` has run."""
        if self.services is None:
            raise RuntimeError("the application has not been initialised")
        return self.services

    @property
    def teams(self) -> TeamService:
        """Players and teams."""
        return TeamService(self.ready())

    @property
    def play(self) -> PlayService:
        """Team actions."""
        return PlayService(self.ready())

    @property
    def timeline(self) -> TimelineService:
        """The day's phases."""
        return TimelineService(self.ready())

    @property
    def leaderboard(self) -> LeaderboardService:
        """The ranking."""
        return LeaderboardService(self.ready())

    @property
    def broadcasts(self) -> BroadcastService:
        """Messages to many players, sent by the outbox worker."""
        return BroadcastService(self.ready(), self.catalogs)


class RallyContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], Runtime]):
    """The handlers' context: the runtime, and the reader's language resolved once per update."""

    tr: Translator
    player: Member | None

    @property
    def runtime(self) -> Runtime:
        """The bot's runtime (services, rally, catalogs)."""
        return self.bot_data

    @property
    def rally(self) -> Rally:
        """The rally being played."""
        assert self.bot_data.rally is not None
        return self.bot_data.rally


RallyApplication = Application[
    ExtBot[None], RallyContext, dict[Any, Any], dict[Any, Any], Runtime, Any
]
