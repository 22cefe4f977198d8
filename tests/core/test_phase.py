"""The day's phases: which moves each phase allows, and which phase a late message belongs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.phase import Move, PhaseTimes, RallyPhase, after_move, phase_when_written

P = RallyPhase
ALL_MOVES = [
    # (from, move, to or None when refused)
    (P.DRAFT, Move.OPEN, P.OPEN),
    (P.DRAFT, Move.START, P.RUNNING),
    (P.DRAFT, Move.PAUSE, None),
    (P.DRAFT, Move.RESUME, None),
    (P.DRAFT, Move.FINISH, None),
    (P.OPEN, Move.OPEN, None),
    (P.OPEN, Move.START, P.RUNNING),
    (P.OPEN, Move.PAUSE, None),
    (P.OPEN, Move.RESUME, None),
    (P.OPEN, Move.FINISH, None),
    (P.RUNNING, Move.OPEN, None),
    (P.RUNNING, Move.START, None),
    (P.RUNNING, Move.PAUSE, P.PAUSED),
    (P.RUNNING, Move.RESUME, None),
    (P.RUNNING, Move.FINISH, P.FINISHED),
    (P.PAUSED, Move.OPEN, None),
    (P.PAUSED, Move.START, None),
    (P.PAUSED, Move.PAUSE, None),
    (P.PAUSED, Move.RESUME, P.RUNNING),
    (P.PAUSED, Move.FINISH, P.FINISHED),
    (P.FINISHED, Move.OPEN, None),
    (P.FINISHED, Move.START, None),
    (P.FINISHED, Move.PAUSE, None),
    (P.FINISHED, Move.RESUME, None),
    (P.FINISHED, Move.FINISH, None),
]


def test_the_table_covers_every_phase_and_move() -> None:
    assert {(before, move) for before, move, _ in ALL_MOVES} == {
        (phase, move) for phase in RallyPhase for move in Move
    }


@pytest.mark.parametrize(("before", "move", "after"), ALL_MOVES)
def test_each_move_leads_where_the_day_allows(before, move, after) -> None:
    assert after_move(before, move) is after


T = datetime(2026, 10, 18, 12, 0, tzinfo=UTC)
STARTED = T - timedelta(hours=3)


@pytest.mark.parametrize(
    ("phase", "times", "written", "counted_as"),
    [
        # finished: a message written before the finish still counts, one after it does not
        (P.FINISHED, PhaseTimes(STARTED, None, T), T - timedelta(minutes=1), P.RUNNING),
        (P.FINISHED, PhaseTimes(STARTED, None, T), T + timedelta(seconds=1), P.FINISHED),
        (P.FINISHED, PhaseTimes(STARTED, None, T), T - timedelta(hours=4), P.FINISHED),
        # Telegram dates in whole seconds: the very second of the finish counts as after it
        (P.FINISHED, PhaseTimes(STARTED, None, T + timedelta(milliseconds=400)), T, P.FINISHED),
        # paused: written before the pause counts as running
        (P.PAUSED, PhaseTimes(STARTED, T, None), T - timedelta(seconds=5), P.RUNNING),
        (P.PAUSED, PhaseTimes(STARTED, T, None), T + timedelta(seconds=5), P.PAUSED),
        # a rally without a recorded time keeps its phase
        (P.PAUSED, PhaseTimes(STARTED, None, None), T, P.PAUSED),
        (P.FINISHED, PhaseTimes(None, None, None), T, P.FINISHED),
        # other phases are what they are
        (P.RUNNING, PhaseTimes(STARTED, None, None), T, P.RUNNING),
        (P.OPEN, PhaseTimes(None, None, None), T, P.OPEN),
        (P.DRAFT, PhaseTimes(None, None, T), T - timedelta(minutes=1), P.DRAFT),
    ],
)
def test_a_late_message_counts_in_the_phase_it_was_written(
    phase, times, written, counted_as
) -> None:
    assert phase_when_written(phase, times, written) is counted_as
