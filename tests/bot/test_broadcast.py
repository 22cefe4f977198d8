"""Organisers' broadcasts through the real Application over HTTP, the outbox and its report."""

from __future__ import annotations

import html
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.i18n.direction import RLM
from bot.storage.models import BroadcastRow, OutboxRow
from loopback.records import ChatMessage
from loopback.users import SimulatedUser
from tests.bot.conftest import (
    ADMIN_ID,
    DEFAULT_RALLY,
    ORGANISER_ID,
    World,
    open_world,
)
from tests.bot.players import accept_notices
from tests.databases import BACKENDS

ORGANISER_ONLY = "This command is for the rally's organisers."
HEADER = "📢 Message from the organisers:"
LABELLED = "📢 Message from the organisers (in {language}):"
REPORT_MARK = "📬"


def organiser(world: World, language: str = "en") -> SimulatedUser:
    return world.api.create_user("Orga", user_id=ORGANISER_ID, language_code=language)


def reads(world: World, reader: str, message: str, /, **values: object) -> str:
    """An interface message as a reader of that language reads it (`World.says` cannot take a
    `language` value)."""
    assert world.application is not None
    catalogs = world.application.bot_data.default.catalogs
    assert catalogs is not None
    return html.unescape(catalogs.translator(reader)._(message, **values))


async def stored(world: World) -> tuple[int, int]:
    """How many broadcasts and outbox messages the database holds."""
    assert world.application is not None
    async with world.application.bot_data.default.services.new_uow() as uow:
        session = uow._active_session()
        broadcasts = await session.scalar(select(func.count()).select_from(BroadcastRow))
        messages = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.topic.is_(None))
        )
    return broadcasts or 0, messages or 0


async def delivery_report(world: World, user: SimulatedUser, within: float = 20) -> str:
    """Wait for the organiser's delivery report and return it."""

    def reports() -> list[str]:
        return [text for text in world.texts(user) if text.startswith(REPORT_MARK)]

    await world.api.wait_for(lambda: bool(reports()), within, "the delivery report")
    await world.settle()
    [report] = reports()
    return report


def report_lines(
    world: World, language: str, sent: int, unreachable: int, failed: int
) -> list[str]:
    return [
        reads(world, language, "✅ Delivered: {count}", count=sent),
        reads(world, language, "🚫 Unreachable (they blocked the bot): {count}", count=unreachable),
        reads(world, language, "⚠️ Failed: {count}", count=failed),
    ]


async def players(world: World) -> dict[str, SimulatedUser]:
    """Amina (ar) and Bilal (en) in Pariou, Chloé (fr) and Dawit (en) in Puy de Dôme."""
    people = {
        "amina": world.user("Amina", "ar"),
        "bilal": world.user("Bilal", "en"),
        "chloe": world.user("Chloé", "fr"),
        "dawit": world.user("Dawit", "en"),
    }
    people["amina"].start("PARU63")
    people["bilal"].start("PARU63")
    people["chloe"].start("PUY63")
    people["dawit"].start("PUY63")
    await world.settle()
    await accept_notices(world, people["amina"], people["bilal"], people["chloe"], people["dawit"])
    return people


# ------------------------------------------------------------------ who may


@pytest.mark.parametrize(
    "command",
    [
        "broadcast Rendez-vous à midi",
        "broadcast team PUY63 Rendez-vous à midi",
        "broadcast lang ar مرحبا",
        "announce lunch",
        "announce",
    ],
)
@pytest.mark.parametrize("who", ["player", "stranger"])
async def test_broadcasts_are_refused_to_players_and_strangers(
    world: World, command: str, who: str
) -> None:
    people = await players(world)
    before = {name: len(world.texts(user)) for name, user in people.items()}
    sender = people["bilal"] if who == "player" else world.user("Intrus", "en")
    name, _, payload = command.partition(" ")
    sender.send_command(name, payload or None)
    await world.settle()
    assert world.texts(sender)[-1] == reads(world, "en", ORGANISER_ONLY)
    assert await stored(world) == (0, 0)
    for person, user in people.items():
        expected = before[person] + (1 if user is sender else 0)
        assert len(world.texts(user)) == expected  # nobody else heard anything


# ------------------------------------------------------------------ audiences


async def test_a_broadcast_to_one_team_reaches_its_players_in_their_language(world: World) -> None:
    people = await players(world)
    before = {name: len(world.texts(user)) for name, user in people.items()}
    orga = organiser(world, "en")
    orga.send_command(
        "broadcast", "team paru63 Rendez-vous à midi.\nVenez à pied.\nen: Meet at noon."
    )
    report = await delivery_report(world, orga)

    assert world.texts(orga)[0] == reads(
        world,
        "en",
        "📤 Sending to {count} players. You will get a delivery report when it is done.",
        count=2,
    )
    assert world.texts(people["bilal"])[-1] == f"{HEADER}\nMeet at noon."
    # no Arabic version: Amina reads the French, labelled with its language in Arabic
    label = reads(world, "ar", LABELLED, language="الفرنسية")
    assert world.texts(people["amina"])[-1] == f"{label}\nRendez-vous à midi.\nVenez à pied."
    for other in ("chloe", "dawit"):
        assert world.new_texts(people[other], before[other]) == []
    assert report.splitlines()[1:] == report_lines(world, "en", sent=2, unreachable=0, failed=0)
    async with world.application.bot_data.default.services.new_uow() as uow:
        [entry] = await uow.audit.list(world.rally.id)
    assert (entry.actor_user_id, entry.action, entry.details["target"]) == (
        ORGANISER_ID,
        "broadcast",
        "PARU63",
    )


async def test_a_broadcast_to_one_language_reaches_its_readers_only(world: World) -> None:
    people = await players(world)
    before = {name: len(world.texts(user)) for name, user in people.items()}
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="fr")  # admins may too
    admin.send_command("broadcast", "lang en Meet at noon at Place de Jaude.\nar: لا")
    report = await delivery_report(world, admin)
    for name in ("bilal", "dawit"):
        assert world.texts(people[name])[-1] == f"{HEADER}\nMeet at noon at Place de Jaude."
    for name in ("amina", "chloe"):
        assert world.new_texts(people[name], before[name]) == []
    assert report.splitlines()[1:] == report_lines(world, "fr", sent=2, unreachable=0, failed=0)


async def test_an_announcement_reaches_each_player_in_their_language(world: World) -> None:
    people = await players(world)
    orga = organiser(world, "fr")
    orga.send_command("announce")
    await world.settle()
    listing = world.texts(orga)[-1]
    assert all(f"• {key}: " in listing for key in world.rally.announcements)

    orga.send_command("announce", "dinner")
    await world.settle()
    keys = ", ".join(world.rally.announcements)
    assert world.texts(orga)[-1] == reads(
        world,
        "fr",
        "There is no announcement {key}. Announcements: {keys}.",
        key="dinner",
        keys=keys,
    )
    assert await stored(world) == (0, 0)

    orga.send_command("announce", "lunch")
    report = await delivery_report(world, orga)
    lunch = world.rally.announcements["lunch"]
    for name, language in [("amina", "ar"), ("bilal", "en"), ("chloe", "fr"), ("dawit", "en")]:
        assert (
            world.texts(people[name])[-1] == f"{reads(world, language, HEADER)}\n{lunch[language]}"
        )
    assert report.splitlines()[1:] == report_lines(world, "fr", sent=4, unreachable=0, failed=0)


async def test_wrong_broadcasts_are_explained_and_change_nothing(world: World) -> None:
    await players(world)
    orga = organiser(world, "en")
    for payload, expected in [
        (
            "team NOPE42 Hello",
            reads(world, "en", "There is no team with the code {code}.", code="NOPE42"),
        ),
        (
            "lang de Hallo",
            reads(
                world,
                "en",
                "{language} is not a language of this rally. Its languages: {languages}.",
                language="de",
                languages=", ".join(world.rally.rally.languages),
            ),
        ),
    ]:
        orga.send_command("broadcast", payload)
        await world.settle()
        assert world.texts(orga)[-1] == expected
    orga.send_command("broadcast")
    await world.settle()
    assert world.texts(orga)[-1].startswith(
        reads(world, "en", "How to send a message to the players")
    )
    assert await stored(world) == (0, 0)


async def test_a_player_who_blocked_the_bot_is_reported_then_skipped(world: World) -> None:
    people = await players(world)
    orga = organiser(world, "en")
    people["chloe"].block()
    await world.settle()
    orga.send_command("broadcast", "Rendez-vous à midi.")
    report = await delivery_report(world, orga)
    assert report.splitlines()[1:] == report_lines(world, "en", sent=3, unreachable=1, failed=0)

    orga.send_command("broadcast", "Rendez-vous à 14 h.")
    await world.api.wait_for(
        lambda: sum(text.startswith(REPORT_MARK) for text in world.texts(orga)) == 2, 20
    )
    assert world.texts(orga)[-2].endswith(
        reads(world, "en", "{count} player blocked the bot and will not get it.", count=1)
    )
    refused_to_chloe = [
        call
        for call in world.api.calls_of("sendMessage")
        if call.params.get("chat_id") == str(people["chloe"].chat_id) and call.status == 403
    ]
    assert len(refused_to_chloe) == 1  # tried once, then never again


async def test_a_send_in_flight_at_a_restart_finishes_and_is_not_repeated(world: World) -> None:
    people = await players(world)
    orga = organiser(world, "en")
    orga.send_command("help")
    await world.settle()
    runtime = world.application.bot_data.default
    amina = await runtime.teams.find(people["amina"].id)
    slow = world.api.faults.hang("sendMessage", seconds=1)  # Telegram takes a second to answer
    await runtime.broadcasts.enqueue(
        ORGANISER_ID, orga.chat_id, "ranking", [(amina.chat_id, amina.player_id, "Bravo")]
    )
    await world.api.wait_for(lambda: slow.triggered == 1, 5, "the send under way")
    await world.stop()  # while Telegram is still answering
    assert world.texts(people["amina"])[-1] == "Bravo"
    await world.start()  # the next process finds the message recorded as sent
    report = await delivery_report(world, orga)
    assert world.texts(people["amina"]).count("Bravo") == 1
    [row] = (await outbox_rows(world)).values()
    assert (row.status, row.attempts) == ("sent", 1)
    assert report.splitlines()[1:] == report_lines(world, "en", sent=1, unreachable=0, failed=0)


# ------------------------------------------------------------------ a thousand players


FLOOD_LIMIT = 300
"""The limiter's rate for this test (Telegram's 30 per second, scaled up to stay fast)."""
SERVER_LIMIT = 60
"""The loopback Telegram's own limit: below the limiter's, so that 429s do happen, and below
what the whole test process (bot, database and loopback on one core) can send."""
PLAYERS = 1000
BLOCKED_EVERY = 20  # 5%


async def flooded(
    tmp_path: Path, backend: str, *, limiter: int, server: int
) -> AsyncIterator[World]:
    """A bot whose flood limiter (0: none) lets more through than the loopback accepts."""
    async for world in open_world(
        tmp_path, backend, DEFAULT_RALLY, flood_limit=limiter, server_per_second=server
    ):
        yield world


@pytest.fixture(params=BACKENDS)
async def crowded(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    """The limiter at FLOOD_LIMIT, the loopback Telegram at SERVER_LIMIT."""
    async for world in flooded(tmp_path, request.param, limiter=FLOOD_LIMIT, server=SERVER_LIMIT):
        yield world


@pytest.fixture(params=BACKENDS)
async def unlimited(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    """No limiter at all: the loopback's 429s reach the outbox worker itself."""
    async for world in flooded(tmp_path, request.param, limiter=0, server=5):
        yield world


async def crowd(world: World, size: int) -> list[SimulatedUser]:
    """Players who opened the bot earlier, registered as their first message would."""
    languages = ("fr", "en", "ar")
    users = [
        world.api.create_user(f"Joueur {n}", language_code=languages[n % 3], started=True)
        for n in range(size)
    ]
    assert world.application is not None
    teams = world.application.bot_data.default.teams
    for user in users:
        await teams.meet(user.id, user.chat_id, user.user["first_name"], user.user["language_code"])
    return users


async def outbox_rows(world: World) -> dict[int, OutboxRow]:
    """Every stored outbox message by chat (broadcasts only, not reports)."""
    assert world.application is not None
    async with world.application.bot_data.default.services.new_uow() as uow:
        rows = (await uow._active_session().scalars(select(OutboxRow))).all()
    return {row.chat_id: row for row in rows if row.broadcast_id is not None}


async def test_the_outbox_waits_out_429s_itself_without_counting_them(
    unlimited: World,
) -> None:
    world = unlimited
    players = await crowd(world, 14)
    orga = organiser(world, "en")
    orga.send_command("help")  # the organiser has opened the bot: the report can reach them
    await world.settle()
    runtime = world.application.bot_data.default
    messages = []
    for user in players:
        member = await runtime.teams.find(user.id)
        messages.append((user.chat_id, member.player_id, f"<b>Rank</b> for {user.id}"))
    queued = await runtime.broadcasts.enqueue(ORGANISER_ID, orga.chat_id, "ranking", messages)
    assert queued.recipients == 14
    report = await delivery_report(world, orga, within=30)
    assert world.api.too_many_requests_sent > 0  # 14 messages at 5 per second
    for user in players:
        assert world.texts(user) == [f"Rank for {user.id}"]
    rows = await outbox_rows(world)
    assert {(row.status, row.attempts) for row in rows.values()} == {("sent", 1)}
    assert report.splitlines()[1:] == report_lines(world, "en", sent=14, unreachable=0, failed=0)


async def test_network_errors_are_retried_and_refusals_recorded(world: World) -> None:
    people = await players(world)
    orga = organiser(world, "en")
    orga.send_command("help")
    await world.settle()
    runtime = world.application.bot_data.default
    amina = await runtime.teams.find(people["amina"].id)
    bilal = await runtime.teams.find(people["bilal"].id)
    world.api.faults.drop("sendMessage", times=2)  # the connection breaks twice
    await runtime.broadcasts.enqueue(
        ORGANISER_ID,
        orga.chat_id,
        "ranking",
        [
            (amina.chat_id, amina.player_id, "<b>Bravo</b>"),
            (bilal.chat_id, bilal.player_id, "<b>Bravo"),  # Telegram refuses broken HTML
        ],
    )
    report = await delivery_report(world, orga)
    assert world.texts(people["amina"])[-1] == "Bravo"
    assert not any(text.startswith("Bravo") for text in world.texts(people["bilal"]))
    rows = await outbox_rows(world)
    sent, refused = rows[amina.chat_id], rows[bilal.chat_id]
    assert (sent.status, sent.attempts) == ("sent", 3)  # two lost connections, then through
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert refused.last_error is not None
    assert refused.last_error.startswith("Can't parse entities")
    assert report.splitlines()[1:] == report_lines(world, "en", sent=1, unreachable=0, failed=1)


async def test_a_thousand_players_get_a_broadcast_once_through_429s_and_a_restart(
    crowded: World,
) -> None:
    world = crowded
    began = time.monotonic()
    everyone = await crowd(world, PLAYERS)
    blocked = {user.chat_id for user in everyone[::BLOCKED_EVERY]}
    for user in everyone[::BLOCKED_EVERY]:
        user.block()
    await world.settle()
    reachable = PLAYERS - len(blocked)
    registered = time.monotonic()

    orga = organiser(world, "en")
    visitor = world.user("Zoé", "fr")  # not a player: she has not opened the bot yet
    text = (
        "Rendez-vous à 16 h place de Jaude.\n"
        "en: Meet at Place de Jaude at 4 pm.\n"
        "ar: نلتقي في ساحة Jaude الساعة 4"
    )
    orga.send_command("broadcast", text)

    received: Counter[int] = Counter()  # broadcasts received, per chat, counted as they arrive

    def count(event: str, message: ChatMessage) -> None:
        shown = (message.text or "").lstrip(RLM)  # an Arabic reader's lines start with a mark
        if event == "sent" and message.from_bot and shown.startswith("📢"):
            received[message.chat_id] += 1

    world.api.add_message_listener(count)

    # half-way: a new process takes over from the database alone
    await world.api.wait_for(lambda: len(received) >= reachable // 3, 30, "a third sent")
    await world.stop()
    at_restart = len(received)
    assert 0 < at_restart < reachable
    await world.start()

    # someone writing to the bot meanwhile is answered at once, not after the broadcast
    await world.api.wait_for(lambda: len(received) >= at_restart + 50, 30, "sending again")
    asked = time.monotonic()
    visitor.send_command("help")
    await world.api.wait_for(lambda: bool(world.texts(visitor)), 10, "the reply to /help")
    answered_in = time.monotonic() - asked
    assert len(received) < reachable - 100  # the broadcast is far from done
    assert world.texts(visitor)[0].startswith(reads(world, "fr", "What you can do"))

    report = await delivery_report(world, orga, within=45)
    finished = time.monotonic()

    assert set(received) == {user.chat_id for user in everyone} - blocked
    assert set(received.values()) == {1}  # nobody twice, despite the restart and the 429s
    for user in everyone:  # what the transcripts say too
        assert len(world.texts(user)) == (0 if user.chat_id in blocked else 1)
    expected = {
        "fr": f"{reads(world, 'fr', HEADER)}\nRendez-vous à 16 h place de Jaude.",
        "en": "📢 Message from the organisers:\nMeet at Place de Jaude at 4 pm.",
        "ar": f"{reads(world, 'ar', HEADER)}\nنلتقي في ساحة Jaude الساعة 4",
    }
    for user in everyone[1:60]:
        if user.chat_id in blocked:
            continue
        assert world.texts(user) == [expected[user.user["language_code"]]]

    assert world.api.too_many_requests_sent > 0  # Telegram did push back
    assert world.texts(orga) == [
        reads(
            world,
            "en",
            "📤 Sending to {count} players. You will get a delivery report when it is done.",
            count=PLAYERS,
        ),
        report,
    ]
    assert report.splitlines()[1:] == report_lines(
        world, "en", sent=reachable, unreachable=len(blocked), failed=0
    )
    async with world.application.bot_data.default.services.new_uow() as uow:
        unreachable = {p.chat_id for p in await uow.players.list(world.rally.id) if not p.reachable}
    assert unreachable == blocked  # skipped from now on
    print(  # the timings, shown with pytest -s
        f"\n{PLAYERS} players: registered in {registered - began:.1f} s, "
        f"broadcast in {finished - registered:.1f} s ({at_restart} before the restart, "
        f"{world.api.too_many_requests_sent} x 429); a reply meanwhile took {answered_in:.2f} s"
    )
