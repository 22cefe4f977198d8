"""The leaderboard: every team's points, stages done and finish time, ranked."""

from __future__ import annotations

from bot.core.engine import Progress, Ranked, Standing, rank
from bot.services.base import Services, progress_of
from bot.storage.models import TeamRow


def standing_of(team: TeamRow, progress: Progress) -> Standing:
    """A team's result as the ranking needs it."""
    return Standing(team.id, team.name, progress.score, progress.stages_done, progress.finished_at)


class LeaderboardService:
    """Reads the standings from storage and ranks them with the engine's rules."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def ranking(self) -> list[Ranked]:
        """The current ranking of every team."""
        rally_id = self.services.rally.id
        async with self.services.new_uow() as uow:
            teams = {team.id: team for team in await uow.teams.list(rally_id)}
            rows = await uow.progress.list(rally_id)
        return rank([standing_of(teams[row.team_id], progress_of(row)) for row in rows])
