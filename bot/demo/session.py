"""Running the demo: the seat chosen, the bot started offline, the terminal's session played
(`bot.demo` says how the parts fit)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from typing import TextIO

from bot import logs
from bot.core.content import Rally
from bot.demo.options import DemoOptions, Seat, person_name
from bot.demo.player import play_as_team
from bot.demo.staff import run_the_day
from bot.demo.terminal import Terminal
from bot.settings import Settings


async def run(
    settings: Settings,
    rally: Rally,
    stdin: TextIO,
    stdout: TextIO,
    options: DemoOptions | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run the demo in the seat asked for, until the person quits or the input ends.

    `environ` (default: this process's) gives the person's login name, a default for theirs.
    """
    options = options or DemoOptions()
    name = person_name(options, os.environ if environ is None else environ)
    terminal = Terminal(stdout, name, files=options.files)
    if options.seat is Seat.PLAYER:
        return await play_as_team(settings, rally, stdin, stdout, terminal)
    return await run_the_day(settings, rally, stdin, stdout, terminal, options)


def play_demo(settings: Settings, rally: Rally, options: DemoOptions | None = None) -> int:
    """`python -m bot demo` (and `make run` without a token)."""
    logs.configure("WARNING" if settings.log_level == "INFO" else settings.log_level)
    return asyncio.run(run(settings, rally, sys.stdin, sys.stdout, options))
