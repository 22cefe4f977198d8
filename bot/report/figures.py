"""Every figure of the evaluation report, computed from the database in one place.

`rally_figures` reads one rally in one read-only transaction, with a few aggregate queries
(GROUP BY in SQL where the database can sum; the per-team times in Python, over one row per
team and stage), and returns a frozen `RallyFigures`. The charts, the document and the CSV
only lay these figures out; nothing else computes a figure. No figure names a player: players
are only ever counted; team and stage names are the organisers' own.

Definitions (every time is a difference of two stored times, in minutes):

- **Players** are those in a team when the report is made (`players.team_id`), by the language
  they read the bot in (`players.language`). Those who joined a team and are no longer in one
  (they left for another rally, or erased their data with /forget) are counted apart
  (`players_gone`); erased players keep no team.
- **A team started** when the rally started for it (`team_progress.started_at`); **finished**
  when it completed its route (`state = finished`, `finished_at`). Only the teams with at
  least one player count (the rally starts the teams nobody joined too), in these figures and
  in the ranking; the idle alerts count every team flagged, as the organisers received them.
  A team's **duration** is `finished_at - started_at`, pauses of the rally included.
- **A stage is done** by a team once the team's route has moved past it
  (`route[:stage_index]`); **reached** when the team checked in there (a row of `checkins`);
  **skipped** when it is done without a check-in (an organiser's /skip: the audit log records
  the skip, not its stage).
- **The end of a stage** for a team is its last recorded answer there (`answers.at`, the answer
  that closed its last question), or its check-in when the team answered nothing there (a stage
  without questions). The moment the team pressed "begin" is not stored.
- **Time at a stage** = the end of the stage - the check-in there, for the teams that are done
  with it, checked in and answered at least once there.
- **Walking time to a stage** = the check-in there - the end of the previous stage of the team's
  route; for the first stage of its route, - `started_at`. Not counted when the previous stage
  was skipped (its end is not recorded). Pauses of the rally are included.
- **Check-in methods**: `location` (a pin or place sent), `live_location`, `code` (the stage's
  code word) and `organiser` (/checkin by the staff). The share of check-ins by position at
  the stages that have a location measures how well GPS worked; the distance is the stored
  distance of the position to the stage's point.
- **A right first answer**: a team's attempt 1 at a question was right. The share is over the
  teams that answered the question at least once.
- **Hints**: the rows of `hints` (each hint of a stage is revealed to a team once), with their
  penalty points.
- **Incidents**: photos by review status; teams that were flagged idle at least once
  (`team_progress.idle_alerted_at` keeps only the latest alert, so the number of alerts is not
  known); organisers' skips, staffed check-ins, score corrections, broadcasts and pauses from
  the audit log.

Not recorded by the bot, so not in the report: the 🆘 "we are lost" alerts (kept in memory,
`Runtime.help_requests`, gone at a restart); how many idle alerts were sent (only the latest
per team); when a team pressed "begin" at a stage; the stage an organiser skipped.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Integer, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.content import Rally
from bot.core.engine import CheckInMethod, Standing, TeamState, rank
from bot.report.survey import NoSurvey, SurveyFigures, survey_figures
from bot.storage.models import (
    AnswerRow,
    AuditRow,
    CheckinRow,
    HintRow,
    PhotoRow,
    PlayerRow,
    ProgressRow,
    RallyRow,
    TeamRow,
)

BY_POSITION = (CheckInMethod.LOCATION, CheckInMethod.LIVE_LOCATION)
"""The check-in methods that rely on the phone's position."""
SKIP, STAFFED_CHECKIN, AWARD, PAUSE = "skip", "checkin", "award", "pause"
BROADCASTS = ("broadcast", "announce")
"""Audit log actions counted as incidents (`bot.services.play`, `timeline`, `broadcasts`)."""


def median_minutes(values: Iterable[float]) -> float | None:
    """The median of durations in minutes, to a tenth; None without any."""
    ordered = list(values)
    return round(statistics.median(ordered), 1) if ordered else None


def minutes(later: datetime, earlier: datetime) -> float:
    """`later - earlier` in minutes."""
    return (later - earlier).total_seconds() / 60


def share(part: int, whole: int) -> float | None:
    """`part / whole`, None when there is no whole."""
    return part / whole if whole else None


@dataclass(frozen=True)
class LanguageFigures:
    """Who came, in one language."""

    language: str
    players: int
    """Players in a team who read the bot in this language."""
    teams: int
    """Teams with at least one such player."""
    finished: int
    """Of these players, those whose team finished."""


@dataclass(frozen=True)
class StageFigures:
    """One stage of the route, over every team."""

    stage_id: str
    has_location: bool
    reached: int
    """Teams that checked in there."""
    skipped: int
    """Teams past it without a check-in."""
    time_at_stage: float | None
    """Median minutes from the check-in to the end of the stage."""
    timed_at_stage: int
    """How many teams that median is over."""
    walking: float | None
    """Median minutes from the end of the previous stage to the check-in."""
    timed_walking: int
    by_location: int
    by_live_location: int
    by_code: int
    by_organiser: int
    distance_m: float | None
    """Median distance of the positions that checked in, to the stage's point."""
    hints: int
    """Hints revealed there."""
    teams_with_hints: int
    hint_points: int
    """Points the hints cost."""

    @property
    def by_position(self) -> int:
        """Check-ins by the phone's position (a pin, a place or a live location)."""
        return self.by_location + self.by_live_location

    @property
    def position_share(self) -> float | None:
        """The share of check-ins by position, at a stage that has a location."""
        return share(self.by_position, self.reached) if self.has_location else None


@dataclass(frozen=True)
class QuestionFigures:
    """One question, over every team."""

    question_id: str
    stage_id: str
    topic: str
    answered: int
    """Teams that answered it at least once."""
    right_first: int
    """Teams whose first answer was right."""
    right: int
    """Teams that answered it right at some attempt."""
    attempts: int
    """Answers recorded, every attempt."""

    @property
    def right_first_share(self) -> float | None:
        """The share of right first answers among the teams that answered."""
        return share(self.right_first, self.answered)


@dataclass(frozen=True)
class TopicFigures:
    """The questions of one topic (heritage, services, transport) together."""

    topic: str
    questions: int
    answered: int
    right_first: int

    @property
    def right_first_share(self) -> float | None:
        """The share of right first answers, every answer of the topic counted."""
        return share(self.right_first, self.answered)


@dataclass(frozen=True)
class Incidents:
    """What went wrong, or needed the staff, during the day."""

    photos_approved: int
    photos_rejected: int
    photos_pending: int
    idle_teams: int
    """Teams flagged idle at least once (only the latest alert per team is stored)."""
    skips: int
    staffed_checkins: int
    awards: int
    broadcasts: int
    pauses: int


@dataclass(frozen=True)
class RankedTeam:
    """A team's place on the final leaderboard (team names are the organisers')."""

    rank: int
    team: str
    score: int
    stages_done: int
    finished: bool


@dataclass(frozen=True)
class RallyFigures:
    """Every figure of one rally's report."""

    rally_id: str
    phase: str
    started_at: datetime | None
    finished_at: datetime | None
    purged: bool
    """Whether the players' personal data was already erased (the figures stay)."""
    stages_total: int
    teams: int
    """Teams of the rally."""
    teams_playing: int
    """Teams with at least one player."""
    teams_started: int
    teams_finished: int
    players: int
    players_gone: int
    """Players who joined a team and are in none now (left, or erased their data)."""
    languages: tuple[LanguageFigures, ...]
    """Most players first."""
    team_sizes: tuple[int, ...]
    """Each playing team's number of players, largest first."""
    duration: float | None
    """Median minutes from the start to the finish, over the teams that finished."""
    stages: tuple[StageFigures, ...]
    """In the rally file's order."""
    questions: tuple[QuestionFigures, ...]
    """In the rally file's order."""
    topics: tuple[TopicFigures, ...]
    incidents: Incidents
    ranking: tuple[RankedTeam, ...]
    survey: SurveyFigures | NoSurvey

    @property
    def players_finished(self) -> int:
        """Players whose team finished."""
        return sum(language.finished for language in self.languages)

    @property
    def finished_share(self) -> float | None:
        """The share of the teams that started and finished."""
        return share(self.teams_finished, self.teams_started)

    @property
    def right_first_share(self) -> float | None:
        """The share of right first answers, over every answer of the rally."""
        return share(
            sum(q.right_first for q in self.questions), sum(q.answered for q in self.questions)
        )

    @property
    def checkins(self) -> int:
        """Check-ins, every stage."""
        return sum(stage.reached for stage in self.stages)

    @property
    def position_share(self) -> float | None:
        """The share of check-ins by position at the stages that have a location."""
        located = [stage for stage in self.stages if stage.has_location]
        return share(sum(s.by_position for s in located), sum(s.reached for s in located))

    @property
    def hints(self) -> int:
        """Hints revealed, every stage."""
        return sum(stage.hints for stage in self.stages)

    @property
    def hints_per_team(self) -> float | None:
        """Hints revealed per team that started."""
        return self.hints / self.teams_started if self.teams_started else None


class _Checkin(NamedTuple):
    team_id: int
    stage_id: str
    method: str
    at: datetime
    distance_m: float | None


@dataclass(frozen=True)
class _TeamRow:
    """What the figures need of a team and its progress."""

    team_id: int
    name: str
    state: TeamState | None
    route: tuple[str, ...]
    stage_index: int
    score: int
    started_at: datetime | None
    finished_at: datetime | None
    idle_alerted: bool

    @property
    def done(self) -> tuple[str, ...]:
        """The stages of its route it has moved past."""
        return self.route[: self.stage_index]


async def rally_figures(sessions: async_sessionmaker[AsyncSession], rally: Rally) -> RallyFigures:
    """Every figure of the rally's report, read from the database in one transaction."""
    async with sessions() as session, session.begin():
        rally_row = await session.get(RallyRow, rally.id)
        teams = await _teams(session, rally.id)
        members = await _members(session, rally.id)
        gone = await session.scalar(
            select(func.count())
            .select_from(PlayerRow)
            .where(
                PlayerRow.rally_id == rally.id,
                PlayerRow.team_id.is_(None),
                PlayerRow.joined_at.is_not(None),
            )
        )
        checkins = [
            _Checkin(*row)
            for row in await session.execute(
                select(
                    CheckinRow.team_id,
                    CheckinRow.stage_id,
                    CheckinRow.method,
                    CheckinRow.at,
                    CheckinRow.distance_m,
                ).where(CheckinRow.rally_id == rally.id)
            )
        ]
        # the end of each (team, stage) with answers: its last answer (MAX of a UtcDateTime
        # comes back as the column's type: aware UTC)
        answered_at = {
            (team_id, stage_id): at
            for team_id, stage_id, at in await session.execute(
                select(
                    AnswerRow.team_id,
                    AnswerRow.stage_id,
                    func.max(AnswerRow.at),
                )
                .where(AnswerRow.rally_id == rally.id)
                .group_by(AnswerRow.team_id, AnswerRow.stage_id)
            )
        }
        answers = await _answers(session, rally.id)
        hints = {
            stage_id: (int(count), int(teams_), int(points or 0))
            for stage_id, count, teams_, points in await session.execute(
                select(
                    HintRow.stage_id,
                    func.count(),
                    func.count(HintRow.team_id.distinct()),
                    func.sum(HintRow.penalty),
                )
                .where(HintRow.rally_id == rally.id)
                .group_by(HintRow.stage_id)
            )
        }
        photos = dict(
            (
                await session.execute(
                    select(PhotoRow.status, func.count())
                    .where(PhotoRow.rally_id == rally.id)
                    .group_by(PhotoRow.status)
                )
            ).all()
        )
        actions = dict(
            (
                await session.execute(
                    select(AuditRow.action, func.count())
                    .where(AuditRow.rally_id == rally.id)
                    .group_by(AuditRow.action)
                )
            ).all()
        )
        survey = await survey_figures(session, rally.id)
    stages = _stages(rally, teams, checkins, answered_at, hints)
    playing = {team_id for team_id, _, _ in members}
    played = [t for t in teams if t.team_id in playing]  # a team nobody joined played nothing
    questions = _questions(rally, answers)
    return RallyFigures(
        rally_id=rally.id,
        phase=rally_row.phase if rally_row is not None else "draft",
        started_at=rally_row.started_at if rally_row is not None else None,
        finished_at=rally_row.finished_at if rally_row is not None else None,
        purged=rally_row is not None and rally_row.purged_at is not None,
        stages_total=len(rally.stages),
        teams=len(teams),
        teams_playing=len(playing),
        teams_started=sum(1 for t in played if t.started_at is not None),
        teams_finished=sum(1 for t in played if t.state is TeamState.FINISHED),
        players=sum(count for _, _, count in members),
        players_gone=int(gone or 0),
        languages=_languages(teams, members),
        team_sizes=_team_sizes(members),
        duration=median_minutes(
            minutes(t.finished_at, t.started_at)
            for t in teams
            if t.finished_at is not None and t.started_at is not None
        ),
        stages=stages,
        questions=questions,
        topics=_topics(questions),
        incidents=Incidents(
            photos_approved=photos.get("approved", 0),
            photos_rejected=photos.get("rejected", 0),
            photos_pending=photos.get("pending", 0),
            idle_teams=sum(1 for t in teams if t.idle_alerted),
            skips=actions.get(SKIP, 0),
            staffed_checkins=actions.get(STAFFED_CHECKIN, 0),
            awards=actions.get(AWARD, 0),
            broadcasts=sum(actions.get(action, 0) for action in BROADCASTS),
            pauses=actions.get(PAUSE, 0),
        ),
        ranking=_ranking(played),
        survey=survey,
    )


async def _teams(session: AsyncSession, rally_id: str) -> list[_TeamRow]:
    """Every team of the rally with its progress (a team without one has not been set up)."""
    rows = await session.execute(
        select(
            TeamRow.id,
            TeamRow.name,
            ProgressRow.state,
            ProgressRow.route,
            ProgressRow.stage_index,
            ProgressRow.score,
            ProgressRow.started_at,
            ProgressRow.finished_at,
            ProgressRow.idle_alerted_at,
        )
        .outerjoin(ProgressRow, ProgressRow.team_id == TeamRow.id)
        .where(TeamRow.rally_id == rally_id)
        .order_by(TeamRow.position)
    )
    return [
        _TeamRow(
            team_id=row.id,
            name=row.name,
            state=TeamState(row.state) if row.state is not None else None,
            route=tuple(row.route or ()),
            stage_index=row.stage_index or 0,
            score=row.score or 0,
            started_at=row.started_at,
            finished_at=row.finished_at,
            idle_alerted=row.idle_alerted_at is not None,
        )
        for row in rows
    ]


async def _members(session: AsyncSession, rally_id: str) -> list[tuple[int, str, int]]:
    """(team id, language, players) for every team and language of its players."""
    rows = await session.execute(
        select(PlayerRow.team_id, PlayerRow.language, func.count())
        .where(PlayerRow.rally_id == rally_id, PlayerRow.team_id.is_not(None))
        .group_by(PlayerRow.team_id, PlayerRow.language)
    )
    return [(team_id, language, count) for team_id, language, count in rows if team_id is not None]


async def _answers(session: AsyncSession, rally_id: str) -> dict[str, tuple[int, int, int, int]]:
    """Each question's (teams that answered, right first answers, right answers, attempts)."""
    first = AnswerRow.attempt_no == 1
    right = AnswerRow.correct == true()
    rows = await session.execute(
        select(
            AnswerRow.question_id,
            func.sum(case((first, 1), else_=0).cast(Integer)),
            func.sum(case((first & right, 1), else_=0).cast(Integer)),
            func.sum(case((right, 1), else_=0).cast(Integer)),
            func.count(),
        )
        .where(AnswerRow.rally_id == rally_id)
        .group_by(AnswerRow.question_id)
    )
    return {
        question_id: (int(answered or 0), int(first_right or 0), int(right_ or 0), int(count))
        for question_id, answered, first_right, right_, count in rows
    }


def _languages(
    teams: Sequence[_TeamRow], members: Sequence[tuple[int, str, int]]
) -> tuple[LanguageFigures, ...]:
    finished = {t.team_id for t in teams if t.state is TeamState.FINISHED}
    players: Counter[str] = Counter()
    done: Counter[str] = Counter()
    in_teams: defaultdict[str, set[int]] = defaultdict(set)
    for team_id, language, count in members:
        players[language] += count
        in_teams[language].add(team_id)
        if team_id in finished:
            done[language] += count
    ordered = sorted(players, key=lambda language: (-players[language], language))
    return tuple(
        LanguageFigures(language, players[language], len(in_teams[language]), done[language])
        for language in ordered
    )


def _team_sizes(members: Sequence[tuple[int, str, int]]) -> tuple[int, ...]:
    sizes: Counter[int] = Counter()
    for team_id, _, count in members:
        sizes[team_id] += count
    return tuple(sorted(sizes.values(), reverse=True))


def _stages(
    rally: Rally,
    teams: Sequence[_TeamRow],
    checkins: Sequence[_Checkin],
    answered_at: Mapping[tuple[int, str], datetime],
    hints: Mapping[str, tuple[int, int, int]],
) -> tuple[StageFigures, ...]:
    """Each stage's figures; `answered_at`: each (team, stage)'s last answer, `hints`: each
    stage's (hints, teams, points)."""
    methods: defaultdict[str, Counter[str]] = defaultdict(Counter)
    distances: defaultdict[str, list[float]] = defaultdict(list)
    for row in checkins:
        methods[row.stage_id][row.method] += 1
        if row.method in BY_POSITION and row.distance_m is not None:
            distances[row.stage_id].append(float(row.distance_m))
    checked_in = {(row.team_id, row.stage_id): row.at for row in checkins}
    ends = {**checked_in, **answered_at}  # a stage ends with its last answer, else its check-in
    at_stage: defaultdict[str, list[float]] = defaultdict(list)
    walking: defaultdict[str, list[float]] = defaultdict(list)
    skipped: Counter[str] = Counter()
    for team in teams:
        for stage_id in team.done:
            key = (team.team_id, stage_id)
            arrival = checked_in.get(key)
            if arrival is None:
                skipped[stage_id] += 1
                continue
            if key in answered_at:
                at_stage[stage_id].append(minutes(answered_at[key], arrival))
        for index, stage_id in enumerate(team.route):
            arrival = checked_in.get((team.team_id, stage_id))
            if arrival is None:
                continue
            left = (
                team.started_at if index == 0 else ends.get((team.team_id, team.route[index - 1]))
            )
            if left is not None:
                walking[stage_id].append(minutes(arrival, left))
    figures = []
    for stage in rally.stages:
        counted = methods[stage.id]
        shown = hints.get(stage.id, (0, 0, 0))
        figures.append(
            StageFigures(
                stage_id=stage.id,
                has_location=stage.location is not None,
                reached=sum(counted.values()),
                skipped=skipped[stage.id],
                time_at_stage=median_minutes(at_stage[stage.id]),
                timed_at_stage=len(at_stage[stage.id]),
                walking=median_minutes(walking[stage.id]),
                timed_walking=len(walking[stage.id]),
                by_location=counted[CheckInMethod.LOCATION],
                by_live_location=counted[CheckInMethod.LIVE_LOCATION],
                by_code=counted[CheckInMethod.CODE],
                by_organiser=counted[CheckInMethod.ORGANISER],
                distance_m=(
                    round(statistics.median(distances[stage.id]), 1)
                    if distances[stage.id]
                    else None
                ),
                hints=shown[0],
                teams_with_hints=shown[1],
                hint_points=shown[2],
            )
        )
    return tuple(figures)


def _questions(
    rally: Rally, answers: Mapping[str, tuple[int, int, int, int]]
) -> tuple[QuestionFigures, ...]:
    return tuple(
        QuestionFigures(
            question.id, stage.id, question.topic.value, *answers.get(question.id, (0, 0, 0, 0))
        )
        for stage in rally.stages
        for question in stage.questions
    )


def _topics(questions: Sequence[QuestionFigures]) -> tuple[TopicFigures, ...]:
    topics: dict[str, list[QuestionFigures]] = {}
    for question in questions:
        topics.setdefault(question.topic, []).append(question)
    return tuple(
        TopicFigures(
            topic,
            len(listed),
            sum(q.answered for q in listed),
            sum(q.right_first for q in listed),
        )
        for topic, listed in topics.items()
    )


def _ranking(teams: Sequence[_TeamRow]) -> tuple[RankedTeam, ...]:
    """The leaderboard of the teams that started, as the bot ranks them (`bot.core.engine`)."""
    started = [t for t in teams if t.started_at is not None]
    standings = [
        Standing(
            t.team_id,
            t.name,
            t.score,
            len(t.route) if t.state is TeamState.FINISHED else t.stage_index,
            t.finished_at,
        )
        for t in started
    ]
    finished = {t.team_id for t in started if t.state is TeamState.FINISHED}
    return tuple(
        RankedTeam(
            entry.rank,
            entry.standing.name,
            entry.standing.score,
            entry.standing.stages_done,
            entry.standing.team_id in finished,
        )
        for entry in rank(standings)
    )
