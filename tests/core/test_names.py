"""Players' names as kept and shown: the first name, with nothing that misleads its readers."""

from __future__ import annotations

import pytest

from bot.core.names import WORD_JOINER, display_name

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
