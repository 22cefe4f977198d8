"""What a decision stores: check-ins, answers, hints and score corrections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.engine.events import CheckInMethod


@dataclass(frozen=True)
class CheckInRecord:
    """A check-in to store."""

    stage_id: str
    method: CheckInMethod
    points: int
    at: datetime
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    distance_m: float | None = None


@dataclass(frozen=True)
class AnswerRecord:
    """A counted answer to store; (team, question, attempt) is unique."""

    stage_id: str
    question_id: str
    attempt_no: int
    given: str
    correct: bool
    points: int
    at: datetime


@dataclass(frozen=True)
class HintRecord:
    """A revealed hint to store; (team, stage, hint) is unique."""

    stage_id: str
    hint_index: int
    penalty: int
    at: datetime


@dataclass(frozen=True)
class AwardRecord:
    """A score correction to store."""

    points: int
    reason: str
    at: datetime


Record = CheckInRecord | AnswerRecord | HintRecord | AwardRecord
