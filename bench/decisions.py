"""The database part of one player action, without Telegram: statements, time and CPU.

    .venv/bin/python bench/decisions.py [--actions 2000] [--concurrency 32]
        [--database-url postgresql+asyncpg://...]

What the throughput benchmark's bot does for every update, less the Bot API: `find` (the
reader, resolved before every handler) then `PlayService.act` (claim the update, decide, store),
on the default rally with 200 teams of 5 players, the rally started. The actions are wrong code
words typed by every player in turn (a decision that reads everything and stores the claim and
the player's last activity), then the same with `--concurrency` actions at once, as the bot's 32
concurrent updates do. Counts the SQL statements per action (SQLAlchemy's cursor events) and
reports the time per action and the process's CPU per action.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from machine import header
from players import add_population_arguments, bench_rally
from sqlalchemy import event
from throughput import reset_database

from bot.core.engine import Typed
from bot.core.phase import Move
from bot.services.base import Services
from bot.services.play import PlayService
from bot.services.teams import TeamService
from bot.services.timeline import TimelineService
from bot.storage.database import create_engine, migrate, session_factory
from bot.storage.uow import SqlUnitOfWork

ADMIN = 9001


class StatementCount:
    """Counts the statements sent to the database, by their first word."""

    def __init__(self) -> None:
        self.by_kind: Counter[str] = Counter()

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.by_kind[statement.split(None, 1)[0].upper()] += 1

    @property
    def total(self) -> int:
        """Statements counted so far."""
        return sum(self.by_kind.values())


async def main(args: argparse.Namespace) -> None:
    """Set up the rally, then time the actions, one at a time and concurrently."""
    header("one decision in the database")
    with tempfile.TemporaryDirectory(prefix="rallye-decisions-") as tmp:
        workdir = Path(tmp)
        rally, _ = bench_rally(args.teams, workdir)
        url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'decisions.sqlite3'}"
        await reset_database(url)
        engine = create_engine(url)
        print(f"database: {engine.dialect.name}")
        try:
            await migrate(engine)
            sessions = session_factory(engine)
            services = Services(rally, lambda: SqlUnitOfWork(sessions))
            teams, play = TeamService(services), PlayService(services)
            await teams.sync_from_file()
            codes = [team.code for team in await teams.all_teams()]  # as stored
            users = list(range(1, args.players + 1))
            for user in users:
                await teams.acknowledge_notice(user, user, f"Joueur {user}", "fr")
                await teams.join(user, user, f"Joueur {user}", "fr", codes[user % len(codes)])
            await TimelineService(services).move(Move.START, ADMIN)

            count = StatementCount()
            event.listen(engine.sync_engine, "before_cursor_execute", count)
            update_ids = iter(range(1, 10_000_000))

            async def action(user: int) -> None:
                await teams.find(user)
                await play.act(user, Typed("pas le bon mot"), update_id=next(update_ids))

            for title, concurrency in (("one at a time", 1), ("concurrent", args.concurrency)):
                count.by_kind.clear()
                queue = [users[n % len(users)] for n in range(args.actions)]
                began, cpu = time.perf_counter(), time.process_time()

                async def worker(queue: list[int] = queue) -> None:
                    while queue:
                        await action(queue.pop())

                await asyncio.gather(*(worker() for _ in range(concurrency)))
                seconds = time.perf_counter() - began
                cpu = time.process_time() - cpu
                kinds = ", ".join(f"{k} {v / args.actions:.1f}" for k, v in count.by_kind.items())
                print(
                    f"{title} ({concurrency}): {args.actions / seconds:.0f} actions/s, "
                    f"{1000 * seconds / args.actions:.2f} ms each, "
                    f"CPU {1000 * cpu / args.actions:.2f} ms per action; "
                    f"{count.total / args.actions:.1f} statements per action ({kinds})"
                )
        finally:
            await engine.dispose()


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--actions", type=int, default=2000)
    add_population_arguments(parser)
    parser.add_argument("--concurrency", type=int, default=32)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args(sys.argv[1:])))
