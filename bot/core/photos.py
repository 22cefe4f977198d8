"""Photo missions: which mission a team's photo answers, and the review's lifecycle.

A stage may ask for a team photo. A photo sent at or after such a stage goes to the latest
mission the team reached that no photo of theirs has passed yet; organisers approve it (the
mission's points, once per team and stage) or reject it (the team may send another).
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from bot.core.content import Rally
from bot.core.engine.progress import Progress, TeamState


class PhotoStatus(enum.StrEnum):
    """Where a photo is in its review."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class PhotoRefusal(enum.StrEnum):
    """Why a photo is not taken for review."""

    NOT_IN_TEAM = "not_in_team"
    NO_MISSION = "no_mission"  # no stage reached so far asks for a photo
    ALREADY_APPROVED = "already_approved"


@dataclass(frozen=True)
class Mission:
    """The mission a photo is taken for, and what approving it is worth."""

    stage_id: str
    points: int


def mission_for_photo(
    rally: Rally, progress: Progress, approved_stages: Collection[str]
) -> Mission | PhotoRefusal:
    """The latest mission the team reached that is not approved yet, or why there is none."""
    reached = progress.route[: progress.stage_index]
    if progress.state in (TeamState.CHECKED_IN, TeamState.ANSWERING):
        reached = progress.route[: progress.stage_index + 1]
    missions = [stage_id for stage_id in reversed(reached) if rally.stage(stage_id).photo]
    if not missions:
        return PhotoRefusal.NO_MISSION
    open_missions = [stage_id for stage_id in missions if stage_id not in approved_stages]
    if not open_missions:
        return PhotoRefusal.ALREADY_APPROVED
    stage_id = open_missions[0]
    mission = rally.stage(stage_id).photo
    assert mission is not None  # in `missions` because it has one
    return Mission(stage_id, mission.points)


def review_verdict(status: PhotoStatus, *, approve: bool) -> PhotoStatus | None:
    """The status a review gives a photo, or None if it was already reviewed (no change)."""
    if status is not PhotoStatus.PENDING:
        return None
    return PhotoStatus.APPROVED if approve else PhotoStatus.REJECTED


def approval_points(status: PhotoStatus, points: int) -> int:
    """The points a verdict gives the team: the mission's on approval, none on rejection."""
    return points if status is PhotoStatus.APPROVED else 0
