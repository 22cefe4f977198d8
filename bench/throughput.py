"""Throughput and latency: 1,000 players in 200 teams play the default rally against the bot.

    .venv/bin/python bench/throughput.py [--players 1000] [--teams 200] [--rate 100]
        [--steady-seconds 60] [--database-url postgresql+asyncpg://...] [--cprofile]

Three runs, each with a fresh bot process and database, against a loopback Bot API server in
this (the driver's) process, with the flood limiter lifted (`RALLY_FLOOD_LIMIT=0`):

1. saturated: every team plays its whole route as fast as the bot handles it (each team's next
   update is sent once its last one is handled, so up to 200 updates wait for the bot at any
   time): updates handled per second;
2. steady: one update every 1/rate s for `--steady-seconds`: the time from an update being
   available to the bot's first reply (a message to the player, or the answer to a button
   press), p50/p95/p99;
3. echo: a bare python-telegram-bot `Application` echoing every text (same concurrency, no
   database), driven the same way with as many updates: our/echo throughput. It runs twice:
   with PTB's default HTTP client (httpx), the target's reference, and with the rally bot's
   own (`bot/telegram/transport.py`, aiohttp), which shows what is left once the client is the same.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from botprocess import ADMIN_ID, TOKEN, BotKind, BotProcess, BotSpec, BotStats, RssWatch
from machine import header, load_average
from players import (
    FINISHED,
    DoneFeed,
    Pending,
    Step,
    TeamPlay,
    Text,
    Tracker,
    add_population_arguments,
    bench_rally,
    join_teams,
    percentile,
    saturate,
    steady,
)
from profiling import PySpy
from sqlalchemy import text

from bot.storage.database import create_engine
from loopback.server import LoopbackBotApi


@dataclass
class Window:
    """CPU and calls over a measured window."""

    seconds: float
    updates: int
    bot_cpu: float
    driver_cpu: float
    calls: int

    @property
    def rate(self) -> float:
        """Updates handled per second."""
        return self.updates / self.seconds

    def line(self) -> str:
        """The window's figures in one line."""
        return (
            f"{self.updates} updates in {self.seconds:.1f} s = {self.rate:.0f} updates/s; "
            f"bot CPU {100 * self.bot_cpu / self.seconds:.0f}%, "
            f"driver+loopback CPU {100 * self.driver_cpu / self.seconds:.0f}%, "
            f"{self.calls / max(self.updates, 1):.2f} Bot API calls per update"
        )


async def reset_database(url: str) -> str:
    """An empty PostgreSQL schema (a fresh SQLite file needs nothing); the server's version."""
    if not url.startswith("postgresql"):
        return ""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
            version = await connection.scalar(text("SHOW server_version"))
    finally:
        await engine.dispose()
    return str(version)


def database_for(args: argparse.Namespace, workdir: Path, name: str) -> str:
    """The run's database: the given URL (emptied), else a fresh SQLite file."""
    if args.database_url:
        return str(args.database_url)
    return f"sqlite+aiosqlite:///{workdir / name}.sqlite3"


class Measure:
    """Start/stop of a measured window: wall time, both processes' CPU, Bot API calls."""

    def __init__(self, bot: BotProcess, api: LoopbackBotApi) -> None:
        self.bot, self.api = bot, api
        self.began = time.perf_counter()
        self.bot_cpu = bot.cpu_seconds()
        self.driver_cpu = time.process_time()
        self.calls = len(api.state.calls)

    def window(self, updates: int, seconds: float | None = None) -> Window:
        """The window from construction until now."""
        return Window(
            seconds if seconds is not None else time.perf_counter() - self.began,
            updates,
            self.bot.cpu_seconds() - self.bot_cpu,
            time.process_time() - self.driver_cpu,
            len(self.api.state.calls) - self.calls,
        )


@dataclass
class RallyRun:
    """What one run of the rally bot measured."""

    window: Window
    sent: list[Pending]
    missed: int
    stats: BotStats
    finished: int
    script_lengths: list[int]


async def rally_run(args: argparse.Namespace, workdir: Path, mode: str) -> RallyRun:
    """One run of the rally bot: setup, then `saturate` or `steady`."""
    rally, rally_path = bench_rally(args.teams, workdir)
    url = database_for(args, workdir, mode)
    await reset_database(url)
    async with LoopbackBotApi(TOKEN, overall_per_second=None) as api:
        bot = BotProcess(
            BotSpec(
                "rally",
                api.base_url,
                url,
                str(rally_path),
                0,
                cprofile=args.cprofile,
                cprofile_path=f"/tmp/rallye-bench-{mode}.prof" if args.cprofile else "",
            )
        )
        await bot.start()
        try:
            tracker = Tracker(api)
            with DoneFeed(bot.done, tracker.handled):
                began = time.perf_counter()
                teams = await join_teams(api, rally, args.players, stages=args.stages)
                for team in teams:
                    tracker.add(team)
                admin = api.create_user("Admin", user_id=ADMIN_ID, language_code="fr")
                admin.send_command("go")
                await api.wait_idle(None, timeout=600, quiet=1.0)
                print(
                    f"  {mode}: {args.players} players in {len(teams)} teams, rally started "
                    f"({time.perf_counter() - began:.0f} s)"
                )
                if args.cprofile:
                    await bot.command("profile-on")
                spy: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
                if args.py_spy:
                    spy = PySpy(bot.pid, Path(args.py_spy))
                spy.__enter__()
                measure = Measure(bot, api)
                missed = 0
                async with RssWatch(bot) as memory:
                    if mode == "saturated":
                        await saturate(tracker, teams)
                        window = measure.window(len(tracker.finished))
                        sent = tracker.finished
                    else:
                        run = await steady(
                            tracker, teams, rate=args.rate, seconds=args.steady_seconds
                        )
                        window = measure.window(len(run.sent), run.seconds)
                        sent, missed = run.sent, run.missed_slots
                print(f"  {mode}: {memory.line()}")
                spy.__exit__(None, None, None)
                if args.cprofile:
                    await bot.command("profile-off")
                finished = sum(_finished(api, team) for team in teams)
            stats = await bot.stop()
        finally:
            bot.kill()
    return RallyRun(window, sent, missed, stats, finished, [len(t.steps) for t in teams])


def _finished(api: LoopbackBotApi, team: TeamPlay) -> bool:
    member = team.members[0]  # teammates' news may come after the finish: the whole chat
    return any(FINISHED in (m.text or "") for m in api.transcript(member.chat_id))


async def echo_run(
    args: argparse.Namespace, updates_per_team: list[int], kind: BotKind = "echo"
) -> Window:
    """The bare echo bot, driven like the rally: one update in flight per team."""
    async with LoopbackBotApi(TOKEN, overall_per_second=None) as api:
        bot = BotProcess(BotSpec(kind, api.base_url))
        await bot.start()
        try:
            tracker = Tracker(api)
            size = max(1, args.players // args.teams)
            teams = []
            for position, count in enumerate(updates_per_team):
                members = [
                    api.create_user(f"Echo {position}-{n}", language_code="fr", started=True)
                    for n in range(size)
                ]
                script: list[Step] = [Text(k % size, f"Bonjour {k}") for k in range(count)]
                team = TeamPlay(position, members, ["fr"] * size, script)
                tracker.add(team)
                teams.append(team)
            with DoneFeed(bot.done, tracker.handled):
                measure = Measure(bot, api)
                await saturate(tracker, teams)
                window = measure.window(len(tracker.finished))
            await bot.stop()
        finally:
            bot.kill()
    return window


def latency_lines(sent: list[Pending]) -> list[str]:
    """p50/p95/p99 of the first reply and of the whole handling, in ms."""
    replies = [1000 * (p.replied_at - p.sent_at) for p in sent if p.replied_at is not None]
    handled = [1000 * (p.done_at - p.sent_at) for p in sent if p.done_at is not None]
    no_reply = sum(p.replied_at is None for p in sent)
    lines = []
    for name, values in (("reply", replies), ("handled", handled)):
        lines.append(
            f"{name:>8}: p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms,"
            f" p99 {percentile(values, 99):.1f} ms, max {max(values, default=float('nan')):.1f} ms"
            f", mean {statistics.fmean(values) if values else float('nan'):.1f} ms"
        )
    lines.append(f"  updates without a reply: {no_reply}")
    return lines


async def main(args: argparse.Namespace) -> None:
    """Run the three measurements and print them."""
    header("throughput and latency")
    backend = "SQLite"
    if args.database_url:
        backend = f"PostgreSQL {await reset_database(args.database_url)}"
    print(f"database: {backend}; flood limiter lifted (rally_flood_limit=0)")
    with tempfile.TemporaryDirectory(prefix="rallye-bench-") as tmp:
        workdir = Path(tmp)
        if args.saturated:
            saturated_run = await rally_run(args, workdir, "saturated")
            saturated, stats, finished = (
                saturated_run.window,
                saturated_run.stats,
                saturated_run.finished,
            )
            print(f"saturated: {saturated.line()}")
            print(
                f"  teams that finished the rally: {finished}/{len(saturated_run.script_lengths)}"
            )
            print(f"  errors logged: {len(stats.errors)}")
            for error in stats.errors[:5]:
                print(f"    {error}")
            print(
                f"memory: bot peak RSS {stats.maxrss_mb:.0f} MB with {args.players} players "
                f"after the saturated run (target <= 200 MB)"
            )
            if stats.profile:
                (workdir.parent / "rallye-bench-cprofile.txt").write_text(stats.profile)
                print(f"  cProfile written to {workdir.parent / 'rallye-bench-cprofile.txt'}")

            echo = await echo_run(args, saturated_run.script_lengths)
            print(f"echo (PTB's httpx client):  {echo.line()}")
            print(f"our/echo throughput: {saturated.rate / echo.rate:.2f} (target >= 0.7)")
            same = await echo_run(args, saturated_run.script_lengths, "echo-aiohttp")
            print(f"echo (the bot's aiohttp client): {same.line()}")
            print(f"our/echo with the same client: {saturated.rate / same.rate:.2f}")

        if args.steady_seconds > 0:
            steady_run = await rally_run(args, workdir, "steady")
            steady_window, sent, stats = steady_run.window, steady_run.sent, steady_run.stats
            missed = steady_run.missed
            print(
                f"steady {args.rate:g} updates/s for {args.steady_seconds:g} s: "
                f"{steady_window.line()}; slots with no team free to act: {missed}"
            )
            for line in latency_lines(sent):
                print(f"  {line}")
            print(f"  bot peak RSS {stats.maxrss_mb:.0f} MB; errors logged: {len(stats.errors)}")
            print(f"  peak RSS while stopping: {stats.stopping_line()}")
    print(f"load average after: {load_average()}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_population_arguments(parser)
    parser.add_argument("--rate", type=float, default=100.0, help="steady updates per second")
    parser.add_argument("--steady-seconds", type=float, default=60.0, help="0: no steady run")
    parser.add_argument(
        "--no-saturated",
        dest="saturated",
        action="store_false",
        help="skip the saturated and echo runs (only the steady one)",
    )
    parser.add_argument("--stages", type=int, default=0, help="play only N stages (0: all)")
    parser.add_argument("--cprofile", action="store_true", help="profile the saturated run")
    parser.add_argument("--py-spy", default="", help="record the saturated run's stacks here")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args(sys.argv[1:])))
