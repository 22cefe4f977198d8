"""The leaderboard: every team's points, stages done and finish time, ranked."""

from __future__ import annotations

from bot.core.engine import Progress, Ranked, Standing, rank
from bot.services.base import Services, progress_of
from bot.storage.models import TeamRow
from bot.storage.uow import SqlUnitOfWork


def standing_of(team: TeamRow, progress: Progress) -> Standing:
    """A team's result as the ranking needs it."""
    return Standing(team.id, team.name, progress.score, progress.stages_done, progress.finished_at)


class LeaderboardService:
    """Reads the standings from storage and ranks them with the engine's rules."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def ranking(self) -> list[Ranked]:
        """The current ranking of every team."""
        async with self.services.new_uow() as uow:
            return await ranking_in(uow, self.services.rally.id)


async def ranking_in(uow: SqlUnitOfWork, rally_id: str) -> list[Ranked]:
    """Every team of the rally ranked, as `uow` reads them (its own writes included)."""
    teams = {team.id: team for team in await uow.teams.list(rally_id)}
    rows = await uow.progress.list(rally_id)
    return rank([standing_of(teams[row.team_id], progress_of(row)) for row in rows])


def rank_of(ranking: list[Ranked], team_id: int) -> tuple[int, int] | None:
    """A team's place and the number of teams ranked; None if it is not ranked."""
    for entry in ranking:
        if entry.standing.team_id == team_id:
            return entry.rank, len(ranking)
    return None
