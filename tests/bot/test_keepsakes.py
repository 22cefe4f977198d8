"""What a player keeps: the city guide and the certificate, after the finish, in their language."""

from __future__ import annotations

import subprocess
import unicodedata

import pytest
from sqlalchemy import MetaData, select

from bot.telegram.buttons import AskKeepsake
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, World
from tests.bot.players import join, press

NAME = "Amina Haddad"
CODE = "PUY63"
"""Team Puy de Dôme: the rotation starts it at the tourist office (code word BIENVENUE)."""


def texts_after(world: World, user: SimulatedUser, seen: int) -> list[str]:
    """The text messages (not the files) the bot sent this user after its first `seen`."""
    return [m.text for m in world.api.transcript(user.chat_id)[seen:] if m.text]


def documents(world: World, user: SimulatedUser) -> list[tuple[str, bytes]]:
    """The files the bot sent this user, in order, by name, with their bytes."""
    return [
        (m.file.file_name or "", m.file.data)
        for m in world.api.transcript(user.chat_id)
        if m.file is not None
    ]


def pdf_text(pdf: bytes) -> str:
    """What a reader copies out of a PDF (poppler's pdftotext), NFC-normalised."""
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return unicodedata.normalize("NFC", done.stdout.decode())


async def finish_the_route(world: World, player: SimulatedUser) -> None:
    """The player's team checks in at its first stage, then the admin skips it to the end."""
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    admin.send_command("go")
    await world.settle()
    player.send_text("BIENVENUE")
    await world.settle()
    for _ in world.rally.stages:
        admin.send_command("skip", CODE)
        await world.settle()


async def test_the_keepsakes_wait_for_the_finish(world: World) -> None:
    amina = world.user("Amina", "ar")
    await join(world, amina, CODE)
    seen = len(world.api.transcript(amina.chat_id))
    amina.send_command("guide")
    await world.settle()
    amina.send_command("certificate")
    await world.settle()
    waiting = world.says(
        "ar", "Your guide and your certificate are ready when your team has finished."
    )
    assert texts_after(world, amina, seen) == [waiting, waiting]
    assert documents(world, amina) == []


async def test_a_finished_player_gets_the_guide_and_the_certificate(world: World) -> None:
    amina = world.user("Amina", "ar")
    await join(world, amina, CODE)
    await finish_the_route(world, amina)
    finish = world.last(amina)
    data = {button.get("callback_data") for row in finish.inline_keyboard for button in row}
    assert {AskKeepsake(certificate=False).data(), AskKeepsake(certificate=True).data()} <= data

    seen = len(world.api.transcript(amina.chat_id))
    press(world, amina, AskKeepsake(certificate=False).data())
    await world.settle()
    cards = texts_after(world, amina, seen)
    with_cards = [s for s in world.rally.stages if s.card is not None]
    assert len(cards) == 1 + len(with_cards)  # a heading, then one message per place
    for stage in with_cards:
        assert any(stage.name["ar"] in text for text in cards), stage.id
    files = documents(world, amina)
    assert [name for name, _ in files] == ["city-guide.pdf"]
    assert files[0][1].startswith(b"%PDF")

    press(world, amina, AskKeepsake(certificate=True).data())
    await world.settle()
    assert world.texts(amina)[-1].startswith("🎓")  # asks for the name to print
    amina.send_text(NAME)
    await world.settle()
    name, pdf = documents(world, amina)[-1]
    assert name == "certificate.pdf"
    text = pdf_text(pdf)
    assert NAME in text
    assert world.rally.stage("office-tourisme").name["fr"] in text  # the place visited
    assert await stored_anywhere(world, "Haddad") == []  # the name was not kept


async def test_a_name_that_cannot_be_printed_is_asked_again(world: World) -> None:
    amina = world.user("Amina", "fr")
    await join(world, amina, CODE)
    await finish_the_route(world, amina)
    amina.send_command("certificate")
    await world.settle()
    amina.send_text("1234567")
    await world.settle()
    assert world.texts(amina)[-1] == world.says(
        "fr",
        "Please type your name in letters, at most {limit} characters. Or send "
        "/certificate again later.",
        limit=80,
    )
    assert not [n for n, _ in documents(world, amina) if n == "certificate.pdf"]


async def stored_anywhere(world: World, needle: str) -> list[str]:
    """The tables whose text columns hold `needle`, anywhere in the database."""
    assert world.application is not None and world.application.bot_data.engine is not None
    engine = world.application.bot_data.engine
    found = []
    async with engine.connect() as connection:
        metadata = MetaData()
        await connection.run_sync(metadata.reflect)
        for table in metadata.sorted_tables:
            for row in (await connection.execute(select(table))).all():
                if any(needle in str(value) for value in row):
                    found.append(table.name)
                    break
    return found


pytestmark = pytest.mark.asyncio
