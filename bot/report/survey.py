"""The survey's results, as the report counts them: answers per question, choice and language.

The survey stores anonymous counts (per rally, question id, language and choice:
`SurveyTallyRow`, `bot.services.survey`); a survey nobody answered is `NO_SURVEY`, and the
report says there is no survey data. The questions' and choices' texts come from the rally
file's `survey` section, when it has one (`survey_texts`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import SurveyTallyRow


class NoSurvey(enum.Enum):
    """There is no survey data: no survey table yet, or a survey nobody answered."""

    NO_SURVEY = "no survey data"


NO_SURVEY = NoSurvey.NO_SURVEY


@dataclass(frozen=True)
class SurveyCount:
    """How many players gave one choice to one question, in one language."""

    question_id: str
    choice: str
    """As stored: the choice's number, from 1."""
    language: str
    answers: int


@dataclass(frozen=True)
class SurveyFigures:
    """The survey's answers, counted (questions and choices as stored, in that order)."""

    counts: tuple[SurveyCount, ...]

    @property
    def questions(self) -> tuple[str, ...]:
        """The questions answered, in order."""
        return tuple(dict.fromkeys(count.question_id for count in self.counts))

    def of(self, question_id: str) -> tuple[SurveyCount, ...]:
        """The counts of one question."""
        return tuple(count for count in self.counts if count.question_id == question_id)


async def survey_figures(session: AsyncSession, rally_id: str) -> SurveyFigures | NoSurvey:
    """The rally's survey answers counted per question, choice and language; `NO_SURVEY` when
    nobody answered it (the survey's anonymous tallies, `SurveyTallyRow`)."""
    tally = SurveyTallyRow
    rows = await session.execute(
        select(tally.question_id, tally.choice, tally.language, func.sum(tally.count))
        .where(tally.rally_id == rally_id)
        .group_by(tally.question_id, tally.choice, tally.language)
        .order_by(tally.question_id, tally.choice, tally.language)
    )
    counts = tuple(
        SurveyCount(str(question), str(choice), str(language), int(count or 0))
        for question, choice, language, count in rows
        if count
    )
    return SurveyFigures(counts) if counts else NO_SURVEY


def survey_texts(rally: object, language: str, default: str) -> dict[str, tuple[str, list[str]]]:
    """Each survey question's text and its choices' texts, from the rally file's `survey`
    section (none without one), in `language` else the rally's `default` one."""
    survey = getattr(rally, "survey", None)
    texts: dict[str, tuple[str, list[str]]] = {}
    for question in getattr(survey, "questions", ()):

        def pick(localized: dict[str, str]) -> str:
            return localized.get(language) or localized.get(default) or ""

        texts[question.id] = (pick(question.text), [pick(c.text) for c in question.choices])
    return texts
