"""How long `python -m bot validate` takes, from the shell's command to its summary.

    .venv/bin/python bench/startup.py [--runs 10] [RALLY_FILE]

Each run is a fresh process, as an organiser runs it after an edit (target: under a second).
Prints the wall times (min, median, max), and the time of the same process stopped right after
its imports, so the parse and check of the rally file show apart.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import header, load_average

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str], runs: int) -> list[float]:
    """Wall times of `runs` fresh processes running `command`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def line(name: str, times: list[float]) -> str:
    return (
        f"| {name} | {min(times):.2f} s | {statistics.median(times):.2f} s | {max(times):.2f} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rally", nargs="?", default=str(ROOT / "data" / "stages.yaml"))
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    header("python -m bot validate: its start")
    python = sys.executable
    validate = timed([python, "-m", "bot", "validate", args.rally], args.runs)
    imports = timed([python, "-c", "import bot.cli"], args.runs)
    bare = timed([python, "-c", "pass"], args.runs)
    print("| | min | median | max |")
    print("| --- | --- | --- | --- |")
    print(line("`python -m bot validate`", validate))
    print(line("its imports only (`import bot.cli`)", imports))
    print(line("Python starting and stopping", bare))
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
