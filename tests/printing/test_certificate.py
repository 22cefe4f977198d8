"""The certificate of participation, read back as its reader reads it: text, direction, pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_date

from bot.core.content import Rally
from bot.core.rally_file import load_rally
from bot.printing.certificate import (
    MAX_NAME_LENGTH,
    WORDINGS,
    FullNameError,
    certificate_pdf,
    printed_name,
    wording_language,
)
from bot.printing.pdf import language_direction
from tests.printing.reading import (
    dark_share,
    is_a4,
    missing_from,
    page_images,
    page_sizes,
    pdf_text,
    readable,
    squeezed,
    text_lines,
)

ROOT = Path(__file__).parents[2]
DAY = date(2026, 6, 20)
MM = 72 / 25.4
LEFT_HALF = (0.0, 0.0, 105 * MM, 297 * MM)
RIGHT_HALF = (105 * MM, 0.0, 105 * MM, 297 * MM)

NAMES = {
    "fr": "Élodie Ngoma-Diallo",
    "en": "Grace Mensah",
    "ar": "فاطمة الأطلس",
    "fa_AF": "محمد‌علی رحیمی",  # with a zero-width non-joiner, as Dari names are typed
    "ps": "ملالۍ یوسفزۍ",
    "ti": "ኣማኑኤል ተስፋይ",
    "uk": "Олена Коваль",
    "ru": "Дмитрий Иванов",
    "tr": "Ayşe Yılmaz",
    "bn": "আমিনা বেগম",
}
"""A player's name in each language's script, typed as they would."""


@pytest.fixture(scope="module")
def rally() -> Rally:
    return load_rally(ROOT / "data" / "stages.yaml")


@pytest.fixture(scope="module")
def visited(rally: Rally) -> list[str]:
    return [stage.id for stage in rally.stages]


def expected_column(rally: Rally, language: str, name: str, places: list[str]) -> list[str]:
    """What a reader of one column must find there: its words, the name, the rally, the day
    and every place visited."""
    words = WORDINGS[language]
    return [
        words.heading,
        words.awarded_to,
        name,
        rally.rally.title[language],
        format_date(DAY, format="long", locale=language),
        words.places,
        *(rally.stage(stage_id).name[language] for stage_id in places),
    ]


@pytest.mark.parametrize("language", list(NAMES))
def test_each_language_prints_beside_french(rally, visited, language):
    name = NAMES[language]
    pdf = certificate_pdf(rally, language, name, visited, DAY)
    french = pdf_text(pdf, crop=LEFT_HALF if language != "fr" else None)
    for expected in expected_column(rally, "fr", name, visited):
        assert missing_from(expected, french) == [], expected
    if language == "fr":  # French only: no second column
        assert readable(french).count(WORDINGS["fr"].heading) == 1
        assert WORDINGS["en"].heading not in readable(french)
        return
    theirs = pdf_text(pdf, crop=RIGHT_HALF)
    page = language_direction(language) == "rtl"
    for expected in expected_column(rally, language, name, visited):
        assert missing_from(expected, theirs, right_to_left_page=page) == [], expected
    assert WORDINGS["fr"].heading not in readable(theirs)


@pytest.mark.parametrize(
    ("language", "name"), [("ar", "فاطمة الأطلس"), ("bn", "আমিনা বেগম"), ("ps", "ملالۍ یوسفزۍ")]
)
def test_names_and_places_read_back_in_writing_order(rally, visited, language, name):
    """Arabic and Pashto come back in logical order (lam-alef included), Bengali with its
    conjuncts in the order they are written, not the order they are drawn."""
    text = readable(pdf_text(certificate_pdf(rally, language, name, visited, DAY), crop=RIGHT_HALF))
    assert name in text
    for stage_id in visited:
        stage_name = rally.stage(stage_id).name[language]
        assert missing_from(stage_name, text, right_to_left_page=language != "bn") == []
    if language == "bn":  # whole lines, exactly as written
        assert readable(rally.stage("office-tourisme").name["bn"]) in text
        assert readable(rally.stage("cpam").name["bn"]) in text


def _flush_share(edges: list[float], edge: float) -> float:
    """The share of lines that start (or end) at `edge`, list indents and all (18 pt)."""
    return sum(1 for x in edges if abs(x - edge) <= 18) / len(edges)


@pytest.mark.parametrize("language", ["ar", "fa_AF", "ps", "uk", "bn"])
def test_the_players_column_runs_in_its_direction(rally, visited, language):
    """A right-to-left column is flush right and ragged left; French, and a left-to-right
    column, are flush left and ragged right."""
    pdf = certificate_pdf(rally, language, NAMES[language], visited, DAY)
    # not the marks (ٔ) pdftotext takes for lines of their own, nor the signature
    lines = [line for line in text_lines(pdf) if len(line.text.strip()) > 1 and line.top < 600]
    columns = {
        "fr": [line for line in lines if line.right < 105 * MM],
        language: [line for line in lines if line.left > 105 * MM],
    }
    for lang, lines in columns.items():
        assert len(lines) >= 10
        lefts, rights = [line.left for line in lines], [line.right for line in lines]
        flush_left, flush_right = _flush_share(lefts, min(lefts)), _flush_share(rights, max(rights))
        # pdftotext may cut a Dari line in two at its ezafe hamza (هٔ): not quite all lines
        if language_direction(lang) == "rtl":
            assert flush_right >= 0.9 and flush_left < 0.5, lang
        else:
            assert flush_left >= 0.9 and flush_right < 0.5, lang


def test_one_a4_page_that_is_not_blank(rally, visited, tmp_path):
    pdf = certificate_pdf(rally, "ar", NAMES["ar"], visited, DAY)
    assert [is_a4(size) for size in page_sizes(pdf)] == [True]
    (png,) = page_images(pdf, tmp_path)
    assert png.stat().st_size > 5_000
    assert dark_share(png) > 0.01


def test_signed_by_the_rally_or_else_its_controller(rally, visited):
    text = squeezed(pdf_text(certificate_pdf(rally, "en", "Grace", visited, DAY)))
    assert rally.rally.signed_by is not None
    assert squeezed(rally.rally.signed_by) in text
    unsigned = rally.model_copy(
        update={"rally": rally.rally.model_copy(update={"signed_by": None})}
    )
    text = squeezed(pdf_text(certificate_pdf(unsigned, "en", "Grace", visited, DAY)))
    assert squeezed(rally.privacy.controller) in text
    assert squeezed(rally.rally.signed_by) not in text


def test_the_places_are_those_visited_in_their_order(rally):
    places = ["cpam", "tram-a"]
    text = readable(pdf_text(certificate_pdf(rally, "en", "Grace", places, DAY)))
    cpam, tram = rally.stage("cpam").name["en"], rally.stage("tram-a").name["en"]
    assert text.index(cpam) < text.index(tram)
    assert rally.stage("cathedrale").name["en"] not in text
    with pytest.raises(KeyError):
        certificate_pdf(rally, "en", "Grace", ["nowhere"], DAY)


FALLBACK_RALLY = """
rally:
  id: fallback
  title: {fr: Rallye de Riom, en: Riom rally, so: Rallye Riom}
  default_language: fr
  languages: [fr, en, ar, so]  # Somali: its title only (a language with no text is refused)
privacy: {controller: Ville de Riom, contact: rallye@riom.fr, legal_basis: public_task}
stages:
  - id: mairie
    kind: service
    name: {fr: Mairie de Riom, ar: بلدية ريوم}
    checkin_code: MAIRIE
    clue: {fr: Allez-y.}
  - id: halle
    kind: heritage
    name: {fr: Halle aux blés}
    checkin_code: HALLE
    clue: {fr: Allez-y.}
"""


def test_a_text_the_rally_lacks_prints_in_its_default_language(tmp_path):
    path = tmp_path / "fallback.yaml"
    path.write_text(FALLBACK_RALLY, encoding="utf-8")
    rally = load_rally(path)
    pdf = certificate_pdf(rally, "ar", "Ali", ["mairie", "halle"], DAY)
    arabic = pdf_text(pdf, crop=RIGHT_HALF)
    assert missing_from("بلدية ريوم", arabic, right_to_left_page=True) == []
    assert missing_from("Halle aux blés", arabic, right_to_left_page=True) == []
    assert missing_from("Rallye de Riom", arabic, right_to_left_page=True) == []
    assert missing_from(WORDINGS["ar"].heading, arabic) == []
    # Somali has no sentences here: the certificate is in French only, the rally's default
    assert wording_language(rally, "so") == "fr"
    somali = readable(pdf_text(certificate_pdf(rally, "so", "Ali", ["mairie"], DAY)))
    assert somali.count(WORDINGS["fr"].heading) == 1


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("  Amina   Diallo ", "Amina Diallo"),
        ("Ali\x00\x07 Khan\t", "Ali Khan"),
        ("\u202eSara\u202c Benali", "Sara Benali"),  # no right-to-left override
        ("محمد\u200cعلی", "محمد\u200cعلی"),  # the joiner of a Dari name stays
        ("x" * MAX_NAME_LENGTH, "x" * MAX_NAME_LENGTH),
    ],
)
def test_a_name_is_printed_as_typed_without_control_characters(typed, printed):
    assert printed_name(typed) == printed


@pytest.mark.parametrize("typed", ["", "   ", "\x00\x1b", "y" * (MAX_NAME_LENGTH + 1)])
def test_a_name_that_cannot_print_is_refused_without_being_repeated(rally, typed):
    with pytest.raises(ValueError, match="name") as refused:
        certificate_pdf(rally, "fr", typed, [], DAY)
    assert isinstance(refused.value, FullNameError)
    if typed.strip():
        assert typed not in str(refused.value)


def test_a_name_that_looks_like_html_prints_as_typed(rally):
    name = '<b>Ali</b> & "Sara" <img src="http://example.org/x.png">'
    pdf = certificate_pdf(rally, "en", name, [], DAY)
    for half in (LEFT_HALF, RIGHT_HALF):  # in French and in English, tags and all
        assert squeezed(name) in squeezed(pdf_text(pdf, crop=half))
