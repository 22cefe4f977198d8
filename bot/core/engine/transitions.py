"""The transitions: what each command does to a team in each state.

Every transition takes the rally, the team's progress, a command and the current time, and
returns a `Decision`: the new progress, the records to store and the events to tell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.content import ChoiceQuestion, NumberQuestion, Question, Rally, Stage, TextQuestion
from bot.core.engine.commands import (
    ORGANISER_COMMANDS,
    AdjustScore,
    Answer,
    BeginQuestions,
    CheckInAtLocation,
    CheckInByOrganiser,
    CheckInWithCode,
    Command,
    RequestHint,
    SkipStage,
    StartRoute,
    Typed,
)
from bot.core.engine.events import (
    AnswerJudged,
    AnswerRefused,
    Audience,
    CheckedIn,
    CheckInMethod,
    CheckInRefused,
    ClueGiven,
    HintOffered,
    HintShown,
    QuestionAsked,
    Refusal,
    Refused,
    ScoreAdjusted,
    StageCompleted,
    StageSkipped,
    TeamEvent,
    TeamFinished,
)
from bot.core.engine.progress import Progress, TeamState
from bot.core.engine.records import AnswerRecord, AwardRecord, CheckInRecord, HintRecord, Record
from bot.core.geo import Point, bearing_deg, compass_point, distance_m
from bot.core.matching import code_matches, fold, parse_number, text_matches
from bot.core.phase import RallyPhase


@dataclass(frozen=True)
class Decision:
    """What a command does: the new progress, what to store and what to tell."""

    progress: Progress
    events: tuple[TeamEvent, ...] = ()
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

    def unchanged(self, *events: TeamEvent) -> Decision:
        """A decision that only tells something."""
        return Decision(self.progress, events)


def _enter_stage(turn: Turn, progress: Progress, events: list[TeamEvent]) -> Progress:
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
    events: list[TeamEvent] = []
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
    events: list[TeamEvent] = [
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


def _ask(turn: Turn, progress: Progress, events: list[TeamEvent]) -> Progress:
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
    events: list[TeamEvent] = []
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
    events: list[TeamEvent] = [
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
    if command.stage_id is not None and command.stage_id != stage.id:
        return turn.unchanged(Refused(Audience.PLAYER, Refusal.STALE_BUTTON))
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
    events: list[TeamEvent] = [
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
