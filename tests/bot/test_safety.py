"""Safety on the day, played over HTTP: who may join a team, and a finish that cannot slip.

Join codes are random unless the rally file gives them; wrong codes are throttled per user; a
team has a size limit; a join while the rally runs is told to the team and to the organisers;
`/finish` asks first; two teams cannot have names that look the same.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.content import Rally
from bot.core.phase import RallyPhase
from bot.services.teams import CODE_ALPHABET
from bot.telegram.buttons import FinishRally, encode
from bot.telegram.context import Runtime
from tests.bot.conftest import ADMIN_ID, DEFAULT_RALLY, ORGANISER_ID, World, open_world
from tests.bot.players import join, press
from tests.clock import FakeClock

PUY = "PUY63"  # team Puy de Dôme in data/stages.yaml
FINISH_YES = encode(FinishRally(DEFAULT_RALLY.id, confirmed=True))
FINISH_NO = encode(FinishRally(DEFAULT_RALLY.id, confirmed=False))


def runtime(world: World) -> Runtime:
    assert world.application is not None
    return world.application.bot_data.default


def with_team_size(rally: Rally, size: int) -> Rally:
    return rally.model_copy(
        update={"rally": rally.rally.model_copy(update={"max_team_size": size})}
    )


@pytest.fixture
async def clocked(tmp_path: Path) -> AsyncIterator[World]:
    async for world in open_world(tmp_path, "sqlite", DEFAULT_RALLY, FakeClock()):
        yield world


async def members_of(world: World, code: str) -> list[str]:
    team = await runtime(world).teams.team_by_code(code)
    assert team is not None
    return [member.name for member in team.members]


def waits(world: World, language: str, seconds: int) -> str:
    """What a player is told after too many wrong codes, in their language."""
    tr = runtime(world).catalogs.translator(language)
    return html.unescape(
        tr.n_(
            "Too many wrong codes. Please wait {count} second, then type your team's code "
            "again, or ask an organiser.",
            "Too many wrong codes. Please wait {count} seconds, then type your team's code "
            "again, or ask an organiser.",
            seconds,
        )
    )


# ------------------------------------------------------------------ join codes


async def test_a_team_the_file_gives_no_code_gets_a_random_one_that_stays(tmp_path: Path) -> None:
    teams = tuple(team.model_copy(update={"code": None}) for team in DEFAULT_RALLY.teams[:2])
    rally = DEFAULT_RALLY.model_copy(update={"teams": teams})
    async for world in open_world(tmp_path, "sqlite", rally):
        stored = await runtime(world).teams.all_teams()
        codes = [team.code for team in stored]
        assert [team.name for team in stored] == ["Puy de Dôme", "Pariou"]
        assert all(len(code) == 6 and set(code) <= set(CODE_ALPHABET) for code in codes)
        assert codes[0] != codes[1]
        amina = world.user("Amina", "en")
        await join(world, amina, codes[1].lower())
        assert any(text.startswith("✅ You joined team Pariou!") for text in world.texts(amina))

        await world.restart()  # the codes are the database's: kept, and no team added twice
        assert [team.code for team in await runtime(world).teams.all_teams()] == codes
        bilal = world.user("Bilal", "en")
        bilal.send_command("join", PUY)
        await world.settle()
        assert (
            world.texts(bilal)[-1]
            == f"No team has the code {PUY}. Check the code on your team card."
        )


# ------------------------------------------------------------------ wrong codes


async def test_wrong_codes_are_throttled_per_user_then_tried_again(clocked: World) -> None:
    world = clocked
    assert isinstance(world.clock, FakeClock)
    guesser, other = world.user("Guesser", "en"), world.user("Other", "fr")
    for n in range(5):  # five wrong codes in five seconds: each looked up, each refused
        guesser.send_command("join", f"NOPE{n}")
        await world.settle()
        assert world.texts(guesser)[-1] == (
            f"No team has the code NOPE{n}. Check the code on your team card."
        )
        world.clock.advance(seconds=1)
    world.clock.advance(seconds=25)  # 30 s after the first wrong code
    guesser.send_command("join", PUY)  # the right code, while waiting: not even looked up
    await world.settle()
    assert world.texts(guesser)[-1] == waits(world, "en", 30)
    assert await runtime(world).teams.team_of(guesser.id) is None
    assert "Guesser" not in await members_of(world, PUY)

    other.send_command("join", "NOPE9")  # another user is not held back by the guesser
    await world.settle()
    unknown = "No team has the code {code}. Check the code on your team card."
    assert world.texts(other)[-1] == world.says("fr", unknown, code="NOPE9")

    world.clock.advance(seconds=30)  # the first wrong code has left the minute
    guesser.send_command("join", "NOPE5")  # looked up again, and counted
    await world.settle()
    assert world.texts(guesser)[-1].startswith("No team has the code NOPE5.")
    guesser.send_command("join", PUY)  # four left in the minute, and the new one: wait 1 s
    await world.settle()
    assert world.texts(guesser)[-1] == waits(world, "en", 1)
    world.clock.advance(seconds=1)
    await join(world, guesser, PUY)
    assert "Guesser" in await members_of(world, PUY)


async def test_the_wait_is_told_in_the_players_language(clocked: World) -> None:
    world = clocked
    amina = world.user("Amina", "ar")
    for n in range(5):
        amina.send_command("join", f"FAUX{n}")
        await world.settle()
    amina.start(PUY)  # a scanned card is a code too
    await world.settle()
    assert waits(world, "ar", 60) in world.texts(amina)[-2]  # over the language picker
    assert await runtime(world).teams.team_of(amina.id) is None


# ------------------------------------------------------------------ team size


async def test_a_full_team_refuses_a_join_and_nothing_changes(tmp_path: Path) -> None:
    async for world in open_world(tmp_path, "sqlite", with_team_size(DEFAULT_RALLY, 2)):
        amina, bilal, chloe = (world.user(name, "en") for name in ("Amina", "Bilal", "Chloe"))
        await join(world, amina, PUY)
        await join(world, bilal, PUY)
        await join(world, chloe, "PARU63")
        told_amina = len(world.texts(amina))
        full = (
            "Team Puy de Dôme is full: it already has 2 players. "
            "Ask an organiser which team to join."
        )

        chloe.send_command("join", PUY)  # from another team: she stays there
        await world.settle()
        assert world.texts(chloe)[-1] == full
        dawit = world.user("Dawit", "en")
        await join(world, dawit, PUY)  # a newcomer scanning the card
        assert full in world.texts(dawit)[0]

        assert await members_of(world, PUY) == ["Amina", "Bilal"]
        assert await members_of(world, "PARU63") == ["Chloe"]
        assert await runtime(world).teams.team_of(dawit.id) is None
        assert len(world.texts(amina)) == told_amina  # no "joined your team" news


# ------------------------------------------------------------------ joining a running team


async def test_a_join_while_the_rally_runs_is_told_to_the_team_and_the_organisers(
    world: World,
) -> None:
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    organiser = world.api.create_user("Orga", user_id=ORGANISER_ID, language_code="en")
    for staff in (admin, organiser):
        staff.start()
    await world.settle()
    amina, bilal, dawit = (world.user(name, "en") for name in ("Amina", "Bilal", "Dawit"))
    await join(world, amina, "PARU63")
    await join(world, dawit, PUY)  # before the start: nothing for the organisers
    assert not any("Dawit" in text for text in world.texts(organiser))
    admin.send_command("go")
    await world.settle()

    await join(world, bilal, "PARU63")
    assert world.texts(amina)[-1] == "👋 Bilal joined your team."
    note = "👋 Bilal joined team Pariou during the rally. Members now: Amina, Bilal."
    assert world.texts(organiser)[-1] == note
    assert note in world.texts(admin)  # admins organise too
    assert world.texts(bilal)[-1].startswith("Stage 1 of 8")  # he goes on with his team


# ------------------------------------------------------------------ /finish


async def test_finish_asks_first_and_only_an_admins_yes_finishes(world: World) -> None:
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    organiser = world.api.create_user("Orga", user_id=ORGANISER_ID, language_code="en")
    amina = world.user("Amina", "en")
    await join(world, amina, PUY)
    admin.send_command("go")
    await world.settle()

    admin.send_command("finish")
    await world.settle()
    question = world.last(admin)
    assert (question.text or "").startswith("Finish the rally now?")
    assert "This cannot be undone." in (question.text or "")
    assert [b["callback_data"] for row in question.inline_keyboard for b in row] == [
        FINISH_YES,
        FINISH_NO,
    ]
    assert await runtime(world).timeline.phase() is RallyPhase.RUNNING  # asking changes nothing

    organiser.start()
    await world.settle()
    record = organiser.send_callback_data(FINISH_YES)  # forged by an organiser, not an admin
    await world.settle()
    assert world.api.callback_query(record.query_id).answer_text == (
        "This command is for the rally's admins."
    )
    press(world, admin, FINISH_NO)
    await world.settle()
    assert await runtime(world).timeline.phase() is RallyPhase.RUNNING
    assert world.last(admin).inline_keyboard == []  # its buttons closed
    assert not any(text.startswith("🏁 The rally is over") for text in world.texts(amina))

    admin.send_command("finish")
    await world.settle()
    first = world.last(admin)
    admin.send_command("finish")  # asked twice: the second "yes" comes too late
    await world.settle()
    second = world.last(admin)
    admin.press_button(index=0, message=second)
    await world.settle()
    assert await runtime(world).timeline.phase() is RallyPhase.FINISHED
    assert any(text.startswith("Done: the rally is now finished.") for text in world.texts(admin))
    assert world.texts(amina)[-1].startswith("🏁 The rally is over! Final ranking:")
    ranking = len(world.texts(amina))

    admin.press_button(index=0, message=first)  # the older question's "yes"
    await world.settle()
    assert world.texts(admin)[-1] == "The rally is already finished: nothing changed."
    assert len(world.texts(amina)) == ranking  # no second ranking
    admin.send_command("finish")
    await world.settle()
    assert world.texts(admin)[-1] == "Not possible now: the rally is finished."
    async with runtime(world).services.new_uow() as uow:
        actions = [entry.action for entry in await uow.audit.list(world.rally.id)]
    assert actions.count("finish") == 1


# ------------------------------------------------------------------ team names


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        pytest.param("Pariou", "A team named Pariou already exists.", id="the-same"),
        pytest.param(
            "Pаriou",  # a Cyrillic а
            "The name Pаriou looks the same as the team Pariou's: players could take one "
            "team for the other. Please choose another name.",
            id="cyrillic-a",
        ),
        pytest.param(
            "PARIOU\u200b",
            "The name PARIOU\u200b looks the same as the team Pariou's: players could take "
            "one team for the other. Please choose another name.",
            id="capitals-and-zero-width-space",
        ),
        pytest.param(
            "Puy de Dome",
            "The name Puy de Dome looks the same as the team Puy de Dôme's: players could "
            "take one team for the other. Please choose another name.",
            id="without-accents",
        ),
    ],
)
async def test_a_new_team_named_like_another_is_refused(
    world: World, name: str, answer: str
) -> None:
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    before = [team.name for team in await runtime(world).teams.all_teams()]
    admin.send_command("newteam", name)
    await world.settle()
    assert world.texts(admin)[-1] == answer
    assert [team.name for team in await runtime(world).teams.all_teams()] == before


async def test_a_new_team_with_its_own_name_gets_a_random_code(world: World) -> None:
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    admin.send_command("newteam", "Les Dômes")
    await world.settle()
    created = world.texts(admin)[-1]
    assert created.startswith("✅ Team Les Dômes created. Join code: ")
    code = created.split("Join code: ")[1].split("\n")[0]
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    newcomer = world.user("Dawit", "en")
    await join(world, newcomer, code)
    assert await members_of(world, code) == ["Dawit"]
