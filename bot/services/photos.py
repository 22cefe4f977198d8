"""Photo missions: a team sends a photo for a stage, organisers approve or reject it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.engine import AdjustScore, Audience, PhotoReviewed
from bot.core.photos import (
    PhotoRefusal,
    PhotoStatus,
    approval_points,
    mission_for_photo,
    review_verdict,
)
from bot.services.base import Services, progress_of
from bot.services.play import Outcome, PlayService
from bot.services.views import Member, TeamView
from bot.storage.errors import ConcurrentChange
from bot.storage.models import PhotoRow
from bot.storage.uow import SqlUnitOfWork


@dataclass(frozen=True)
class Photo:
    """A submitted photo, as the review needs it."""

    id: int
    team_id: int
    stage_id: str
    file_id: str
    status: PhotoStatus
    points: int
    at: datetime
    """When it was sent."""

    @classmethod
    def of(cls, row: PhotoRow) -> Photo:
        """Snapshot of a photo row."""
        return cls(
            row.id,
            row.team_id,
            row.stage_id,
            row.file_id,
            PhotoStatus(row.status),
            row.points,
            row.created_at,
        )


@dataclass(frozen=True)
class Submission:
    """What came of sending a photo."""

    photo: Photo | None
    team: TeamView | None
    refusal: PhotoRefusal | None = None
    player: Member | None = None


@dataclass(frozen=True)
class Review:
    """What came of reviewing a photo: None if it was already reviewed."""

    photo: Photo
    done: bool
    outcome: Outcome | None = None


class PhotoService:
    """Taking photos in for review, and the organisers' verdicts."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.rally = services.rally

    async def submit(self, user_id: int, file_id: str) -> Submission:
        """Take a photo for the mission of the latest stage the team reached that has one."""

        async def work(uow: SqlUnitOfWork) -> Submission:
            player = await uow.players.by_user(self.rally.id, user_id)
            if player is None or player.team_id is None:
                return Submission(None, None, PhotoRefusal.NOT_IN_TEAM)
            team = await uow.teams.get(player.team_id)
            row = await uow.progress.get(player.team_id)
            assert team is not None
            assert row is not None
            progress = progress_of(row)
            members = tuple(Member.of(p) for p in await uow.players.members(team.id))
            view = TeamView.of(team, members, progress)
            approved = {p.stage_id for p in await uow.photos.approved(team.id)}
            mission = mission_for_photo(self.rally, progress, approved)
            if isinstance(mission, PhotoRefusal):
                return Submission(None, view, mission, Member.of(player))
            photo = await uow.photos.add(
                rally_id=self.rally.id,
                team_id=team.id,
                stage_id=mission.stage_id,
                player_id=player.id,
                file_id=file_id,
                points=mission.points,
                at=self.services.clock(),
            )
            await uow.commit()
            return Submission(Photo.of(photo), view, None, Member.of(player))

        return await self.services.retrying(work)

    async def review(self, photo_id: int, approve: bool, reviewer_user_id: int) -> Review | None:
        """Approve (points to the team, once) or reject a pending photo; None if unknown."""
        play = PlayService(self.services)

        async def work(uow: SqlUnitOfWork) -> Review | None:
            row = await uow.photos.get(photo_id)
            if row is None or row.rally_id != self.rally.id:
                return None
            verdict = review_verdict(PhotoStatus(row.status), approve=approve)
            if verdict is None:
                return Review(Photo.of(row), done=False)
            now = self.services.clock()
            row.status = verdict
            row.reviewer_user_id = reviewer_user_id
            row.reviewed_at = now
            if approve:
                row.approved_key = f"{row.team_id}:{row.stage_id}"
                outcome = await play.organiser_decides(
                    uow,
                    row.team_id,
                    AdjustScore(row.points, f"photo {row.stage_id}"),
                    actor_user_id=reviewer_user_id,
                    action="photo_approve",
                    details={"photo": row.id},
                )
                score = outcome.progress.score if outcome.progress else 0
            else:
                outcome = Outcome()
                await uow.audit.log(
                    self.rally.id,
                    reviewer_user_id,
                    "photo_reject",
                    {"photo": row.id, "stage": row.stage_id},
                    at=now,
                )
                current = await uow.progress.get(row.team_id)
                score = current.score if current else 0
            reviewed = PhotoReviewed(
                Audience.TEAM, row.stage_id, approve, approval_points(verdict, row.points), score
            )
            team = outcome.team
            if team is None:
                team_row = await uow.teams.get(row.team_id)
                progress = await uow.progress.get(row.team_id)
                assert team_row is not None
                assert progress is not None
                members = tuple(Member.of(p) for p in await uow.players.members(team_row.id))
                team = TeamView.of(team_row, members, progress_of(progress))
            told = Outcome((reviewed,), team, changed=True)
            await self.services.stage_news(uow, told)
            await uow.commit()
            return Review(Photo.of(row), True, told)

        try:
            return await self.services.retrying(work)
        except ConcurrentChange:  # a second approval of the same team and stage
            async with self.services.new_uow() as uow:
                row = await uow.photos.get(photo_id)
                assert row is not None
                return Review(Photo.of(row), done=False)

    async def get(self, photo_id: int) -> Photo | None:
        """A photo of this rally, or None."""
        async with self.services.new_uow() as uow:
            row = await uow.photos.get(photo_id)
            return Photo.of(row) if row is not None and row.rally_id == self.rally.id else None

    async def pending(self) -> list[Photo]:
        """Photos waiting for a verdict, oldest first."""
        async with self.services.new_uow() as uow:
            return [Photo.of(row) for row in await uow.photos.pending(self.rally.id)]
