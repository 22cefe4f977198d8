"""SIGKILL in an overload: every update the bot took from Telegram is handled, once.

The bot runs as in production (`python -m bot`, its own process, a SQLite file) under
Telegram's budget of 30 messages a second, enforced by the loopback. An admin sends AWARDS
`/award` corrections, about 20 a second, each with its own reason, while twelve players in six
teams type their first stage's code word: each award tells the admin and the team's two
players, three messages for every one of them, so the bot falls behind and has hundreds of
updates fetched and not yet handled. The test kills the process KILLS times at moments drawn
from SEED, starting it again each time.

Then every award is stored exactly once (none lost with a killed process, none applied twice
after a redelivery or a resume), every team's score is the sum of its stored records, every
team checked in once, and SIGTERM stops the last process cleanly.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from bot.core.engine import TeamState
from bot.storage.models import AwardRow, CheckinRow, HintRow, InboxRow, ProgressRow
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, DEFAULT_RALLY, TOKEN
from tests.bot.players import press_notice
from tests.databases import sqlite_url
from tests.faults.botprocess import BotProcess, RallyDatabase
from tests.faults.scale import report, size
from tests.faults.test_sigkill import RALLY_FILE, eventually, start_polling

SEED = 20_261_201
KILLS = 10
AWARDS = size("STORM_AWARDS", 240)
AWARDS_PER_SECOND = 20.0
TEAMS = 6
PLAYERS_PER_TEAM = size("STORM_PER_TEAM", 2)
DRAIN = 120.0
"""Seconds the bot may take, after the last kill, to handle everything it was sent."""


async def join_and_start(
    api: LoopbackBotApi, db: RallyDatabase
) -> tuple[SimulatedUser, list[list[SimulatedUser]]]:
    """Two players per team join by their team's code; the admin starts the rally."""
    admin = api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    teams = []
    for position in range(TEAMS):
        members = []
        for n in range(PLAYERS_PER_TEAM):
            user = api.create_user(f"Team{position}-{n}", language_code="en")
            user.start(DEFAULT_RALLY.teams[position].code)
            members.append(user)
        teams.append(members)
    players = [user for members in teams for user in members]
    accepted: set[int] = set()

    async def everyone_joined() -> bool:
        # each accepts the information notice once it shows, and is then in the team
        accepted.update(u.id for u in players if u.id not in accepted and press_notice(api, u))
        return all([await db.team_of(user.id) is not None for user in players])

    await eventually(everyone_joined, "the players joining")
    admin.send_command("go")

    async def started() -> bool:
        progress = [await db.progress(await team_id(db, members[0])) for members in teams]
        return all(p.state is TeamState.EN_ROUTE for p in progress)

    await eventually(started, "the rally starting")
    return admin, teams


async def team_id(db: RallyDatabase, user: SimulatedUser) -> int:
    found = await db.team_of(user.id)
    assert found is not None
    return found


async def storm(admin: SimulatedUser, teams: list[list[SimulatedUser]], rng: random.Random) -> None:
    """AWARDS corrections at AWARDS_PER_SECOND, and each player's code word at a random one."""
    codes = [DEFAULT_RALLY.teams[position].code for position in range(TEAMS)]
    players = [user for members in teams for user in members]
    code_word_at = {rng.randrange(AWARDS): user for user in players}
    started = time.monotonic()
    for n in range(AWARDS):
        admin.send_command("award", f"{codes[n % TEAMS]} +1 storm-{n}")
        player = code_word_at.get(n)
        if player is not None:
            position = next(i for i, members in enumerate(teams) if player in members)
            code = DEFAULT_RALLY.stage(first_stage(position)).checkin_code
            assert code is not None
            player.send_text(code)
        await asyncio.sleep(max(0.0, started + (n + 1) / AWARDS_PER_SECOND - time.monotonic()))


def first_stage(position: int) -> str:
    """The first stage of the team at `position` (the default rally rotates the route)."""
    stages = [stage.id for stage in DEFAULT_RALLY.stages]
    return stages[position % len(stages)]


async def kills(bot: BotProcess, api: LoopbackBotApi, rng: random.Random) -> int:
    """KILLS SIGKILLs during the storm, each followed by a new process; how many were made."""
    made = 0
    for _ in range(KILLS):
        await asyncio.sleep(rng.uniform(0.8, 2.4))
        await bot.kill()
        made += 1
        await api.wait_disconnected(timeout=30)
        await start_polling(bot, api)
    return made


async def test_sigkill_during_an_overload_loses_no_update_and_applies_none_twice(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    database = sqlite_url(tmp_path / "rallye.sqlite3")
    async with LoopbackBotApi(TOKEN, overall_per_second=30) as api:
        # the whole bot's budget, as the issue measured it: the admin's chat is not paced to
        # Telegram's 1 message a second (it would answer 240 corrections in 4 minutes)
        bot = BotProcess(
            api.base_url,
            TOKEN,
            database,
            RALLY_FILE,
            [ADMIN_ID],
            tmp_path,
            flood_limit=30,
            chat_flood_limit=1000,
        )
        db = RallyDatabase(database)
        try:
            await start_polling(bot, api)
            admin, teams = await join_and_start(api, db)
            made, _ = await asyncio.gather(kills(bot, api, rng), storm(admin, teams, rng))
            assert made == KILLS

            async def all_awards_stored() -> bool:
                async with db.engine.connect() as connection:
                    count = await connection.scalar(select(func.count()).select_from(AwardRow))
                return count is not None and count >= AWARDS

            await eventually(all_awards_stored, "every award stored", timeout=DRAIN)
            await eventually(lambda: unhandled(db), "the inbox empty", timeout=DRAIN)
            assert await bot.stop() == 0  # SIGTERM: drained, stopped cleanly

            async with db.engine.connect() as connection:
                reasons = Counter(await connection.scalars(select(AwardRow.reason)))
                checkins = Counter(await connection.scalars(select(CheckinRow.team_id)))
                scores = {
                    row.team_id: row.score
                    for row in await connection.execute(
                        select(ProgressRow.team_id, ProgressRow.score)
                    )
                }
                awarded = dict(
                    (
                        await connection.execute(
                            select(AwardRow.team_id, func.sum(AwardRow.points)).group_by(
                                AwardRow.team_id
                            )
                        )
                    ).all()
                )
                checked = dict(
                    (
                        await connection.execute(
                            select(CheckinRow.team_id, func.sum(CheckinRow.points)).group_by(
                                CheckinRow.team_id
                            )
                        )
                    ).all()
                )
                hints = await connection.scalar(select(func.count()).select_from(HintRow))
        finally:
            await bot.close()
            await db.close()

    expected = {f"storm-{n}" for n in range(AWARDS)}
    report(
        "crash",
        kills=KILLS,
        awards_sent=AWARDS,
        players=TEAMS * PLAYERS_PER_TEAM,
        never_handled=len(expected - set(reasons)),
        applied_twice=sum(1 for count in reasons.values() if count > 1),
        teams_checked_in_once=sum(1 for count in checkins.values() if count == 1),
        scores_equal_to_records=sum(
            1
            for team, score in scores.items()
            if score == awarded.get(team, 0) + checked.get(team, 0)
        ),
        teams=len(scores),
    )
    assert set(reasons) == expected  # none never handled
    assert [reason for reason, count in reasons.items() if count > 1] == []  # none twice
    assert sorted(checkins.values()) == [1] * TEAMS  # each team checked in once
    assert hints == 0
    for team, score in scores.items():
        assert score == awarded.get(team, 0) + checked.get(team, 0), team  # the records' sum
    logs = bot.logs()
    assert len(logs) == KILLS + 1
    assert [line for log in logs for line in log.splitlines() if " ERROR " in line] == []


async def unhandled(db: RallyDatabase) -> bool:
    """Whether the inbox holds no update left to handle."""
    async with db.engine.connect() as connection:
        left = await connection.scalar(
            select(func.count()).select_from(InboxRow).where(InboxRow.handled_at.is_(None))
        )
    return left == 0
