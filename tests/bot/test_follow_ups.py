"""An update's reply first, its further messages after everyone's replies, each chat in order.

Through the real Application over HTTP, with the flood budget short (5 messages a second) so
that who goes first shows.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from loopback.users import SimulatedUser
from tests.bot.conftest import DEFAULT_RALLY, World, open_world
from tests.bot.players import NOTICE_OK, press

JOINED = "✅ You joined team "
PICKER = "Choose your language:"
NOTICE = "🔒 Your data"
NOT_STARTED = "The rally has not started yet"


def sent_at(world: World, user: SimulatedUser) -> list[tuple[float, str]]:
    """(when, text) of every message sent to the user, in the order Telegram took them."""
    return [
        (call.time, str(call.params.get("text", "")))
        for call in world.api.calls_of("sendMessage")
        if call.status == 200 and int(call.params["chat_id"]) == user.chat_id
    ]


async def test_every_scan_is_answered_before_anyone_gets_a_second_message(
    tmp_path: Path,
) -> None:
    async for world in open_world(
        tmp_path, "sqlite", DEFAULT_RALLY, flood_limit=5, server_per_second=5, chat_flood_limit=1
    ):
        players = [world.user(f"Player {n}", "en") for n in range(6)]
        for n, player in enumerate(players):  # six scans of two cards at once
            player.start(DEFAULT_RALLY.teams[n % 2].code)
        await world.settle(within=30.0)

        for player in players:
            said = sent_at(world, player)
            # one message answers the scan: the welcome over the notice to accept, with the
            # languages to read it in (no picker after it to hold the press back)
            assert len(said) == 1
            assert "👋 Welcome to" in said[0][1]
            assert NOTICE in said[0][1]
        for player in players:  # they all accept at once
            press(world, player, NOTICE_OK)
        await world.settle(within=30.0)

        firsts, seconds = [], []
        for player in players:
            said = [m for m in sent_at(world, player)[1:] if "joined your team" not in m[1]]
            # the press's reply is the join; the team's step follows it (teammates' news aside)
            assert len(said) == 2
            assert said[0][1].startswith(JOINED)
            assert said[1][1].startswith(NOT_STARTED)
            firsts.append(said[0][0])
            seconds.append(said[1][0])
        assert max(firsts) < min(seconds)  # nobody waited for another player's step


async def test_a_chat_reads_its_answers_in_the_order_it_asked(tmp_path: Path) -> None:
    async for world in open_world(
        tmp_path, "sqlite", DEFAULT_RALLY, flood_limit=5, server_per_second=5, chat_flood_limit=1
    ):
        amina = world.user("Amina", "en")
        amina.start(DEFAULT_RALLY.teams[0].code)
        await world.settle(within=30.0)
        seen = len(world.texts(amina))
        press(world, amina, NOTICE_OK)
        await asyncio.sleep(0)  # the notice accepted (she joins) and, right after it, /team
        amina.send_command("team")
        await world.settle(within=30.0)

        texts = world.new_texts(amina, seen)
        assert JOINED in texts[0]
        assert texts[1].startswith(NOT_STARTED)
        assert texts[2].startswith(f"Team {DEFAULT_RALLY.teams[0].name}\nMembers: Amina")
        assert len(texts) == 3
