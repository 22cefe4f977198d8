"""Overload and crash scenarios at the size the targets name, through the tests that prove them.

    .venv/bin/python bench/faults.py flood [--updates 500]
    .venv/bin/python bench/faults.py rush [--per-team 50]
    .venv/bin/python bench/faults.py crash [--awards 600 --per-team 5]

Each runs one test of `tests/faults/` (the real Application over HTTP against the loopback Bot
API, under Telegram's 30 messages a second; `crash` runs `python -m bot` in its own process and
SIGKILLs it 10 times) with its sizes raised through `RALLYE_BENCH_<NAME>`, and prints the
figures the test measured, then whether the test's own targets held:

- flood: one chat sends `--updates` texts at 100 a second while 12 other players ask `/clue`
  twice; their replies (target: p95 <= 1.5 s, none 10 s), the flooder's messages a second
  (<= 1.5);
- rush: 6 teams of `--per-team` players scan their cards, one of each team every 0.2 s, while
  an organiser broadcasts; each join's reply from its scan (p95 <= 5 s), the broadcast's time
  (<= 1.3 x its floor + 3 s), the teammates' news (every one told within 2 minutes, coalesced);
- crash: `--awards` corrections at 20 a second and the players' code words, 10 SIGKILLs; updates
  never handled and applied twice (0 each), scores equal to their records.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import header, load_average

ROOT = Path(__file__).resolve().parents[1]
TESTS = {
    "flood": "tests/faults/test_floods.py",
    "rush": "tests/faults/test_rush.py",
    "crash": "tests/faults/test_sigkill_storm.py",
}


def sizes(args: argparse.Namespace) -> dict[str, str]:
    """The scenario's sizes as the environment the tests read (`tests/faults/scale.py`)."""
    if args.scenario == "flood":
        return {"RALLYE_BENCH_FLOOD": str(args.updates)}
    if args.scenario == "rush":
        return {"RALLYE_BENCH_RUSH_PER_TEAM": str(args.per_team)}
    return {
        "RALLYE_BENCH_STORM_AWARDS": str(args.awards),
        "RALLYE_BENCH_STORM_PER_TEAM": str(args.per_team),
    }


def main(args: argparse.Namespace) -> int:
    """Run the scenario's test at the given size; print its figures and its verdict."""
    header(f"overload scenario: {args.scenario}")
    with tempfile.TemporaryDirectory(prefix="rallye-bench-") as tmp:
        out = Path(tmp) / "figures.jsonl"
        env = {**os.environ, **sizes(args), "RALLYE_BENCH_REPORT": str(out)}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"]
        command += [TESTS[args.scenario]]
        ran = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        figures = (
            [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
        )
    for found in figures:
        for name, value in found.items():
            shown = f"{value:.2f}" if isinstance(value, float) else value
            print(f"  {name}: {shown}")
    verdict = ran.stdout.strip().splitlines()[-1] if ran.stdout.strip() else "(no output)"
    print(f"targets (the test's assertions): {verdict}")
    if ran.returncode != 0:
        failed = [line for line in ran.stdout.splitlines() if line.startswith("E ")][:8]
        print("\n".join(failed))
    print(f"load average after: {load_average()}")
    return 0 if figures else 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The scenario and its size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="scenario", required=True)
    flood = sub.add_parser("flood")
    flood.add_argument("--updates", type=int, default=500)
    rush = sub.add_parser("rush")
    rush.add_argument("--per-team", type=int, default=50)
    crash = sub.add_parser("crash")
    crash.add_argument("--awards", type=int, default=600)
    crash.add_argument("--per-team", type=int, default=5)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main(parse_args(sys.argv[1:])))
