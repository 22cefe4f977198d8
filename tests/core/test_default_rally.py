"""The whole default Clermont-Ferrand rally, played by 6 teams through the pure engine.

Teams play in turns with rotating routes. Team p gets its first p answers wrong once, takes
a hint on its first p stages that have hints, and tries a wrong check-in at every stage; the
ranking must then put team 0 first and team 5 last, with scores computed from the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.content import ChoiceQuestion, NumberQuestion, Question, TextQuestion
from bot.core.engine import (
    Answer,
    AnswerJudged,
    BeginQuestions,
    CheckedIn,
    CheckInAtLocation,
    CheckInRefused,
    CheckInWithCode,
    ClueGiven,
    Command,
    Decision,
    Progress,
    RallyPhase,
    Refusal,
    RequestHint,
    Standing,
    StartRoute,
    TeamFinished,
    TeamState,
    decide,
    new_progress,
    rank,
)
from bot.core.rally_file import load_rally

RALLY = load_rally(Path(__file__).parents[2] / "data" / "stages.yaml")
TEAMS = 6
GARE = (45.77861, 3.10083)  # the railway station: far from every stage
LANGUAGES = ("fr", "en", "ar")


def right_answer(question: Question, lang: str) -> Answer:
    if isinstance(question, ChoiceQuestion):
        return Answer(choice=question.answer[0], question_id=question.id)
    if isinstance(question, NumberQuestion):
        return Answer(text=f"{question.value:g}")
    assert isinstance(question, TextQuestion)
    accepted = question.accepted.get(lang) or question.accepted[RALLY.default_language]
    return Answer(text=accepted[0])


def wrong_answer(question: Question) -> Answer:
    if isinstance(question, ChoiceQuestion):
        wrong = next(n for n in range(1, len(question.choices) + 1) if n not in question.answer)
        return Answer(choice=wrong, question_id=question.id)
    if isinstance(question, NumberQuestion):
        return Answer(text=f"{question.value + question.tolerance + 100:g}")
    return Answer(text="zzzz qqqq")


Step = tuple[Command, type]


def team_steps(position: int, route: tuple[str, ...]) -> Iterator[Step]:
    """What team `position` does, each command with the event it must produce first."""
    lang = LANGUAGES[position % len(LANGUAGES)]
    wrong_left = position
    hints_left = position
    for stage_id in route:
        stage = RALLY.stage(stage_id)
        yield CheckInAtLocation(*GARE, accuracy_m=20), CheckInRefused
        yield CheckInWithCode("pas le bon mot"), CheckInRefused
        if hints_left and stage.hints:
            hints_left -= 1
            yield RequestHint(), object  # only shows the cost
            yield RequestHint(confirmed=True, index=0), object
        if stage.location:
            loc = stage.location
            yield CheckInAtLocation(loc.lat, loc.lon, accuracy_m=15), CheckedIn
        else:
            assert stage.checkin_code
            yield CheckInWithCode(stage.checkin_code.lower()), CheckedIn
        yield BeginQuestions(), object
        for question in stage.questions:
            if wrong_left:
                wrong_left -= 1
                yield wrong_answer(question), AnswerJudged
            yield right_answer(question, lang), AnswerJudged


def expected_score(position: int, route: tuple[str, ...]) -> int:
    scoring = RALLY.scoring
    total = 0
    hints_left = position
    for stage_id in route:
        stage = RALLY.stage(stage_id)
        total += scoring.checkin_points + sum(q.points for q in stage.questions)
        if hints_left and stage.hints:
            hints_left -= 1
            penalty = stage.hints[0].penalty
            total -= scoring.hint_penalty if penalty is None else penalty
    return total - position * scoring.attempt_penalty


def test_six_teams_play_the_whole_default_rally() -> None:
    clock = datetime(2026, 10, 18, 9, 30, tzinfo=UTC)
    progress: dict[int, Progress] = {}
    for position in range(TEAMS):
        start = decide(
            RALLY, RallyPhase.RUNNING, new_progress(RALLY, position), StartRoute(), clock
        )
        assert isinstance(start.events[0], ClueGiven)
        progress[position] = start.progress
    firsts = [progress[p].route[0] for p in range(TEAMS)]
    assert len(set(firsts)) == TEAMS, "rotating routes: no two teams start at the same stage"

    steps = {p: team_steps(p, progress[p].route) for p in range(TEAMS)}
    finished: set[int] = set()
    correct = dict.fromkeys(range(TEAMS), 0)
    told_finished: set[int] = set()
    while len(finished) < TEAMS:
        for position in range(TEAMS):
            if position in finished:
                continue
            step = next(steps[position], None)
            if step is None:
                finished.add(position)
                continue
            command, first_event = step
            clock += timedelta(seconds=20)
            decision: Decision = decide(
                RALLY, RallyPhase.RUNNING, progress[position], command, clock
            )
            assert isinstance(decision.events[0], first_event), (position, command, decision.events)
            if isinstance(decision.events[0], CheckInRefused):
                assert decision.events[0].reason in {
                    Refusal.TOO_FAR,
                    Refusal.NO_LOCATION,
                    Refusal.WRONG_CODE,
                }
                assert decision.progress == progress[position]
            for event in decision.events:
                if isinstance(event, AnswerJudged) and event.correct:
                    correct[position] += 1
                if isinstance(event, TeamFinished):
                    told_finished.add(position)
            progress[position] = decision.progress

    assert told_finished == set(range(TEAMS))
    questions = sum(len(stage.questions) for stage in RALLY.stages)
    for position in range(TEAMS):
        final = progress[position]
        assert final.state is TeamState.FINISHED
        assert final.stages_done == len(RALLY.stages)
        assert correct[position] == questions
        assert final.score == expected_score(position, final.route), position

    ranking = rank(
        [
            Standing(
                p, f"team {p}", progress[p].score, progress[p].stages_done, progress[p].finished_at
            )
            for p in range(TEAMS)
        ]
    )
    assert [r.standing.team_id for r in ranking] == list(range(TEAMS))
    assert [r.rank for r in ranking] == [1, 2, 3, 4, 5, 6]


def test_the_default_rally_balances_heritage_and_public_services() -> None:
    topics = [q.topic.value for stage in RALLY.stages for q in stage.questions]
    heritage = topics.count("heritage")
    services = len(topics) - heritage
    assert abs(heritage - services) <= 2
    assert all(len(stage.questions) >= 3 for stage in RALLY.stages)
    assert len(RALLY.teams) == 6


def test_no_stage_of_the_default_rally_has_an_invented_position() -> None:
    """Only the coordinates given in the Clermont facts may appear; others use a code word."""
    known = {
        (45.77873, 3.08577),
        (45.78069, 3.08944),
        (45.78052, 3.08993),
        (45.77631, 3.08217),
        (45.777279, 3.083795),
        (45.77861, 3.10083),
    }
    for stage in RALLY.stages:
        assert stage.checkin_code, f"{stage.id} needs a staffed code word as a fallback"
        if stage.location:
            assert (stage.location.lat, stage.location.lon) in known, stage.id
