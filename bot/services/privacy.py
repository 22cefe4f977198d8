"""Storage limitation: a rally's personal data is erased once its retention period is over.

Every rally file has a retention period (`rally.retention_days`, 30 days after the finish by
default). Then the players' personal data is purged (`PrivacyRepository.purge`): players lose
their Telegram id, chat and name (their language and team stay, linked to nobody), typed
answers and positions are emptied, photos lose their file id, the copies of messages to players
go, the organisers' broadcasts, awards and audit entries lose their author and words, and the
processed update ids go. What remains is anonymous: the teams' scores and records, counts by
stage and by language.

The bot plans the purge as a job at the end of the retention period (rebuilt at every start,
`handlers.day.schedule_day`); `python -m bot purge [--rally ID] [--dry-run]` runs it by hand.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.phase import RallyPhase
from bot.services.base import Services
from bot.storage.repositories import PurgeCounts
from bot.storage.uow import SqlUnitOfWork


class PurgeStatus(enum.StrEnum):
    """What a purge did, or why it did nothing."""

    PURGED = "purged"
    WOULD_PURGE = "would_purge"  # a dry run
    NOT_FINISHED = "not_finished"  # the rally is not over: its data is still in use
    NOT_DUE = "not_due"  # the retention period is not over (and the purge was not forced)
    ALREADY_PURGED = "already_purged"


@dataclass(frozen=True)
class Purge:
    """The outcome of a purge: its status, what it erased (or would), and when it is due."""

    status: PurgeStatus
    counts: PurgeCounts | None = None
    due_at: datetime | None = None


class PrivacyService:
    """Purges one rally's personal data."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def retention(self) -> timedelta:
        """How long after the finish the rally's personal data is kept."""
        return timedelta(days=self.services.rally.rally.retention_days)

    async def due_at(self) -> datetime | None:
        """When the rally's personal data is to be purged (None: not finished, or purged)."""
        async with self.services.new_uow() as uow:
            row = await uow.rallies.get(self.services.rally.id)
        if row is None or row.finished_at is None or row.purged_at is not None:
            return None
        return row.finished_at + self.retention

    async def purge(self, *, force: bool = False, dry_run: bool = False) -> Purge:
        """Erase the rally's personal data if its retention period is over (or `force`: as soon
        as it is finished); `dry_run` only counts what would go."""
        rally_id = self.services.rally.id
        now = self.services.clock()
        async with self.services.new_uow() as uow:
            row = await uow.rallies.get(rally_id)
            if row is None or row.phase != RallyPhase.FINISHED or row.finished_at is None:
                return Purge(PurgeStatus.NOT_FINISHED)
            if row.purged_at is not None:
                return Purge(PurgeStatus.ALREADY_PURGED)
            due = row.finished_at + self.retention
            if now < due and not force:
                return Purge(PurgeStatus.NOT_DUE, due_at=due)
            if dry_run:
                return Purge(PurgeStatus.WOULD_PURGE, await uow.privacy.count(rally_id), due)
            counts = await uow.privacy.purge(rally_id, at=now)
            await uow.audit.log(rally_id, 0, "purge", {"rows": counts.total}, at=now)
            await uow.commit()
        return Purge(PurgeStatus.PURGED, counts, due)

    async def forget(self, user_id: int) -> bool:
        """`/forget`: erase this Telegram user's personal data in this rally (the right to
        erasure, GDPR art. 17); False if the bot keeps nothing about them here."""
        rally_id = self.services.rally.id

        async def work(uow: SqlUnitOfWork) -> bool:
            player = await uow.players.by_user(rally_id, user_id)
            if player is None or not await uow.privacy.forget_player(player.id):
                return False
            # the audit says that it happened, not who: the player's id is gone with them
            await uow.audit.log(rally_id, 0, "forget", {}, at=self.services.clock())
            await uow.commit()
            return True

        return await self.services.retrying(work)
