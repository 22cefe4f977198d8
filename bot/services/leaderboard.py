"""The leaderboard: every team's points, stages done and finish time, ranked."""

from __future__ import annotations

from bot.engine import Ranked, Standing, rank
from bot.services.base import Services, progress_of


class LeaderboardService:
    """Reads the standings from storage and ranks them with the engine's rules."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def ranking(self) -> list[Ranked]:
        """The current ranking of every team."""
        rally_id = self.services.rally.id
        async with self.services.new_uow() as uow:
            teams = {team.id: team for team in await uow.teams.list(rally_id)}
            standings = []
            for row in await uow.progress.list(rally_id):
                progress = progress_of(row)
                team = teams[row.team_id]
                standings.append(
                    Standing(
                        team.id,
                        team.name,
                        progress.score,
                        progress.stages_done,
                        progress.finished_at,
                    )
                )
        return rank(standings)
