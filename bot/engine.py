"""The rally engine: a pure state machine deciding what each team's action does.

It imports neither `telegram` nor `sqlalchemy`. Every transition takes the rally, the team's
progress, a command and the current time, and returns a `Decision`: the new progress, the
records to store and the events to tell. Nothing is sent or stored here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.content import (
    ChoiceQuestion,
    NumberQuestion,
    Question,
    Rally,
    RoutePolicy,
    Stage,
    TextQuestion,
)
from bot.geo import Point, bearing_deg, compass_point, distance_m
from bot.matching import code_matches, fold, parse_number, text_matches


class TeamState(enum.StrEnum):
    """Where a team is in the rally."""

    WAITING = "waiting"  # the rally has not started for this team
    EN_ROUTE = "en_route"  # clue shown, heading to the current stage
    CHECKED_IN = "checked_in"  # arrived at the current stage, questions not begun
    ANSWERING = "answering"  # answering question `question_index` of the current stage
    FINISHED = "finished"  # every stage done


class RallyPhase(enum.StrEnum):
    """The day's timeline, run by the admins."""

    DRAFT = "draft"
    OPEN = "open"  # teams may join
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


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


# ---------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    """A team's whole position in the rally; the engine's only state."""

    state: TeamState
    route: tuple[str, ...]
    stage_index: int = 0
    question_index: int = 0
    attempts_used: int = 0
    hints_used: int = 0
    score: int = 0
    tried: tuple[str, ...] = ()  # wrong answers already given to the current question
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def stage_id(self) -> str | None:
        """The stage the team is heading to or at, None before the start and after the end."""
        if self.state in (TeamState.WAITING, TeamState.FINISHED):
            return None
        return self.route[self.stage_index]

    @property
    def stages_done(self) -> int:
        """How many stages of the route are complete."""
        return len(self.route) if self.state is TeamState.FINISHED else self.stage_index


def route_for(rally: Rally, position: int) -> tuple[str, ...]:
    """The order of stages for the team at `position` (0-based) under the rally's policy."""
    ids = tuple(stage.id for stage in rally.stages)
    if rally.route.policy is RoutePolicy.FIXED or not ids:
        return ids
    shift = position % len(ids)
    return ids[shift:] + ids[:shift]


def new_progress(rally: Rally, position: int) -> Progress:
    """A team's progress before the start."""
    return Progress(state=TeamState.WAITING, route=route_for(rally, position))


# ---------------------------------------------------------------- commands


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
    """Ask for a hint: unconfirmed shows its cost, confirmed with `index` reveals it."""

    confirmed: bool = False
    index: int | None = None


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

# ---------------------------------------------------------------- events


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


# ---------------------------------------------------------------- records


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


@dataclass(frozen=True)
class Decision:
    """What a command does: the new progress, what to store and what to tell."""

    progress: Progress
    events: tuple[Event, ...] = ()
    records: tuple[Record, ...] = ()

    def changes(self, before: Progress) -> bool:
        """Whether there is anything to store: a new state or a record."""
        return bool(self.records) or self.progress != before


# ---------------------------------------------------------------- transitions


@dataclass(frozen=True)
class Turn:
    """What every transition sees: the rally, the team's progress and the time."""

    rally: Rally
    progress: Progress
    now: datetime

    @property
    def stage(self) -> Stage:
        """The team's current stage."""
        stage_id = self.progress.stage_id
        assert stage_id is not None
        return self.rally.stage(stage_id)

    def unchanged(self, *events: Event) -> Decision:
        """A decision that only tells something."""
        return Decision(self.progress, events)


def _enter_stage(turn: Turn, progress: Progress, events: list[Event]) -> Progress:
    """Move to stage `progress.stage_index`, or finish if the route is done."""
    if progress.stage_index >= len(progress.route):
        done = replace(
            progress,
            state=TeamState.FINISHED,
            stage_index=len(progress.route),
            question_index=0,
            attempts_used=0,
            hints_used=0,
            tried=(),
            finished_at=turn.now,
        )
        events.append(TeamFinished(Audience.TEAM, done.score, turn.now))
        events.append(TeamFinished(Audience.ORGANISERS, done.score, turn.now))
        return done
    moved = replace(
        progress,
        state=TeamState.EN_ROUTE,
        question_index=0,
        attempts_used=0,
        hints_used=0,
        tried=(),
    )
    events.append(
        ClueGiven(
            Audience.TEAM, moved.route[moved.stage_index], moved.stage_index + 1, len(moved.route)
        )
    )
    return moved


def _start(turn: Turn, _: StartRoute) -> Decision:
    events: list[Event] = []
    started = replace(turn.progress, stage_index=0, started_at=turn.now)
    return Decision(_enter_stage(turn, started, events), tuple(events))


def _check_in(
    turn: Turn,
    method: CheckInMethod,
    *,
    point: Point | None = None,
    accuracy_m: float | None = None,
    distance: float | None = None,
) -> Decision:
    stage = turn.stage
    points = turn.rally.scoring.checkin_points
    progress = replace(
        turn.progress,
        state=TeamState.CHECKED_IN,
        score=turn.progress.score + points,
        question_index=0,
        attempts_used=0,
    )
    record = CheckInRecord(
        stage_id=stage.id,
        method=method,
        points=points,
        at=turn.now,
        lat=point.lat if point else None,
        lon=point.lon if point else None,
        accuracy_m=accuracy_m,
        distance_m=round(distance, 1) if distance is not None else None,
    )
    events: list[Event] = [
        CheckedIn(Audience.TEAM, stage.id, method, points, len(stage.questions)),
        CheckedIn(Audience.ORGANISERS, stage.id, method, points, len(stage.questions)),
    ]
    return Decision(progress, tuple(events), (record,))


def _check_in_location(turn: Turn, command: CheckInAtLocation) -> Decision:
    point = Point(command.lat, command.lon)
    accuracy = command.accuracy_m
    if not point.is_valid() or (accuracy is not None and not 0 <= accuracy <= 1500):
        return turn.unchanged(CheckInRefused(Audience.PLAYER, Refusal.INVALID_LOCATION))
    stage = turn.stage
    if stage.location is None:
        return turn.unchanged(
            CheckInRefused(Audience.PLAYER, Refusal.NO_LOCATION, stage.id, live=command.live)
        )
    target = Point(stage.location.lat, stage.location.lon)
    distance = distance_m(point, target)
    slack = min(accuracy or 0.0, float(turn.rally.scoring.accuracy_cap_m))
    if distance - slack <= stage.location.radius_m:
        method = CheckInMethod.LIVE_LOCATION if command.live else CheckInMethod.LOCATION
        return _check_in(turn, method, point=point, accuracy_m=accuracy, distance=distance)
    for other in turn.rally.stages:
        if other.id != stage.id and other.location is not None:
            there = Point(other.location.lat, other.location.lon)
            if distance_m(point, there) - slack <= other.location.radius_m:
                return turn.unchanged(
                    CheckInRefused(
                        Audience.PLAYER, Refusal.WRONG_STAGE, other.id, live=command.live
                    )
                )
    bearing = bearing_deg(point, target)
    return turn.unchanged(
        CheckInRefused(
            Audience.PLAYER,
            Refusal.TOO_FAR,
            stage.id,
            distance_m=round(distance - stage.location.radius_m),
            bearing_deg=round(bearing),
            compass=compass_point(bearing),
            live=command.live,
        )
    )


def _check_in_code(turn: Turn, command: CheckInWithCode) -> Decision:
    stage = turn.stage
    if stage.checkin_code and code_matches(command.code, stage.checkin_code):
        return _check_in(turn, CheckInMethod.CODE)
    for other in turn.rally.stages:
        if (
            other.id != stage.id
            and other.checkin_code
            and code_matches(command.code, other.checkin_code)
        ):
            return turn.unchanged(CheckInRefused(Audience.PLAYER, Refusal.WRONG_STAGE, other.id))
    return turn.unchanged(CheckInRefused(Audience.PLAYER, Refusal.WRONG_CODE, stage.id))


def _check_in_organiser(turn: Turn, command: CheckInByOrganiser) -> Decision:
    if not turn.rally.has_stage(command.stage_id):
        return turn.unchanged(Refused(Audience.ORGANISERS, Refusal.UNKNOWN_STAGE))
    if command.stage_id != turn.stage.id:
        return turn.unchanged(
            CheckInRefused(Audience.ORGANISERS, Refusal.WRONG_STAGE, turn.stage.id)
        )
    return _check_in(turn, CheckInMethod.ORGANISER)


def _already_here(turn: Turn, command: Command) -> Decision:
    if isinstance(command, CheckInAtLocation) and command.live:
        return turn.unchanged()  # a live location keeps moving after arrival: nothing to say
    if isinstance(command, CheckInByOrganiser):
        return turn.unchanged(Refused(Audience.ORGANISERS, Refusal.ALREADY_CHECKED_IN))
    return turn.unchanged(Refused(Audience.PLAYER, Refusal.ALREADY_CHECKED_IN))


def _ask(turn: Turn, progress: Progress, events: list[Event]) -> Progress:
    """Ask the current question, or complete the stage when none is left."""
    stage = turn.rally.stage(progress.route[progress.stage_index])
    if progress.question_index < len(stage.questions):
        question = stage.questions[progress.question_index]
        events.append(
            QuestionAsked(
                Audience.TEAM,
                stage.id,
                question.id,
                progress.question_index + 1,
                len(stage.questions),
            )
        )
        return replace(progress, state=TeamState.ANSWERING, attempts_used=0, tried=())
    events.append(StageCompleted(Audience.TEAM, stage.id, progress.score))
    return _enter_stage(turn, replace(progress, stage_index=progress.stage_index + 1), events)


def _begin(turn: Turn, _: BeginQuestions) -> Decision:
    events: list[Event] = []
    progress = _ask(turn, replace(turn.progress, question_index=0), events)
    return Decision(progress, tuple(events))


@dataclass(frozen=True)
class Verdict:
    """A judged answer: right or not, and its canonical form (to spot the same answer twice)."""

    correct: bool
    key: str


def _judge(question: Question, answer: Answer) -> Verdict | Refusal:
    """Whether an answer is right, or why it cannot be judged."""
    if isinstance(question, ChoiceQuestion):
        choice = answer.choice
        if choice is None:
            typed = answer.text.strip()
            if not fold(typed):
                return Refusal.EMPTY_ANSWER
            number = parse_number(typed)
            if number is not None and number.is_integer() and fold(typed) == fold(str(int(number))):
                choice = int(number)
            else:
                matching = [
                    i + 1
                    for i, texts in enumerate(question.choices)
                    if text_matches(typed, texts.values())
                ]
                if len(matching) != 1:
                    return Refusal.NO_SUCH_CHOICE
                choice = matching[0]
        if not 1 <= choice <= len(question.choices):
            return Refusal.NO_SUCH_CHOICE
        return Verdict(choice in question.answer, f"choice:{choice}")
    if answer.choice is not None:
        return Refusal.STALE_QUESTION
    if isinstance(question, NumberQuestion):
        value = parse_number(answer.text)
        if value is None:
            return Refusal.EMPTY_ANSWER if not fold(answer.text) else Refusal.NOT_A_NUMBER
        return Verdict(
            abs(value - question.value) <= question.tolerance + 1e-9, f"number:{value:g}"
        )
    assert isinstance(question, TextQuestion)
    if not fold(answer.text):
        return Refusal.EMPTY_ANSWER
    accepted = (a for answers in question.accepted.values() for a in answers)
    return Verdict(text_matches(answer.text, accepted), f"text:{fold(answer.text)}"[:120])


def _answer(turn: Turn, command: Answer) -> Decision:
    stage = turn.stage
    progress = turn.progress
    question = stage.questions[progress.question_index]
    if command.question_id is not None and command.question_id != question.id:
        return turn.unchanged(
            AnswerRefused(Audience.PLAYER, Refusal.STALE_QUESTION, command.question_id)
        )
    judged = _judge(question, command)
    if isinstance(judged, Refusal):
        return turn.unchanged(AnswerRefused(Audience.PLAYER, judged, question.id))
    if judged.key in progress.tried:  # the same wrong answer again (a double tap): free
        return turn.unchanged(AnswerRefused(Audience.PLAYER, Refusal.ALREADY_TRIED, question.id))
    verdict = judged.correct
    attempt = progress.attempts_used + 1
    points = 0
    if verdict:
        penalty = turn.rally.scoring.attempt_penalty * (attempt - 1)
        points = max(0, question.points - penalty)
    closed = verdict or attempt >= question.attempts
    given = str(command.choice) if command.choice is not None else command.text.strip()[:500]
    score = progress.score + points
    record = AnswerRecord(stage.id, question.id, attempt, given, verdict, points, turn.now)
    events: list[Event] = [
        AnswerJudged(
            Audience.TEAM,
            question.id,
            given,
            verdict,
            points,
            attempts_left=0 if closed else question.attempts - attempt,
            closed=closed,
            score=score,
        )
    ]
    progress = replace(
        progress, score=score, attempts_used=attempt, tried=(*progress.tried, judged.key)
    )
    if closed:
        progress = _ask(turn, replace(progress, question_index=progress.question_index + 1), events)
    return Decision(progress, tuple(events), (record,))


def _typed_code(turn: Turn, command: Typed) -> Decision:
    return _check_in_code(turn, CheckInWithCode(command.text))


def _typed_answer(turn: Turn, command: Typed) -> Decision:
    return _answer(turn, Answer(text=command.text))


def _typed_after_check_in(turn: Turn, command: Typed) -> Decision:
    stage = turn.stage
    if stage.checkin_code and code_matches(command.text, stage.checkin_code):
        return turn.unchanged(Refused(Audience.PLAYER, Refusal.ALREADY_CHECKED_IN))
    return turn.unchanged(Refused(Audience.PLAYER, Refusal.QUESTIONS_NOT_BEGUN))


def _hint_penalty(turn: Turn, index: int) -> int:
    hint = turn.stage.hints[index]
    return turn.rally.scoring.hint_penalty if hint.penalty is None else hint.penalty


def _hint(turn: Turn, command: RequestHint) -> Decision:
    stage = turn.stage
    used = turn.progress.hints_used
    if not command.confirmed:
        if used >= len(stage.hints):
            return turn.unchanged(Refused(Audience.PLAYER, Refusal.NO_HINTS))
        return turn.unchanged(
            HintOffered(
                Audience.PLAYER, stage.id, used, _hint_penalty(turn, used), len(stage.hints) - used
            )
        )
    index = used if command.index is None else command.index
    if not 0 <= index < len(stage.hints) or index > used:
        reason = Refusal.NO_HINTS if index >= len(stage.hints) else Refusal.HINT_OUT_OF_ORDER
        return turn.unchanged(Refused(Audience.PLAYER, reason))
    if index < used:  # already paid for: shown again for free (also a second confirmation)
        return turn.unchanged(HintShown(Audience.PLAYER, stage.id, index, 0, again=True))
    penalty = _hint_penalty(turn, index)
    progress = replace(turn.progress, hints_used=used + 1, score=turn.progress.score - penalty)
    record = HintRecord(stage.id, index, penalty, turn.now)
    return Decision(
        progress, (HintShown(Audience.TEAM, stage.id, index, penalty, again=False),), (record,)
    )


def _hint_not_now(turn: Turn, _: RequestHint) -> Decision:
    return turn.unchanged(Refused(Audience.PLAYER, Refusal.HINTS_ONLY_EN_ROUTE))


def _skip(turn: Turn, _: SkipStage) -> Decision:
    stage_id = turn.stage.id
    events: list[Event] = [
        StageSkipped(Audience.TEAM, stage_id),
        StageSkipped(Audience.ORGANISERS, stage_id),
    ]
    moved = replace(turn.progress, stage_index=turn.progress.stage_index + 1)
    return Decision(_enter_stage(turn, moved, events), tuple(events))


def _adjust(turn: Turn, command: AdjustScore) -> Decision:
    score = turn.progress.score + command.points
    record = AwardRecord(command.points, command.reason, turn.now)
    event = ScoreAdjusted(Audience.TEAM, command.points, command.reason, score)
    return Decision(replace(turn.progress, score=score), (event,), (record,))


def _refuse(reason: Refusal) -> Callable[[Turn, Command], Decision]:
    def refuse(turn: Turn, command: Command) -> Decision:
        audience = (
            Audience.ORGANISERS if isinstance(command, ORGANISER_COMMANDS) else Audience.PLAYER
        )
        return turn.unchanged(Refused(audience, reason))

    return refuse


_S = TeamState
TRANSITIONS: dict[tuple[TeamState, type], Callable[..., Decision]] = {
    (_S.WAITING, StartRoute): _start,
    (_S.EN_ROUTE, CheckInAtLocation): _check_in_location,
    (_S.EN_ROUTE, CheckInWithCode): _check_in_code,
    (_S.EN_ROUTE, Typed): _typed_code,
    (_S.EN_ROUTE, CheckInByOrganiser): _check_in_organiser,
    (_S.EN_ROUTE, RequestHint): _hint,
    (_S.EN_ROUTE, SkipStage): _skip,
    (_S.EN_ROUTE, Answer): _refuse(Refusal.NOT_CHECKED_IN),
    (_S.EN_ROUTE, BeginQuestions): _refuse(Refusal.NOT_CHECKED_IN),
    (_S.CHECKED_IN, BeginQuestions): _begin,
    (_S.CHECKED_IN, Answer): _refuse(Refusal.QUESTIONS_NOT_BEGUN),
    (_S.CHECKED_IN, Typed): _typed_after_check_in,
    (_S.CHECKED_IN, CheckInAtLocation): _already_here,
    (_S.CHECKED_IN, CheckInWithCode): _already_here,
    (_S.CHECKED_IN, CheckInByOrganiser): _already_here,
    (_S.CHECKED_IN, RequestHint): _hint_not_now,
    (_S.CHECKED_IN, SkipStage): _skip,
    (_S.ANSWERING, Answer): _answer,
    (_S.ANSWERING, Typed): _typed_answer,
    (_S.ANSWERING, BeginQuestions): _refuse(Refusal.STALE_BUTTON),
    (_S.ANSWERING, CheckInAtLocation): _already_here,
    (_S.ANSWERING, CheckInWithCode): _already_here,
    (_S.ANSWERING, CheckInByOrganiser): _already_here,
    (_S.ANSWERING, RequestHint): _hint_not_now,
    (_S.ANSWERING, SkipStage): _skip,
}
"""Every (state, command) that does something; any other pair is refused with a reason."""

_DEFAULT_REFUSAL = {
    _S.WAITING: Refusal.RALLY_NOT_STARTED,
    _S.EN_ROUTE: Refusal.NOT_CHECKED_IN,
    _S.CHECKED_IN: Refusal.ALREADY_CHECKED_IN,
    _S.ANSWERING: Refusal.ALREADY_CHECKED_IN,
    _S.FINISHED: Refusal.TEAM_FINISHED,
}

_PHASE_REFUSAL = {
    RallyPhase.DRAFT: Refusal.RALLY_NOT_STARTED,
    RallyPhase.OPEN: Refusal.RALLY_NOT_STARTED,
    RallyPhase.PAUSED: Refusal.RALLY_PAUSED,
    RallyPhase.FINISHED: Refusal.RALLY_FINISHED,
}


def decide(
    rally: Rally, phase: RallyPhase, progress: Progress, command: Command, now: datetime
) -> Decision:
    """What `command` does to a team in `progress` while the rally is in `phase`."""
    turn = Turn(rally, progress, now)
    if isinstance(command, AdjustScore):  # corrections are possible at any time
        return _adjust(turn, command)
    if phase is not RallyPhase.RUNNING:
        return _refuse(_PHASE_REFUSAL[phase])(turn, command)
    if (
        isinstance(command, BeginQuestions)
        and command.stage_id is not None
        and command.stage_id != progress.stage_id
    ):
        return turn.unchanged(Refused(Audience.PLAYER, Refusal.STALE_BUTTON))
    transition = TRANSITIONS.get((progress.state, type(command)))
    if transition is None:
        return _refuse(_DEFAULT_REFUSAL[progress.state])(turn, command)
    decision: Decision = transition(turn, command)
    return decision


# ---------------------------------------------------------------- ranking


@dataclass(frozen=True)
class Standing:
    """A team's result as the leaderboard needs it."""

    team_id: int
    name: str
    score: int
    stages_done: int
    finished_at: datetime | None


@dataclass(frozen=True)
class Ranked:
    """A team's place on the leaderboard (equal teams share a rank)."""

    rank: int
    standing: Standing


def _rank_key(s: Standing) -> tuple[int, int, float, int]:
    finished = s.finished_at is not None
    when = s.finished_at.timestamp() if s.finished_at else 0.0
    return (-s.score, 0 if finished else 1, when, -s.stages_done)


def rank(standings: Sequence[Standing]) -> list[Ranked]:
    """The leaderboard: most points first, then the earliest finish; unfinished teams after."""
    ordered = sorted(standings, key=lambda s: (*_rank_key(s), s.name.casefold(), s.team_id))
    ranked: list[Ranked] = []
    for position, standing in enumerate(ordered, start=1):
        if ranked and _rank_key(ranked[-1].standing) == _rank_key(standing):
            ranked.append(Ranked(ranked[-1].rank, standing))
        else:
            ranked.append(Ranked(position, standing))
    return ranked
