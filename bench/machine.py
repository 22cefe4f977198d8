"""The machine a benchmark ran on, and the command that ran it, printed with its figures."""

from __future__ import annotations

import os
import platform
import shlex
import sqlite3
import sys
from importlib import metadata
from pathlib import Path


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_total_gib() -> float:
    """The machine's memory, in GiB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def load_average() -> str:
    """`uptime`'s load average: 1, 5 and 15 minutes."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def description() -> str:
    """One line: cores, memory, CPU model, Python, SQLite and the main libraries."""
    return (
        f"{os.cpu_count()} cores ({cpu_model()}), {memory_total_gib():.1f} GiB, "
        f"Python {platform.python_version()} ({sys.platform}), SQLite {sqlite3.sqlite_version}, "
        + ", ".join(f"{name} {_version(name)}" for name in LIBRARIES)
    )


LIBRARIES = ("python-telegram-bot", "SQLAlchemy", "aiosqlite", "asyncpg", "aiohttp", "httpx")


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def command_line() -> str:
    """The command that ran this script, as typed (prefixed with `cd` out of the root)."""
    root = Path(__file__).resolve().parents[1]
    here = Path.cwd()
    python = os.path.relpath(os.path.normpath(sys.executable), here)
    command = shlex.join([python, *sys.argv])
    return command if here == root else f"cd {here} && {command}"


def header(title: str) -> None:
    """Print what ran, where, and the load before it."""
    print(f"== {title}")
    print(f"command: {command_line()}")
    print(f"machine: {description()}")
    print(f"load average before: {load_average()}")
