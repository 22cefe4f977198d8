"""Exports for the organisers: scores, check-ins and answers as CSV files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.engine import rank
from bot.services.base import Services, progress_of
from bot.services.leaderboard import standing_of

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


class ExportService:
    """Everything the rally stored, as spreadsheets."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.rally = services.rally

    def _local(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return moment.astimezone(self.rally.rally.zone).isoformat(timespec="seconds")

    async def all(self) -> list[CsvFile]:
        """The scores, check-ins and answers of the rally."""
        rally_id = self.rally.id
        async with self.services.new_uow() as uow:
            teams = {team.id: team for team in await uow.teams.list(rally_id)}
            players = {player.id: player for player in await uow.players.list(rally_id)}
            progress = await uow.progress.list(rally_id)
            checkins = await uow.records.all_checkins(rally_id)
            answers = await uow.records.all_answers(rally_id)
        members: dict[int, list[str]] = {}
        for player in players.values():
            if player.team_id is not None:
                members.setdefault(player.team_id, []).append(player.display_name)
        ranking = rank([standing_of(teams[row.team_id], progress_of(row)) for row in progress])
        total = len(self.rally.stages)
        scores = to_csv(
            "scores.csv",
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
                for r in ranking
            ),
        )

        def who(player_id: int | None) -> str:
            return players[player_id].display_name if player_id in players else ""

        checkin_file = to_csv(
            "checkins.csv",
            [
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
            ],
            (
                [
                    self._local(c.at),
                    teams[c.team_id].name,
                    c.stage_id,
                    c.method,
                    who(c.player_id),
                    c.lat,
                    c.lon,
                    c.accuracy_m,
                    c.distance_m,
                    c.points,
                ]
                for c in checkins
            ),
        )
        answer_file = to_csv(
            "answers.csv",
            [
                "time",
                "team",
                "stage",
                "question",
                "player",
                "attempt",
                "given",
                "correct",
                "points",
            ],
            (
                [
                    self._local(a.at),
                    teams[a.team_id].name,
                    a.stage_id,
                    a.question_id,
                    who(a.player_id),
                    a.attempt_no,
                    a.given,
                    a.correct,
                    a.points,
                ]
                for a in answers
            ),
        )
        return [scores, checkin_file, answer_file]

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
