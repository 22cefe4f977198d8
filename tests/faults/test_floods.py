"""One player flooding the bot, through the real Application and Telegram's flood limits.

A player who sends hundreds of messages as fast as a client allows must not make anyone else
wait, must not be answered once per message (Telegram allows about one message a second to a
chat), and must be told once that the bot read only their last message.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from loopback.users import SimulatedUser
from tests.bot.conftest import DEFAULT_RALLY, World, open_world
from tests.faults.scale import report, size
from tests.faults.teams import teams_playing

FLOOD = size("FLOOD", 500)
OTHERS = 12
SLOW_DOWN = "Slow down, please: I read only your last message."


def replies_to(world: World, user: SimulatedUser, since: float) -> list[float]:
    """When the bot's messages to this user were sent, after `since` (the loopback's clock)."""
    return [
        call.time
        for call in world.api.calls_of("sendMessage")
        if call.status == 200 and int(call.params["chat_id"]) == user.chat_id and call.time >= since
    ]


async def first_reply(world: World, user: SimulatedUser, since: float, within: float) -> float:
    """Seconds from `since` to the bot's first message to the user (inf if none came)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        sent = replies_to(world, user, since)
        if sent:
            return sent[0] - since
        await asyncio.sleep(0.02)
    return float("inf")


async def test_one_chat_flooding_stalls_nobody_and_is_answered_at_a_chats_pace(
    tmp_path: Path,
) -> None:
    async for world in open_world(
        tmp_path, "sqlite", DEFAULT_RALLY, flood_limit=30, server_per_second=30, chat_flood_limit=1
    ):
        teams = await teams_playing(world, (3, 3, 3, 2, 2))
        flooder, *others = [player for team in teams for player in team]
        assert len(others) == OTHERS
        # Telegram's limits: 30 a second for the bot, a short burst then 1 a second to a chat
        world.api.set_flood_limits(overall_per_second=30, per_chat_per_second=3)
        world.api.flood.reset()

        async def flood(flooder: SimulatedUser = flooder) -> None:  # 100 a second for 5 s
            for burst in range(FLOOD // 50):
                for n in range(50):
                    flooder.send_text(f"spam {burst}-{n}")
                await asyncio.sleep(0.5)

        started = time.monotonic()
        flooding = asyncio.create_task(flood())
        waits: list[float] = []
        for moment in (1.0, 3.0):  # twice during the flood, every other player asks
            await asyncio.sleep(started + moment - time.monotonic())
            asked = time.monotonic()
            for player in others:
                player.send_command("clue")
            waits += await asyncio.gather(
                *(first_reply(world, player, asked, within=10.0) for player in others)
            )
        await flooding
        await world.settle()
        elapsed = time.monotonic() - started

        flooder_told = world.new_texts(flooder, 0)
        flood_messages = replies_to(world, flooder, started)
        report(
            "flood",
            flood_updates=FLOOD,
            others=len(waits),
            others_p50=statistics.median(waits),
            others_p95=statistics.quantiles(waits, n=20)[-1],
            others_max=max(waits),
            flooder_messages=len(flood_messages),
            seconds=elapsed,
            flooder_per_second=len(flood_messages) / max(elapsed, 1.0),
            slow_down_notices=flooder_told.count(world.says("en", SLOW_DOWN)),
            too_many_requests=world.api.too_many_requests_sent,
        )
        assert max(waits) < 10.0, waits  # nobody left waiting
        assert statistics.quantiles(waits, n=20)[-1] <= 1.5, waits  # p95 of the others' replies
        assert len(flood_messages) / max(elapsed, 1.0) <= 1.5, (len(flood_messages), elapsed)
        assert flooder_told.count(world.says("en", SLOW_DOWN)) == 1  # told once, in English
        assert world.api.too_many_requests_sent == 0  # the bot kept under both limits
