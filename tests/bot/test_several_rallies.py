"""Several rallies on one bot: a join code takes a player to its rally, organisers stay in theirs.

The bot runs the Clermont-Ferrand rally (the default, first) and a second city's rally
(`tests/rally_files/second_city.yaml`), through the real Application over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.content import Rally
from bot.core.engine import RallyPhase
from bot.core.rally_file import load_rally
from bot.telegram.context import Runtime
from tests.bot.conftest import ADMIN_ID, DEFAULT_RALLY, ORGANISER_ID, World, open_world
from tests.bot.players import accept_notices, press
from tests.databases import BACKENDS

SECOND = load_rally(Path(__file__).parents[1] / "rally_files" / "second_city.yaml")
SECOND_ADMIN = 9101
SECOND_ORGANISER = 9102
ORGANISER_ONLY = "This command is for the rally's organisers."


@pytest.fixture(params=BACKENDS)
async def two(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    async for world in open_world(tmp_path, request.param, DEFAULT_RALLY, more_rallies=(SECOND,)):
        yield world


def runtime_of(world: World, rally: Rally) -> Runtime:
    """The bot's runtime of one rally."""
    assert world.application is not None
    return world.application.bot_data.rallies[rally.id]


async def members(world: World, rally: Rally, code: str) -> list[str]:
    team = await runtime_of(world, rally).teams.team_by_code(code)
    assert team is not None
    return [member.name for member in team.members]


async def test_a_join_code_takes_each_player_to_its_rally_and_a_restart_keeps_them_there(
    two: World,
) -> None:
    world = two
    amina = world.user("Amina", "en")
    bilal = world.user("Bilal", "en")
    amina.send_command("join", "ponts7")  # the second city's code, in any case
    bilal.start("PUY63")  # Clermont's, from a QR code
    await world.settle()
    await accept_notices(world, amina, bilal)
    assert any("You joined team Les Ponts" in text for text in world.texts(amina))
    assert any("You joined team " in text for text in world.texts(bilal))
    assert await members(world, SECOND, "PONTS7") == ["Amina"]
    assert await members(world, DEFAULT_RALLY, "PUY63") == ["Bilal"]

    # each rally starts on its own admin's word: only its players get a clue
    second_admin = world.api.create_user("Zoé", user_id=SECOND_ADMIN, language_code="en")
    second_admin.send_command("go")
    await world.settle()
    assert any("The house of the town." in text for text in world.texts(amina))
    assert not any("The house of the town." in text for text in world.texts(bilal))
    assert await runtime_of(world, SECOND).timeline.phase() is RallyPhase.RUNNING
    assert await runtime_of(world, DEFAULT_RALLY).timeline.phase() is RallyPhase.DRAFT

    await world.restart()
    amina.send_text("Marianne")  # the town hall's code word, after the restart
    await world.settle()
    team = await runtime_of(world, SECOND).teams.team_by_code("PONTS7")
    assert team is not None
    assert team.progress.stage_id == "town-hall"
    assert team.progress.score > 0
    press(world, amina, "begin:town-hall")
    await world.settle()
    assert "Who runs the town?" in world.texts(amina)[-1]

    # the second city's scores list its own teams only
    second_admin.send_command("scores")
    await world.settle()
    board = world.texts(second_admin)[-1]
    assert "Les Ponts" in board and "La Rivière" in board
    assert all(team.name not in board for team in DEFAULT_RALLY.teams)


async def test_organisers_named_in_a_rally_file_act_on_that_rally_only(two: World) -> None:
    world = two
    amina = world.user("Amina", "en")
    bilal = world.user("Bilal", "en")
    amina.send_command("join", "PONTS7")
    bilal.send_command("join", "PUY63")
    await world.settle()
    await accept_notices(world, amina, bilal)
    second_admin = world.api.create_user("Zoé", user_id=SECOND_ADMIN, language_code="en")
    second_organiser = world.api.create_user("Yann", user_id=SECOND_ORGANISER, language_code="en")
    clermont = runtime_of(world, DEFAULT_RALLY)
    before = await clermont.teams.team_by_code("PUY63")

    # a Clermont team is unknown to the second city's admin: nothing changes there
    second_admin.send_command("award", "PUY63 50 bonus")
    await world.settle()
    assert world.texts(second_admin)[-1].startswith("No team has the code PUY63.")
    assert await clermont.teams.team_by_code("PUY63") == before

    # their broadcast reaches their rally's players, not Clermont's
    second_organiser.send_command("broadcast", "Meet at the town hall at noon")
    await world.settle()
    assert any("Meet at the town hall at noon" in text for text in world.texts(amina))
    assert not any("Meet at the town hall at noon" in text for text in world.texts(bilal))

    # they cannot switch to a rally they do not work on, nor can a player use /rally
    second_organiser.send_command("rally", DEFAULT_RALLY.id)
    await world.settle()
    assert world.texts(second_organiser)[-1].startswith(
        f"No rally you work on has the id {DEFAULT_RALLY.id}."
    )
    bilal.send_command("rally")
    await world.settle()
    assert world.texts(bilal)[-1] == ORGANISER_ONLY


async def test_an_admin_of_every_rally_chooses_the_one_to_work_on(two: World) -> None:
    world = two
    world.user("Amina", "en").send_command("join", "PONTS7")
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    admin.send_command("rally")
    await world.settle()
    listing = world.texts(admin)[-1]
    assert f"Rallies you work on (now: {DEFAULT_RALLY.id})." in listing
    assert f"▶️ {DEFAULT_RALLY.id}: " in listing
    assert "• second-city: Second city rally (" in listing

    admin.send_command("rally", "second-city")
    await world.settle()
    assert world.texts(admin)[-1] == "You now work on the rally second-city: Second city rally."
    admin.send_command("scores")
    await world.settle()
    board = world.texts(admin)[-1]
    assert "Les Ponts" in board
    assert all(team.name not in board for team in DEFAULT_RALLY.teams)

    await world.restart()  # the choice is kept
    admin.send_command("open")
    await world.settle()
    assert await runtime_of(world, SECOND).timeline.phase() is RallyPhase.OPEN
    assert await runtime_of(world, DEFAULT_RALLY).timeline.phase() is RallyPhase.DRAFT


async def test_a_player_moves_to_another_rally_only_while_theirs_is_not_running(
    two: World,
) -> None:
    world = two
    amina = world.user("Amina", "en")
    amina.send_command("join", "PUY63")
    await world.settle()
    await accept_notices(world, amina)
    amina.send_command("join", "PONTS7")  # before Clermont starts: she may move
    await world.settle()
    await accept_notices(world, amina)
    assert await members(world, DEFAULT_RALLY, "PUY63") == []
    assert await members(world, SECOND, "PONTS7") == ["Amina"]

    bilal = world.user("Bilal", "en")
    bilal.send_command("join", "PUY63")
    await world.settle()
    await accept_notices(world, bilal)
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    admin.send_command("broadcast", "Clermont teams meet at Jaude")
    await world.settle()
    # she left Clermont for the second city: Clermont's messages to everyone skip her
    assert any("Clermont teams meet at Jaude" in text for text in world.texts(bilal))
    assert not any("Clermont teams meet at Jaude" in text for text in world.texts(amina))
    admin.send_command("go")
    await world.settle()
    bilal.send_command("join", "PONTS7")  # Clermont runs: he stays with his team
    await world.settle()
    await accept_notices(world, bilal)
    assert world.texts(bilal)[-1] == world.says(
        "en",
        "You are in team {team}. To change team during the rally, ask an organiser.",
        team=DEFAULT_RALLY.teams[0].name,
    )
    assert await members(world, DEFAULT_RALLY, "PUY63") == ["Bilal"]
    assert await members(world, SECOND, "PONTS7") == ["Amina"]


async def test_an_organiser_of_every_rally_reviews_a_photo_of_the_rally_it_came_from(
    two: World,
) -> None:
    world = two
    organiser = world.api.create_user("Orga", user_id=ORGANISER_ID, language_code="en")
    organiser.start()  # works on Clermont, the first rally
    amina = world.user("Amina", "en")
    amina.send_command("join", "PONTS7")
    await world.settle()
    await accept_notices(world, amina)
    world.api.create_user("Zoé", user_id=SECOND_ADMIN, language_code="en").send_command("go")
    await world.settle()
    amina.send_text("Marianne")
    await world.settle()
    amina.send_photo()
    await world.settle()
    shown = world.api.last_message(organiser.chat_id)
    assert shown.kind == "photo"
    assert (shown.caption or "").startswith("[second-city] ")  # which rally it comes from
    approve = next(b for row in shown.inline_keyboard for b in row if "Approve" in b["text"])
    organiser.press_button(approve["text"], message=shown)
    await world.settle()
    assert "was approved! +15 points." in world.texts(amina)[-1]
    team = await runtime_of(world, SECOND).teams.team_by_code("PONTS7")
    assert team is not None
    assert team.progress.score == 10 + 15
