"""The right of access and an organiser's erasure, through the real Application over HTTP.

`/mydata` shows a player what the bot keeps about her, as a short message and a JSON file
(downloaded through the loopback Bot API as her phone would); an organiser's `/erase` erases a
player as `/forget` does, tells her, and leaves neither her name nor her Telegram ids in any
table, the audit log included.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from bot.telegram.buttons import ErasePlayer, encode
from loopback.records import ChatMessage
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, ORGANISER_ID, TOKEN, World
from tests.bot.players import join, latest_with_button, press
from tests.bot.test_bad_input import tap
from tests.bot.test_retention import NAME, every_value, runtime, traces

ORGANISER_ONLY = "This command is for the rally's organisers."
NOTHING_KEPT = "The bot keeps nothing about you."


async def downloaded(world: World, message: ChatMessage) -> bytes:
    """A document the bot sent, fetched as Telegram serves it (getFile, then the file URL)."""
    assert message.file is not None
    async with httpx.AsyncClient() as client:
        found = await client.post(
            f"{world.api.base_url}{TOKEN}/getFile", data={"file_id": message.file.file_id}
        )
        path = found.raise_for_status().json()["result"]["file_path"]
        response = await client.get(f"{world.api.base_file_url}{TOKEN}/{path}")
    return response.raise_for_status().content


def values_in(data: object) -> list[object]:
    """Every value of a JSON document, nested ones included."""
    if isinstance(data, dict):
        return [v for value in data.values() for v in [value, *values_in(value)]]
    if isinstance(data, list):
        return [v for value in data for v in [value, *values_in(value)]]
    return []


async def test_mydata_shows_a_player_her_data_and_nothing_of_anyone_else(world: World) -> None:
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    zainab = world.api.create_user(NAME, language_code="en")
    bilal, amina = world.user("Bilal", "en"), world.user("Aminaqx", "en")
    await join(world, zainab, "SANCY63")
    await join(world, bilal, "SANCY63")
    await join(world, amina, "PUY63")
    admin.send_command("go")
    await world.settle()
    jaude = world.rally.stage("place-de-jaude").location
    assert jaude is not None
    zainab.send_location(jaude.lat, jaude.lon)  # her check-in, with her position
    await world.settle()
    photo = zainab.send_photo()["message"]["photo"][-1]["file_id"]  # the photo mission
    await world.settle()
    press(world, zainab, "begin:place-de-jaude")
    await world.settle()
    zainab.send_text("Vercingetorixqq")  # wrong
    await world.settle()
    zainab.send_text("Bartholdi")
    await world.settle()
    press(world, bilal, "ans:jaude-liberty:2")  # her teammate's answer is his
    await world.settle()
    amina.send_text("bienvenue")  # another team's check-in, by its code word
    await world.settle()
    assert world.texts(amina)[-1].startswith("✅ You are at")

    zainab.send_command("mydata")
    await world.settle()
    summary, document = world.api.transcript(zainab.chat_id)[-2:]
    text = summary.text or ""
    assert text.startswith("🔒 What the bot keeps about you\n")
    for line in (
        f"Your first name: {NAME}",
        "Your language: English",
        f"Your Telegram account: {zainab.id}",
        "Your team: Sancy",
        "1 check-in, with the place where you were",
        "2 answers you gave",
        "1 photo you sent",
        "Everything is in the file my-data.json. /forget erases it.",
    ):
        assert line in text.split("\n"), line
    assert document.kind == "document"
    assert document.file is not None and document.file.file_name == "my-data.json"
    assert document.caption == "🔒 Your data, for you only."

    raw = (await downloaded(world, document)).decode()
    assert "\\u" not in raw  # readable as it is, accents and emoji included
    data: dict[str, Any] = json.loads(raw)
    assert data["profile"]["first_name"] == NAME
    assert data["profile"]["telegram_user_id"] == zainab.id
    assert data["profile"]["chat_id"] == zainab.chat_id
    assert data["profile"]["notice_acknowledged_at"]  # when she read what is kept, and why
    assert data["team"] == {"name": "Sancy", "code": "SANCY63"}
    [checkin] = data["checkins"]
    assert checkin["stage"] == "place-de-jaude"
    assert checkin["position"] == {"lat": jaude.lat, "lon": jaude.lon}
    assert [(a["question"], a["given"], a["correct"]) for a in data["answers"]] == [
        ("jaude-sculptor", "Vercingetorixqq", False),
        ("jaude-sculptor", "Bartholdi", True),
    ]
    assert [(p["file_id"], p["status"]) for p in data["photos"]] == [(photo, "pending")]
    assert any("Stage 1 of 8" in m["text"] for m in data["messages_received"])
    # nothing of her teammate's or of another team's player
    found = values_in(data)
    for other in (bilal, amina):
        assert other.id not in found and other.chat_id not in found
    assert "Aminaqx" not in raw
    assert "bienvenue" not in raw.casefold()


async def test_mydata_says_when_the_bot_keeps_nothing(world: World) -> None:
    stranger = world.user("Dawit", "en")
    stranger.send_command("mydata")
    await world.settle()
    assert world.texts(stranger)[-1] == NOTHING_KEPT

    zainab = world.api.create_user(NAME, language_code="en")
    await join(world, zainab, "PARU63")
    zainab.send_command("help")
    await world.settle()
    assert "/mydata: see your data and get a copy" in world.texts(zainab)[-1]
    zainab.send_command("forget")
    await world.settle()
    tap(world, zainab, "forget:yes")
    await world.settle()
    zainab.send_command("mydata")  # all erased: nothing left to show
    await world.settle()
    assert world.texts(zainab)[-1] == NOTHING_KEPT
    assert world.api.calls_of("sendDocument") == []
    assert "mydata" in {c["command"] for c in world.api.commands()}


async def audit(world: World) -> list[tuple[int, str, dict[str, Any]]]:
    """The rally's audit log: who, what, with which details."""
    async with runtime(world).services.new_uow() as uow:
        return [
            (e.actor_user_id, e.action, e.details) for e in await uow.audit.list(world.rally.id)
        ]


def erase_button(world: World, organiser: SimulatedUser, name: str) -> str:
    """The data of the button naming a player on the organiser's latest `/erase` list."""
    listing = latest_with_button(world, organiser, "erase:ask:")
    return next(
        str(b["callback_data"])
        for row in listing.inline_keyboard
        for b in row
        if b["text"] == f"🗑 {name}"
    )


async def test_an_organiser_erases_a_player_and_she_is_told(world: World) -> None:
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    organiser = world.api.create_user("Orga", user_id=ORGANISER_ID, language_code="en")
    bilal = world.user("Bilal", "en")
    zainab = world.api.create_user(NAME, language_code="en")
    await join(world, bilal, "PARU63")
    await join(world, zainab, "PARU63")  # Bilal is told "Zainab joined"
    admin.send_command("go")
    await world.settle()
    cathedral = world.rally.stage("cathedrale").location
    assert cathedral is not None
    zainab.send_location(cathedral.lat, cathedral.lon)
    await world.settle()
    assert world.texts(zainab)[-1].startswith("✅ You are at")
    team = await runtime(world).teams.team_of(bilal.id)
    member = await runtime(world).teams.find(zainab.id)
    assert team is not None and member is not None
    before = list(traces(await every_value(world), zainab, cathedral.lat, cathedral.lon))
    assert any("name" in trace for trace in before)
    logged = len(await audit(world))

    async def says(command: str, args: str | None = None) -> str:
        organiser.send_command(command, args)
        await world.settle()
        return world.texts(organiser)[-1]

    usage = "Type /erase TEAM-CODE, for example /erase PUY63, then choose the player."
    assert await says("erase") == usage
    assert await says("erase", "NOPE") == f"No team has the code NOPE. {usage}"
    assert await says("erase", "GERG63") == "Team Gergovie has no players."
    assert await says("erase", "paru63") == "Whose data should the bot erase? Team Pariou:"
    choose = erase_button(world, organiser, NAME)
    assert erase_button(world, organiser, "Bilal") != choose
    assert choose == encode(ErasePlayer(member.player_id, False))

    tap(world, organiser, choose)
    await world.settle()
    assert world.texts(organiser)[-1].startswith(
        f"Erase what the bot keeps about {NAME} (team Pariou)?"
    )
    kept = tap(world, organiser, "erase:no")
    await world.settle()
    assert world.api.callback_query(kept.query_id).answer_text == "OK, nothing was erased."
    after_no = list(traces(await every_value(world), zainab, cathedral.lat, cathedral.lon))
    assert set(before) <= set(after_no)
    assert len(await audit(world)) == logged

    tap(world, organiser, choose)  # the list's button again
    await world.settle()
    confirm = encode(ErasePlayer(member.player_id, True))
    tap(world, organiser, confirm)
    await world.settle()
    assert world.texts(organiser)[-1] == (
        "Done: the player's data is erased. Team Pariou keeps its points."
    )
    assert world.texts(zainab)[-1].startswith("An organiser erased what the bot kept about you:")

    assert list(traces(await every_value(world), zainab, cathedral.lat, cathedral.lon)) == []
    entries = await audit(world)
    assert entries[logged:] == [
        (ORGANISER_ID, "erase", {"team": "PARU63", "player": member.player_id})
    ]
    now = await runtime(world).teams.team_of(bilal.id)
    assert now is not None
    assert now.progress.score == team.progress.score  # her check-in still counts
    assert [m.name for m in now.members] == ["Bilal"]

    # a stale button, a forged one and one of nobody change nothing
    again = organiser.send_callback_data(confirm)
    forged = bilal.send_callback_data(encode(ErasePlayer(now.members[0].player_id, True)))
    nobody = organiser.send_callback_data(encode(ErasePlayer(999_999, False)))
    await world.settle()
    answers = world.api.callback_query
    assert answers(again.query_id).answer_text == "This player's data is already erased."
    assert answers(forged.query_id).answer_text == ORGANISER_ONLY
    assert answers(nobody.query_id).answer_text == "This button is no longer valid."
    assert len(await audit(world)) == logged + 1
    assert [m.name for m in (await runtime(world).teams.team_of(bilal.id)).members] == ["Bilal"]
