"""Every participant reads the rally in their own language: catalogs, rally texts, directions."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.core.rally_file import load_rally
from bot.core.texts import rally_texts, texts_by_key
from bot.i18n.catalogs import (
    FSI,
    PDI,
    Catalogs,
    MissingCatalogError,
    language_name,
    negotiate_language,
)
from bot.i18n.check import check
from bot.i18n.review import Recorded, Reviews

ROOT = Path(__file__).parents[1]
RALLY_FILE = ROOT / "data" / "stages.yaml"
RALLY = load_rally(RALLY_FILE)
MINI = load_rally(ROOT / "tests" / "rally_files" / "mini.yaml")
LOCALES = ROOT / "locales"
SHIPPED = ("fr", "en", "ar", "fa_AF", "ps", "ti", "uk", "ru", "tr", "bn")
RTL = ("ar", "fa_AF", "ps")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def template() -> list[tuple[str | tuple[str, ...] | list[str], set[str]]]:
    with (LOCALES / "messages.pot").open("rb") as handle:
        pot = read_po(handle)
    return [
        (m.id, set(PLACEHOLDER.findall(m.id if isinstance(m.id, str) else " ".join(m.id))))
        for m in pot
        if m.id
    ]


def test_the_default_rally_offers_every_language() -> None:
    assert set(RALLY.rally.languages) == set(SHIPPED)


@pytest.mark.parametrize("language", SHIPPED)
def test_every_shipped_language_is_complete(language: str) -> None:
    reviews = Reviews.of(RALLY_FILE)
    [report] = [r for r in check(RALLY, LOCALES, reviews) if r.language == language]
    lines = list(report.lines())
    if language == RALLY.default_language:
        assert lines == [f"{language}: complete"]
        return
    # every interface string, every rally text, none stale (drafts are counted, no gap)
    counted = re.fullmatch(
        r"  rally texts: 0 missing, (\d+) draft, (\d+) reviewed, 0 stale", lines[1]
    )
    assert lines == [f"{language}: complete", lines[1]]
    assert counted is not None
    assert sum(map(int, counted.groups())) == len(list(rally_texts(RALLY)))


def test_a_rally_text_missing_in_a_language_is_named_by_its_key() -> None:
    reports = {report.language: report for report in check(MINI, LOCALES)}

    assert not reports["en"].complete
    assert list(reports["en"].lines()) == [
        "en:",
        "  rally texts: 1 missing, 21 draft, 0 reviewed, 0 stale",
        "  rally texts missing: 1",
        "    question.q-sculptor.accepted",
    ]
    assert list(reports["ar"].lines())[:5] == [
        "ar:",
        "  rally texts: 20 missing, 2 draft, 0 reviewed, 0 stale",
        "  rally texts missing: 20",
        "    rally.title",
        "    stage.cathedral.clue",
    ]
    assert list(reports["fr"].lines()) == ["fr: complete"]


def test_a_stale_translation_needs_a_review_and_a_draft_does_not(tmp_path: Path) -> None:
    texts = texts_by_key(MINI)
    reviews = Reviews.of(tmp_path / "mini.yaml")
    # en's clue reviewed against an older French; its name reviewed, its title a draft
    reviews.mark(texts["stage.cathedral.clue"], "en", Recorded.REVIEWED, "La vieille église.")
    reviews.mark(texts["stage.cathedral.name"], "en", Recorded.REVIEWED, "Cathédrale")
    reviews.mark(texts["rally.title"], "en", Recorded.DRAFT, "Mini rallye")

    [_, en, _] = check(MINI, LOCALES, reviews)

    assert list(en.lines()) == [
        "en:",
        "  rally texts: 1 missing, 19 draft, 1 reviewed, 1 stale",
        "  rally texts missing: 1",
        "    question.q-sculptor.accepted",
        "  rally texts stale (the French changed since: review them): 1",
        "    stage.cathedral.clue",
    ]
    reviews.mark(texts["stage.cathedral.clue"], "en", Recorded.DRAFT, "L'église noire.")
    [_, en, _] = check(MINI, LOCALES, reviews)
    assert en.rally_stale == []
    assert list(en.lines())[1] == "  rally texts: 1 missing, 20 draft, 1 reviewed, 0 stale"


@pytest.mark.parametrize("language", RTL)
def test_every_interpolated_value_is_isolated_in_right_to_left_languages(language: str) -> None:
    tr = Catalogs(RALLY.rally.languages, RALLY.default_language, "Europe/Paris").translator(
        language
    )
    assert tr.rtl
    for msgid, names in template():
        if not names:
            continue
        values = {name: f"Place-{name}" for name in names}
        if isinstance(msgid, str):
            text = tr._(msgid, **values)
        else:
            values.pop("count", None)
            text = tr.n_(msgid[0], msgid[1], 3, **values)
        for name, value in values.items():
            if f"{{{name}}}" in (msgid if isinstance(msgid, str) else msgid[1]):
                assert f"{FSI}{value}{PDI}" in text, (language, msgid, text)


def test_left_to_right_languages_get_no_isolates() -> None:
    tr = Catalogs(RALLY.rally.languages, RALLY.default_language, "Europe/Paris").translator("uk")
    assert FSI not in tr._("Stage {number} of {total}: {name}", number=2, total=8, name="CPAM")


def test_a_missing_compiled_catalog_fails_loudly(tmp_path: Path) -> None:
    shutil.copytree(LOCALES, tmp_path / "locales")
    (tmp_path / "locales" / "ps" / "LC_MESSAGES" / "messages.mo").unlink()
    with pytest.raises(MissingCatalogError, match=r"ps/LC_MESSAGES/messages\.mo"):
        Catalogs(SHIPPED, "fr", "Europe/Paris", tmp_path / "locales")


@pytest.mark.parametrize(
    ("reader", "label"),
    [
        ("uk", "(мова: французька)"),
        ("en", "(in French)"),
        ("ar", "(باللغة \u2068الفرنسية\u2069)"),
        ("fa_AF", "(به زبان \u2068فرانسوی\u2069)"),
        ("ps", "(په \u2068فرانسوي\u2069 ژبه)"),
        ("tr", "(Fransızca)"),
    ],
)
def test_a_missing_translation_falls_back_to_french_and_says_so(reader: str, label: str) -> None:
    # French named in the reader's language, not in French: "(in Français)" read as English
    tr = Catalogs(SHIPPED, "fr", "Europe/Paris").translator(reader)
    shown = tr.text({"fr": "Bonjour", "en": "Hello"} if reader != "en" else {"fr": "Bonjour"})
    assert shown == f"Bonjour <i>{label}</i>"


@pytest.mark.parametrize(
    ("telegram", "expected"),
    [
        ("fa", "fa_AF"),
        ("fa-IR", "fa_AF"),
        ("prs", "fr"),
        ("ps", "ps"),
        ("ti", "ti"),
        ("uk", "uk"),
        ("ru-RU", "ru"),
        ("tr", "tr"),
        ("bn", "bn"),
        ("en-US", "en"),
        ("de", "fr"),
        (None, "fr"),
    ],
)
def test_a_players_telegram_language_finds_the_rallys(telegram: str | None, expected: str) -> None:
    assert negotiate_language(telegram, SHIPPED, "fr") == expected


def test_each_language_is_named_in_itself() -> None:
    names = [language_name(tag) for tag in SHIPPED]
    assert names == [
        "Français",
        "English",
        "العربية",
        "دری",
        "پښتو",
        "ትግርኛ",
        "Українська",
        "Русский",
        "Türkçe",
        "বাংলা",
    ]


def test_numbers_and_times_follow_the_players_locale() -> None:
    catalogs = Catalogs(SHIPPED, "fr", "Europe/Paris")
    assert catalogs.translator("fr").number(1465.5) == "1\u202f465,5"
    assert catalogs.translator("en").number(1465.5) == "1,465.5"
    noon_utc = datetime(2026, 10, 18, 12, 0, tzinfo=UTC)  # 14:00 in Clermont-Ferrand
    assert catalogs.translator("fr").clock(noon_utc) == "14:00"
    assert catalogs.translator("en").clock(noon_utc) == "2:00\u202fPM"
