"""The end-of-rally survey: each press one unit of work, each answer counted once, anonymously.

A press is decided by the pure rules (`bot.core.survey.decide`) on what is stored, then stored
in one transaction with its Telegram update id (a redelivered press counts once): the
player's participation (which question comes next) and, for a question passed, its counter in
the anonymous tally. The two tables share nothing but the rally's id (no key, time or row
order): the participation names the player and holds no answer; the tally holds counts by
question, language and choice, and nothing about who. Why each answer is counted at once,
why every counter of a question is rewritten and why they are all made before the first
answer: `bot.core.survey` and `SurveyRepository`.

`results` sums the tally for the report: per question, per language, the count of each choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.content import Survey
from bot.core.engine import TeamState
from bot.core.phase import RallyPhase
from bot.core.survey import (
    Participation,
    SurveyCommand,
    SurveyEvent,
    SurveyStatus,
    decide,
    may_answer,
)
from bot.services.base import Services
from bot.storage.models import PlayerRow, SurveyParticipationRow
from bot.storage.uow import SqlUnitOfWork


@dataclass(frozen=True)
class SurveyOutcome:
    """What a survey command did: the event to tell (None: this Telegram update was handled
    before), and whether anything was stored."""

    event: SurveyEvent | None
    changed: bool = False

    @property
    def duplicate(self) -> bool:
        """Whether this Telegram update was handled before (nothing to say again)."""
        return self.event is None


@dataclass(frozen=True)
class QuestionResults:
    """One question's answers: for each language it was read in, the count of each choice
    (choice 1 first); a language nobody answered it in is left out."""

    question_id: str
    choices: int
    """How many choices the question has."""
    by_language: Mapping[str, tuple[int, ...]]

    @property
    def total(self) -> tuple[int, ...]:
        """The count of each choice, all languages together."""
        counts = self.by_language.values()
        return tuple(sum(tally[i] for tally in counts) for i in range(self.choices))


class SurveyService:
    """The survey's presses and its results."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.rally = services.rally

    @property
    def survey(self) -> Survey | None:
        """The rally file's survey, if it has one."""
        return self.rally.survey

    async def act(
        self, user_id: int, command: SurveyCommand, *, update_id: int | None = None
    ) -> SurveyOutcome:
        """A player's survey command, decided and stored once (a Telegram update is claimed
        with it)."""

        async def work(uow: SqlUnitOfWork) -> SurveyOutcome:
            rally_id = self.rally.id
            player = await uow.players.by_user(rally_id, user_id)
            if player is None:
                return SurveyOutcome(decide(self.survey, None, command, open_to_them=False).event)
            row = await uow.survey.participation(rally_id, player.id)
            decision = decide(
                self.survey,
                _participation(row),
                command,
                open_to_them=await self._open_to(uow, player),
            )
            if not decision.changes:
                return SurveyOutcome(decision.event)
            if update_id is not None and not await uow.updates.claim(
                rally_id, update_id, at=self.services.clock()
            ):
                return SurveyOutcome(None)
            now = self.services.clock()
            chosen = decision.participation
            if chosen is not None and row is None:
                await uow.survey.add_participation(
                    rally_id,
                    player.id,
                    status=chosen.status.value,
                    next_question=chosen.next_question,
                    at=now,
                )
            elif chosen is not None and row is not None:
                row.status = chosen.status.value
                row.next_question = chosen.next_question
                row.at = now
            if decision.counted is not None:
                await uow.survey.prepare_counters(rally_id, self._counters(player.language))
                counted = decision.counted
                await uow.survey.count(
                    rally_id, counted.question_id, player.language, counted.choice
                )
            await uow.commit()
            return SurveyOutcome(decision.event, changed=True)

        return await self.services.retrying(work)

    async def _open_to(self, uow: SqlUnitOfWork, player: PlayerRow) -> bool:
        """Whether the survey is open to the player: their team finished, or the rally did."""
        rally_row = await uow.rallies.get(self.rally.id)
        phase = RallyPhase(rally_row.phase) if rally_row is not None else RallyPhase.DRAFT
        team_state = None
        if player.team_id is not None:
            progress = await uow.progress.get(player.team_id)
            team_state = TeamState(progress.state) if progress is not None else TeamState.WAITING
        return may_answer(team_state, phase)

    def _counters(self, language: str) -> list[tuple[str, str, int]]:
        """Every counter of the survey (question, language, choice), in the rally file's
        order: the rally's languages, and the respondent's if it is another."""
        survey = self.survey
        assert survey is not None  # an answer is counted only in a survey
        languages = list(self.rally.rally.languages)
        if language not in languages:
            languages.append(language)
        return [
            (question.id, lang, choice)
            for question in survey.questions
            for lang in languages
            for choice in range(1, len(question.choices) + 1)
        ]

    async def unasked(self) -> frozenset[int]:
        """The players the survey is still to be offered to when the rally finishes: those
        in a team who have not started it (none without a survey)."""
        if self.survey is None:
            return frozenset()
        rally_id = self.rally.id
        async with self.services.new_uow() as uow:
            players = await uow.players.list(rally_id)
            took = await uow.survey.participants(rally_id)
        return frozenset(p.id for p in players if p.team_id is not None and p.id not in took)

    async def results(self) -> tuple[QuestionResults, ...]:
        """The survey's answers, for the report: per question of the rally file (in its
        order), per language, the count of each choice."""
        survey = self.survey
        if survey is None:
            return ()
        async with self.services.new_uow() as uow:
            rows = await uow.survey.tallies(self.rally.id)
        counts: dict[tuple[str, str, int], int] = {
            (row.question_id, row.language, row.choice): row.count for row in rows
        }
        languages = list(
            dict.fromkeys([*self.rally.rally.languages, *(language for _, language, _ in counts)])
        )
        results = []
        for question in survey.questions:
            by_language = {}
            for language in languages:
                tally = tuple(
                    counts.get((question.id, language, choice), 0)
                    for choice in range(1, len(question.choices) + 1)
                )
                if any(tally):
                    by_language[language] = tally
            results.append(QuestionResults(question.id, len(question.choices), by_language))
        return tuple(results)


def _participation(row: SurveyParticipationRow | None) -> Participation | None:
    """The rules' view of a stored participation."""
    if row is None:
        return None
    return Participation(SurveyStatus(row.status), row.next_question)
