"""Every participant reads the rally in their own language: catalogs, rally texts, directions."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.core.rally_file import load_rally
from bot.i18n.catalogs import (
    FSI,
    PDI,
    Catalogs,
    MissingCatalogError,
    language_name,
    negotiate_language,
)
from bot.i18n.check import check

ROOT = Path(__file__).parents[1]
RALLY = load_rally(ROOT / "data" / "stages.yaml")
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
    [report] = [r for r in check(RALLY, LOCALES) if r.language == language]
    assert list(report.lines()) == [f"{language}: complete"]


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


def test_a_missing_translation_falls_back_to_french_and_says_so() -> None:
    tr = Catalogs(SHIPPED, "fr", "Europe/Paris").translator("uk")
    shown = tr.text({"fr": "Bonjour", "en": "Hello"})
    assert shown.startswith("Bonjour <i>")
    assert "Français" in shown


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
