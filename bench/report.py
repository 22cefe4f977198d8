"""The evaluation report of a 1,000-player rally: time and memory to make it.

    .venv/bin/python bench/report.py [--players 1000] [--team-size 8] [--runs 3] [--keep FILE]

Builds a played rally in a fresh SQLite file by direct inserts (the default rally, 125 teams of
8 players in the rally's languages, each team's check-ins by position, live location, code word
or organiser, its answers with wrong attempts, hints, the photo mission's photos reviewed, idle
alerts and organisers' actions in the audit log; 85% of the teams finished), then makes its
report (`bot.report.files.make_report`: the figures read from the database, the charts, the
HTML, the PDF and the CSV) in a fresh child process per run, as `python -m bot report` does.
The child reports the time of each part, the peak of Python's allocations during the report
(tracemalloc) and its peak resident memory (`ru_maxrss`, the whole process: interpreter,
SQLAlchemy, matplotlib, WeasyPrint and Pango included). Target: under 10 s and 100 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from machine import header, load_average
from players import bench_rally
from sqlalchemy import insert

from bot.core.content import Rally
from bot.core.engine import route_for
from bot.core.rally_file import load_rally
from bot.report.figures import rally_figures
from bot.report.files import draw_report
from bot.report.labels import ReportLanguage
from bot.storage.database import create_engine, migrate, session_factory
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

START = datetime(2026, 6, 20, 8, 0, tzinfo=UTC)
LANGUAGE_WEIGHTS = (30, 18, 14, 10, 8, 6, 5, 4, 3, 2)
"""Players per language, in the order of the rally's languages (fr, ar, ...): most French."""


def played_rows(rally: Rally, players: int, team_size: int, seed: int = 7) -> dict[Any, list[Any]]:
    """The rows of a played rally, by model: deterministic for a seed."""
    rng = random.Random(seed)
    teams = players // team_size
    rows: dict[Any, list[Any]] = {model: [] for model in (TeamRow, PlayerRow, ProgressRow)}
    rows |= {model: [] for model in (CheckinRow, AnswerRow, HintRow, PhotoRow, AuditRow)}
    languages = rally.rally.languages
    weights = LANGUAGE_WEIGHTS[: len(languages)]
    ends = []
    for position in range(teams):
        team_id = position + 1
        rows[TeamRow].append(
            {
                "id": team_id,
                "rally_id": rally.id,
                "name": f"Équipe {team_id}",
                "code": f"BENCH{team_id:03d}",
                "position": position,
                "created_at": START - timedelta(days=2),
            }
        )
        for member in range(team_size):
            number = position * team_size + member + 1
            rows[PlayerRow].append(
                {
                    "id": number,
                    "rally_id": rally.id,
                    "telegram_user_id": 10_000 + number,
                    "chat_id": 10_000 + number,
                    "display_name": f"Joueur {number}",
                    "language": rng.choices(languages, weights)[0],
                    "team_id": team_id,
                    "joined_at": START - timedelta(hours=1),
                    "created_at": START - timedelta(hours=1),
                    "last_seen_at": START,
                    "notice_acknowledged_at": START - timedelta(hours=1),
                }
            )
        route = route_for(rally, position)
        finished = rng.random() < 0.85
        done = len(route) if finished else rng.randrange(1, len(route))
        at = START + timedelta(minutes=rng.uniform(0, 5))
        started = at
        score = 0
        for index, stage_id in enumerate(route[: done + (0 if finished else 1)]):
            stage = rally.stage(stage_id)
            if stage.hints and rng.random() < 0.3:
                rows[HintRow].append(
                    {
                        "rally_id": rally.id,
                        "team_id": team_id,
                        "stage_id": stage_id,
                        "hint_index": 0,
                        "player_id": None,
                        "penalty": 5,
                        "at": at + timedelta(minutes=3),
                    }
                )
                score -= 5
            at += timedelta(minutes=rng.uniform(5, 20))
            if stage.location is not None:
                method = rng.choices(
                    ("location", "live_location", "code", "organiser"), (60, 15, 20, 5)
                )[0]
            else:
                method = rng.choices(("code", "organiser"), (92, 8))[0]
            by_position = method in {"location", "live_location"}
            rows[CheckinRow].append(
                {
                    "rally_id": rally.id,
                    "team_id": team_id,
                    "stage_id": stage_id,
                    "player_id": None,
                    "method": method,
                    "distance_m": round(rng.uniform(3, 80), 1) if by_position else None,
                    "points": 10,
                    "at": at,
                }
            )
            score += 10
            if method == "organiser":
                rows[AuditRow].append(_audit(rally, "checkin", at))
            if index == done:  # checked in at its current stage, not further
                break
            for question in stage.questions:
                for attempt in range(1, question.attempts + 1):
                    at += timedelta(minutes=rng.uniform(0.5, 3))
                    correct = rng.random() < 0.65
                    rows[AnswerRow].append(
                        {
                            "rally_id": rally.id,
                            "team_id": team_id,
                            "stage_id": stage_id,
                            "question_id": question.id,
                            "player_id": None,
                            "attempt_no": attempt,
                            "given": "",
                            "correct": correct,
                            "points": question.points if correct else 0,
                            "at": at,
                        }
                    )
                    if correct:
                        score += question.points
                        break
            if stage.photo is not None:
                status = rng.choices(("approved", "rejected", "pending"), (75, 20, 5))[0]
                rows[PhotoRow].append(
                    {
                        "rally_id": rally.id,
                        "team_id": team_id,
                        "stage_id": stage_id,
                        "player_id": None,
                        "file_id": f"photo-{team_id}",
                        "status": status,
                        "approved_key": f"{team_id}:{stage_id}" if status == "approved" else None,
                        "points": stage.photo.points,
                        "created_at": at,
                        "reviewed_at": at + timedelta(minutes=2) if status != "pending" else None,
                    }
                )
        rows[ProgressRow].append(
            {
                "team_id": team_id,
                "rally_id": rally.id,
                "state": "finished" if finished else "answering",
                "route": list(route),
                "stage_index": len(route) if finished else done,
                "question_index": 0,
                "attempts_used": 0,
                "hints_used": 0,
                "score": score,
                "version": 1,
                "started_at": started,
                "finished_at": at if finished else None,
                "last_activity_at": at,
                "idle_alerted_at": at if rng.random() < 0.1 else None,
            }
        )
        ends.append(at)
        if rng.random() < 0.04:
            rows[AuditRow].append(_audit(rally, "skip", at))
    last = max(ends)
    rows[AuditRow] += [
        _audit(rally, "broadcast", START + timedelta(hours=1)),
        _audit(rally, "pause", START + timedelta(hours=2)),
        _audit(rally, "award", START + timedelta(hours=2)),
    ]
    rows = {RallyRow: [], **rows}  # the rally first: every row refers to it
    rows[RallyRow] = [
        {
            "id": rally.id,
            "phase": "finished",
            "opened_at": START - timedelta(days=1),
            "started_at": START,
            "finished_at": last,
            "created_at": START - timedelta(days=2),
        }
    ]
    return rows


def _audit(rally: Rally, action: str, at: datetime) -> dict[str, Any]:
    return {"rally_id": rally.id, "actor_user_id": 9001, "action": action, "details": {}, "at": at}


async def build(url: str, rally: Rally, players: int, team_size: int) -> dict[str, int]:
    """The played rally, in a fresh database at `url`; how many rows of each table."""
    rows = played_rows(rally, players, team_size)
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with engine.begin() as connection:
            for model, listed in rows.items():
                if listed:
                    await connection.execute(insert(model), listed)
    finally:
        await engine.dispose()
    return {model.__tablename__: len(listed) for model, listed in rows.items()}


async def child(url: str, rally_file: str, trace: bool) -> tuple[dict[str, Any], bytes]:
    """Make the report as `python -m bot report` does, timing each part (in this process);
    `trace`: with tracemalloc on (which slows allocations down: not a timed run)."""
    rally = load_rally(rally_file)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    engine = create_engine(url)
    try:
        figures = await rally_figures(session_factory(engine), rally)
    finally:
        await engine.dispose()
    read = time.perf_counter()
    made = draw_report([rally], [figures], ReportLanguage.FR, datetime.now(UTC))
    drawn = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    return {
        "figures_s": read - started,
        "drawing_s": drawn - read,
        "report_s": drawn - started,
        "tracemalloc_peak_mb": peak / 1024 / 1024,
        "rss_before_mb": rss_before,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pdf_kb": len(made.pdf) / 1024,
        "csv_rows": made.csv.rows,
        "players": figures.players,
        "teams": figures.teams,
    }, made.pdf


def run_child(url: str, rally_file: Path, out: Path, *, trace: bool) -> dict[str, Any]:
    """One report in a fresh process; its figures, and the process's whole wall time."""
    command = [sys.executable, __file__, "--child", url, str(rally_file), str(out), str(int(trace))]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - began
    return result


def main(args: argparse.Namespace) -> None:
    """Build the rally, then make its report in a fresh process per run."""
    header("the evaluation report of a 1,000-player rally")
    with tempfile.TemporaryDirectory(prefix="rallye-report-") as tmp:
        workdir = Path(tmp)
        rally, rally_file = bench_rally(args.players // args.team_size, workdir)
        url = f"sqlite+aiosqlite:///{workdir / 'report.sqlite3'}"
        began = time.perf_counter()
        counts = asyncio.run(build(url, rally, args.players, args.team_size))
        print(f"database built in {time.perf_counter() - began:.1f} s: {json.dumps(counts)}")
        for run in range(1, args.runs + 1):
            r = run_child(url, rally_file, workdir / f"report-{run}.pdf", trace=False)
            print(
                f"run {run}: report {r['report_s']:.2f} s (figures from the database "
                f"{r['figures_s']:.2f} s, charts + HTML + PDF + CSV {r['drawing_s']:.2f} s); "
                f"the whole process {r['process_s']:.2f} s (Python's start and the imports "
                f"included); peak RSS {r['peak_rss_mb']:.0f} MB (before the report: "
                f"{r['rss_before_mb']:.0f} MB); PDF {r['pdf_kb']:.0f} KB, {r['csv_rows']} CSV "
                f"rows, {r['players']} players in {r['teams']} teams"
            )
        if args.keep is not None:
            args.keep.write_bytes((workdir / f"report-{args.runs}.pdf").read_bytes())
            print(f"{args.keep}: the last run's PDF")
        r = run_child(url, rally_file, workdir / "report-traced.pdf", trace=True)
        print(
            f"traced run: Python's allocations peaked at {r['tracemalloc_peak_mb']:.1f} MB "
            f"during the report (tracemalloc; peak RSS {r['peak_rss_mb']:.0f} MB)"
        )
    print(f"load average after: {load_average()}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--team-size", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="copy the last run's PDF there")
    return parser.parse_args(argv)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        url, rally_file, out, trace = sys.argv[2:6]
        result, pdf = asyncio.run(child(url, rally_file, trace == "1"))
        Path(out).write_bytes(pdf)
        print(json.dumps(result))
    else:
        main(parse_args(sys.argv[1:]))
