"""What the engine tells: events for the player, the team or the organisers, and refusals."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class CheckInMethod(enum.StrEnum):
    """How a team proved it reached a stage."""

    LOCATION = "location"
    LIVE_LOCATION = "live_location"
    CODE = "code"
    ORGANISER = "organiser"


class Audience(enum.StrEnum):
    """Who an event is for."""

    PLAYER = "player"  # only the member who acted
    TEAM = "team"  # every member of the team
    ORGANISERS = "organisers"


class Refusal(enum.StrEnum):
    """Why an action changed nothing."""

    RALLY_NOT_STARTED = "rally_not_started"
    RALLY_PAUSED = "rally_paused"
    RALLY_FINISHED = "rally_finished"
    TEAM_FINISHED = "team_finished"
    NOT_CHECKED_IN = "not_checked_in"  # answering before arriving
    ALREADY_CHECKED_IN = "already_checked_in"
    QUESTIONS_NOT_BEGUN = "questions_not_begun"
    TOO_FAR = "too_far"
    WRONG_STAGE = "wrong_stage"  # a location or code of another stage
    WRONG_CODE = "wrong_code"
    NO_LOCATION = "no_location"  # the stage checks in by code word only
    INVALID_LOCATION = "invalid_location"
    STALE_QUESTION = "stale_question"  # a button of a question already closed
    NOT_A_NUMBER = "not_a_number"
    NO_SUCH_CHOICE = "no_such_choice"
    EMPTY_ANSWER = "empty_answer"
    NO_HINTS = "no_hints"
    HINT_OUT_OF_ORDER = "hint_out_of_order"
    HINTS_ONLY_EN_ROUTE = "hints_only_en_route"
    UNKNOWN_STAGE = "unknown_stage"
    NOT_IN_TEAM = "not_in_team"  # the player has not joined a team yet
    STALE_BUTTON = "stale_button"  # a button of a step already passed
    ALREADY_TRIED = "already_tried"  # this wrong answer was already given: no second cost


@dataclass(frozen=True)
class Event:
    """Something to tell someone; the Telegram layer renders it in each reader's language."""

    audience: Audience


@dataclass(frozen=True)
class ClueGiven(Event):
    """The team is heading to a new stage: its clue and practical card."""

    stage_id: str
    number: int  # 1-based position in the team's route
    total: int


@dataclass(frozen=True)
class CheckedIn(Event):
    """The team reached its stage."""

    stage_id: str
    method: CheckInMethod
    points: int
    question_count: int


@dataclass(frozen=True)
class CheckInRefused(Event):
    """A check-in that did not count, with what to do instead."""

    reason: Refusal
    stage_id: str | None = None  # the stage to reach, or the other stage recognised
    distance_m: float | None = None
    bearing_deg: float | None = None
    compass: str | None = None
    live: bool = False


@dataclass(frozen=True)
class QuestionAsked(Event):
    """A question to answer now."""

    stage_id: str
    question_id: str
    number: int  # 1-based within the stage
    total: int


@dataclass(frozen=True)
class AnswerJudged(Event):
    """A counted answer: right or wrong, its points, and what is left."""

    question_id: str
    given: str
    correct: bool
    points: int
    attempts_left: int
    closed: bool  # no more attempts at this question (right, or attempts used up)
    score: int


@dataclass(frozen=True)
class AnswerRefused(Event):
    """An answer that did not count and changed nothing."""

    reason: Refusal
    question_id: str | None = None


@dataclass(frozen=True)
class HintOffered(Event):
    """The next hint's cost, to be confirmed."""

    stage_id: str
    index: int
    penalty: int
    remaining: int


@dataclass(frozen=True)
class HintShown(Event):
    """A hint revealed (or shown again, free)."""

    stage_id: str
    index: int
    penalty: int
    again: bool


@dataclass(frozen=True)
class StageCompleted(Event):
    """Every question of a stage is closed."""

    stage_id: str
    score: int


@dataclass(frozen=True)
class StageSkipped(Event):
    """An organiser moved the team past a stage."""

    stage_id: str


@dataclass(frozen=True)
class ScoreAdjusted(Event):
    """An admin corrected the score."""

    points: int
    reason: str
    score: int


@dataclass(frozen=True)
class TeamFinished(Event):
    """The team completed its route."""

    score: int
    finished_at: datetime


@dataclass(frozen=True)
class Refused(Event):
    """An action not possible now (rally not running, team finished, wrong moment)."""

    reason: Refusal


@dataclass(frozen=True)
class MemberJoined(Event):
    """Someone joined the team."""

    name: str


@dataclass(frozen=True)
class PhotoReviewed(Event):
    """The organisers' verdict on the team's photo."""

    stage_id: str
    approved: bool
    points: int
    score: int


TeamEvent = (
    ClueGiven
    | CheckedIn
    | CheckInRefused
    | QuestionAsked
    | AnswerJudged
    | AnswerRefused
    | HintOffered
    | HintShown
    | StageCompleted
    | StageSkipped
    | ScoreAdjusted
    | TeamFinished
    | Refused
    | MemberJoined
    | PhotoReviewed
)
"""Every event the bot tells: a closed union, so a renderer matching it misses none (mypy)."""
