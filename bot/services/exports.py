"""Exports for the organisers: scores, check-ins and answers as CSV files.

Two kinds (`ExportKind`): the full files name the players and hold the positions they sent and
the answers they typed; the pseudonymised ones hold the same scores and records with each
player as their team's code and a number (`PUY63-1`), and no name, Telegram id, position or
typed text: a typed answer may name someone, so only whether it was right and its points stay.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from bot.core.engine import Ranked, rank
from bot.services.base import Services, progress_of
from bot.services.leaderboard import standing_of
from bot.storage.models import AnswerRow, CheckinRow, PlayerRow, TeamRow
from bot.storage.repositories import anonymous

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvFile:
    """A CSV export: its file name and its bytes (UTF-8 with a BOM, so Excel reads accents)."""

    name: str
    data: bytes
    rows: int


def cell(value: object) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is quoted (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> CsvFile:
    """Write rows under a header as a CSV file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        count += 1
    return CsvFile(name, ("\ufeff" + buffer.getvalue()).encode(), count)


class ExportKind(enum.StrEnum):
    """Which files `/export` sends."""

    FULL = "full"
    """Names, positions and typed answers: personal data."""
    PSEUDONYMISED = "pseudonymised"
    """A team code and a number per player; no name, Telegram id, position or typed text."""


def pseudonyms(
    teams: Mapping[int, TeamRow],
    players: Iterable[PlayerRow],
    records: Iterable[tuple[int, int | None]],
) -> dict[tuple[int, int], str]:
    """Each (team id, player id) its pseudonym: the team's code and the player's number in it.

    A team's members are numbered in the order they joined, then whoever else has records in
    the team (`records`: (team id, player id) pairs, in time order), once each. Erased players
    ("former members") get none, as they have no name in the full export.
    """
    known = {player.id: player for player in players}
    numbered: dict[tuple[int, int], str] = {}
    counts: dict[int, int] = {}

    def number(team_id: int, player: PlayerRow) -> None:
        if (team_id, player.id) in numbered or anonymous(player) or team_id not in teams:
            return
        counts[team_id] = counts.get(team_id, 0) + 1
        numbered[team_id, player.id] = f"{teams[team_id].code}-{counts[team_id]}"

    members = [p for p in known.values() if p.team_id is not None]
    members.sort(key=lambda p: (p.joined_at or p.created_at, p.id))
    for player in members:
        assert player.team_id is not None
        number(player.team_id, player)
    for team_id, player_id in records:
        if player_id in known:
            number(team_id, known[player_id])
    return numbered


PERSONAL_COLUMNS = frozenset({"lat", "lon", "accuracy_m", "distance_m", "given"})
"""What only the full export holds: the positions sent, their distance to the stage, and the
answers typed (a typed answer may name someone)."""
CHECKIN_COLUMNS = (
    "time",
    "team",
    "stage",
    "method",
    "player",
    "lat",
    "lon",
    "accuracy_m",
    "distance_m",
    "points",
)
ANSWER_COLUMNS = (
    "time",
    "team",
    "stage",
    "question",
    "player",
    "attempt",
    "given",
    "correct",
    "points",
)


def _records(
    name: str, columns: Sequence[str], rows: Iterable[Mapping[str, object]], *, personal: bool
) -> CsvFile:
    """A file of records: every column, or (not `personal`) all but `PERSONAL_COLUMNS`."""
    kept = [column for column in columns if personal or column not in PERSONAL_COLUMNS]
    return to_csv(name, kept, ([row[column] for column in kept] for row in rows))


@dataclass(frozen=True)
class _Stored:
    """What an export is made of, read in one unit of work."""

    teams: dict[int, TeamRow]
    players: dict[int, PlayerRow]
    ranking: list[Ranked]
    checkins: Sequence[CheckinRow]
    answers: Sequence[AnswerRow]


class ExportService:
    """Everything the rally stored, as spreadsheets."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.rally = services.rally

    def _local(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return moment.astimezone(self.rally.rally.zone).isoformat(timespec="seconds")

    async def _stored(self) -> _Stored:
        rally_id = self.rally.id
        async with self.services.new_uow() as uow:
            teams = {team.id: team for team in await uow.teams.list(rally_id)}
            players = {player.id: player for player in await uow.players.list(rally_id)}
            progress = await uow.progress.list(rally_id)
            checkins = await uow.records.all_checkins(rally_id)
            answers = await uow.records.all_answers(rally_id)
        ranking = rank([standing_of(teams[row.team_id], progress_of(row)) for row in progress])
        return _Stored(teams, players, ranking, checkins, answers)

    async def files(self, kind: ExportKind) -> list[CsvFile]:
        """The files of this kind of export."""
        match kind:
            case ExportKind.FULL:
                return await self.all()
            case ExportKind.PSEUDONYMISED:
                return await self.pseudonymised()
            case _:
                assert_never(kind)

    async def all(self) -> list[CsvFile]:
        """The scores, check-ins and answers of the rally."""
        stored = await self._stored()
        players = stored.players
        members: dict[int, list[str]] = {}
        for player in players.values():
            if player.team_id is not None:
                members.setdefault(player.team_id, []).append(player.display_name)

        def who(_team_id: int, player_id: int | None) -> str:
            return players[player_id].display_name if player_id in players else ""

        return self._files(stored, members, who, personal=True, suffix="")

    async def pseudonymised(self) -> list[CsvFile]:
        """The same scores and records, each player a pseudonym: no name, Telegram id,
        position (nor distance to the stage) or typed answer."""
        stored = await self._stored()
        named = pseudonyms(
            stored.teams,
            stored.players.values(),
            [(c.team_id, c.player_id) for c in stored.checkins]
            + [(a.team_id, a.player_id) for a in stored.answers],
        )
        members: dict[int, list[str]] = {}
        for (team_id, player_id), pseudonym in named.items():  # in number order
            if stored.players[player_id].team_id == team_id:  # not one who left it
                members.setdefault(team_id, []).append(pseudonym)

        def who(team_id: int, player_id: int | None) -> str:
            return named.get((team_id, player_id), "") if player_id is not None else ""

        return self._files(stored, members, who, personal=False, suffix="-pseudonymised")

    def _files(
        self,
        stored: _Stored,
        members: Mapping[int, Sequence[str]],
        who: Callable[[int, int | None], str],
        *,
        personal: bool,
        suffix: str,
    ) -> list[CsvFile]:
        """The three files, each player written by `who` (team id, player id); `personal`
        keeps the positions sent and the answers typed."""
        teams = stored.teams
        total = len(self.rally.stages)
        scores = to_csv(
            f"scores{suffix}.csv",
            ["rank", "team", "code", "points", "stages_done", "stages", "finished_at", "members"],
            (
                [
                    r.rank,
                    r.standing.name,
                    teams[r.standing.team_id].code,
                    r.standing.score,
                    r.standing.stages_done,
                    total,
                    self._local(r.standing.finished_at),
                    ", ".join(members.get(r.standing.team_id, [])),
                ]
                for r in stored.ranking
            ),
        )
        checkins = _records(
            f"checkins{suffix}.csv",
            CHECKIN_COLUMNS,
            (
                {
                    "time": self._local(c.at),
                    "team": teams[c.team_id].name,
                    "stage": c.stage_id,
                    "method": c.method,
                    "player": who(c.team_id, c.player_id),
                    "lat": c.lat,
                    "lon": c.lon,
                    "accuracy_m": c.accuracy_m,
                    "distance_m": c.distance_m,
                    "points": c.points,
                }
                for c in stored.checkins
            ),
            personal=personal,
        )
        answers = _records(
            f"answers{suffix}.csv",
            ANSWER_COLUMNS,
            (
                {
                    "time": self._local(a.at),
                    "team": teams[a.team_id].name,
                    "stage": a.stage_id,
                    "question": a.question_id,
                    "player": who(a.team_id, a.player_id),
                    "attempt": a.attempt_no,
                    "given": a.given,
                    "correct": a.correct,
                    "points": a.points,
                }
                for a in stored.answers
            ),
            personal=personal,
        )
        return [scores, checkins, answers]

    async def record_export(self, actor_user_id: int, files: Sequence[CsvFile]) -> None:
        """Write to the audit log that an admin took these files."""
        async with self.services.new_uow() as uow:
            await uow.audit.log(
                self.services.rally.id,
                actor_user_id,
                "export",
                {"files": [file.name for file in files]},
                at=self.services.clock(),
            )
            await uow.commit()
