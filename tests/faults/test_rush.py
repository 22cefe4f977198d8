"""The morning rush: players of six teams join at once while an organiser broadcasts.

Each scan is answered with the information notice; once the player accepts it, they join.
Every join makes news for every member already in the team: joined one after the other, a team
of ten makes 45 "X joined your team" messages. The bot answers each player's own join first,
the organiser's broadcast next, and the teammates' news last, each teammate's waiting news
summed up in one message ("Amina, Youssef and 3 others joined your team"); no handler waits for
other people's messages. Through the real Application, under Telegram's 30 messages a second.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from pathlib import Path

from loopback.users import SimulatedUser
from tests.bot.conftest import DEFAULT_RALLY, ORGANISER_ID, World, open_world
from tests.bot.players import press_notice
from tests.faults.scale import report, size

TEAMS = 6
PER_TEAM = size("RUSH_PER_TEAM", 8)
RALLY = DEFAULT_RALLY.model_copy(
    update={
        "rally": DEFAULT_RALLY.rally.model_copy(
            update={"max_team_size": max(PER_TEAM, DEFAULT_RALLY.rally.max_team_size)}
        )
    }
)
"""The default rally, its teams big enough for the rush (`bench/faults.py rush --per-team 50`)."""
ROUND = 0.2
"""Seconds between two rounds of scans (one player of each team per round)."""
READING = 3.0
"""Seconds a player takes to read the information notice before pressing its button (seven
short paragraphs: a fast reader)."""
NOTICE = re.compile("🔒 Your data")
JOINED = re.compile(r"^✅ You joined team ", re.MULTILINE)
ANYTHING = re.compile("")
NEWS = re.compile(r"^👋 (?P<who>.+) joined your team\.$", re.MULTILINE)
OTHERS = re.compile(r"^(?P<names>.+) and (?P<count>\d+) others?$")
BROADCAST = "Rendez-vous à 12 h devant la mairie."


def sent_to(world: World, user: SimulatedUser, pattern: re.Pattern[str]) -> list[tuple[float, str]]:
    """(when, text) of the bot's messages to the user matching `pattern`, oldest first."""
    return [
        (call.time, str(call.params.get("text", "")))
        for call in world.api.calls_of("sendMessage")
        if call.status == 200
        and int(call.params["chat_id"]) == user.chat_id
        and pattern.search(str(call.params.get("text", "")))
    ]


def told_joined(texts: list[str]) -> int:
    """How many teammates the news told this player about (a summary counts all it names)."""
    count = 0
    for text in texts:
        for match in NEWS.finditer(text):
            who = match["who"]
            many = OTHERS.match(who)
            if many:
                count += len(many["names"].split(", ")) + int(many["count"])
            else:
                count += len(who.split(" and "))
    return count


async def test_a_rush_of_joins_answers_everyone_first_and_sums_up_the_teams_news(
    tmp_path: Path,
) -> None:
    async for world in open_world(
        tmp_path, "sqlite", RALLY, flood_limit=30, server_per_second=30, chat_flood_limit=1
    ):
        world.api.set_flood_limits(overall_per_second=30, per_chat_per_second=3)
        organiser = world.api.create_user("Orga", user_id=ORGANISER_ID, language_code="en")
        organiser.start()
        await world.settle()
        teams = [[world.user(f"T{t}-{n}", "en") for n in range(PER_TEAM)] for t in range(TEAMS)]
        players = [user for members in teams for user in members]
        world.api.flood.reset()

        started = time.monotonic()
        for n in range(PER_TEAM):  # everyone scans their card within a second or two
            for position, members in enumerate(teams):
                members[n].start(DEFAULT_RALLY.teams[position].code)
            await asyncio.sleep(ROUND)
        await asyncio.sleep(0.5)
        organiser.send_command("broadcast", BROADCAST)  # a safety message in the storm
        broadcast_at = time.monotonic()
        # each reads the information notice and accepts it, in the order they scanned: then
        # they are in the team
        pressed: dict[int, float] = {}
        for user in _by_round(teams):
            shown_at = await _notice_shown(world, user)
            await asyncio.sleep(max(0.0, shown_at + READING - time.monotonic()))
            assert press_notice(world.api, user)
            pressed[user.id] = time.monotonic()
        await world.settle(within=20.0 + len(players) / 2)  # about 4 messages a player at 30/s

        notices = [sent_to(world, user, NOTICE) for user in players]
        joins = [sent_to(world, user, JOINED) for user in players]
        scans = {user.id: started + (n // TEAMS) * ROUND for n, user in enumerate(_by_round(teams))}
        waits = [
            found[0][0] - scans[user.id]
            for user, found in zip(players, notices, strict=True)
            if found
        ]
        join_waits = [
            found[0][0] - pressed[user.id]
            for user, found in zip(players, joins, strict=True)
            if found
        ]
        got = [sent_to(world, user, re.compile(re.escape(BROADCAST))) for user in players]
        floor = len(players) / 30
        reached = max(found[0][0] for found in got if found) - broadcast_at
        news_counts = [len(sent_to(world, user, NEWS)) for user in players]
        last_news = max((at for user in players for at, _ in sent_to(world, user, NEWS)), default=0)
        report(
            "rush",
            players=len(players),
            join_p50=statistics.median(waits),
            join_p95=statistics.quantiles(waits, n=20)[-1],
            join_max=max(waits),
            joined_p50=statistics.median(join_waits),
            joined_p95=statistics.quantiles(join_waits, n=20)[-1],
            broadcast_seconds=reached,
            broadcast_limit=1.3 * floor + 3.0,
            news_messages_max=max(news_counts),
            news_messages_total=sum(news_counts),
            joins_made=len(players) * (PER_TEAM - 1) // 2,
            last_news_after=last_news - started,
            too_many_requests=world.api.too_many_requests_sent,
        )
        assert all(len(found) == 1 for found in notices)  # every scan answered, once
        assert all(len(found) == 1 for found in joins)  # every join answered, once
        assert statistics.quantiles(waits, n=20)[-1] <= 5.0, waits  # p95 from each scan
        assert statistics.quantiles(join_waits, n=20)[-1] <= 5.0, join_waits  # from each press
        assert all(len(found) == 1 for found in got)  # once each
        assert reached <= 1.3 * floor + 3.0
        assert last_news - started <= 120.0  # every teammate told within two minutes

        for members in teams:
            for place, user in enumerate(members):
                news = [text for _, text in sent_to(world, user, NEWS)]
                later = PER_TEAM - 1 - place  # the teammates who joined after them
                assert told_joined(news) == later, (user.user["first_name"], news)
                assert len(news) <= max(1, later // 2), news  # summed up, not one per join
        assert world.api.too_many_requests_sent == 0


async def _notice_shown(world: World, user: SimulatedUser, within: float = 30.0) -> float:
    """Wait until the bot has shown this user the information notice; when it did."""
    deadline = time.monotonic() + within
    while not (shown := sent_to(world, user, NOTICE)):
        assert time.monotonic() < deadline, "no information notice"
        await asyncio.sleep(0.02)
    return shown[0][0]


def _by_round(teams: list[list[SimulatedUser]]) -> list[SimulatedUser]:
    """The players in the order they scanned: round by round, one of each team per round."""
    return [members[n] for n in range(PER_TEAM) for members in teams]
