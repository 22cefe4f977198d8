"""The sizes of the overload scenarios, and what they measured.

The tests run each scenario at a size a CI run affords; `bench/faults.py` runs the same tests
at the size the targets name (300 players joining, 600 corrections...) by setting
`RALLYE_BENCH_<NAME>`, and prints the figures each test reports to `RALLYE_BENCH_REPORT`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def size(name: str, default: int) -> int:
    """A scenario's size: `RALLYE_BENCH_<NAME>` when a benchmark sets it, else the test's."""
    return int(os.environ.get(f"RALLYE_BENCH_{name}", default))


def report(scenario: str, **figures: object) -> None:
    """Write what a scenario measured for the benchmark that runs it (nothing in a test run)."""
    path = os.environ.get("RALLYE_BENCH_REPORT")
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(json.dumps({"scenario": scenario, **figures}) + "\n")
