"""The information notice (GDPR art. 13): every player reads, in their language, who runs the
rally, what is kept, why, for how long and their rights, and presses its button before joining
a team. Through the real Application over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.content import LegalBasis, Privacy
from bot.storage.models import PlayerRow
from bot.telegram.buttons import AcknowledgeNotice, encode
from loopback.records import ChatMessage
from loopback.users import SimulatedUser
from tests.bot.conftest import DEFAULT_RALLY, World, open_world
from tests.bot.players import NOTICE_OK, press
from tests.bot.test_retention import every_value, handled_marks_written
from tests.databases import BACKENDS

CONTROLLER = DEFAULT_RALLY.privacy.controller
CONTACT = DEFAULT_RALLY.privacy.contact
NOTICE_NO = encode(AcknowledgeNotice(False))
ASSOCIATION = DEFAULT_RALLY.model_copy(
    update={
        "privacy": Privacy(
            controller="Association Accueil Auvergne",
            contact="donnees@accueil-auvergne.fr",
            legal_basis=LegalBasis.CONSENT,
            dpo="dpo@accueil-auvergne.fr",
        )
    }
)
"""The same rally run by an association, on the players' consent."""


@pytest.fixture(params=BACKENDS)
async def association(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    async for world in open_world(tmp_path, request.param, ASSOCIATION):
        yield world


def buttons(message: ChatMessage) -> list[str]:
    """The callback data of a message's inline buttons."""
    return [str(b.get("callback_data")) for row in message.inline_keyboard for b in row]


async def stored(world: World, user: SimulatedUser) -> PlayerRow | None:
    """The player row of this Telegram user, as stored."""
    assert world.application is not None
    async with world.application.bot_data.default.services.new_uow() as uow:
        return await uow.players.by_user(world.rally.id, user.id)


async def members(world: World, code: str) -> list[str]:
    assert world.application is not None
    team = await world.application.bot_data.default.teams.team_by_code(code)
    assert team is not None
    return [member.name for member in team.members]


async def test_a_scan_shows_the_notice_and_the_player_joins_only_once_she_has_read_it(
    world: World,
) -> None:
    amina = world.user("Amina", "en")
    amina.start("PARU63")
    await world.settle()

    notice = world.api.transcript(amina.chat_id)[0]
    text = notice.text or ""
    assert text.startswith("👋 Welcome to")  # one message answers the scan
    assert "🔒 Your data" in text
    assert f"{CONTROLLER} runs this rally." in text
    assert "🗑 Everything is erased 30 days after the rally." in text
    assert "welcoming newcomers is part of" in text  # the public task, in plain words
    assert f"You can object: write to {CONTACT}." in text
    assert "/mydata" in text and "/forget" in text and "CNIL" in text
    assert "outside the European Union" in text  # Telegram's servers
    # its button, then the languages to read it in (one message: no picker after it)
    assert buttons(notice) == [NOTICE_OK] + [f"lang:{lang}" for lang in world.rally.rally.languages]
    assert len(world.api.transcript(amina.chat_id)) == 1
    assert await members(world, "PARU63") == []  # not in the team before she presses

    press(world, amina, NOTICE_OK)
    await world.settle()
    assert await members(world, "PARU63") == ["Amina"]
    assert any(t.startswith("✅ You joined team Pariou!") for t in world.texts(amina))
    assert world.api.transcript(amina.chat_id)[0].inline_keyboard == []  # the button closed
    row = await stored(world, amina)
    assert row is not None and row.notice_acknowledged_at is not None  # the controller's proof
    assert row.pending_code is None

    # /privacy shows it again, without a button: there is nothing more to accept
    amina.send_command("privacy")
    await world.settle()
    again = world.last(amina)
    assert (again.text or "").startswith("🔒 Your data")
    assert buttons(again) == []

    # a second card scanned later joins at once: the notice is read once per rally
    amina.start("PUY63")
    await world.settle()
    assert await members(world, "PUY63") == ["Amina"]


async def test_the_notice_is_shown_again_in_the_language_the_player_picks(world: World) -> None:
    dawit = world.user("Dawit", "en")
    dawit.send_command("join", "PUY63")  # typed instead of scanned: the same notice
    await world.settle()
    assert "🔒 Your data" in world.texts(dawit)[-1]
    assert await members(world, "PUY63") == []

    dawit.send_command("language")
    await world.settle()
    press(world, dawit, "lang:fr")
    await world.settle()
    french = world.says("fr", "🔒 Your data")
    assert french != "🔒 Your data"
    assert world.texts(dawit)[-1].startswith(f"{french}")
    assert buttons(world.last(dawit)) == [NOTICE_OK]

    press(world, dawit, NOTICE_OK)  # the code he typed waited for it
    await world.settle()
    assert await members(world, "PUY63") == ["Dawit"]


async def test_a_player_without_a_card_reads_the_notice_then_how_to_join(world: World) -> None:
    zainab = world.user("Zainab", "en")
    zainab.start()
    await world.settle()
    welcome, notice = world.api.transcript(zainab.chat_id)
    assert "Choose your language:" in (welcome.text or "")
    assert buttons(notice) == [NOTICE_OK]
    press(world, zainab, NOTICE_OK)
    await world.settle()
    assert world.texts(zainab)[-1].startswith("To join your team, type /join")
    zainab.send_command("join", "PARU63")
    await world.settle()
    assert await members(world, "PARU63") == ["Zainab"]


async def test_a_player_who_refuses_consent_is_not_kept(association: World) -> None:
    world = association
    amina = world.user("Amina", "en")
    amina.start("PARU63")
    await world.settle()
    notice = world.api.transcript(amina.chat_id)[0]
    text = notice.text or ""
    assert "Association Accueil Auvergne runs this rally." in text
    assert "Why: only if you agree." in text
    assert "Under 15: a parent must agree too." in text
    assert "Data protection officer: dpo@accueil-auvergne.fr" in text
    assert buttons(notice)[:2] == [NOTICE_OK, NOTICE_NO]  # then the languages to read it in
    assert [b["text"] for row in notice.inline_keyboard for b in row][:2] == ["✅ I agree", "❌ No"]

    press(world, amina, NOTICE_NO)
    await world.settle()
    assert world.texts(amina)[-1].startswith("OK. You are not in a team")
    assert await members(world, "PARU63") == []
    await handled_marks_written(world)
    values = await every_value(world)
    assert "Amina" not in [str(v) for v in values]
    assert amina.id not in values

    # she changes her mind: she scans again, agrees, and plays
    amina.start("PARU63")
    await world.settle()
    press(world, amina, NOTICE_OK)
    await world.settle()
    assert await members(world, "PARU63") == ["Amina"]


async def test_help_and_the_command_menu_offer_the_notice(world: World) -> None:
    amina = world.user("Amina", "en")
    amina.send_command("help")
    await world.settle()
    assert "/privacy: what the bot keeps about you, why, and for how long" in world.texts(amina)[-1]
    assert "privacy" in {c["command"] for c in world.api.commands()}
