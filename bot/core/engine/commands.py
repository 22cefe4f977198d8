"""What a player or an organiser asks the engine to do for a team."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StartRoute:
    """The rally starts for this team: show the first clue."""


@dataclass(frozen=True)
class CheckInAtLocation:
    """A location sent by a player (a dropped pin, or a live location as it moves)."""

    lat: float
    lon: float
    accuracy_m: float | None = None
    live: bool = False


@dataclass(frozen=True)
class CheckInWithCode:
    """A code word typed by a player, given by the staff at the stage."""

    code: str


@dataclass(frozen=True)
class CheckInByOrganiser:
    """An organiser confirms the team is at `stage_id` (staffed check-in)."""

    stage_id: str


@dataclass(frozen=True)
class BeginQuestions:
    """The team is ready for the stage's questions (`stage_id` set by the button pressed)."""

    stage_id: str | None = None


@dataclass(frozen=True)
class Answer:
    """An answer: typed text, or a choice button (`choice`, numbered from 1).

    `question_id` is set by buttons, so an old button for a closed question is recognised;
    typed answers leave it None and go to the current question.
    """

    text: str = ""
    choice: int | None = None
    question_id: str | None = None


@dataclass(frozen=True)
class Typed:
    """Text typed in the chat: a code word on the way, an answer at the stage."""

    text: str


@dataclass(frozen=True)
class RequestHint:
    """Ask for a hint: unconfirmed shows its cost, confirmed with `index` reveals it.

    `stage_id`: the stage whose button was pressed (None for `/hint`: the current one); a
    button of another stage is stale, never a hint of the current one.
    """

    confirmed: bool = False
    index: int | None = None
    stage_id: str | None = None


@dataclass(frozen=True)
class SkipStage:
    """An organiser moves a stuck team on to its next stage, without points."""


@dataclass(frozen=True)
class AdjustScore:
    """An admin's correction of a team's score (may be negative)."""

    points: int
    reason: str


Command = (
    StartRoute
    | CheckInAtLocation
    | CheckInWithCode
    | CheckInByOrganiser
    | BeginQuestions
    | Answer
    | Typed
    | RequestHint
    | SkipStage
    | AdjustScore
)

ORGANISER_COMMANDS: tuple[type, ...] = (StartRoute, CheckInByOrganiser, SkipStage, AdjustScore)
