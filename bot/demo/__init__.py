"""The offline demo: the real bot against a loopback Bot API inside this process, played here.

`python -m bot demo` seats the person at the keyboard in a team (`bot.demo.player`);
`--as organiser` or `--as admin` in the staff's chair, while simulated teams play the day
(`bot.demo.staff`, `bot.demo.simulated`). Either way the bot is the real `Application` over
HTTP against the loopback Telegram, on a throwaway SQLite database (`bot.demo.offline`), and
the terminal shows the person's own chat (`bot.demo.terminal`). Nothing touches the network.
"""

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

__all__ = ["DemoOptions", "Seat", "play_demo", "run"]


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
