"""Broadcasts on a real database: audiences, translations, refusals, what each player reads."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bot.core.content import Rally
from bot.i18n.catalogs import Catalogs
from bot.services.base import Services
from bot.services.broadcasts import (
    MAX_MESSAGE,
    BroadcastAudience,
    BroadcastRefusal,
    BroadcastRefused,
    BroadcastService,
    DeliveryReport,
    Queued,
    parse,
    queued_signal,
)
from bot.services.teams import TeamService
from bot.storage.database import migrate, session_factory
from bot.storage.models import AuditRow, BroadcastRow, OutboxRow
from bot.storage.uow import SqlUnitOfWork
from bot.telegram.render.broadcast import TEXTS
from tests.clock import FakeClock
from tests.databases import BACKENDS, empty_database
from tests.services.conftest import MINI

ORGANISER = 900
AMINA, BILAL, CHLOE, DAWIT, EMMA = 101, 102, 103, 104, 105
ANNOUNCEMENTS = {
    "lunch": {"fr": "Pause déjeuner !", "en": "Lunch break!", "ar": "استراحة الغداء!"},
    "rain": {"fr": "Il pleut : abritez-vous.", "en": "It is raining: take shelter."},
}
RALLY: Rally = MINI.model_copy(update={"announcements": ANNOUNCEMENTS})
CATALOGS = Catalogs(RALLY.rally.languages, RALLY.default_language, RALLY.rally.timezone)


class Day:
    """The services of one bot process, with the rally's players already met."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.teams = TeamService(services)
        self.woken = 0
        self.broadcasts = BroadcastService(services, TEXTS, CATALOGS)

    def _wake(self) -> None:
        self.woken += 1

    async def rows(self, broadcast_id: int) -> dict[int, OutboxRow]:
        """The broadcast's outbox rows by chat."""
        async with self.services.new_uow() as uow:
            return {row.chat_id: row for row in await uow.outbox.for_broadcast(broadcast_id)}

    async def stored(self) -> tuple[int, int, int]:
        """How many broadcasts, outbox rows and audit entries the database holds."""
        async with self.services.new_uow() as uow:
            session = uow._active_session()
            counts = [
                await session.scalar(select(func.count()).select_from(model))
                for model in (BroadcastRow, OutboxRow, AuditRow)
            ]
        return (counts[0] or 0, counts[1] or 0, counts[2] or 0)

    async def create(self, audience: BroadcastAudience, text: str = "") -> Queued:
        result = await self.broadcasts.create(ORGANISER, ORGANISER, audience, text)
        assert isinstance(result, Queued), result
        return result


@pytest.fixture(params=BACKENDS)
async def day(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Day]:
    async with empty_database(request.param, tmp_path) as engine:
        await migrate(engine)
        sessions = session_factory(engine)
        services = Services(RALLY, lambda: SqlUnitOfWork(sessions), FakeClock())
        day = Day(services)
        queued_signal.subscribe(RALLY.id, day._wake)  # as the outbox worker does
        await day.teams.sync_from_file()
        # Amina (ar) and Bilal (en) are Les Volcans, Chloé (fr) Les Dômes; Dawit (en) and
        # Emma (fr) have opened the bot but joined no team yet
        for user, language, code in [
            (AMINA, "ar", "VOLCANS"),
            (BILAL, "en", "VOLCANS"),
            (CHLOE, "fr", "DOMES"),
        ]:
            await day.teams.acknowledge_notice(user, user, f"player{user}", language)
            await day.teams.join(user, user, f"player{user}", language, code)
        await day.teams.meet(DAWIT, DAWIT, "Dawit", "en")
        await day.teams.meet(EMMA, EMMA, "Emma", "fr")
        try:
            yield day
        finally:
            queued_signal.unsubscribe(RALLY.id, day._wake)


def shown(html_text: str) -> str:
    """What the player reads: the HTML without its tags."""
    return html.unescape(re.sub(r"<[^>]*>", "", html_text))


def says(reader: str, message: str, /, **values: object) -> str:
    """An interface message as a reader of `reader`'s language reads it."""
    return html.unescape(CATALOGS.translator(reader)._(message, **values))


HEADER = "📢 Message from the organisers:"
LABELLED = "📢 Message from the organisers (in {language}):"


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("text", "original", "translations"),
    [
        ("Rendez-vous à midi.", "Rendez-vous à midi.", {}),
        (
            "Rendez-vous à midi.\nPlace de Jaude.\nen: Meet at noon.\nar: نلتقي ظهرا",
            "Rendez-vous à midi.\nPlace de Jaude.",
            {"en": "Meet at noon.", "ar": "نلتقي ظهرا"},
        ),
        # a translation runs over several lines, up to the next tag
        (
            "Midi.\nEN: Noon.\nPlace de Jaude.\nar: ظهرا",
            "Midi.",
            {"en": "Noon.\nPlace de Jaude.", "ar": "ظهرا"},
        ),
        # only rally languages are tags: "Note:" and "de:" are text
        ("Note: midi.\nde: nein", "Note: midi.\nde: nein", {}),
        ("en: Noon only.", "", {"en": "Noon only."}),
        ("Midi.\nen:\nNoon.", "Midi.", {"en": "Noon."}),
        ("Midi.\nen:   ", "Midi.", {}),  # an empty translation is none
        ("", "", {}),
    ],
)
def test_an_organisers_text_is_split_into_the_original_and_its_translations(
    text: str, original: str, translations: dict[str, str]
) -> None:
    parsed = parse(text, RALLY.rally.languages)
    assert (parsed.original, parsed.translations) == (original, translations)


def test_language_tags_are_read_in_any_case_and_with_a_dash() -> None:
    parsed = parse("Bonjour\nfa-af: سلام\nFA_AF: درود\nPs: سلام", ["fr", "fa_AF", "ps"])
    assert parsed.translations == {"fa_AF": "درود", "ps": "سلام"}  # the last one given wins


# ------------------------------------------------------------------ audiences


async def test_a_broadcast_to_everyone_reaches_every_player_but_its_sender(day: Day) -> None:
    await day.teams.meet(ORGANISER, ORGANISER, "Orga", "fr")  # the organiser opened the bot too
    queued = await day.create(BroadcastAudience.everyone(), "Rendez-vous à midi.")
    assert (queued.recipients, queued.skipped) == (5, 0)
    rows = await day.rows(queued.broadcast_id)
    assert sorted(rows) == [AMINA, BILAL, CHLOE, DAWIT, EMMA]
    assert {row.status for row in rows.values()} == {"pending"}
    assert day.woken == 1  # the outbox worker is told at once


async def test_a_broadcast_to_a_team_reaches_its_members_only(day: Day) -> None:
    queued = await day.create(BroadcastAudience.team("volcans"), "Rendez-vous à midi.")
    assert sorted(await day.rows(queued.broadcast_id)) == [AMINA, BILAL]


async def test_a_broadcast_to_a_language_reaches_its_readers_only(day: Day) -> None:
    queued = await day.create(BroadcastAudience.language("EN"), "Meet at noon.")
    assert sorted(await day.rows(queued.broadcast_id)) == [BILAL, DAWIT]
    async with day.services.new_uow() as uow:
        row = await uow.broadcasts.get(queued.broadcast_id)
    assert (row.kind, row.target) == ("lang", "en")


async def test_players_who_blocked_the_bot_are_skipped_and_counted(day: Day) -> None:
    await day.teams.mark_unreachable(CHLOE)
    queued = await day.create(BroadcastAudience.everyone(), "Rendez-vous à midi.")
    assert (queued.recipients, queued.skipped) == (4, 1)
    rows = await day.rows(queued.broadcast_id)
    assert rows[CHLOE].status == "unreachable"  # not to be sent, but in the report
    report = await day.broadcasts.report(queued.broadcast_id)
    assert report == DeliveryReport(queued.broadcast_id, unreachable=1, pending=4)


async def test_a_broadcast_to_nobody_is_stored_finished(day: Day) -> None:
    queued = await day.create(BroadcastAudience.language("ar"), "ar: نلتقي ظهرا")
    assert queued.recipients == 1
    await day.teams.mark_unreachable(AMINA)
    nobody = await day.create(BroadcastAudience.language("ar"), "ar: نلتقي ظهرا")
    assert (nobody.recipients, nobody.skipped) == (0, 1)
    async with day.services.new_uow() as uow:
        unfinished = [row.id for row in await uow.broadcasts.unfinished(RALLY.id)]
    assert unfinished == [queued.broadcast_id]  # no report will come for the empty one


async def test_every_broadcast_is_in_the_audit_log(day: Day) -> None:
    first = await day.create(BroadcastAudience.team("DOMES"), "Rendez-vous à midi.")
    second = await day.create(BroadcastAudience.announcement("lunch"))
    async with day.services.new_uow() as uow:
        entries = await uow.audit.list(RALLY.id)
    assert [(e.actor_user_id, e.action, e.details) for e in entries] == [
        (
            ORGANISER,
            "broadcast",
            {
                "broadcast_id": first.broadcast_id,
                "audience": "team",
                "target": "DOMES",
                "recipients": 1,
                "skipped": 0,
            },
        ),
        (
            ORGANISER,
            "announce",
            {
                "broadcast_id": second.broadcast_id,
                "audience": "announce",
                "target": "lunch",
                "recipients": 5,
                "skipped": 0,
            },
        ),
    ]


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("audience", "text", "expected"),
    [
        (
            BroadcastAudience.team("NOPE42"),
            "Bonjour",
            BroadcastRefused(BroadcastRefusal.UNKNOWN_TEAM, "NOPE42"),
        ),
        (
            BroadcastAudience.language("de"),
            "Hallo",
            BroadcastRefused(BroadcastRefusal.UNKNOWN_LANGUAGE, "de", ("fr", "en", "ar")),
        ),
        (
            BroadcastAudience.announcement("dinner"),
            "",
            BroadcastRefused(BroadcastRefusal.UNKNOWN_ANNOUNCEMENT, "dinner", ("lunch", "rain")),
        ),
        (BroadcastAudience.everyone(), "  \n ", BroadcastRefused(BroadcastRefusal.EMPTY_TEXT)),
        (BroadcastAudience.everyone(), "Midi.\nxx: ignored?", None),  # not a refusal: "xx:" is text
    ],
)
async def test_a_wrong_broadcast_is_refused_and_nothing_is_stored(
    day: Day, audience: BroadcastAudience, text: str, expected: BroadcastRefused | None
) -> None:
    result = await day.broadcasts.create(ORGANISER, ORGANISER, audience, text)
    if expected is None:
        assert isinstance(result, Queued)
        return
    assert result == expected
    assert await day.stored() == (0, 0, 0)
    assert day.woken == 0


async def test_a_text_too_long_for_one_message_with_its_heading_is_refused(day: Day) -> None:
    # French readers get the text as written, the others a heading naming its language
    headers = [
        says(tag, HEADER)
        if tag == "fr"
        else says(tag, LABELLED, language=CATALOGS.translator(tag).name_of("fr"))
        for tag in RALLY.rally.languages
    ]
    # Telegram counts UTF-16 code units: the 📢 emoji is two of them
    longest_header = max(len(header.encode("utf-16-le")) // 2 for header in headers)
    fits = "x" * (MAX_MESSAGE - longest_header - 1)  # the heading, a line break, the text
    assert isinstance(
        await day.broadcasts.create(ORGANISER, ORGANISER, BroadcastAudience.everyone(), fits),
        Queued,
    )
    too_long = fits + "x"
    result = await day.broadcasts.create(
        ORGANISER, ORGANISER, BroadcastAudience.everyone(), too_long
    )
    assert result == BroadcastRefused(BroadcastRefusal.TOO_LONG, length=MAX_MESSAGE + 1)
    assert (await day.stored())[0] == 1  # only the one that fits
    # "&" travels as "&amp;" but Telegram counts it as one character
    assert isinstance(
        await day.broadcasts.create(
            ORGANISER, ORGANISER, BroadcastAudience.everyone(), "&" * len(fits)
        ),
        Queued,
    )


# ------------------------------------------------------------------ what each player reads


async def test_each_player_reads_their_translation_or_the_text_labelled(day: Day) -> None:
    text = "Rendez-vous à midi, place de Jaude.\nen: Meet at noon at Place de Jaude."
    queued = await day.create(BroadcastAudience.everyone(), text)
    rows = await day.rows(queued.broadcast_id)
    assert shown(rows[BILAL].text) == f"{HEADER}\nMeet at noon at Place de Jaude."
    assert shown(rows[CHLOE].text) == f"{says('fr', HEADER)}\nRendez-vous à midi, place de Jaude."
    # no Arabic version: the French text, labelled with its language, under an Arabic heading
    label = says("ar", LABELLED, language="الفرنسية")
    assert shown(rows[AMINA].text) == f"{label}\nRendez-vous à midi, place de Jaude."
    assert "(باللغة \u2068الفرنسية\u2069)" in label  # French named in Arabic, isolated


async def test_a_text_given_only_in_translations_falls_back_to_the_default_language(
    day: Day,
) -> None:
    queued = await day.create(BroadcastAudience.everyone(), "fr: Midi.\nen: Noon.")
    rows = await day.rows(queued.broadcast_id)
    assert shown(rows[AMINA].text) == f"{says('ar', LABELLED, language='الفرنسية')}\nMidi."
    only_english = await day.create(BroadcastAudience.everyone(), "en: Noon.")
    rows = await day.rows(only_english.broadcast_id)
    assert shown(rows[CHLOE].text) == f"{says('fr', LABELLED, language='anglais')}\nNoon."


async def test_untagged_text_to_one_language_is_taken_to_be_in_that_language(day: Day) -> None:
    queued = await day.create(BroadcastAudience.language("en"), "Meet at noon.")
    assert {shown(row.text) for row in (await day.rows(queued.broadcast_id)).values()} == {
        f"{HEADER}\nMeet at noon."
    }


async def test_the_organisers_text_reaches_players_as_typed_not_as_html(day: Day) -> None:
    queued = await day.create(BroadcastAudience.team("DOMES"), "<b>Bring</b> 5 € & a pen")
    row = (await day.rows(queued.broadcast_id))[CHLOE]
    assert row.text.endswith("&lt;b&gt;Bring&lt;/b&gt; 5 € &amp; a pen")
    assert shown(row.text).endswith("<b>Bring</b> 5 € & a pen")


async def test_an_announcement_reaches_each_player_in_their_language(day: Day) -> None:
    queued = await day.create(BroadcastAudience.announcement("lunch"))
    rows = await day.rows(queued.broadcast_id)
    for chat, language in [(AMINA, "ar"), (BILAL, "en"), (CHLOE, "fr")]:
        expected = f"{says(language, HEADER)}\n{ANNOUNCEMENTS['lunch'][language]}"
        assert shown(rows[chat].text) == expected
    # "rain" has no Arabic: Amina reads the French, marked as such
    rain = await day.rows((await day.create(BroadcastAudience.announcement("rain"))).broadcast_id)
    fallback = says("ar", "(in {language})", language="الفرنسية")
    assert (
        shown(rain[AMINA].text) == f"{says('ar', HEADER)}\n{ANNOUNCEMENTS['rain']['fr']} {fallback}"
    )
    assert shown(rain[BILAL].text) == f"{HEADER}\n{ANNOUNCEMENTS['rain']['en']}"


# ------------------------------------------------------------------ personal messages and reports


async def test_personal_messages_are_queued_as_one_broadcast(day: Day) -> None:
    await day.teams.mark_unreachable(EMMA)
    async with day.services.new_uow() as uow:
        players = {p.telegram_user_id: p for p in await uow.players.list(RALLY.id)}
    messages = [
        (players[user].chat_id, players[user].id, f"<b>Rank</b> for {user}")
        for user in (AMINA, BILAL, EMMA)
    ]
    queued = await day.broadcasts.enqueue(ORGANISER, ORGANISER, "ranking", messages)
    assert (queued.recipients, queued.skipped) == (2, 1)
    rows = await day.rows(queued.broadcast_id)
    assert rows[AMINA].text == f"<b>Rank</b> for {AMINA}"
    assert rows[EMMA].status == "unreachable"
    async with day.services.new_uow() as uow:
        assert (await uow.broadcasts.get(queued.broadcast_id)).kind == "ranking"
    with pytest.raises(ValueError, match="one message per chat"):
        await day.broadcasts.enqueue(ORGANISER, ORGANISER, "ranking", messages + messages[:1])
    with pytest.raises(ValueError, match="longer than"):
        await day.broadcasts.enqueue(ORGANISER, None, "ranking", [(AMINA, None, "x" * 5000)])


async def test_a_delivered_broadcast_is_reported_to_its_sender_once(day: Day) -> None:
    await day.teams.meet(ORGANISER, ORGANISER, "Orga", "en")  # reads English
    queued = await day.create(BroadcastAudience.team("VOLCANS"), "Rendez-vous à midi.")
    assert await day.broadcasts.complete(queued.broadcast_id) is None  # still pending
    async with day.services.new_uow() as uow:
        rows = await uow.outbox.for_broadcast(queued.broadcast_id)
        rows[0].status, rows[1].status = "sent", "unreachable"
        await uow.commit()
    report = await day.broadcasts.complete(queued.broadcast_id)
    assert report == DeliveryReport(queued.broadcast_id, sent=1, unreachable=1)
    assert await day.broadcasts.complete(queued.broadcast_id) is None  # reported once
    async with day.services.new_uow() as uow:
        [message] = await uow.outbox.claim(RALLY.id, limit=10)
        broadcast = await uow.broadcasts.get(queued.broadcast_id)
    assert broadcast.finished_at is not None
    assert (message.chat_id, message.broadcast_id) == (ORGANISER, None)
    assert shown(message.text).splitlines() == [
        f"📬 Delivery report (message {queued.broadcast_id})",
        "✅ Delivered: 1",
        "🚫 Unreachable (they blocked the bot): 1",
        "⚠️ Failed: 0",
    ]


async def test_a_broadcast_without_a_senders_chat_finishes_without_a_report(day: Day) -> None:
    queued = await day.broadcasts.enqueue(0, None, "reminder", [(AMINA, None, "Soon over")])
    async with day.services.new_uow() as uow:
        [row] = await uow.outbox.for_broadcast(queued.broadcast_id)
        row.status = "sent"
        await uow.commit()
    assert await day.broadcasts.complete(queued.broadcast_id) is not None
    async with day.services.new_uow() as uow:
        assert await uow.outbox.claim(RALLY.id, limit=10) == []


async def test_many_outbox_rows_are_stored_in_one_statement(day: Day) -> None:
    statements: list[str] = []
    async with day.services.new_uow() as uow:
        engine = uow._active_session().get_bind()

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        messages = [(10_000 + n, None, f"message {n}") for n in range(1200)]
        queued = await day.broadcasts.enqueue(ORGANISER, ORGANISER, "ranking", messages)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert queued.recipients == 1200
    assert len(statements) <= 2  # one executemany, batched by the driver: not 1,200 flushes
