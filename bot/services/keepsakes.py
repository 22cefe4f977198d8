"""What a player keeps after the day: their city guide and their certificate of participation.

Both are for a player whose team has finished its route, or whose rally has finished (before,
the guide's addresses would give the stages away), and until the rally's personal data is
purged (the certificate names the player; the guide needs them to be a player still).

The certificate's full name is never stored: the player types it, the PDF is made from it and
sent, and it is gone (`handlers.keepsakes`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.engine import TeamState
from bot.core.phase import RallyPhase
from bot.services.base import Services, progress_of
from bot.storage.uow import SqlUnitOfWork


class KeepsakeRefusal(enum.StrEnum):
    """Why a player cannot have their guide or certificate yet (or any more)."""

    NOT_IN_TEAM = "not_in_team"
    NOT_FINISHED = "not_finished"
    """Neither their team nor the rally has finished."""
    PURGED = "purged"
    """The rally's personal data was purged: the bot no longer knows who played."""


@dataclass(frozen=True)
class Keepsake:
    """What the guide and the certificate are made of, for one player."""

    language: str
    route: tuple[str, ...]
    """The team's stages in the order it walked them."""
    visited: tuple[str, ...]
    """The stages the team checked in at, in the order it did."""
    day: date
    """The day of the rally, in its timezone."""


class KeepsakeService:
    """Reads who may have their keepsakes, and what goes in them."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.rally = services.rally

    async def of(self, user_id: int) -> Keepsake | KeepsakeRefusal:
        """A player's keepsake, or why not."""
        async with self.services.new_uow() as uow:
            return await self._of(uow, user_id)

    async def _of(self, uow: SqlUnitOfWork, user_id: int) -> Keepsake | KeepsakeRefusal:
        rally_row = await uow.rallies.get(self.rally.id)
        if rally_row is not None and rally_row.purged_at is not None:
            return KeepsakeRefusal.PURGED
        player = await uow.players.by_user(self.rally.id, user_id)
        if player is None or player.team_id is None:
            return KeepsakeRefusal.NOT_IN_TEAM
        row = await uow.progress.get(player.team_id)
        if row is None:
            return KeepsakeRefusal.NOT_IN_TEAM
        progress = progress_of(row)
        rally_over = rally_row is not None and rally_row.phase == RallyPhase.FINISHED.value
        if progress.state is not TeamState.FINISHED and not rally_over:
            return KeepsakeRefusal.NOT_FINISHED
        checkins = await uow.records.checkins(player.team_id)
        visited = tuple(
            dict.fromkeys(c.stage_id for c in checkins if self.rally.has_stage(c.stage_id))
        )
        moment = progress.started_at or (rally_row.started_at if rally_row else None)
        return Keepsake(player.language, progress.route, visited, self._day(moment))

    def _day(self, moment: datetime | None) -> date:
        when = moment or self.services.clock()
        return when.astimezone(self.rally.rally.zone).date()
