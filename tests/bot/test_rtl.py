"""Right-to-left readers: every line they receive starts right to left, and French is named in
their language.

Telegram's clients give each line of a message the direction of its first character, so a line
that starts with an emoji, a digit, a French name or a tag's text is laid out left to right
inside an Arabic message (`bot.i18n.direction`). What counts is the text as Telegram stores it
(tags parsed away, entities decoded): each line that shows anything must start with U+200F or
with a right-to-left letter (Unicode bidi class R or AL). Lines inside `<pre>`/`<code>` are
code, left as written (the bot sends code to the staff only: /broadcast's example).

The unit tests below cover the marking itself; the last test plays the whole bundled rally
through the real Application for a team reading Arabic, Dari and Pashto (with a French teammate,
who must get no mark), run by an organiser and an admin reading Arabic, and reads back every
message, caption and inline button they received.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.core.content import Rally
from bot.core.engine import route_for
from bot.i18n.direction import RLM, mark_label, mark_lines, visible_length
from bot.telegram.buttons import FinishRally, encode
from bot.telegram.delivery import oriented, oriented_caption
from bot.telegram.render.reply import Reply
from loopback.formatting import format_text, utf16_len
from loopback.records import ChatMessage
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, DEFAULT_RALLY, ORGANISER_ID, World, open_world
from tests.bot.players import GARE, accept_notice, answer, press, right_answer, wrong_answer
from tests.databases import BACKENDS

LRM = "\u200e"
FSI, PDI = "\u2068", "\u2069"


def starts_right_to_left(line: str) -> bool:
    """What Telegram's clients need: the mark, or a right-to-left letter, first."""
    return line[0] == RLM or unicodedata.bidirectional(line[0]) in {"R", "AL"}


def shown(html_text: str) -> str:
    """The text Telegram stores for an HTML message (the loopback parses as Telegram does)."""
    return format_text(html_text, "HTML").text


# ------------------------------------------------------------------ marking a text


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("🆘 اطلبوا المساعدة", f"{RLM}🆘 اطلبوا المساعدة"),  # an emoji first
        ("مرحبا\n🇫🇷 كلمات فرنسية", f"مرحبا\n{RLM}🇫🇷 كلمات فرنسية"),  # each line
        ("Place de Jaude هنا", f"{RLM}Place de Jaude هنا"),  # a French name first
        ("2 نقاط", f"{RLM}2 نقاط"),  # a digit first
        ("<b>مرحلة 1</b>", "<b>مرحلة 1</b>"),  # a tag hides nothing: Arabic first
        ("<b>1. سؤال</b>", f"{RLM}<b>1. سؤال</b>"),  # the mark before the tag, never inside
        ("&lt;b&gt; نص", f"{RLM}&lt;b&gt; نص"),  # nor inside an entity
        ("أ\n\nب", "أ\n\nب"),  # an empty line has no direction
        ("أ\n   \n1", f"أ\n   \n{RLM}1"),  # nor a line of spaces
        ("  1 نقطة", f"{RLM}  1 نقطة"),  # the line starts before its spaces
        ("  <b>نص</b>", f"{RLM}  <b>نص</b>"),  # spaces first: marked, whatever follows
        (f"{RLM}1 نقطة", f"{RLM}1 نقطة"),  # marked already
        (f"{LRM}/join ABC", f"{RLM}{LRM}/join ABC"),  # the catalogs' mark before a command
        (f"{FSI}Amina{PDI} انضمت", f"{RLM}{FSI}Amina{PDI} انضمت"),  # an isolated name first
        ('<a href="https://x.fr/\nb">رابط</a>', '<a href="https://x.fr/\nb">رابط</a>'),
        ("<pre>code\nmore</pre>\nنص", f"{RLM}<pre>code\nmore</pre>\nنص"),  # code as written
        ("<i></i>\n1", f"<i></i>\n{RLM}1"),  # a line of tags only shows nothing
        ("a < b & c", f"{RLM}a < b & c"),  # a lone '<' or '&' is text
        ("", ""),
    ],
)
def test_each_line_starts_right_to_left(given: str, expected: str) -> None:
    assert mark_lines(given) == expected
    assert mark_lines(expected) == expected  # marking twice changes nothing


PIECES = (
    "<b>مرحلة 1</b>",
    "🧭 ",
    "Place de Jaude",
    "\n",
    "\n",
    "&lt;",
    "&amp;",
    "<i>(باللغة الفرنسية)</i>",
    f"{LRM}/join",
    "  ",
    "<code>ABC123</code>",
    "1. ",
    "مرحبا",
    "<b>\n</b>",
    '<a href="https://example.fr/?a=1&amp;b=2">لینک</a>',
    f"{FSI}Amina{PDI}",
    "<blockquote>نقل\nquote</blockquote>",
)


def samples(count: int) -> Iterator[str]:
    """Well-formed Telegram HTML made of the pieces renderers use."""
    rng = random.Random(16)
    for _ in range(count):
        yield "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))


def test_marked_html_is_still_the_same_message_with_every_line_right_to_left() -> None:
    for html_text in samples(500):
        marked = mark_lines(html_text)
        text = shown(marked)  # Telegram still parses it: no mark inside a tag or an entity
        assert text.replace(RLM, "").strip() == shown(html_text).replace(RLM, "").strip()
        lines = [line for line in text.split("\n") if line.strip()]
        assert all(starts_right_to_left(line) for line in lines), (html_text, text)


def test_marks_that_would_pass_telegrams_limit_are_left_out() -> None:
    ten = "\n".join(["1 نقطة"] * 10)
    size = visible_length(ten)
    assert mark_lines(ten, limit=size) == ten  # a text at the limit stays as it is
    two = mark_lines(ten, limit=size + 2)
    assert two.count(RLM) == 2
    assert two.split("\n")[:3] == [f"{RLM}1 نقطة", f"{RLM}1 نقطة", "1 نقطة"]  # first lines first
    # 10 characters short of Telegram's 4096 (UTF-16, 🆘 counts two): 10 marks, then full
    lines = ["🆘 مساعدة عاجلة"] * 400
    while utf16_len("\n".join(lines)) > 4086:
        lines.pop()
    full = "\n".join(lines) + "ة" * (4086 - utf16_len("\n".join(lines)))
    sent = shown(oriented(Reply(full), rtl=True).text)
    assert (utf16_len(sent), sent.count(RLM)) == (4096, 10)
    rows = ["📸 صورة"] * 200  # a caption of 1000 characters, over a hundred lines
    while utf16_len("\n".join(rows)) > 1000:
        rows.pop()
    caption = "\n".join(rows) + "ة" * (1000 - utf16_len("\n".join(rows)))
    marked = shown(oriented_caption(caption, rtl=True))
    assert (utf16_len(marked), marked.count(RLM)) == (1024, 24)  # Telegram's 1024 for a caption
    assert visible_length("<b>a</b>&amp;📢") == 4  # tags dropped, an entity one, an emoji two


def test_left_to_right_readers_get_their_messages_untouched() -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("💡 Hint", callback_data="hint?:x")]])
    reply = Reply("🆘 Help\n2 points", keyboard)
    assert oriented(reply, rtl=False) is reply
    assert oriented_caption("📸 Photo", rtl=False) == "📸 Photo"


def test_inline_labels_with_right_to_left_words_start_right_to_left() -> None:
    assert mark_label("💡 تلميح") == f"{RLM}💡 تلميح"
    assert mark_label("1. نعم") == f"{RLM}1. نعم"
    assert mark_label("تلميح 💡") == "تلميح 💡"
    assert mark_label("Français") == "Français"  # the language picker: nothing to turn
    inline = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("💡 تلميح", callback_data="hint?:x")],
            [InlineKeyboardButton("English", url="https://example.fr")],
        ]
    )
    sent = oriented(Reply("نص", inline), rtl=True).markup
    assert isinstance(sent, InlineKeyboardMarkup)
    labels = [[b.text for b in row] for row in sent.inline_keyboard]
    assert labels == [[f"{RLM}💡 تلميح"], ["English"]]
    assert sent.inline_keyboard[0][0].callback_data == "hint?:x"  # the rest as it was
    assert sent.inline_keyboard[1][0].url == "https://example.fr"
    # a reply keyboard's label comes back as the text of the press: it stays as it is
    keys = ReplyKeyboardMarkup([[KeyboardButton("🆘 ضعنا")]])
    assert oriented(Reply("نص", keys), rtl=True).markup is keys


# ------------------------------------------------------------------ a whole rally, played

FALLBACK_LABELS = {  # "(in French)" as each reader reads it: French named in their language
    "ar": f"(باللغة {FSI}الفرنسية{PDI})",
    "fa_AF": f"(به زبان {FSI}فرانسوی{PDI})",
    "ps": f"(په {FSI}فرانسوي{PDI} ژبه)",
}
TEAM = "PARU63"
POSITION = 1  # Pariou is the rally file's second team: its route starts at the second stage


def with_gaps(rally: Rally) -> Rally:
    """The bundled rally with one text left untranslated for each right-to-left language, so
    each reader meets a French fallback: a clue (ar), a hint (fa_AF), an explanation (ps)."""
    data: dict[str, Any] = rally.model_dump()
    stages = {stage["id"]: stage for stage in data["stages"]}
    del stages["cathedrale"]["clue"]["ar"]
    del stages["notre-dame-du-port"]["hints"][0]["text"]["fa_AF"]
    del stages["place-de-jaude"]["questions"][0]["explanation"]["ps"]
    return Rally.model_validate(data).read_from(rally.home)


RALLY = with_gaps(DEFAULT_RALLY)
FALLBACKS = {
    "ar": RALLY.stage("cathedrale").clue["fr"],
    "fa_AF": RALLY.stage("notre-dame-du-port").hints[0].text["fr"],
    "ps": RALLY.stage("place-de-jaude").questions[0].explanation["fr"],
}


@pytest.fixture(params=BACKENDS)
async def gapped(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    async for running in open_world(tmp_path, request.param, RALLY):
        yield running


def bot_messages(world: World, user: SimulatedUser, since: int = 0) -> list[ChatMessage]:
    return [m for m in world.api.transcript(user.chat_id)[since:] if m.from_bot]


def code_spans(entities: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Where the code of a message is (UTF-16 offsets): what is typed as shown, left as is."""
    return [
        (e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in {"code", "pre"}
    ]


def left_to_right_lines(messages: list[ChatMessage]) -> list[str]:
    """Every line of these texts and captions that shows something and does not start right
    to left (but a line that starts inside code), and every inline label holding
    right-to-left words that does not start right to left either."""
    wrong = []
    for message in messages:
        for text, entities in (
            (message.text, message.content.get("entities", [])),
            (message.caption, message.content.get("caption_entities", [])),
        ):
            code, offset = code_spans(entities), 0
            for line in (text or "").split("\n"):
                in_code = any(start < offset < end for start, end in code)
                if line.strip() and not in_code and not starts_right_to_left(line):
                    wrong.append(line)
                offset += utf16_len(line) + 1
        for row in message.inline_keyboard:
            for button in row:
                label = str(button["text"])
                has_rtl = any(unicodedata.bidirectional(c) in {"R", "AL"} for c in label)
                if has_rtl and not starts_right_to_left(label):
                    wrong.append(f"[button] {label}")
    return wrong


def all_text(messages: list[ChatMessage]) -> str:
    return "\n".join(m.text or m.caption or "" for m in messages)


async def act(world: World) -> None:
    """Let the bot answer (and the outbox deliver) before the next action."""
    await world.settle()


async def play_the_route(world: World, team: list[SimulatedUser], organiser: SimulatedUser) -> None:
    """The team's whole route: at each stage a wrong position and a wrong code word first, a
    hint, the check-in, then each question wrong once and right; a 🆘 after the first check-in,
    the photo of the photo mission approved by the organiser."""
    turn = 0

    def member() -> SimulatedUser:
        nonlocal turn
        turn += 1
        return team[turn % len(team)]

    for number, stage_id in enumerate(route_for(world.rally, POSITION)):
        stage = world.rally.stage(stage_id)
        member().send_location(*GARE, horizontal_accuracy=30)
        await act(world)
        member().send_text("pas le bon mot")
        await act(world)
        if stage.hints:
            player = member()
            press(world, player, f"hint?:{stage_id}")
            await act(world)
            press(world, player, f"hint:{stage_id}:0")
            await act(world)
        player = member()
        if stage.location is not None:
            player.send_location(stage.location.lat, stage.location.lon, horizontal_accuracy=15)
        else:
            assert stage.checkin_code is not None
            player.send_text(stage.checkin_code.lower())
        await act(world)
        if number == 0:
            member().send_command("lost")
            await act(world)
        if stage.photo is not None:
            member().send_photo()
            await act(world)
            review = next(
                (m, b)
                for m in reversed(world.api.transcript(organiser.chat_id))
                for row in m.inline_keyboard
                for b in row
                if str(b.get("callback_data", "")).startswith("photo:ok:")
            )
            organiser.press_button(review[1]["text"], message=review[0])
            await act(world)
        press(world, member(), f"begin:{stage_id}")
        await act(world)
        for question in stage.questions:
            if question.attempts > 1:
                answer(world, member(), question, wrong_answer(question))
                await act(world)
            answer(world, member(), question, right_answer(question, "fr", world.rally))
            await act(world)


async def test_a_whole_rally_reads_right_to_left_in_arabic_dari_and_pashto(gapped: World) -> None:
    world = gapped
    rally = world.rally
    admin = world.api.create_user("Salma", user_id=ADMIN_ID, language_code="ar")
    organiser = world.api.create_user("Karim", user_id=ORGANISER_ID, language_code="ar")
    amina, pari, chloe = world.user("Amina", "ar"), world.user("Pari", "ps"), world.user("Chloé")
    farid = world.user("Farid", "en")  # his Telegram speaks English: he chooses Dari
    for staff in (admin, organiser):
        staff.start()
        await act(world)

    amina.start(TEAM)  # the team's QR code, then the information notice
    await act(world)
    await accept_notice(world, amina)
    farid.start()
    await act(world)
    english = len(world.api.transcript(farid.chat_id))
    press(world, farid, "lang:fa_AF")  # the language picker under the welcome
    await act(world)
    await accept_notice(world, farid, since=english)  # the notice again, in Dari
    farid.send_command("join", TEAM.lower())
    await act(world)
    for player in (pari, chloe):
        player.start(TEAM)
        await act(world)
        await accept_notice(world, player)
    team = [amina, farid, pari, chloe]

    admin.send_command("go")
    await act(world)
    admin.send_command("broadcast")  # how to: its example is code, as the admin types it
    await act(world)
    admin.send_command("broadcast", "Rendez-vous à midi, place de Jaude.")
    await act(world)
    admin.send_command("announce", "lunch")
    await act(world)
    await play_the_route(world, team, organiser)
    pari.send_command("mydata")  # a document with its caption
    await act(world)
    admin.send_command("finish")
    await act(world)
    press(world, admin, encode(FinishRally(rally.id, confirmed=True)))
    await act(world)

    readers = {"ar": amina, "fa_AF": farid, "ps": pari}
    read = {
        name: bot_messages(world, user, since=english if user is farid else 0)
        for name, user in {**readers, "admin": admin, "organiser": organiser}.items()
    }
    # the whole rally reached them: every clue, the 🆘, the broadcast, the photo, the finish
    for language in readers:
        texts = all_text(read[language])
        for stage in rally.stages:
            assert stage.clue.get(language, stage.clue["fr"]) in texts, (language, stage.id)
        assert "🆘" in texts and "Rendez-vous à midi, place de Jaude." in texts
        assert "🎉" in texts
    assert any(m.caption for m in read["organiser"])  # the team photo, captioned for review
    assert any(m.file is not None and m.caption for m in read["ps"])  # /mydata's file
    assert sum(len(messages) for messages in read.values()) > 200

    for name, messages in read.items():
        assert left_to_right_lines(messages) == [], name
        assert "Français" not in all_text(messages), name  # French named in their language
    for language in readers:
        label = FALLBACK_LABELS[language]
        texts = all_text(read[language])
        assert f"{FALLBACKS[language]} {label}" in texts, language  # the rally text that fell back
        assert f"{label}:\n{RLM}Rendez-vous à midi" in texts  # the French broadcast's heading
    # readers of left-to-right languages get no mark: Chloé, and Farid before he chose Dari
    assert all(RLM not in all_text([m]) for m in bot_messages(world, chloe))
    assert all(RLM not in (m.text or "") for m in world.api.transcript(farid.chat_id)[:english])
    failed = [call for call in world.api.calls if call.status not in (200, None)]
    assert failed == []
