"""Watching the teams: where each one is, how long since it did anything, which seem stuck."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.engine import RallyPhase, TeamState
from bot.services.base import Services, progress_of
from bot.services.views import Member, TeamView
from bot.storage.models import ProgressRow, TeamRow
from bot.storage.uow import SqlUnitOfWork


@dataclass(frozen=True)
class TeamWatch:
    """A team as organisers watch it."""

    team: TeamView
    last_activity_at: datetime
    last_lat: float | None
    last_lon: float | None
    idle: timedelta | None  # how long it has been idle, when that is worth a flag

    @property
    def stuck(self) -> bool:
        """Whether the team has been idle longer than the rally's threshold."""
        return self.idle is not None


class MonitoringService:
    """Progress of every team for `/progress`, and the idle-team alerts."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.rally = services.rally

    @property
    def threshold(self) -> timedelta:
        """How long a playing team may stay idle before organisers hear of it."""
        return timedelta(minutes=self.rally.rally.idle_alert_minutes)

    def _watch(
        self,
        team: TeamRow,
        row: ProgressRow,
        members: tuple[Member, ...],
        phase: RallyPhase,
        now: datetime,
    ) -> TeamWatch:
        progress = progress_of(row)
        idle = now - row.last_activity_at
        playing = phase is RallyPhase.RUNNING and progress.state not in (
            TeamState.WAITING,
            TeamState.FINISHED,
        )
        flagged = idle if playing and idle >= self.threshold else None
        return TeamWatch(
            TeamView.of(team, members, progress),
            row.last_activity_at,
            row.last_lat,
            row.last_lon,
            flagged,
        )

    async def _all(self, uow: SqlUnitOfWork, now: datetime) -> list[tuple[TeamWatch, ProgressRow]]:
        rally_row = await uow.rallies.ensure(self.rally.id, at=now)
        phase = RallyPhase(rally_row.phase)
        teams = {team.id: team for team in await uow.teams.list(self.rally.id)}
        players = await uow.players.members_by_team(self.rally.id)
        watched = []
        for row in await uow.progress.list(self.rally.id):
            team = teams[row.team_id]
            members = tuple(Member.of(p) for p in players.get(team.id, ()))
            watched.append((self._watch(team, row, members, phase, now), row))
        watched.sort(key=lambda pair: pair[0].team.position)
        return watched

    async def overview(self) -> list[TeamWatch]:
        """Every team, in position order, with idle teams flagged."""
        async with self.services.new_uow() as uow:
            return [watch for watch, _ in await self._all(uow, self.services.clock())]

    async def newly_stuck(self) -> list[TeamWatch]:
        """Teams idle past the threshold that organisers have not yet been told about.

        Each idle spell is reported once: the alert time is stored, and a team is reported
        again only after it has done something since.
        """

        async def work(uow: SqlUnitOfWork) -> list[TeamWatch]:
            now = self.services.clock()
            stuck = []
            for watch, row in await self._all(uow, now):
                told = (
                    row.idle_alerted_at is not None and row.idle_alerted_at > row.last_activity_at
                )
                if watch.stuck and not told:
                    row.idle_alerted_at = now
                    stuck.append(watch)
            await uow.commit()
            return stuck

        return await self.services.retrying(work)
