"""The report's figures of a rally played in Telegram equal the same figures recomputed here,
independently, from the stored rows (plain SQL, plain Python: none of `bot.report`'s code)."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.report.figures import RallyFigures, rally_figures
from bot.report.survey import NO_SURVEY
from bot.storage.database import session_factory
from tests.bot.conftest import DEFAULT_RALLY, World, open_world
from tests.clock import FakeClock
from tests.databases import BACKENDS
from tests.report.played import TEAMS, play


@pytest.fixture(params=BACKENDS)
async def played(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    clock = FakeClock()
    async for world in open_world(tmp_path, request.param, DEFAULT_RALLY, clock):
        await play(world, clock)
        yield world


def _when(value: Any) -> datetime:
    """A stored time as naive UTC, from what plain SQL gives (SQLite: text in UTC)."""
    moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


async def stored(world: World) -> dict[str, list[dict[str, Any]]]:
    """Every row of the rally the figures are made of, read with plain SQL."""
    assert world.application is not None
    engine = world.application.bot_data.engine
    assert engine is not None
    queries = {
        "players": "SELECT team_id, language, joined_at FROM players WHERE rally_id = :r",
        "progress": (
            "SELECT team_id, state, route, stage_index, started_at, finished_at, "
            "idle_alerted_at FROM team_progress WHERE rally_id = :r"
        ),
        "teams": "SELECT id, name FROM teams WHERE rally_id = :r",
        "checkins": (
            "SELECT team_id, stage_id, method, at, distance_m FROM checkins WHERE rally_id = :r"
        ),
        "answers": (
            "SELECT team_id, stage_id, question_id, attempt_no, correct, at FROM answers "
            "WHERE rally_id = :r"
        ),
        "hints": "SELECT team_id, stage_id, penalty FROM hints WHERE rally_id = :r",
        "photos": "SELECT status FROM photos WHERE rally_id = :r",
        "audit": "SELECT action FROM audit_log WHERE rally_id = :r",
    }
    rows = {}
    async with engine.connect() as connection:
        for name, sql in queries.items():
            result = await connection.execute(text(sql), {"r": world.rally.id})
            rows[name] = [dict(row._mapping) for row in result]
    return rows


def recomputed(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The report's figures, computed again the plain way."""
    rally = DEFAULT_RALLY
    in_team = [p for p in rows["players"] if p["team_id"] is not None]
    finished_teams = {p["team_id"] for p in rows["progress"] if p["state"] == "finished"}
    playing = {p["team_id"] for p in in_team}
    by_language: dict[str, list[int]] = {}
    for player in in_team:
        counts = by_language.setdefault(player["language"], [0, 0])
        counts[0] += 1
        counts[1] += player["team_id"] in finished_teams
    teams_of_language = {
        language: len({p["team_id"] for p in in_team if p["language"] == language})
        for language in by_language
    }
    checkin_at = {(c["team_id"], c["stage_id"]): _when(c["at"]) for c in rows["checkins"]}
    last_answer: dict[tuple[int, str], datetime] = {}
    for a in rows["answers"]:
        key = (a["team_id"], a["stage_id"])
        at = _when(a["at"])
        if key not in last_answer or at > last_answer[key]:
            last_answer[key] = at
    walking: dict[str, list[float]] = defaultdict(list)
    at_stage: dict[str, list[float]] = defaultdict(list)
    skipped: Counter[str] = Counter()
    for progress in rows["progress"]:
        route = progress["route"]
        route = json.loads(route) if isinstance(route, str) else route  # JSON text on SQLite
        team = progress["team_id"]
        previous_end = _when(progress["started_at"]) if progress["started_at"] else None
        for position, stage_id in enumerate(route):
            arrival = checkin_at.get((team, stage_id))
            done = position < progress["stage_index"]
            if arrival is not None and previous_end is not None:
                walking[stage_id].append((arrival - previous_end).total_seconds() / 60)
            if done and arrival is None:
                skipped[stage_id] += 1
            if done and arrival is not None and (team, stage_id) in last_answer:
                at_stage[stage_id].append(
                    (last_answer[team, stage_id] - arrival).total_seconds() / 60
                )
            previous_end = last_answer.get((team, stage_id), arrival)
    stages = {}
    for stage in rally.stages:
        here = [c for c in rows["checkins"] if c["stage_id"] == stage.id]
        methods = Counter(c["method"] for c in here)
        distances = [
            c["distance_m"]
            for c in here
            if c["method"] in {"location", "live_location"} and c["distance_m"] is not None
        ]
        hints = [h for h in rows["hints"] if h["stage_id"] == stage.id]
        stages[stage.id] = {
            "reached": len(here),
            "skipped": skipped[stage.id],
            "walking": _median(walking[stage.id]),
            "at_stage": _median(at_stage[stage.id]),
            "methods": (
                methods["location"],
                methods["live_location"],
                methods["code"],
                methods["organiser"],
            ),
            "distance": round(statistics.median(distances), 1) if distances else None,
            "hints": (
                len(hints),
                len({h["team_id"] for h in hints}),
                sum(h["penalty"] for h in hints),
            ),
        }
    questions = {}
    for stage in rally.stages:
        for question in stage.questions:
            given = [a for a in rows["answers"] if a["question_id"] == question.id]
            questions[question.id] = (
                sum(1 for a in given if a["attempt_no"] == 1),
                sum(1 for a in given if a["attempt_no"] == 1 and a["correct"]),
                sum(1 for a in given if a["correct"]),
                len(given),
            )
    actions = Counter(row["action"] for row in rows["audit"])
    photos = Counter(row["status"] for row in rows["photos"])
    return {
        "players": len(in_team),
        "teams": len(rows["teams"]),
        "teams_playing": len({p["team_id"] for p in in_team}),
        "teams_started": sum(
            1 for p in rows["progress"] if p["started_at"] is not None and p["team_id"] in playing
        ),
        "teams_finished": len(finished_teams & playing),
        "languages": {
            language: (counts[0], teams_of_language[language], counts[1])
            for language, counts in by_language.items()
        },
        "stages": stages,
        "questions": questions,
        "incidents": (
            photos["approved"],
            photos["rejected"],
            photos["pending"],
            sum(1 for p in rows["progress"] if p["idle_alerted_at"] is not None),
            actions["skip"],
            actions["checkin"],
            actions["award"],
            actions["broadcast"] + actions["announce"],
            actions["pause"],
        ),
        "ranked": sorted(
            t["name"]
            for t in rows["teams"]
            if t["id"] in playing
            and any(p["team_id"] == t["id"] and p["started_at"] for p in rows["progress"])
        ),
    }


def reported(figures: RallyFigures) -> dict[str, Any]:
    """The same figures, as `rally_figures` gives them."""
    i = figures.incidents
    return {
        "players": figures.players,
        "teams": figures.teams,
        "teams_playing": figures.teams_playing,
        "teams_started": figures.teams_started,
        "teams_finished": figures.teams_finished,
        "languages": {x.language: (x.players, x.teams, x.finished) for x in figures.languages},
        "stages": {
            s.stage_id: {
                "reached": s.reached,
                "skipped": s.skipped,
                "walking": s.walking,
                "at_stage": s.time_at_stage,
                "methods": (s.by_location, s.by_live_location, s.by_code, s.by_organiser),
                "distance": s.distance_m,
                "hints": (s.hints, s.teams_with_hints, s.hint_points),
            }
            for s in figures.stages
        },
        "questions": {
            q.question_id: (q.answered, q.right_first, q.right, q.attempts)
            for q in figures.questions
        },
        "incidents": (
            i.photos_approved,
            i.photos_rejected,
            i.photos_pending,
            i.idle_teams,
            i.skips,
            i.staffed_checkins,
            i.awards,
            i.broadcasts,
            i.pauses,
        ),
        "ranked": sorted(entry.team for entry in figures.ranking),
    }


async def test_the_figures_equal_those_recomputed_from_the_stored_rows(played: World) -> None:
    world = played
    assert world.application is not None
    engine = world.application.bot_data.engine
    assert engine is not None
    figures = await rally_figures(session_factory(engine), world.rally)
    expected = recomputed(await stored(world))
    assert reported(figures) == expected

    # what the day was, as the people who ran it saw it: not an empty rally that passes
    assert expected["players"] == 5
    assert expected["languages"] == {
        "en": (1, 1, 0),
        "fr": (2, 2, 0),
        "ar": (1, 1, 0),
        "uk": (1, 1, 0),
    }
    cathedral = expected["stages"]["cathedrale"]
    assert cathedral["reached"] == 2
    assert cathedral["methods"] == (2, 0, 0, 0)  # both by position
    assert cathedral["walking"] is not None
    assert cathedral["walking"] > 0
    assert expected["stages"]["notre-dame-du-port"]["methods"] == (0, 0, 0, 1)
    assert expected["stages"]["mediatheque-jaude"]["skipped"] == 1
    assert expected["stages"]["office-tourisme"]["at_stage"] is not None
    assert expected["questions"]["tour-puy-height"][:3] == (1, 0, 1)  # wrong, then right
    # 6 teams flagged idle: the 3 played and the 3 nobody joined, all started by /go
    assert expected["incidents"][:6] == (1, 1, 0, 6, 2, 1)
    assert (expected["teams"], expected["teams_playing"], expected["teams_started"]) == (6, 3, 3)
    assert sum(stage["hints"][0] for stage in expected["stages"].values()) == 2
    assert expected["ranked"] == sorted(TEAMS)
    assert figures.survey is NO_SURVEY  # nobody answered a survey
    # at the stages with a location: 2 check-ins by position, 1 by code word, 1 by an organiser
    assert figures.position_share == pytest.approx(2 / 4)
