"""The handlers' typed context, each rally's runtime, and the deployment holding them.

One bot can run several rallies at once (a rally file per event). PTB's `bot_data` is the
`Deployment`: the settings, the database engine and one `Runtime` per rally. Each update is
played in one rally, chosen once before the handlers run (`handlers.reader`): the handlers
only ever see `context.runtime`, that rally's services, catalogs and staff.

A `Runtime` is built complete, once, by the composition root (`bot.telegram.app`, in
`post_init`): nothing in it is filled in later, so nobody asks whether it is ready.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.content import Rally
from bot.core.roles import Role, admins, organisers, recorders
from bot.core.throttle import Throttle
from bot.core.voices import VoiceKey
from bot.dashboard.access import DashboardAccess
from bot.i18n.catalogs import Catalogs, Translator
from bot.services.base import Clock, Services, utc_now
from bot.services.broadcasts import BroadcastService
from bot.services.exports import ExportService
from bot.services.keepsakes import KeepsakeService
from bot.services.leaderboard import LeaderboardService
from bot.services.monitoring import MonitoringService
from bot.services.news import NewsService
from bot.services.photos import PhotoService
from bot.services.play import PlayService
from bot.services.privacy import PrivacyService
from bot.services.survey import SurveyService
from bot.services.teams import TeamService
from bot.services.timeline import TimelineService
from bot.services.views import Member
from bot.services.voices import VoiceService
from bot.settings import Settings
from bot.telegram.intake import Intake
from bot.telegram.outbox import OutboxWorker
from bot.telegram.render.broadcast import TEXTS
from bot.telegram.render.play import final_words
from bot.telegram.team_news import TeamNews
from bot.voices.final import final_interface
from bot.voices.library import on_disk


@dataclass(frozen=True)
class Runtime:
    """One rally: its file, its catalogs and every service a handler calls, built once."""

    settings: Settings
    rally: Rally
    catalogs: Catalogs
    services: Services
    """The rally, a fresh unit of work per decision, and the clock: what every service shares."""
    teams: TeamService
    play: PlayService
    timeline: TimelineService
    leaderboard: LeaderboardService
    broadcasts: BroadcastService
    monitoring: MonitoringService
    exports: ExportService
    photos: PhotoService
    survey: SurveyService
    """The end-of-rally survey: its presses, counted anonymously, and its results."""
    news: NewsService
    """Teammates' news, queued for the outbox worker."""
    privacy: PrivacyService
    keepsakes: KeepsakeService
    """The city guide and the certificate a player keeps after the day."""
    voices: VoiceService
    """The voices of the rally's texts (🔊), and the players who listen."""
    """Purges the rally's personal data once its retention period is over."""
    outbox: OutboxWorker
    """Sends broadcasts: started in `post_init`, stopped before the bot shuts down."""
    recordings: dict[int, tuple[VoiceKey, str]] = field(default_factory=dict)
    """What each recorder chose to record next (`/record`), until their voice message comes
    (in memory: after a restart they choose again)."""
    help_requests: dict[int, datetime] = field(default_factory=dict)
    """When each team last raised 🆘 (in memory: a restart lets the next one through)."""
    certificate_requests: dict[int, datetime] = field(default_factory=dict)
    """Who asked for their certificate and is about to type their full name, since when (in
    memory: the name itself is never kept)."""
    guides: dict[str, bytes] = field(default_factory=dict)
    """The city guide's PDF by language, made once."""

    @classmethod
    def build(
        cls,
        settings: Settings,
        services: Services,
        catalogs: Catalogs,
        bot: ExtBot[Any],
        wrong_codes: Throttle[int],
    ) -> Runtime:
        """Every service of one rally over the same unit-of-work factory and clock.

        `wrong_codes`: the users' recent wrong join codes, one count for every rally of the
        bot (a code names its rally: a guesser tries them all at once).
        """
        rally = services.rally
        interface = final_interface(catalogs, final_words)
        voices = VoiceService(
            services,
            interface=interface,
            disk=lambda: on_disk(rally, rally.home, interface=interface),
        )
        broadcasts = BroadcastService(services, TEXTS, catalogs, has_voice=voices.has)
        news = NewsService(services, TeamNews(rally, catalogs, voices, services.clock))
        # every decision's teammates' news is written in the decision's own transaction
        services = dataclasses.replace(services, news=news.stage)
        return cls(
            settings=settings,
            rally=services.rally,
            catalogs=catalogs,
            services=services,
            teams=TeamService(services, wrong_codes=wrong_codes),
            play=PlayService(services),
            timeline=TimelineService(services),
            leaderboard=LeaderboardService(services),
            broadcasts=broadcasts,
            monitoring=MonitoringService(services),
            exports=ExportService(services),
            photos=PhotoService(services),
            survey=SurveyService(services),
            news=news,
            privacy=PrivacyService(services),
            keepsakes=KeepsakeService(services),
            voices=voices,
            # broadcasts go through the bot: its rate limiter paces them with the replies
            outbox=OutboxWorker(bot, broadcasts, news, voices=voices),
        )

    @property
    def clock(self) -> Clock:
        """The rally's clock (tests pass a fake one)."""
        return self.services.clock

    @property
    def dashboard_url(self) -> str:
        """The dashboard's Mini App address for this rally ('' without RALLY_PUBLIC_URL)."""
        url = self.settings.dashboard_url
        return f"{url}?rally={self.rally.id}" if url else ""

    def staff_ids(self, role: Role) -> frozenset[int]:
        """The users with a role (admins are organisers too), from the settings and the file."""
        if role is Role.ADMIN:
            return admins(self.settings, self.rally)
        return organisers(self.settings, self.rally)

    def has_role(self, user_id: int, role: Role) -> bool:
        """Whether a user has a role in this rally."""
        return user_id in self.staff_ids(role)

    def may_record(self, user_id: int) -> bool:
        """Whether a user may record the voices of the rally's texts (staff, translators)."""
        return user_id in recorders(self.settings, self.rally)

    def is_staff(self, user_id: int) -> bool:
        """Whether a user organises or runs this rally."""
        return self.has_role(user_id, Role.ORGANISER)


@dataclass
class Deployment:
    """Every rally the bot runs, in the order of their files (PTB's `bot_data`).

    PTB creates it empty; `build_application` gives it the settings and the rally files, and
    `post_init` opens it with one complete `Runtime` per rally.
    """

    settings: Settings | None = None
    clock: Clock = utc_now
    files: list[Rally] = field(default_factory=list)
    """The rallies to run, before `post_init` builds their runtimes."""
    rallies: dict[str, Runtime] = field(default_factory=dict)
    """Each rally's runtime by rally id; the first is the default."""
    engine: AsyncEngine | None = None
    """The database all rallies share, each row carrying its rally id."""
    intake: Intake | None = None
    """The inbox every update is stored in before Telegram is told it arrived."""
    access: DashboardAccess | None = None
    """Who may read the dashboard (`bot.dashboard.access`), set when the application is built."""

    def add(self, rally: Rally) -> None:
        """Register a rally to run (before `post_init`)."""
        if any(known.id == rally.id for known in self.files):
            raise ValueError(f"two rallies have the id {rally.id!r}")
        self.files.append(rally)

    def open(self, engine: AsyncEngine, runtimes: Sequence[Runtime], intake: Intake) -> None:
        """The database, every rally's runtime and the inbox, built by the composition root."""
        self.engine = engine
        self.rallies = {runtime.rally.id: runtime for runtime in runtimes}
        self.intake = intake

    @property
    def default(self) -> Runtime:
        """The first rally: for readers who belong to none yet, and for a single-rally bot."""
        if not self.rallies:
            raise RuntimeError("the application has not been initialised")
        return next(iter(self.rallies.values()))

    @property
    def several(self) -> bool:
        """Whether the bot runs more than one rally."""
        return len(self.rallies) > 1

    def runtimes(self) -> list[Runtime]:
        """Every rally's runtime, in file order."""
        return list(self.rallies.values())

    def rallies_of(self, user_id: int) -> list[str]:
        """The ids of the rallies a user organises or runs (the dashboard's check)."""
        return [runtime.rally.id for runtime in self.staffed_by(user_id)]

    def staffed_by(self, user_id: int) -> list[Runtime]:
        """The rallies a user organises or runs (RALLY_ADMINS/ORGANISERS: every rally)."""
        return [runtime for runtime in self.runtimes() if runtime.is_staff(user_id)]

    async def home_of(self, user_id: int) -> tuple[Runtime, Member | None]:
        """The rally a user's update is played in, and the player they are there (if any).

        Their team's rally; else the rally whose team they are joining (its information notice
        to acknowledge); else, for staff, the rally they last worked on (`/rally`), else the
        first they are staff of; else the rally they last wrote in; else the first rally.
        One query either way: the user's players in every rally, or in the only one.
        """
        if not self.several:
            return self.default, await self.default.teams.find(user_id)
        async with self.default.services.new_uow() as uow:
            rows = await uow.players.of_user(user_id)
        # one row per rally, in team first then latest seen; a rally no longer run is left out
        found = {row.rally_id: row for row in rows if row.rally_id in self.rallies}
        known = list(found)
        first = found[known[0]] if known else None
        in_team = first is not None and (
            first.team_id is not None or first.pending_code is not None
        )
        home = self._home(user_id, known, in_team=in_team)
        row = found.get(home.rally.id)
        return home, Member.of(row) if row is not None else None

    def _home(self, user_id: int, known: list[str], *, in_team: bool) -> Runtime:
        if in_team:
            return self.rallies[known[0]]
        staffed = self.staffed_by(user_id)
        for rally_id in known:
            if self.rallies[rally_id] in staffed:
                return self.rallies[rally_id]
        if staffed:
            return staffed[0]
        return self.rallies[known[0]] if known else self.default

    async def rally_of_photo(self, photo_id: int) -> Runtime | None:
        """The rally a team photo was sent in (its review buttons may be pressed from any)."""
        async with self.default.services.new_uow() as uow:
            row = await uow.photos.get(photo_id)
        return self.rallies.get(row.rally_id) if row is not None else None

    async def rally_of_code(self, code: str) -> Runtime | None:
        """The rally whose team has this join code (codes are unique across rallies)."""
        if not self.several:
            return self.default
        async with self.default.services.new_uow() as uow:
            team = await uow.teams.by_code_in(self.rallies, code.strip())
        return self.rallies[team.rally_id] if team is not None else None


class RallyContext(CallbackContext[ExtBot[int], dict[Any, Any], dict[Any, Any], Deployment]):
    """The handlers' context: the update's rally, and the reader's language, resolved once."""

    tr: Translator
    player: Member | None
    _runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        """The rally this update is played in (a job's: the rally it was planned for)."""
        if self._runtime is not None:
            return self._runtime
        job = self.job
        if job is not None and isinstance(job.data, str) and job.data in self.bot_data.rallies:
            return self.bot_data.rallies[job.data]
        return self.bot_data.default

    def use(self, runtime: Runtime) -> None:
        """Play the rest of this update in `runtime`'s rally."""
        self._runtime = runtime

    @property
    def rally(self) -> Rally:
        """The rally being played."""
        return self.runtime.rally

    def for_staff(self, text: str) -> str:
        """A message to organisers, named with its rally's id when the bot runs several."""
        return f"[{self.rally.id}] {text}" if self.bot_data.several else text


RallyApplication = Application[
    ExtBot[int], RallyContext, dict[Any, Any], dict[Any, Any], Deployment, Any
]
