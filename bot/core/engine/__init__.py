"""The rally engine: a pure state machine deciding what each team's action does.

It imports neither `telegram` nor `sqlalchemy`. `decide` takes the rally, the day's phase, the
team's progress, a command and the current time, and returns a `Decision`: the new progress,
the records to store and the events to tell. Nothing is sent or stored here.

- `progress`: a team's state and route;
- `commands`: what players and organisers ask for;
- `events`: what is told, to whom, and why an action was refused;
- `records`: what a decision stores;
- `transitions`: `decide` and its table of (state, command) transitions;
- `ranking`: the leaderboard.

This package re-exports their public names, so callers import from `bot.core.engine`.
"""

from __future__ import annotations

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
    Event,
    HintOffered,
    HintShown,
    MemberJoined,
    PhotoReviewed,
    QuestionAsked,
    Refusal,
    Refused,
    ScoreAdjusted,
    StageCompleted,
    StageSkipped,
    TeamEvent,
    TeamFinished,
)
from bot.core.engine.progress import Progress, TeamState, new_progress, route_for
from bot.core.engine.ranking import Ranked, Standing, rank
from bot.core.engine.records import AnswerRecord, AwardRecord, CheckInRecord, HintRecord, Record
from bot.core.engine.transitions import TRANSITIONS, Decision, Turn, Verdict, decide
from bot.core.phase import RallyPhase

__all__ = [
    "ORGANISER_COMMANDS",
    "TRANSITIONS",
    "AdjustScore",
    "Answer",
    "AnswerJudged",
    "AnswerRecord",
    "AnswerRefused",
    "Audience",
    "AwardRecord",
    "BeginQuestions",
    "CheckInAtLocation",
    "CheckInByOrganiser",
    "CheckInMethod",
    "CheckInRecord",
    "CheckInRefused",
    "CheckInWithCode",
    "CheckedIn",
    "ClueGiven",
    "Command",
    "Decision",
    "Event",
    "HintOffered",
    "HintRecord",
    "HintShown",
    "MemberJoined",
    "PhotoReviewed",
    "Progress",
    "QuestionAsked",
    "RallyPhase",
    "Ranked",
    "Record",
    "Refusal",
    "Refused",
    "RequestHint",
    "ScoreAdjusted",
    "SkipStage",
    "StageCompleted",
    "StageSkipped",
    "Standing",
    "StartRoute",
    "TeamEvent",
    "TeamFinished",
    "TeamState",
    "Turn",
    "Typed",
    "Verdict",
    "decide",
    "new_progress",
    "rank",
    "route_for",
]
