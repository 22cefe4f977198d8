"""The day's phases, the moves between them, and which phase a late message belongs to."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class RallyPhase(enum.StrEnum):
    """The day's timeline, run by the admins."""

    DRAFT = "draft"
    OPEN = "open"  # teams may join
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


class Move(enum.StrEnum):
    """What an admin (or the rally file's schedule) does with the day."""

    OPEN = "open"
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    FINISH = "finish"


MOVES: dict[Move, tuple[frozenset[RallyPhase], RallyPhase]] = {
    Move.OPEN: (frozenset({RallyPhase.DRAFT}), RallyPhase.OPEN),
    Move.START: (frozenset({RallyPhase.DRAFT, RallyPhase.OPEN}), RallyPhase.RUNNING),
    Move.PAUSE: (frozenset({RallyPhase.RUNNING}), RallyPhase.PAUSED),
    Move.RESUME: (frozenset({RallyPhase.PAUSED}), RallyPhase.RUNNING),
    Move.FINISH: (frozenset({RallyPhase.RUNNING, RallyPhase.PAUSED}), RallyPhase.FINISHED),
}
"""For each move: the phases it can be made from, and the phase it leads to."""


def after_move(phase: RallyPhase, move: Move) -> RallyPhase | None:
    """The phase a move leads to from `phase`, or None if it cannot be made from there."""
    allowed_from, after = MOVES[move]
    return after if phase in allowed_from else None


@dataclass(frozen=True)
class PhaseTimes:
    """When the rally last started, paused and finished (None: not yet)."""

    started_at: datetime | None = None
    paused_at: datetime | None = None
    finished_at: datetime | None = None


def phase_when_written(phase: RallyPhase, times: PhaseTimes, written_at: datetime) -> RallyPhase:
    """The rally's phase when a message was written, judged by the message's own date.

    A team whose answer was sent before a pause or the finish but arrived late (a network
    drop) still has it counted. Telegram dates messages in whole seconds, so a message of the
    very second of the pause or finish counts as after it.
    """
    if phase is RallyPhase.PAUSED and times.paused_at and written_at < _second(times.paused_at):
        return RallyPhase.RUNNING
    if (
        phase is RallyPhase.FINISHED
        and times.finished_at
        and written_at < _second(times.finished_at)
        and (times.started_at is None or written_at >= times.started_at)
    ):
        return RallyPhase.RUNNING
    return phase


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)
