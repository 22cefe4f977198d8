"""The end-of-rally survey's rules: who may answer, what each press does, what is counted.

Pure: the rally file's `Survey`, a player's participation and a command in; a decision out
(the event to tell, the participation to store, the answer to count). The service stores it
(`bot.services.survey`), the Telegram layer tells it (`bot.telegram.render.survey`).

Anonymity is the reason for the decision's shape. Two things are stored, and never together:

- the **participation** (`Participation`): that this player started or answered the survey,
  and which question comes next. It names the player (so each answers once), holds no answer,
  and goes with their personal data (erasure, purge);
- the **count** of each answer (`Counted`): a question, a choice and the language it was read
  in, added to a tally (one counter per rally, question, language and choice). Nothing in it
  names a player, a team or a time, and since a count is a sum, not a row per answer, there is
  no row order, key or timestamp to line up with the participations, and no way to tell which
  answers one person gave to the different questions.

Each answer is counted when it is pressed, so an answer never waits next to the player's name
(not even until the last question): the participation only ever says which question is next.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import assert_never

from bot.core.content import Survey
from bot.core.engine import TeamState
from bot.core.phase import RallyPhase


class SurveyStatus(enum.StrEnum):
    """Where a player is with the survey."""

    ANSWERING = "answering"
    """Started: `Participation.next_question` is the question they are shown."""
    ANSWERED = "answered"
    """Went through every question (answered or skipped): never asked again."""


@dataclass(frozen=True)
class Participation:
    """A player's participation in the survey: no answer, only where they are."""

    status: SurveyStatus
    next_question: int = 0


# ------------------------------------------------------------------ commands


@dataclass(frozen=True)
class OpenSurvey:
    """`/survey`, or the survey's button under a team's finish (`pressed`): begin, or show
    where one is."""

    pressed: bool = False


@dataclass(frozen=True)
class AnswerSurvey:
    """A press on a question's buttons: a choice (numbered from 1), or None to skip it."""

    question_id: str
    choice: int | None


SurveyCommand = OpenSurvey | AnswerSurvey


# ------------------------------------------------------------------ events


@dataclass(frozen=True)
class SurveyQuestionShown:
    """Question `index` of the survey (from 0) is shown."""

    index: int

    @property
    def number(self) -> int:
        """Its number, from 1."""
        return self.index + 1


@dataclass(frozen=True)
class SurveyThanks:
    """The last question was answered or skipped: thank you."""


@dataclass(frozen=True)
class SurveyAlreadyAnswered:
    """They went through the survey already: it is answered once."""


@dataclass(frozen=True)
class SurveyUnderWay:
    """The survey's button pressed again while answering: the current question is in the
    chat."""


@dataclass(frozen=True)
class SurveyStalePress:
    """A question already answered or skipped, pressed again (or a forged press): no count."""


@dataclass(frozen=True)
class SurveyNotOpen:
    """Too early: the survey opens when their team finishes its route or the rally finishes
    (or they were never in a team)."""


@dataclass(frozen=True)
class NoSurvey:
    """The rally file has no survey."""


SurveyEvent = (
    SurveyQuestionShown
    | SurveyThanks
    | SurveyAlreadyAnswered
    | SurveyUnderWay
    | SurveyStalePress
    | SurveyNotOpen
    | NoSurvey
)
"""What a player is told of a survey command (`bot.telegram.render.survey`)."""


@dataclass(frozen=True)
class Counted:
    """A question passed, for the anonymous tally: the choice (from 1) to count, or None for a
    question skipped; nothing about who passed it (the service adds the language it was read
    in)."""

    question_id: str
    choice: int | None


@dataclass(frozen=True)
class SurveyDecision:
    """What a command does: what to tell, the participation to store, the answer to count."""

    event: SurveyEvent
    participation: Participation | None = None
    """The participation to store; None: it stays as it is."""
    counted: Counted | None = None

    @property
    def changes(self) -> bool:
        """Whether it stores anything: a command that changes nothing (a press twice, on an
        old question, after the end) is answered with a short notice only."""
        return self.participation is not None or self.counted is not None


def may_answer(team_state: TeamState | None, phase: RallyPhase) -> bool:
    """Whether a player may take the survey: their team finished its route, or the rally is
    over (for someone who was in a team: `team_state` None means they played in none)."""
    if team_state is None:
        return False
    return team_state is TeamState.FINISHED or phase is RallyPhase.FINISHED


def decide(
    survey: Survey | None,
    participation: Participation | None,
    command: SurveyCommand,
    *,
    open_to_them: bool,
) -> SurveyDecision:
    """What a survey command does for a player whose participation is `participation` (None:
    they never started it); `open_to_them`: `may_answer` for them."""
    if survey is None:
        return SurveyDecision(NoSurvey())
    total = len(survey.questions)
    if participation is not None and (
        participation.status is SurveyStatus.ANSWERED or participation.next_question >= total
    ):  # (fewer questions than when they began: the rally file changed, they are done)
        return SurveyDecision(SurveyAlreadyAnswered())
    at = participation.next_question if participation is not None else None  # answering
    match command:
        case OpenSurvey():
            if at is not None:
                return SurveyDecision(
                    SurveyUnderWay() if command.pressed else SurveyQuestionShown(at)
                )
            return _begin(open_to_them)
        case AnswerSurvey():
            if at is None:
                return SurveyDecision(SurveyStalePress())
            return _answer(survey, at, command)
        case _:
            assert_never(command)


def _begin(open_to_them: bool) -> SurveyDecision:
    """The first question, for a player who may answer."""
    if not open_to_them:
        return SurveyDecision(SurveyNotOpen())
    return SurveyDecision(SurveyQuestionShown(0), Participation(SurveyStatus.ANSWERING, 0))


def _answer(survey: Survey, index: int, command: AnswerSurvey) -> SurveyDecision:
    """A press on question `index`, the one they are at: counted once, then the next one."""
    question = survey.questions[index]
    if command.question_id != question.id:
        return SurveyDecision(SurveyStalePress())  # an earlier question's buttons
    if command.choice is not None and not 1 <= command.choice <= len(question.choices):
        return SurveyDecision(SurveyStalePress())  # forged: no such choice
    counted = Counted(question.id, command.choice)
    following = index + 1
    if following == len(survey.questions):
        return SurveyDecision(
            SurveyThanks(), Participation(SurveyStatus.ANSWERED, following), counted
        )
    return SurveyDecision(
        SurveyQuestionShown(following), Participation(SurveyStatus.ANSWERING, following), counted
    )
