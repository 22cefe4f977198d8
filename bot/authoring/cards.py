"""Placeholder while being written (issue 16)."""

from __future__ import annotations

import argparse
from typing import TextIO


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `cards` command."""
    command = commands.add_parser("cards", help="(being written)")
    command.set_defaults(run=_run)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    print("rallye: not built yet", file=err)
    return 2
