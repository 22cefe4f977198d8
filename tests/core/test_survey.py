"""The end-of-rally survey: its section of the rally file, and the rules of each press."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.content import Survey
from bot.core.engine import TeamState
from bot.core.phase import RallyPhase
from bot.core.rally_file import RallyFileError, load_rally, parse_rally
from bot.core.survey import (
    AnswerSurvey,
    Counted,
    NoSurvey,
    OpenSurvey,
    Participation,
    SurveyAlreadyAnswered,
    SurveyCommand,
    SurveyDecision,
    SurveyNotOpen,
    SurveyQuestionShown,
    SurveyStalePress,
    SurveyStatus,
    SurveyThanks,
    SurveyUnderWay,
    decide,
    may_answer,
)

ROOT = Path(__file__).parents[2]
MINI = (ROOT / "tests" / "rally_files" / "mini.yaml").read_text(encoding="utf-8")
BUNDLED = load_rally(ROOT / "data" / "stages.yaml")


def question(number: int, choices: int = 3, **changes: Any) -> dict[str, Any]:
    """A survey question as written in a rally file (the mini rally speaks fr, en and ar)."""
    written = {
        "id": f"q-{number}",
        "text": {"fr": f"Question {number} ?", "en": f"Question {number}?"},
        "choices": [
            {"emoji": "🙂", "text": {"fr": f"Choix {n}", "en": f"Choice {n}"}}
            for n in range(1, choices + 1)
        ],
    }
    return written | changes


def with_survey(survey: object) -> str:
    """The mini rally's file with this `survey:` section."""
    return MINI + "\n" + yaml.safe_dump({"survey": survey}, allow_unicode=True)


def problems(text: str) -> list[str]:
    """The problems the rally file's reader finds, without their file and line."""
    with pytest.raises(RallyFileError) as caught:
        parse_rally(text, "mini.yaml")
    return [f"{problem.path}: {problem.message}" for problem in caught.value.problems]


# ------------------------------------------------------------------ the rally file


def test_a_rally_without_a_survey_section_has_no_survey() -> None:
    assert parse_rally(MINI, "mini.yaml").survey is None


def test_a_survey_of_three_to_five_questions_is_read_with_its_emoji_and_texts() -> None:
    rally = parse_rally(with_survey({"questions": [question(1), question(2, 5), question(3)]}))
    assert rally.survey is not None
    assert [q.id for q in rally.survey.questions] == ["q-1", "q-2", "q-3"]
    assert [len(q.choices) for q in rally.survey.questions] == [3, 5, 3]
    first = rally.survey.questions[0].choices[0]
    assert (first.emoji, first.text) == ("🙂", {"fr": "Choix 1", "en": "Choice 1"})


def test_an_emoji_is_optional() -> None:
    bare = question(1, choices=2)
    bare["choices"] = [{"text": {"fr": "Oui"}}, {"text": {"fr": "Non"}}]
    rally = parse_rally(with_survey({"questions": [bare, question(2), question(3)]}))
    assert rally.survey is not None
    assert [c.emoji for c in rally.survey.questions[0].choices] == [None, None]


@pytest.mark.parametrize(
    ("survey", "expected"),
    [
        pytest.param(
            {"questions": [question(1), question(2)]},
            "survey.questions: a survey has 3 to 5 questions, not 2",
            id="two-questions",
        ),
        pytest.param(
            {"questions": [question(n) for n in range(1, 7)]},
            "survey.questions: a survey has 3 to 5 questions, not 6",
            id="six-questions",
        ),
        pytest.param(
            {"questions": [question(1), question(2, choices=6), question(3)]},
            "survey.questions[1].choices: a survey question has 2 to 5 choices, not 6",
            id="six-choices",
        ),
        pytest.param(
            {"questions": [question(1), question(2, choices=1), question(3)]},
            "survey.questions[1].choices: a survey question has 2 to 5 choices, not 1",
            id="one-choice",
        ),
        pytest.param(
            {"questions": [question(1), question(2), question(3, id="q-1")]},
            "survey.questions: duplicate survey question id 'q-1'",
            id="duplicate-ids",
        ),
        pytest.param(
            {"questions": [question(1), question(2, text={"en": "Question 2?"}), question(3)]},
            "survey.questions[1].text: text missing in the default language 'fr'",
            id="question-not-in-french",
        ),
        pytest.param(
            {
                "questions": [
                    question(1, choices=2) | {"choices": [{"text": {"fr": "Oui"}}, {"text": {}}]},
                    question(2),
                    question(3),
                ]
            },
            "survey.questions[0].choices[1].text: text missing in the default language 'fr'",
            id="choice-not-in-french",
        ),
        pytest.param(
            {"questions": [question(1, text={"fr": "Q ?", "de": "F?"}), question(2), question(3)]},
            "survey.questions[0].text: language de is not in rally.languages (fr, en, ar)",
            id="language-not-in-the-rally",
        ),
        pytest.param(
            {"questions": [question(1, id="Q 1"), question(2), question(3)]},
            "survey.questions[0].id: String should match pattern '^[a-z0-9][a-z0-9-]*$'",
            id="id-not-a-slug",
        ),
        pytest.param(
            {"questions": [question(1) | {"colour": "red"}, question(2), question(3)]},
            "survey.questions[0].colour: unknown key",
            id="unknown-key",
        ),
    ],
)
def test_a_wrong_survey_section_is_refused_with_where_and_why(survey: object, expected: str):
    assert problems(with_survey(survey)) == [expected]


def test_the_bundled_rally_has_a_short_survey_in_all_its_languages() -> None:
    survey = BUNDLED.survey
    assert survey is not None
    assert 3 <= len(survey.questions) <= 5
    languages = set(BUNDLED.rally.languages)
    assert len(languages) == 10
    for asked in survey.questions:
        assert set(asked.text) == languages, asked.id
        assert 2 <= len(asked.choices) <= 5
        for choice in asked.choices:
            assert set(choice.text) == languages, asked.id
            assert choice.emoji  # every button says it with a picture too


# ------------------------------------------------------------------ who may answer


@pytest.mark.parametrize(
    ("team_state", "phase", "expected"),
    [
        (TeamState.FINISHED, RallyPhase.RUNNING, True),  # their team's route is done
        (TeamState.FINISHED, RallyPhase.FINISHED, True),
        (TeamState.EN_ROUTE, RallyPhase.FINISHED, True),  # the rally is over for everyone
        (TeamState.WAITING, RallyPhase.FINISHED, True),
        (TeamState.ANSWERING, RallyPhase.RUNNING, False),  # still playing
        (TeamState.EN_ROUTE, RallyPhase.PAUSED, False),
        (None, RallyPhase.FINISHED, False),  # never in a team: they did not play
        (None, RallyPhase.RUNNING, False),
    ],
)
def test_the_survey_opens_when_the_team_or_the_rally_finishes(team_state, phase, expected):
    assert may_answer(team_state, phase) is expected


# ------------------------------------------------------------------ each press


def survey_of(*choices: int) -> Survey:
    """A survey whose questions have these numbers of choices."""
    return Survey.model_validate(
        {
            "questions": [
                question(number, count) | {"text": {"fr": "?"}}
                for number, count in enumerate(choices, start=1)
            ]
        }
    )


SURVEY = survey_of(3, 4, 2)
ANSWERING = SurveyStatus.ANSWERING
ANSWERED = SurveyStatus.ANSWERED


@pytest.mark.parametrize(
    ("participation", "command", "open_to_them", "expected"),
    [
        # starting: the first question, stored as under way
        (
            None,
            OpenSurvey(pressed=True),
            True,
            SurveyDecision(SurveyQuestionShown(0), Participation(ANSWERING, 0)),
        ),
        (None, OpenSurvey(), False, SurveyDecision(SurveyNotOpen())),
        # /survey again while answering: the question they are at, nothing stored
        (Participation(ANSWERING, 1), OpenSurvey(), True, SurveyDecision(SurveyQuestionShown(1))),
        # the survey's button under the finish pressed again while answering: a notice
        (
            Participation(ANSWERING, 1),
            OpenSurvey(pressed=True),
            True,
            SurveyDecision(SurveyUnderWay()),
        ),
        # an answer: counted, and the next question
        (
            Participation(ANSWERING, 0),
            AnswerSurvey("q-1", 3),
            True,
            SurveyDecision(SurveyQuestionShown(1), Participation(ANSWERING, 1), Counted("q-1", 3)),
        ),
        # a skip: passed, nothing chosen
        (
            Participation(ANSWERING, 1),
            AnswerSurvey("q-2", None),
            True,
            SurveyDecision(
                SurveyQuestionShown(2), Participation(ANSWERING, 2), Counted("q-2", None)
            ),
        ),
        # the last question: thank you, and answered for good
        (
            Participation(ANSWERING, 2),
            AnswerSurvey("q-3", 2),
            True,
            SurveyDecision(SurveyThanks(), Participation(ANSWERED, 3), Counted("q-3", 2)),
        ),
        # the same question pressed twice, an earlier one, a forged choice: no count
        (
            Participation(ANSWERING, 1),
            AnswerSurvey("q-1", 2),
            True,
            SurveyDecision(SurveyStalePress()),
        ),
        (
            Participation(ANSWERING, 1),
            AnswerSurvey("q-2", 5),
            True,
            SurveyDecision(SurveyStalePress()),
        ),
        (None, AnswerSurvey("q-1", 1), True, SurveyDecision(SurveyStalePress())),
        # answered: once only, whatever is pressed
        (
            Participation(ANSWERED, 3),
            AnswerSurvey("q-3", 1),
            True,
            SurveyDecision(SurveyAlreadyAnswered()),
        ),
        (Participation(ANSWERED, 3), OpenSurvey(), True, SurveyDecision(SurveyAlreadyAnswered())),
        (
            Participation(ANSWERED, 3),
            OpenSurvey(pressed=True),
            True,
            SurveyDecision(SurveyAlreadyAnswered()),
        ),
        # a survey shortened in the rally file since they began: they are done
        (
            Participation(ANSWERING, 3),
            AnswerSurvey("q-3", 1),
            True,
            SurveyDecision(SurveyAlreadyAnswered()),
        ),
    ],
)
def test_each_press_is_decided_and_counted_at_most_once(
    participation: Participation | None,
    command: SurveyCommand,
    open_to_them: bool,
    expected: SurveyDecision,
) -> None:
    decision = decide(SURVEY, participation, command, open_to_them=open_to_them)
    assert decision == expected
    assert decision.changes is (expected.participation is not None)


def test_a_rally_without_a_survey_says_so_to_every_command() -> None:
    for command in (OpenSurvey(), OpenSurvey(pressed=True), AnswerSurvey("q-1", 1)):
        assert decide(None, None, command, open_to_them=True) == SurveyDecision(NoSurvey())


def test_answering_every_question_counts_each_answer_once_and_ends_answered() -> None:
    participation: Participation | None = None
    counted: list[Counted] = []
    decision = decide(SURVEY, participation, OpenSurvey(pressed=True), open_to_them=True)
    presses = [("q-1", 1), ("q-1", 1), ("q-2", None), ("q-3", 2), ("q-3", 2)]
    for question_id, choice in presses:
        if decision.participation is not None:
            participation = decision.participation
        decision = decide(
            SURVEY, participation, AnswerSurvey(question_id, choice), open_to_them=True
        )
        if decision.counted is not None:
            counted.append(decision.counted)
    assert counted == [Counted("q-1", 1), Counted("q-2", None), Counted("q-3", 2)]
    assert participation == Participation(ANSWERED, 3)
    assert decision == SurveyDecision(SurveyAlreadyAnswered())
