"""Every transition and rule of the rally engine, table by table."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.content import Rally
from bot.core.engine import (
    AdjustScore,
    Answer,
    AnswerJudged,
    AnswerRecord,
    AnswerRefused,
    Audience,
    BeginQuestions,
    CheckedIn,
    CheckInAtLocation,
    CheckInByOrganiser,
    CheckInMethod,
    CheckInRecord,
    CheckInRefused,
    CheckInWithCode,
    ClueGiven,
    Decision,
    HintOffered,
    HintRecord,
    HintShown,
    Progress,
    QuestionAsked,
    RallyPhase,
    Ranked,
    Refusal,
    Refused,
    RequestHint,
    ScoreAdjusted,
    SkipStage,
    StageCompleted,
    StageSkipped,
    Standing,
    StartRoute,
    TeamFinished,
    TeamState,
    Typed,
    decide,
    new_progress,
    rank,
    route_for,
)
from bot.core.matching import fold
from bot.core.rally_file import load_rally

MINI = load_rally(Path(__file__).parent.parent / "rally_files" / "mini.yaml")
NOW = datetime(2026, 10, 18, 10, 0, tzinfo=UTC)
CATHEDRAL = (45.77873, 3.08577)
JAUDE = (45.77631, 3.08217)


def at(state: TeamState, stage: int = 0, question: int = 0, **kw: object) -> Progress:
    """A progress on the fixed route cathedral, cpam, jaude."""
    base = Progress(state=state, route=("cathedral", "cpam", "jaude"), stage_index=stage)
    return replace(base, question_index=question, **kw)  # type: ignore[arg-type]


def play(progress: Progress, command: object, phase: RallyPhase = RallyPhase.RUNNING) -> Decision:
    return decide(MINI, phase, progress, command, NOW)  # type: ignore[arg-type]


def only(decision: Decision, kind: type) -> list[Any]:
    return [e for e in decision.events if isinstance(e, kind)]


# ------------------------------------------------------------------ routes


def test_rotating_routes_start_every_team_at_a_different_stage() -> None:
    starts = [route_for(MINI, position)[0] for position in range(3)]
    assert starts == ["cathedral", "cpam", "jaude"]
    assert route_for(MINI, 3) == route_for(MINI, 0)
    assert all(sorted(route_for(MINI, p)) == sorted(s.id for s in MINI.stages) for p in range(5))


def test_fixed_route_is_the_file_order_for_everyone() -> None:
    data = MINI.model_dump()
    data["route"] = {"policy": "fixed"}
    fixed = Rally.model_validate(data)
    assert route_for(fixed, 0) == route_for(fixed, 4) == ("cathedral", "cpam", "jaude")


# ------------------------------------------------------------------ the rally's phases


@pytest.mark.parametrize(
    ("phase", "reason"),
    [
        (RallyPhase.DRAFT, Refusal.RALLY_NOT_STARTED),
        (RallyPhase.OPEN, Refusal.RALLY_NOT_STARTED),
        (RallyPhase.PAUSED, Refusal.RALLY_PAUSED),
        (RallyPhase.FINISHED, Refusal.RALLY_FINISHED),
    ],
)
@pytest.mark.parametrize(
    "command",
    [CheckInWithCode("carte vitale"), Answer(text="15"), RequestHint(), BeginQuestions()],
)
def test_nothing_moves_unless_the_rally_is_running(phase, reason, command) -> None:
    progress = at(TeamState.EN_ROUTE, stage=1)
    decision = play(progress, command, phase)
    assert decision.progress == progress
    assert not decision.records
    assert [e.reason for e in only(decision, Refused)] == [reason]


def test_score_corrections_work_even_after_the_finish() -> None:
    progress = at(TeamState.FINISHED, stage=3, score=50)
    decision = play(progress, AdjustScore(-5, "late"), RallyPhase.FINISHED)
    assert decision.progress.score == 45
    assert only(decision, ScoreAdjusted)[0].score == 45
    assert decision.records[0].points == -5


# ------------------------------------------------------------------ the transition table

REFUSED_IN_STATE = [
    (TeamState.WAITING, CheckInWithCode("x"), Refusal.RALLY_NOT_STARTED),
    (TeamState.WAITING, Answer(text="x"), Refusal.RALLY_NOT_STARTED),
    (TeamState.EN_ROUTE, Answer(text="15"), Refusal.NOT_CHECKED_IN),
    (TeamState.EN_ROUTE, BeginQuestions(), Refusal.NOT_CHECKED_IN),
    (TeamState.EN_ROUTE, StartRoute(), Refusal.NOT_CHECKED_IN),
    (TeamState.CHECKED_IN, Answer(text="15"), Refusal.QUESTIONS_NOT_BEGUN),
    (TeamState.CHECKED_IN, CheckInWithCode("carte vitale"), Refusal.ALREADY_CHECKED_IN),
    (TeamState.CHECKED_IN, RequestHint(), Refusal.HINTS_ONLY_EN_ROUTE),
    (TeamState.ANSWERING, CheckInWithCode("carte vitale"), Refusal.ALREADY_CHECKED_IN),
    (TeamState.ANSWERING, BeginQuestions(), Refusal.STALE_BUTTON),
    (TeamState.CHECKED_IN, BeginQuestions("cathedral"), Refusal.STALE_BUTTON),
    (TeamState.ANSWERING, RequestHint(confirmed=True), Refusal.HINTS_ONLY_EN_ROUTE),
    (TeamState.FINISHED, Answer(text="15"), Refusal.TEAM_FINISHED),
    (TeamState.FINISHED, CheckInWithCode("carte vitale"), Refusal.TEAM_FINISHED),
    (TeamState.FINISHED, SkipStage(), Refusal.TEAM_FINISHED),
]


@pytest.mark.parametrize(("state", "command", "reason"), REFUSED_IN_STATE)
def test_actions_out_of_turn_are_refused_and_change_nothing(state, command, reason) -> None:
    progress = at(state, stage=1) if state is not TeamState.FINISHED else at(state, stage=3)
    decision = play(progress, command)
    assert decision.progress == progress
    assert not decision.records
    assert [e.reason for e in decision.events] == [reason]


def test_start_shows_the_first_clue_of_the_teams_own_route() -> None:
    progress = new_progress(MINI, position=1)
    decision = play(progress, StartRoute())
    assert decision.progress.state is TeamState.EN_ROUTE
    assert decision.progress.stage_id == "cpam"
    assert decision.progress.started_at == NOW
    clue = only(decision, ClueGiven)[0]
    assert (clue.stage_id, clue.number, clue.total, clue.audience) == ("cpam", 1, 3, Audience.TEAM)
    assert decision.changes(progress)


# ------------------------------------------------------------------ check-in by location


def test_a_location_inside_the_zone_checks_in_with_points() -> None:
    decision = play(at(TeamState.EN_ROUTE), CheckInAtLocation(*CATHEDRAL, accuracy_m=12))
    assert decision.progress.state is TeamState.CHECKED_IN
    assert decision.progress.score == 10
    [record] = decision.records
    assert isinstance(record, CheckInRecord)
    assert record.method is CheckInMethod.LOCATION
    assert (record.lat, record.lon, record.accuracy_m, record.distance_m) == (*CATHEDRAL, 12, 0)
    assert {e.audience for e in only(decision, CheckedIn)} == {Audience.TEAM, Audience.ORGANISERS}


def test_a_live_location_entering_the_zone_checks_in_as_live() -> None:
    decision = play(at(TeamState.EN_ROUTE), CheckInAtLocation(45.7790, 3.0860, live=True))
    assert decision.progress.state is TeamState.CHECKED_IN
    assert decision.records[0].method is CheckInMethod.LIVE_LOCATION


@pytest.mark.parametrize(
    ("lat", "accuracy", "inside"),
    [
        (45.77873 + 0.00063, None, False),  # ~70 m north, radius 60
        (45.77873 + 0.00063, 20.0, True),  # the phone says +-20 m: counted
        (45.77873 + 0.00135, 30.0, False),  # ~150 m: 30 m of accuracy is not enough
        (45.77873 + 0.00135, 1000.0, False),  # accuracy counts only up to the 50 m cap
        (45.77873 + 0.00090, 1000.0, True),  # ~100 m with the capped 50 m: inside 60 + 50
    ],
)
def test_reported_accuracy_counts_up_to_a_cap(lat, accuracy, inside) -> None:
    decision = play(at(TeamState.EN_ROUTE), CheckInAtLocation(lat, CATHEDRAL[1], accuracy))
    assert (decision.progress.state is TeamState.CHECKED_IN) is inside


def test_too_far_says_how_far_and_which_way() -> None:
    south_west = (45.7700, 3.0750)  # about 1.3 km south-west of the cathedral
    decision = play(at(TeamState.EN_ROUTE), CheckInAtLocation(*south_west, accuracy_m=10))
    [refusal] = only(decision, CheckInRefused)
    assert refusal.reason is Refusal.TOO_FAR
    assert refusal.compass == "NE"
    assert 1100 < refusal.distance_m < 1300
    assert 30 < refusal.bearing_deg < 60
    assert decision.progress == at(TeamState.EN_ROUTE)


def test_a_location_at_another_stage_is_refused_and_names_it() -> None:
    decision = play(at(TeamState.EN_ROUTE), CheckInAtLocation(*JAUDE))
    [refusal] = only(decision, CheckInRefused)
    assert (refusal.reason, refusal.stage_id) == (Refusal.WRONG_STAGE, "jaude")
    assert not decision.records


def test_a_location_for_a_code_only_stage_asks_for_the_code() -> None:
    decision = play(at(TeamState.EN_ROUTE, stage=1), CheckInAtLocation(*CATHEDRAL))
    assert only(decision, CheckInRefused)[0].reason is Refusal.NO_LOCATION


@pytest.mark.parametrize(
    ("lat", "lon", "accuracy"),
    [
        (91.0, 3.0, None),
        (45.0, 181.0, None),
        (float("nan"), 3.0, None),
        (45.7, float("inf"), None),
        (45.77873, 3.08577, -1.0),
        (45.77873, 3.08577, 5000.0),
    ],
)
def test_impossible_locations_are_refused(lat, lon, accuracy) -> None:
    decision = play(at(TeamState.EN_ROUTE), CheckInAtLocation(lat, lon, accuracy))
    assert only(decision, CheckInRefused)[0].reason is Refusal.INVALID_LOCATION
    assert decision.progress == at(TeamState.EN_ROUTE)


def test_a_live_location_still_moving_after_arrival_says_nothing() -> None:
    progress = at(TeamState.ANSWERING)
    decision = play(progress, CheckInAtLocation(*CATHEDRAL, live=True))
    assert decision.events == ()
    assert decision.progress == progress


# ------------------------------------------------------------------ check-in by code word


@pytest.mark.parametrize(
    "typed", ["Carte Vitale", "carte vitale", "CARTEVITALE", " carte  vitále "]
)
def test_code_word_ignores_case_accents_and_spaces(typed) -> None:
    decision = play(at(TeamState.EN_ROUTE, stage=1), CheckInWithCode(typed))
    assert decision.progress.state is TeamState.CHECKED_IN
    assert decision.records[0].method is CheckInMethod.CODE


def test_a_wrong_code_is_refused() -> None:
    decision = play(at(TeamState.EN_ROUTE, stage=1), CheckInWithCode("carte bleue"))
    assert only(decision, CheckInRefused)[0].reason is Refusal.WRONG_CODE
    assert not decision.records


def test_another_stages_code_is_refused_and_names_it() -> None:
    decision = play(at(TeamState.EN_ROUTE, stage=1), CheckInWithCode("Vercingétorix"))
    refusal = only(decision, CheckInRefused)[0]
    assert (refusal.reason, refusal.stage_id) == (Refusal.WRONG_STAGE, "jaude")


# ------------------------------------------------------------------ check-in by an organiser


def test_an_organiser_checks_a_team_in_at_its_current_stage() -> None:
    decision = play(at(TeamState.EN_ROUTE, stage=1), CheckInByOrganiser("cpam"))
    assert decision.progress.state is TeamState.CHECKED_IN
    assert decision.records[0].method is CheckInMethod.ORGANISER


def test_an_organiser_check_in_at_another_stage_is_refused_to_the_organiser() -> None:
    decision = play(at(TeamState.EN_ROUTE, stage=1), CheckInByOrganiser("jaude"))
    [refusal] = decision.events
    assert refusal.audience is Audience.ORGANISERS
    assert (refusal.reason, refusal.stage_id) == (Refusal.WRONG_STAGE, "cpam")
    assert play(at(TeamState.EN_ROUTE), CheckInByOrganiser("nowhere")).events[0].reason is (
        Refusal.UNKNOWN_STAGE
    )


# ------------------------------------------------------------------ questions


def test_beginning_asks_the_first_question() -> None:
    decision = play(at(TeamState.CHECKED_IN), BeginQuestions())
    assert decision.progress.state is TeamState.ANSWERING
    asked = only(decision, QuestionAsked)[0]
    assert (asked.question_id, asked.number, asked.total) == ("q-stone", 1, 2)


def test_a_stage_without_questions_moves_straight_on() -> None:
    data = MINI.model_dump()
    data["stages"][1]["questions"] = []
    rally = Rally.model_validate(data)
    decision = decide(
        rally, RallyPhase.RUNNING, at(TeamState.CHECKED_IN, stage=1), BeginQuestions(), NOW
    )
    assert decision.progress.stage_id == "jaude"
    assert decision.progress.state is TeamState.EN_ROUTE
    assert only(decision, StageCompleted) and only(decision, ClueGiven)


def test_right_choice_scores_and_asks_the_next_question() -> None:
    decision = play(at(TeamState.ANSWERING, score=10), Answer(choice=2, question_id="q-stone"))
    judged = only(decision, AnswerJudged)[0]
    assert (judged.correct, judged.points, judged.closed, judged.score) == (True, 10, True, 20)
    assert decision.progress.question_index == 1
    assert only(decision, QuestionAsked)[0].question_id == "q-year"
    [record] = decision.records
    assert isinstance(record, AnswerRecord)
    assert (record.question_id, record.attempt_no, record.correct, record.given) == (
        "q-stone",
        1,
        True,
        "2",
    )


def test_wrong_then_right_costs_the_attempt_penalty() -> None:
    first = play(at(TeamState.ANSWERING), Answer(choice=1, question_id="q-stone"))
    judged = only(first, AnswerJudged)[0]
    assert (judged.correct, judged.attempts_left, judged.closed) == (False, 1, False)
    assert first.progress.question_index == 0
    second = play(first.progress, Answer(choice=2, question_id="q-stone"))
    assert only(second, AnswerJudged)[0].points == 10 - 2
    assert second.records[0].attempt_no == 2


def test_running_out_of_attempts_closes_the_question_and_moves_on() -> None:
    first = play(at(TeamState.ANSWERING), Answer(choice=1, question_id="q-stone"))
    second = play(first.progress, Answer(choice=3, question_id="q-stone"))
    judged = only(second, AnswerJudged)[0]
    assert (judged.correct, judged.points, judged.closed, judged.attempts_left) == (
        False,
        0,
        True,
        0,
    )
    assert only(second, QuestionAsked)[0].question_id == "q-year"


def test_a_button_of_a_closed_question_is_refused() -> None:
    progress = at(TeamState.ANSWERING, question=1)
    decision = play(progress, Answer(choice=2, question_id="q-stone"))
    assert only(decision, AnswerRefused)[0].reason is Refusal.STALE_QUESTION
    assert decision.progress == progress and not decision.records


def test_the_same_answer_twice_is_scored_once() -> None:
    """Two members press the right button: the second press meets a closed question."""
    progress = at(TeamState.ANSWERING)
    first = play(progress, Answer(choice=2, question_id="q-stone"))
    second = play(first.progress, Answer(choice=2, question_id="q-stone"))
    assert first.progress.score == 10
    assert second.progress.score == 10
    assert only(second, AnswerRefused)[0].reason is Refusal.STALE_QUESTION


@pytest.mark.parametrize(
    ("typed", "correct"),
    [
        ("2", True),
        ("Pierre de Volvic", True),
        ("volvic stone", True),
        ("pierre de volvik", True),
        ("1", False),
        ("granite", False),
    ],
)
def test_a_choice_can_also_be_typed(typed, correct) -> None:
    decision = play(at(TeamState.ANSWERING), Answer(text=typed))
    assert only(decision, AnswerJudged)[0].correct is correct


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("9", Refusal.NO_SUCH_CHOICE),
        ("banana", Refusal.NO_SUCH_CHOICE),
        ("  ", Refusal.EMPTY_ANSWER),
        ("\u200b", Refusal.EMPTY_ANSWER),
    ],
)
def test_an_impossible_choice_changes_nothing(typed, reason) -> None:
    progress = at(TeamState.ANSWERING)
    decision = play(progress, Answer(text=typed))
    assert only(decision, AnswerRefused)[0].reason is reason
    assert decision.progress == progress and not decision.records


def test_a_forged_choice_number_changes_nothing() -> None:
    decision = play(at(TeamState.ANSWERING), Answer(choice=7, question_id="q-stone"))
    assert only(decision, AnswerRefused)[0].reason is Refusal.NO_SUCH_CHOICE
    assert not decision.records


@pytest.mark.parametrize(
    ("typed", "correct"),
    [
        ("1248", True),
        ("١٢٤٨", True),
        ("۱۲۴۸", True),
        ("en 1248", True),
        ("1 248", True),
        ("1249", False),
    ],
)
def test_number_answers_in_any_digits_within_tolerance(typed, correct) -> None:
    decision = play(at(TeamState.ANSWERING, question=1), Answer(text=typed))
    assert only(decision, AnswerJudged)[0].correct is correct


def test_a_number_question_refuses_words_without_counting_an_attempt() -> None:
    progress = at(TeamState.ANSWERING, question=1)
    decision = play(progress, Answer(text="a long time ago"))
    assert only(decision, AnswerRefused)[0].reason is Refusal.NOT_A_NUMBER
    assert decision.progress == progress


def test_tolerance_accepts_close_numbers() -> None:
    data = MINI.model_dump()
    data["stages"][0]["questions"][1]["tolerance"] = 2.0
    rally = Rally.model_validate(data)
    for typed, correct in (("1250", True), ("1246", True), ("1251", False)):
        decision = decide(
            rally, RallyPhase.RUNNING, at(TeamState.ANSWERING, question=1), Answer(text=typed), NOW
        )
        assert only(decision, AnswerJudged)[0].correct is correct


@pytest.mark.parametrize(
    ("typed", "correct"),
    [
        ("15", True),
        ("quinze", True),
        ("Quinze !", True),
        ("fifteen", True),
        ("خمسة عشر", True),
        ("fiftee", True),
        ("16", False),
        ("17", False),
    ],
)
def test_text_answers_in_any_language_with_small_typos(typed, correct) -> None:
    decision = play(at(TeamState.ANSWERING, stage=1), Answer(text=typed))
    assert only(decision, AnswerJudged)[0].correct is correct


def test_the_last_answer_of_the_last_stage_finishes_the_team() -> None:
    progress = at(TeamState.ANSWERING, stage=2, score=70)
    decision = play(progress, Answer(text="Bartholdi"))
    assert decision.progress.state is TeamState.FINISHED
    assert decision.progress.finished_at == NOW
    assert decision.progress.stage_id is None
    finished = only(decision, TeamFinished)
    assert {e.audience for e in finished} == {Audience.TEAM, Audience.ORGANISERS}
    assert finished[0].score == 80


# ------------------------------------------------------------------ hints


def test_asking_for_a_hint_shows_its_cost_and_changes_nothing() -> None:
    progress = at(TeamState.EN_ROUTE)
    decision = play(progress, RequestHint())
    [offer] = decision.events
    assert isinstance(offer, HintOffered)
    assert (offer.index, offer.penalty, offer.remaining) == (0, 5, 2)
    assert decision.progress == progress


def test_a_confirmed_hint_costs_its_penalty_once() -> None:
    first = play(at(TeamState.EN_ROUTE, score=20), RequestHint(confirmed=True, index=0))
    assert first.progress.score == 15
    assert isinstance(first.records[0], HintRecord)
    again = play(first.progress, RequestHint(confirmed=True, index=0))
    assert again.progress.score == 15 and not again.records
    assert only(again, HintShown)[0].again
    second = play(first.progress, RequestHint(confirmed=True, index=1))
    assert second.progress.score == 7  # the second hint has its own penalty of 8


def test_a_hint_button_of_another_stage_is_stale_and_costs_nothing() -> None:
    progress = at(TeamState.EN_ROUTE, score=20)
    assert progress.stage_id is not None
    for command in (
        RequestHint(stage_id="another-stage"),
        RequestHint(confirmed=True, index=0, stage_id="another-stage"),
    ):
        decision = play(progress, command)
        assert decision.events[0].reason is Refusal.STALE_BUTTON
        assert decision.progress == progress and not decision.records
    shown = play(progress, RequestHint(confirmed=True, index=0, stage_id=progress.stage_id))
    assert shown.progress.score == 15  # the current stage's own button still works


def test_hints_come_in_order_and_run_out() -> None:
    assert play(at(TeamState.EN_ROUTE), RequestHint(confirmed=True, index=1)).events[0].reason is (
        Refusal.HINT_OUT_OF_ORDER
    )
    used_up = at(TeamState.EN_ROUTE, hints_used=2)
    assert play(used_up, RequestHint()).events[0].reason is Refusal.NO_HINTS
    assert play(at(TeamState.EN_ROUTE, stage=1), RequestHint()).events[0].reason is Refusal.NO_HINTS


def test_hints_reset_at_the_next_stage() -> None:
    progress = at(TeamState.ANSWERING, question=1, hints_used=2)
    decision = play(progress, Answer(text="1248"))
    assert decision.progress.stage_id == "cpam"
    assert decision.progress.hints_used == 0


# ------------------------------------------------------------------ organiser moves


def test_skipping_a_stage_moves_the_team_on_without_points() -> None:
    progress = at(TeamState.EN_ROUTE, score=30)
    decision = play(progress, SkipStage())
    assert decision.progress.stage_id == "cpam"
    assert decision.progress.score == 30
    assert {e.audience for e in only(decision, StageSkipped)} == {
        Audience.TEAM,
        Audience.ORGANISERS,
    }


def test_skipping_the_last_stage_finishes() -> None:
    decision = play(at(TeamState.ANSWERING, stage=2), SkipStage())
    assert decision.progress.state is TeamState.FINISHED


# ------------------------------------------------------------------ ranking

T0 = datetime(2026, 10, 18, 12, 0, tzinfo=UTC)


def test_ranking_by_points_then_finish_time_unfinished_last() -> None:
    standings = [
        Standing(1, "Pariou", 80, 3, T0 + timedelta(minutes=5)),
        Standing(2, "Sancy", 80, 3, T0),
        Standing(3, "Volvic", 90, 2, None),
        Standing(4, "Dôme", 80, 2, None),
        Standing(5, "Gergovie", 20, 3, T0),
    ]
    ranked = rank(standings)
    assert [(r.rank, r.standing.name) for r in ranked] == [
        (1, "Volvic"),
        (2, "Sancy"),
        (3, "Pariou"),
        (4, "Dôme"),
        (5, "Gergovie"),
    ]


def test_equal_teams_share_a_rank() -> None:
    ranked = rank(
        [Standing(1, "A", 50, 3, T0), Standing(2, "B", 50, 3, T0), Standing(3, "C", 10, 3, T0)]
    )
    assert [r.rank for r in ranked] == [1, 1, 3]
    assert isinstance(ranked[0], Ranked)


# ------------------------------------------------------------------ typed text


@pytest.mark.parametrize(
    ("progress", "typed", "expected"),
    [
        (at(TeamState.EN_ROUTE, stage=1), "carte vitale", TeamState.CHECKED_IN),
        (at(TeamState.EN_ROUTE, stage=1), "quinze", TeamState.EN_ROUTE),
        (at(TeamState.ANSWERING, stage=1), "quinze", TeamState.EN_ROUTE),  # right: next stage
        (at(TeamState.CHECKED_IN, stage=1), "quinze", TeamState.CHECKED_IN),
    ],
)
def test_typed_text_is_a_code_on_the_way_and_an_answer_at_the_stage(
    progress, typed, expected
) -> None:
    assert play(progress, Typed(typed)).progress.state is expected


def test_typing_the_code_again_after_arriving_says_so() -> None:
    decision = play(at(TeamState.CHECKED_IN, stage=1), Typed("Carte Vitale"))
    assert [e.reason for e in decision.events] == [Refusal.ALREADY_CHECKED_IN]
    other = play(at(TeamState.CHECKED_IN, stage=1), Typed("hello"))
    assert [e.reason for e in other.events] == [Refusal.QUESTIONS_NOT_BEGUN]


def test_the_same_wrong_answer_twice_costs_one_attempt() -> None:
    """A double tap on a wrong button, or two members typing the same wrong answer."""
    first = play(at(TeamState.ANSWERING), Answer(choice=1, question_id="q-stone"))
    again = play(first.progress, Answer(text="granit"))  # the same choice, typed
    assert [e.reason for e in again.events] == [Refusal.ALREADY_TRIED]
    assert again.progress == first.progress
    assert not again.records
    other = play(first.progress, Answer(choice=3, question_id="q-stone"))
    assert only(other, AnswerJudged)[0].closed  # a different wrong answer uses the last try


def test_tried_answers_are_forgotten_at_the_next_question() -> None:
    wrong = play(at(TeamState.ANSWERING, question=1), Answer(text="1000"))
    assert wrong.progress.tried == ("number:1000",)
    right = play(wrong.progress, Answer(text="1248"))
    assert right.progress.tried == ()


@pytest.mark.parametrize(
    ("typed", "accepted", "same"),
    [
        ("vercingetorix", "Vercingétorix", True),
        ("بارتولدي", "بَارْتُولْدِي", True),
        ("কল", "কাল", False),
        ("ЁЛКА", "ёлка", True),
    ],
)
def test_accents_and_arabic_vowel_marks_are_ignored_but_not_indic_vowels(typed, accepted, same):
    assert (fold(typed) == fold(accepted)) is same
