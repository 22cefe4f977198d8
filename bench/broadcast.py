"""Broadcast at Telegram's limit: an organiser writes to 1,000 players, 30 messages a second.

    .venv/bin/python bench/broadcast.py [--players 1000] [--teams 200] [--runs 2]
        [--database-url postgresql+asyncpg://...]

Set-up, not measured: a first bot process with the limiter lifted lets the players join their
teams (`/start CODE`) and the admin start the rally; it is stopped. Then, for each run, the bot
is started with `RALLY_FLOOD_LIMIT=30` against a loopback Bot API that answers 429 past 30
messages in any second (Telegram's overall limit), and the organiser sends `/broadcast TEXT`.

Measured: from the organiser's update being available to the last player's message, against
the floor of recipients / 30 s (the players, and the admin who started the rally; target: at
most 1.1 times the floor); every recipient gets the message exactly once; the 429 answers the
loopback gave, and whether any reached the organiser (an error in their chat, failures in the
delivery report).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from botprocess import ADMIN_ID, ORGANISER_ID, TOKEN, BotProcess, BotSpec, BotStats
from machine import header, load_average
from players import TeamPlay, add_population_arguments, bench_rally, join_teams
from throughput import database_for, reset_database

from loopback.records import ChatMessage
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedUser

TELEGRAM_LIMIT = 30
"""Messages per second Telegram takes from one bot (its broadcast limit)."""
MARK = "[bench-broadcast"
"""Starts every broadcast text, so its copies are told apart from replies."""


@dataclass
class Prepared:
    """A database where the players have joined and the rally runs, and the loopback's users."""

    rally_path: Path
    database_url: str
    teams: list[TeamPlay]
    organiser: SimulatedUser
    admin: SimulatedUser

    @property
    def recipients(self) -> set[int]:
        """The chats a broadcast to everyone reaches: the players and the admin (who wrote)."""
        return {m.chat_id for team in self.teams for m in team.members} | {self.admin.chat_id}

    def limited_bot(self, base_url: str) -> BotProcess:
        """The rally bot on this database, its limiter at Telegram's 30 messages a second."""
        spec = BotSpec("rally", base_url, self.database_url, str(self.rally_path), TELEGRAM_LIMIT)
        return BotProcess(spec)


async def prepare(
    args: argparse.Namespace, workdir: Path, api: LoopbackBotApi, name: str
) -> Prepared:
    """Players join and the rally starts, with a bot whose limiter is lifted (not measured)."""
    rally, rally_path = bench_rally(args.teams, workdir)
    url = database_for(args, workdir, name)
    await reset_database(url)
    api.set_flood_limits(overall_per_second=None)
    bot = BotProcess(BotSpec("rally", api.base_url, url, str(rally_path), 0))
    await bot.start()
    try:
        began = time.perf_counter()
        teams = await join_teams(api, rally, args.players)
        admin = api.create_user("Admin", user_id=ADMIN_ID, language_code="fr")
        admin.send_command("go")
        organiser = api.create_user("Organisatrice", user_id=ORGANISER_ID, language_code="fr")
        organiser.start()
        await api.wait_idle(None, timeout=600, quiet=1.0)
        await bot.stop()
    finally:
        bot.kill()
    print(
        f"  set-up: {args.players} players in {len(teams)} teams joined, rally started "
        f"({time.perf_counter() - began:.0f} s, limiter lifted)"
    )
    return Prepared(rally_path, url, teams, organiser, admin)


@dataclass
class Delivery:
    """Watches the loopback for a broadcast's copies and the organiser's messages."""

    mark: str
    players: set[int]
    organiser_chat: int
    started: float = 0.0
    copies: Counter[int] = field(default_factory=Counter)
    first: float | None = None
    last: float | None = None
    to_organiser: list[tuple[float, str]] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def watch(self, event: str, message: ChatMessage) -> None:
        """A message listener for `LoopbackBotApi.add_message_listener`."""
        if event != "sent" or not message.from_bot:
            return
        now = time.perf_counter()
        text = message.text or ""
        if message.chat_id == self.organiser_chat:
            self.to_organiser.append((now - self.started, text))
            return
        if self.mark not in text or message.chat_id not in self.players:
            return
        self.copies[message.chat_id] += 1
        self.first = self.first if self.first is not None else now
        self.last = now
        if len(self.copies) == len(self.players):
            self.done.set()

    def lines(self, floor: float) -> list[str]:
        """The run's figures."""
        total = (self.last or float("nan")) - self.started
        lost = len(self.players) - len(self.copies)
        twice = sum(1 for count in self.copies.values() if count > 1)
        first = (self.first or float("nan")) - self.started
        return [
            f"total {total:.1f} s for {len(self.players)} messages = "
            f"{len(self.copies) / total:.1f} messages/s; floor {floor:.1f} s; "
            f"ratio {total / floor:.3f} (target <= 1.1)",
            f"first message after {1000 * first:.0f} ms; lost {lost}, twice {twice}",
        ]


def organiser_lines(delivery: Delivery) -> list[str]:
    """What the organiser read: the 'sending' notice, the report, nothing else."""
    lines = []
    for at, text in delivery.to_organiser:
        lines.append(f"organiser at {at:.1f} s: {' '.join(text.split())[:160]}")
    return lines


async def measure(
    args: argparse.Namespace, api: LoopbackBotApi, prepared: Prepared, run: int
) -> tuple[Delivery, BotStats, int]:
    """One broadcast to every player with the limiter on; returns what was seen."""
    api.set_flood_limits(overall_per_second=TELEGRAM_LIMIT)
    api.flood.reset()
    delivery = Delivery(f"{MARK} {run}]", prepared.recipients, prepared.organiser.chat_id)
    api.add_message_listener(delivery.watch)
    bot = prepared.limited_bot(api.base_url)
    await bot.start()
    try:
        await asyncio.sleep(2)  # the limiter's window starts empty, as on a quiet rally day
        api.flood.reset()
        text = f"{delivery.mark} Le rallye reprend à 15 h devant la mairie. Merci !"
        delivery.started = time.perf_counter()
        prepared.organiser.send_command("broadcast", text)
        try:
            async with asyncio.timeout(args.timeout):
                await delivery.done.wait()
        except TimeoutError:
            print(f"  run {run}: not every player had the message after {args.timeout:g} s")
        # the delivery report follows the last message
        await asyncio.sleep(3)
        rejections = api.too_many_requests_sent
        stats = await bot.stop()
    finally:
        bot.kill()
    return delivery, stats, rejections


async def main(args: argparse.Namespace) -> None:
    """Prepare once, then broadcast `--runs` times."""
    header("broadcast at Telegram's limit")
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"database: {backend}; RALLY_FLOOD_LIMIT={TELEGRAM_LIMIT}, loopback 429 past 30/s")
    with tempfile.TemporaryDirectory(prefix="rallye-bench-") as tmp:
        async with LoopbackBotApi(TOKEN, overall_per_second=None) as api:
            prepared = await prepare(args, Path(tmp), api, "broadcast")
            for run in range(1, args.runs + 1):
                delivery, stats, rejections = await measure(args, api, prepared, run)
                floor = len(prepared.recipients) / TELEGRAM_LIMIT
                print(
                    f"run {run}: {len(prepared.recipients)} recipients (the players and the admin)"
                )
                for line in delivery.lines(floor):
                    print(f"  {line}")
                print(f"  429 answers from the loopback: {rejections}")
                for line in organiser_lines(delivery):
                    print(f"  {line}")
                print(
                    f"  bot peak RSS {stats.maxrss_mb:.0f} MB; errors logged: {len(stats.errors)}"
                )
                for error in stats.errors[:5]:
                    print(f"    {error}")
    print(f"load average after: {load_average()}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_population_arguments(parser)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=180.0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args(sys.argv[1:])))
