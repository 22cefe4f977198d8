""" "My city guide", read back as its reader reads it: every place's card, in their language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.content import Rally
from bot.core.rally_file import load_rally
from bot.printing.guide import GUIDE_WORDINGS, guide_language, guide_pdf
from bot.printing.pdf import language_direction, missing_characters
from tests.printing.reading import (
    dark_share,
    is_a4,
    missing_from,
    page_images,
    page_sizes,
    pdf_text,
    readable,
    text_lines,
)

ROOT = Path(__file__).parents[2]
MM = 72 / 25.4
# the words table fills the text width (15 mm margins), the French word in its first 32 %
MEANINGS_LTR = ((15 + 0.32 * 180 + 1) * MM, 0.0, (0.68 * 180 - 1) * MM, 297 * MM)
MEANINGS_RTL = (15 * MM, 0.0, (0.68 * 180 - 1) * MM, 297 * MM)


@pytest.fixture(scope="module")
def rally() -> Rally:
    return load_rally(ROOT / "data" / "stages.yaml")


@pytest.fixture(scope="module")
def made(rally: Rally) -> tuple[dict[str, bytes], set[str]]:
    """The guide in every language of the rally, and the characters no font could draw."""
    with missing_characters() as missing:
        guides = {language: guide_pdf(rally, language) for language in rally.rally.languages}
    return guides, missing


@pytest.fixture(scope="module")
def guides(made: tuple[dict[str, bytes], set[str]]) -> dict[str, bytes]:
    return made[0]


def test_every_script_of_the_rally_prints_with_the_installed_fonts(made):
    """No character of the bundled rally's cards, in any of its languages, prints as a box:
    Noto has Arabic, Dari and Pashto letters, Ethiopic, Bengali, and the icons' emoji."""
    guides, missing = made
    assert len(guides) == 10
    assert missing == set()


@pytest.mark.parametrize(
    "language", ["fr", "en", "ar", "fa_AF", "ps", "ti", "uk", "ru", "tr", "bn"]
)
def test_every_card_reads_back_in_the_readers_language(rally, guides, language):
    pdf = guides[language]
    text = pdf_text(pdf)
    rtl = language_direction(language) == "rtl"
    words = GUIDE_WORDINGS[language]
    expected = [words.heading, rally.rally.title[language]]
    expected += [words.address, words.words]
    for stage in rally.stages:
        card = stage.card
        assert card is not None  # the bundled rally has a card for every stage
        expected += [stage.name[language], stage.name["fr"], card.address]
        expected += [text[language] for text in (card.hours, card.bring) if text]
        expected += [card.transit or "", card.phone or ""]
        expected += [word.fr for word in card.words]
    for item in filter(None, expected):
        assert missing_from(item, text, right_to_left_page=rtl) == [], item
    # the meanings, read in their own column of the words tables
    meanings = pdf_text(pdf, crop=MEANINGS_RTL if rtl else MEANINGS_LTR)
    for stage in rally.stages:
        assert stage.card is not None
        for word in stage.card.words:
            meaning = word.meaning[language]
            assert missing_from(meaning, meanings, right_to_left_page=rtl) == [], meaning


def test_bengali_reads_back_as_written(rally, guides):
    """Bengali draws vowel signs before their consonant and joins conjuncts: the text layer
    still gives each line back as written."""
    text = readable(pdf_text(guides["bn"]))
    assert readable(GUIDE_WORDINGS["bn"].heading) in text
    for stage in rally.stages:
        assert readable(stage.name["bn"]) in text
        assert stage.card is not None and stage.card.hours is not None
        assert readable(stage.card.hours["bn"]) in text


def test_arabic_reads_back_in_writing_order(guides):
    """Lam and alef, drawn as one glyph (لا), come back in the order they are written."""
    text = readable(pdf_text(guides["ar"]))
    for written in (
        "رالي الاندماج المدني",
        "مكتب الاستقبال",
        "كلمات فرنسية مفيدة",
        "دليلي في المدينة",
    ):
        assert written in text


@pytest.mark.parametrize("language", ["ar", "fa_AF", "ps", "bn", "fr"])
def test_right_to_left_guides_run_right_to_left(guides, language):
    """The text of a right-to-left guide is flush right, that of the others flush left."""
    lines = text_lines(guides[language])
    at_left = sum(1 for line in lines if abs(line.left - 15 * MM) <= 8)
    at_right = sum(1 for line in lines if abs(line.right - 195 * MM) <= 8)
    flush, ragged = (
        (at_right, at_left) if language_direction(language) == "rtl" else (at_left, at_right)
    )
    assert flush > 0.3 * len(lines)
    assert flush > 2 * ragged


def test_a4_pages_that_are_not_blank(guides, tmp_path):
    pdf = guides["bn"]
    sizes = page_sizes(pdf)
    assert len(sizes) >= 2
    assert all(is_a4(size) for size in sizes)
    pngs = page_images(pdf, tmp_path)
    assert len(pngs) == len(sizes)
    for png in pngs:
        assert png.stat().st_size > 3_000
        assert dark_share(png) > 0.005


def test_a_language_without_the_guides_words_uses_the_default_ones(rally):
    assert guide_language(rally, "so") == "fr"
    assert guide_language(rally, "bn") == "bn"
