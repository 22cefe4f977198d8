"""Players' names as kept and shown: the first name, with nothing that misleads its readers."""

from __future__ import annotations

import pytest

from bot.core.names import WORD_JOINER, display_name, looks_alike

WJ = WORD_JOINER


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        pytest.param("Amina", "Amina", id="plain"),
        pytest.param("Zai\u202enab", "Zainab", id="right-to-left-override"),
        pytest.param("\u2066Ali\u2069", "Ali", id="isolates"),
        pytest.param("Ali\u200b\u200bReza", "AliReza", id="zero-width-spaces"),
        pytest.param("Jo\ufeffhn\u00ad", "John", id="bom-and-soft-hyphen"),
        pytest.param("محمد\u200cعلی", "محمد\u200cعلی", id="persian-non-joiner-kept"),
        pytest.param("\u200cAli", "Ali", id="non-joiner-not-between-letters"),
        pytest.param("/start", f"/{WJ}start", id="command"),
        pytest.param("@admin", f"@{WJ}admin", id="mention"),
        pytest.param("see evil.example.com", f"see evil.{WJ}example.{WJ}com", id="link"),
        pytest.param("#tag", f"#{WJ}tag", id="hashtag"),
        pytest.param("  Ama   dou  ", "Ama dou", id="spaces"),
        pytest.param("\u200b\u202e", "?", id="nothing-visible"),
        pytest.param("x" * 100, "x" * 64, id="too-long"),
    ],
)
def test_a_name_keeps_what_its_readers_see_and_nothing_else(typed: str, kept: str) -> None:
    assert display_name(typed) == kept


def test_two_names_that_look_the_same_are_the_same() -> None:
    assert display_name("Ami\u200bna") == display_name("Amina")
    assert display_name("A\u202dmina\u202c") == display_name("Amina")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("Pariou", "PARIOU", id="case"),
        pytest.param("Les Dômes", "Les Domes", id="accents"),
        pytest.param("Les Dômes", "les-domes", id="punctuation-and-spaces"),
        pytest.param("Ｓａｎｃｙ", "Sancy", id="full-width"),
        pytest.param("𝐕𝐨𝐥𝐯𝐢𝐜", "Volvic", id="mathematical-bold"),
        pytest.param("ﬁlles", "filles", id="ligature"),
        pytest.param("Ami\u200bna", "Amina", id="zero-width-space"),
        pytest.param("Sancy\u202e", "Sancy", id="bidi-override"),
        pytest.param("Gergovie\u3164", "Gergovie", id="hangul-filler"),
        pytest.param("Pаriou", "Pariou", id="cyrillic-a"),
        pytest.param("РUY", "PUY", id="cyrillic-capital-er"),
        pytest.param("ΤΟΚΙΟ", "TOKIO", id="greek-capitals"),
        pytest.param("νίκη", "ΝΙΚΗ", id="greek-in-any-case"),
        pytest.param("Volvic", "VoIvic", id="small-l-and-capital-i"),
        pytest.param("Team 1", "Team l", id="one-and-small-l"),
        pytest.param("Dôme 0", "Dôme O", id="zero-and-o"),
        pytest.param("Bernard", "Bemard", id="rn-and-m"),
        pytest.param("کوه", "كوه", id="persian-and-arabic-kaf"),
        pytest.param("علی", "علي", id="persian-and-arabic-yeh"),
    ],
)
def test_names_that_look_the_same_are_told_apart_by_nobody(first: str, second: str) -> None:
    assert looks_alike(first, second)
    assert looks_alike(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("Pariou", "Sancy", id="different"),
        pytest.param("Team 1", "Team 2", id="numbers"),
        pytest.param("Nike", "Vike", id="n-and-v"),
        pytest.param("Étoile 🌋", "Étoile ⭐", id="emoji"),
        pytest.param("Les Dômes", "Les Dames", id="one-letter"),
        pytest.param("النور", "النار", id="arabic"),
        pytest.param("কমল", "কামাল", id="bengali-vowel-signs-stay"),
    ],
)
def test_names_that_look_different_are_different(first: str, second: str) -> None:
    assert not looks_alike(first, second)
