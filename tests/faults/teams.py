"""Teams in play for the fault tests: joined by their QR code, the rally started by the admin."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.content import Stage
from bot.core.engine import Progress
from loopback.records import CallRecord
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, World
from tests.bot.players import join

ARRIVED = "✅ You are at "
"""How an English-speaking player's own check-in is acknowledged."""
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."


async def teams_playing(
    world: World, sizes: Sequence[int], *, language: str = "en"
) -> list[list[SimulatedUser]]:
    """Teams of the given sizes (the rally file's first teams), joined, the rally started."""
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code=language)
    teams = []
    for position, size in enumerate(sizes):
        code = world.rally.teams[position].code
        assert code is not None  # the test rallies print their codes in the file
        members = []
        for n in range(size):
            player = world.user(f"Team{position}-{n}", language)
            await join(world, player, code)  # one after the other: members keep that order
            members.append(player)
        teams.append(members)
    admin.send_command("go")
    await world.settle()
    return teams


async def progress(world: World, user: SimulatedUser) -> Progress:
    """Where the user's team is, read from the database."""
    assert world.application is not None
    team = await world.application.bot_data.default.teams.team_of(user.id)
    assert team is not None, f"{user.user['first_name']} is in no team"
    return team.progress


async def current_stage(world: World, user: SimulatedUser) -> Stage:
    """The stage the user's team is heading to or at."""
    stage_id = (await progress(world, user)).stage_id
    assert stage_id is not None
    return world.rally.stage(stage_id)


async def code_word(world: World, user: SimulatedUser) -> str:
    """The code word that checks the user's team in at its current stage."""
    code = (await current_stage(world, user)).checkin_code
    assert code is not None
    return code


def sends_to(world: World, user: SimulatedUser) -> list[CallRecord]:
    """Every sendMessage call addressed to the user's chat, answered or not, in order."""
    return [
        call
        for call in world.api.calls_of("sendMessage")
        if int(call.params["chat_id"]) == user.chat_id
    ]
