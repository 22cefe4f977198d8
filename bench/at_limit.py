"""At the limit: a broadcast to 1,000 players while 100 players keep playing, 5 updates a second.

    .venv/bin/python bench/at_limit.py [--players 1000] [--teams 200] [--playing-teams 20]
        [--rate 5] [--warm-up 10] [--database-url postgresql+asyncpg://...]

Set-up as in `broadcast.py` (players joined, rally started, limiter lifted, not measured). Then
the bot runs with `RALLY_FLOOD_LIMIT=30` against a loopback that answers 429 past 30 messages a
second. The players of `--playing-teams` teams (100 players) play their route at `--rate`
updates a second in total; after `--warm-up` seconds the organiser broadcasts to everyone, and
the players go on until the broadcast's last message is delivered.

Measured: the time from a player's update being available to the bot's first reply to it
(p50/p95/p99), before and during the broadcast (target: p95 under 1 s during it); the
broadcast's total time, and whether every recipient got it exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from botprocess import TOKEN
from broadcast import MARK, TELEGRAM_LIMIT, Delivery, organiser_lines, prepare
from machine import header, load_average
from players import DoneFeed, Pending, Tracker, add_population_arguments, steady
from throughput import latency_lines

from loopback.records import ChatMessage
from loopback.server import LoopbackBotApi


async def main(args: argparse.Namespace) -> None:
    """Prepare, then play and broadcast at once with the limiter on."""
    header("playing during a broadcast, at Telegram's limit")
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"database: {backend}; RALLY_FLOOD_LIMIT={TELEGRAM_LIMIT}, loopback 429 past 30/s")
    with tempfile.TemporaryDirectory(prefix="rallye-bench-") as tmp:
        async with LoopbackBotApi(TOKEN, overall_per_second=None) as api:
            prepared = await prepare(args, Path(tmp), api, "at-limit")
            playing = prepared.teams[: args.playing_teams]
            delivery = Delivery(f"{MARK} 1]", prepared.recipients, prepared.organiser.chat_id)
            api.add_message_listener(delivery.watch)

            def not_a_reply(message: ChatMessage) -> bool:
                return delivery.mark in (message.text or "") or "📬" in (message.text or "")

            tracker = Tracker(api, ignore=not_a_reply)
            for team in playing:
                tracker.add(team)
            api.set_flood_limits(overall_per_second=TELEGRAM_LIMIT)
            bot = prepared.limited_bot(api.base_url)
            await bot.start()
            try:
                api.flood.reset()
                with DoneFeed(bot.done, tracker.handled):
                    play = asyncio.create_task(
                        steady(
                            tracker,
                            playing,
                            rate=args.rate,
                            seconds=args.timeout,
                            stop=delivery.done,
                        )
                    )
                    await asyncio.sleep(args.warm_up)
                    delivery.started = time.perf_counter()
                    text = f"{delivery.mark} Le rallye reprend à 15 h devant la mairie. Merci !"
                    prepared.organiser.send_command("broadcast", text)
                    try:
                        async with asyncio.timeout(args.timeout):
                            await delivery.done.wait()
                    except TimeoutError:
                        print(f"  the broadcast was not delivered within {args.timeout:g} s")
                        delivery.done.set()
                    run = await play
                    await asyncio.sleep(3)  # the delivery report
                rejections = api.too_many_requests_sent
                stats = await bot.stop()
            finally:
                bot.kill()

            before = [p for p in run.sent if p.sent_at < delivery.started]
            during = [p for p in run.sent if p.sent_at >= delivery.started]
            floor = len(prepared.recipients) / TELEGRAM_LIMIT
            players = sum(len(team.members) for team in playing)
            print(
                f"{players} players in {len(playing)} teams at {args.rate:g} updates/s: "
                f"{len(run.sent)} updates in {run.seconds:.1f} s; slots with no team free: "
                f"{run.missed_slots}; Bot API calls (all): {len(api.state.calls)}"
            )
            _print_latency(f"before the broadcast ({args.warm_up:g} s)", before)
            _print_latency("during the broadcast", during)
            print(f"broadcast to {len(prepared.recipients)} recipients:")
            for line in delivery.lines(floor):
                print(f"  {line}")
            print(f"  429 answers from the loopback: {rejections}")
            for line in organiser_lines(delivery):
                print(f"  {line}")
            print(f"  bot peak RSS {stats.maxrss_mb:.0f} MB; errors logged: {len(stats.errors)}")
            for error in stats.errors[:5]:
                print(f"    {error}")
    print(f"load average after: {load_average()}")


def _print_latency(title: str, sent: list[Pending]) -> None:
    print(f"{title}: {len(sent)} updates")
    for line in latency_lines(sent):
        print(f"  {line}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_population_arguments(parser)
    parser.add_argument("--playing-teams", type=int, default=20)
    parser.add_argument("--rate", type=float, default=5.0, help="updates/s of all players")
    parser.add_argument("--warm-up", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args(sys.argv[1:])))
