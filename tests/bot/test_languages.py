"""Each language played through the bot: start, join, a clue, a check-in, a question, the end.

Every reply is checked for the script its language is written in, and for English left behind
in a non-English reply.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.core.content import ChoiceQuestion
from tests.bot.conftest import ADMIN_ID, World
from tests.bot.players import accept_notices, press, right_answer

ROOT = Path(__file__).parents[2]
SCRIPTS = {
    "ar": "ARABIC",
    "fa_AF": "ARABIC",
    "ps": "ARABIC",
    "ti": "ETHIOPIC",
    "uk": "CYRILLIC",
    "ru": "CYRILLIC",
    "bn": "BENGALI",
    "fr": "LATIN",
    "tr": "LATIN",
    "en": "LATIN",
}
TELEGRAM_CODES = {"fa_AF": "fa"}
ISOLATED = re.compile("\u2068[^\u2069]*\u2069")
WORD = re.compile(r"[A-Za-z]{4,}")


def script_share(text: str, script: str) -> float:
    """The share of letters (outside isolated values) written in `script`."""
    letters = [c for c in ISOLATED.sub("", text) if c.isalpha()]
    if not letters:
        return 1.0
    return sum(script in unicodedata.name(c, "") for c in letters) / len(letters)


@cache
def english_words() -> frozenset[str]:
    """Words of the English interface that no translation should leave behind."""
    with (ROOT / "locales" / "messages.pot").open("rb") as handle:
        pot = read_po(handle)
    words = set()
    for message in pot:
        for text in [message.id] if isinstance(message.id, str) else message.id:
            words |= {w.lower() for w in WORD.findall(re.sub(r"\{[a-z_]+\}", "", text))}
    return frozenset(words)


@cache
def own_words(language: str, rally_text: str) -> frozenset[str]:
    """Latin words a reply in `language` may rightly contain: its own, names, rally texts."""
    words = {w.lower() for w in WORD.findall(rally_text)}
    po = ROOT / "locales" / language / "LC_MESSAGES" / "messages.po"
    if po.is_file():
        with po.open("rb") as handle:
            for message in read_po(handle):
                strings = [message.string] if isinstance(message.string, str) else message.string
                for text in strings or ():
                    words |= {w.lower() for w in WORD.findall(text)}
    return frozenset(words)


def check_reply(text: str, language: str, allowed: frozenset[str]) -> None:
    """A reply reads in its language's script, with no English interface words left."""
    if language == "en":
        return
    leftovers = {w.lower() for w in WORD.findall(ISOLATED.sub("", text))}
    english = (leftovers & english_words()) - allowed
    assert not english, (language, english, text)


@pytest.mark.parametrize("language", list(SCRIPTS))
async def test_a_player_plays_in_their_language(world: World, language: str) -> None:
    rally = world.rally
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="fr")
    player = world.user("Zara", TELEGRAM_CODES.get(language, language))
    allowed = own_words(language, world.api.state.bot_username + " " + repr(rally.model_dump()))
    script = SCRIPTS[language]

    player.start()
    await world.settle()
    welcome, notice = world.texts(player)
    assert script_share(welcome, script) > 0.6, welcome
    check_reply(welcome, language, allowed)
    check_reply(notice, language, allowed)  # what the bot keeps about them, to accept
    await accept_notices(world, player)
    (how_to_join,) = world.texts(player)[2:]
    check_reply(how_to_join, language, allowed)

    player.send_command("join", "puy63")
    admin.send_command("go")
    await world.settle()
    stage = rally.stage("office-tourisme")
    clue = world.texts(player)[-1]
    assert stage.clue[language] in clue
    assert script_share(clue, script) > 0.6, clue
    check_reply(clue, language, allowed)

    player.send_text(stage.checkin_code or "")
    await world.settle()
    arrived = world.texts(player)[-1]
    assert stage.name[language] in arrived
    check_reply(arrived, language, allowed)

    press(world, player, "begin:office-tourisme")
    await world.settle()
    question = stage.questions[0]
    assert isinstance(question, ChoiceQuestion)
    asked = world.last(player)
    assert question.prompt[language] in (asked.text or "")
    labels = [
        b["text"]
        for row in asked.inline_keyboard
        for b in row
        if str(b.get("callback_data", "")).startswith("ans:")  # not "🔊 Listen"
    ]
    assert [label.split(". ", 1)[1] for label in labels] == [c[language] for c in question.choices]
    press(world, player, f"ans:{question.id}:{right_answer(question, language, rally)}")
    await world.settle()
    judged = world.texts(player)[-1]
    assert question.explanation[language] in judged
    assert script_share(judged.split("\n")[0], script) > 0.5, judged
    check_reply(judged, language, allowed)

    for _ in rally.stages:  # the organisers move the team to the end
        admin.send_command("skip", "PUY63")
        await world.settle()
    end = world.texts(player)[-1]
    assert "🎉" in end
    check_reply(end, language, allowed)
    if language != "fr":
        assert script_share(end, script) > 0.5, end
