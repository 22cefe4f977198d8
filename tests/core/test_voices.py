"""What each voice reads: the keys of the rally's texts, and their spoken words per language."""

from __future__ import annotations

import pytest

from bot.core.content import ChoiceQuestion
from bot.core.voices import (
    FINAL_KEY,
    VoiceKey,
    VoicePart,
    VoiceSource,
    card_key,
    clue_key,
    hint_key,
    question_key,
    rally_keys,
    spoken_text,
)
from tests.bot.conftest import DEFAULT_RALLY

RALLY = DEFAULT_RALLY


def no_interface(_language: str) -> str | None:
    return None


@pytest.mark.parametrize(
    ("key", "slug"),
    [
        (clue_key("cathedrale"), "clue:cathedrale"),
        (card_key("cathedrale"), "card:cathedrale"),
        (hint_key("cathedrale", 1), "hint:cathedrale:1"),
        (question_key("tour-puy-height"), "question:tour-puy-height"),
        (VoiceKey(VoicePart.ANNOUNCEMENT, "lunch"), "announcement:lunch"),
        (FINAL_KEY, "final"),
    ],
)
def test_a_key_reads_back_from_its_slug(key: VoiceKey, slug: str) -> None:
    assert key.slug == slug
    assert VoiceKey.parse(slug) == key
    assert len(f"listen:{slug}".encode()) <= 64  # fits a button


@pytest.mark.parametrize(
    "forged", ["", "clue", "clue:", "hint:x:10", "clue:BAD", "sound:x", "final:x"]
)
def test_a_forged_slug_is_no_key(forged: str) -> None:
    assert VoiceKey.parse(forged) is None


def test_every_text_of_the_rally_has_a_key_once() -> None:
    keys = rally_keys(RALLY)
    assert len(keys) == len(set(keys))
    assert keys[-1] == FINAL_KEY
    assert sum(k.part is VoicePart.CLUE for k in keys) == len(RALLY.stages)
    questions = sum(len(stage.questions) for stage in RALLY.stages)
    assert sum(k.part is VoicePart.QUESTION for k in keys) == questions


def test_a_question_is_read_with_its_numbered_choices() -> None:
    stage = next(s for s in RALLY.stages if any(isinstance(q, ChoiceQuestion) for q in s.questions))
    question = next(q for q in stage.questions if isinstance(q, ChoiceQuestion))
    said = spoken_text(RALLY, question_key(question.id), "fr", no_interface)
    assert said is not None
    lines = said.splitlines()
    assert lines[0] == question.prompt["fr"]
    assert lines[1:] == [f"{n}. {c['fr']}" for n, c in enumerate(question.choices, start=1)]


def test_a_text_not_written_in_a_language_has_no_voice_in_it() -> None:
    stage = RALLY.stages[0]
    assert spoken_text(RALLY, clue_key(stage.id), "fr", no_interface) == stage.clue["fr"].strip()
    assert spoken_text(RALLY, clue_key(stage.id), "de", no_interface) is None
    assert spoken_text(RALLY, clue_key("nowhere"), "fr", no_interface) is None
    assert spoken_text(RALLY, hint_key(stage.id, 9), "fr", no_interface) is None
    assert spoken_text(RALLY, FINAL_KEY, "fr", no_interface) is None


def test_emoji_and_markup_are_not_read() -> None:
    said = spoken_text(RALLY, FINAL_KEY, "en", lambda _: "🏁 <b>Thank you</b> 🎉 for playing!")
    assert said == "Thank you for playing!"


def test_a_recording_beats_a_file_and_a_file_beats_a_draft() -> None:
    ranked = sorted(VoiceSource, key=lambda source: source.rank)
    assert ranked == [VoiceSource.RECORDED, VoiceSource.FILE, VoiceSource.SYNTHETIC]
