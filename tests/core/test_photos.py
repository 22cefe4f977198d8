"""Photo missions: which mission a photo answers, and what a review does to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import Progress, TeamState
from bot.core.photos import (
    Mission,
    PhotoRefusal,
    PhotoStatus,
    approval_points,
    mission_for_photo,
    review_verdict,
)
from bot.core.rally_file import load_rally

RALLY = load_rally(Path(__file__).parents[2] / "data" / "stages.yaml")
ROUTE = tuple(stage.id for stage in RALLY.stages)
WITH_PHOTO = next(stage for stage in RALLY.stages if stage.photo is not None)
AT = ROUTE.index(WITH_PHOTO.id)
POINTS = WITH_PHOTO.photo.points if WITH_PHOTO.photo else 0


def progress(state: TeamState, stage_index: int) -> Progress:
    return Progress(state=state, route=ROUTE, stage_index=stage_index)


@pytest.mark.parametrize(
    ("state", "stage_index", "approved", "expected"),
    [
        # not there yet: no mission reached
        (TeamState.WAITING, 0, set(), PhotoRefusal.NO_MISSION),
        (TeamState.EN_ROUTE, AT, set(), PhotoRefusal.NO_MISSION),
        # at the stage (arrived or answering): its mission
        (TeamState.CHECKED_IN, AT, set(), Mission(WITH_PHOTO.id, POINTS)),
        (TeamState.ANSWERING, AT, set(), Mission(WITH_PHOTO.id, POINTS)),
        # later on the route, or finished: still the mission reached before
        (TeamState.EN_ROUTE, AT + 1, set(), Mission(WITH_PHOTO.id, POINTS)),
        (TeamState.FINISHED, len(ROUTE), set(), Mission(WITH_PHOTO.id, POINTS)),
        # a mission already approved takes no second photo
        (TeamState.FINISHED, len(ROUTE), {WITH_PHOTO.id}, PhotoRefusal.ALREADY_APPROVED),
    ],
)
def test_a_photo_goes_to_the_latest_open_mission_reached(
    state, stage_index, approved, expected
) -> None:
    assert mission_for_photo(RALLY, progress(state, stage_index), approved) == expected


@pytest.mark.parametrize(
    ("status", "approve", "after", "points"),
    [
        (PhotoStatus.PENDING, True, PhotoStatus.APPROVED, POINTS),
        (PhotoStatus.PENDING, False, PhotoStatus.REJECTED, 0),
        # a photo already reviewed is not reviewed again, whichever button
        (PhotoStatus.APPROVED, True, None, None),
        (PhotoStatus.APPROVED, False, None, None),
        (PhotoStatus.REJECTED, True, None, None),
        (PhotoStatus.REJECTED, False, None, None),
    ],
)
def test_a_review_decides_once(status, approve, after, points) -> None:
    verdict = review_verdict(status, approve=approve)
    assert verdict is after
    if verdict is not None:
        assert approval_points(verdict, POINTS) == points
