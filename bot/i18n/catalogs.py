"""Languages: choosing a player's language, and speaking it (gettext catalogs, Babel formats).

Interface strings are English msgids in the code, translated through the compiled catalogs in
`locales/LANG/LC_MESSAGES/messages.mo` (`make i18n` extracts, updates and compiles them). Rally
texts come from the rally file, in any of its languages, falling back to its default language.
Replies use Telegram's HTML parse mode, so every interpolated value is escaped here; in
right-to-left languages it is also wrapped in Unicode directional isolates, so French names,
numbers and codes read correctly inside Arabic, Dari or Pashto sentences.
"""

from __future__ import annotations

import gettext
import html
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_time
from babel.numbers import format_decimal
from babel.support import Translations

LOCALES_DIR = Path(
    os.environ.get("RALLY_LOCALES_DIR") or Path(__file__).resolve().parents[2] / "locales"
)
"""The catalogs: `locales/` beside the package in a checkout, or RALLY_LOCALES_DIR (Docker)."""
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
"""The language of the msgids in the code."""

FSI, PDI = "\u2068", "\u2069"  # first strong isolate, pop directional isolate


class MissingCatalogError(RuntimeError):
    """A language of the rally has no compiled catalog: run `make i18n` (or `make run`)."""


def _parse(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


def writes_right_to_left(tag: str) -> bool:
    """Whether a language is written right to left (ar, fa_AF, ps); an unknown tag: no."""
    locale = _parse(tag)
    return locale is not None and locale.character_order == "right-to-left"


def negotiate_language(language_code: str | None, available: Sequence[str], default: str) -> str:
    """The best of `available` for a Telegram `language_code` (e.g. "pt-br", "fa"), else `default`.

    An exact match wins, then the same language with another region (Telegram's "fa" finds the
    rally's Dari "fa_AF"), else the rally's default.
    """
    if not language_code:
        return default
    wanted = _parse(language_code.strip())
    if wanted is None:
        return default
    candidates = [(tag, _parse(tag)) for tag in available]
    for tag, locale in candidates:
        if locale is not None and str(locale) == str(wanted):
            return tag
    for tag, locale in candidates:
        if locale is not None and locale.language == wanted.language:
            return tag
    return default


def language_name(tag: str) -> str:
    """A language's name in itself, e.g. "العربية" for ar, "دری" for fa_AF."""
    if tag == "fa_AF":
        return "دری"  # CLDR names fa_AF "فارسی (افغانستان)"; Afghans call it Dari
    locale = _parse(tag)
    name = locale.get_display_name(locale) if locale else None
    return (name or tag)[:1].upper() + (name or tag)[1:]


class Escaped(str):
    """Text that is already HTML (a rendered fragment), not to be escaped again."""

    __slots__ = ()


@dataclass(frozen=True)
class Translator:
    """One language's voice for one update: gettext, formats, and safe interpolation."""

    language: str
    translations: gettext.NullTranslations
    default_language: str
    timezone: ZoneInfo

    @property
    def locale(self) -> Locale:
        """The Babel locale of this language."""
        return _parse(self.language) or Locale("en")

    @property
    def rtl(self) -> bool:
        """Whether this language is written right to left."""
        return writes_right_to_left(self.language)

    def value(self, value: object) -> str:
        """An interpolated value: escaped for HTML, isolated inside right-to-left text."""
        if isinstance(value, Escaped):
            text = str(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            text = self.number(value)
        else:
            text = html.escape(str(value), quote=False)
        return f"{FSI}{text}{PDI}" if self.rtl and text else text

    def _(self, message: str, /, **values: object) -> Escaped:
        """The message in this language, with `{named}` values interpolated safely."""
        translated = self.translations.gettext(message)
        return Escaped(translated.format(**{k: self.value(v) for k, v in values.items()}))

    def n_(self, singular: str, plural: str, count: int, /, **values: object) -> Escaped:
        """A message with plural forms chosen by `count` (also available as `{count}`)."""
        translated = self.translations.ngettext(singular, plural, count)
        values.setdefault("count", count)
        return Escaped(translated.format(**{k: self.value(v) for k, v in values.items()}))

    def text(self, localized: Mapping[str, str]) -> Escaped:
        """A rally text in this language, else in the rally's default, marked as a fallback."""
        if self.language in localized:
            return Escaped(html.escape(localized[self.language], quote=False))
        fallback = html.escape(localized[self.default_language], quote=False)
        marker = self._("(in {language})", language=self.name_of(self.default_language))
        return Escaped(f"{fallback} <i>{marker}</i>")

    def name_of(self, tag: str) -> str:
        """A language's name in this reader's language, as a label says which language a
        text is in: "(باللغة الفرنسية)", not "(in Français)" (`language_name` names it in
        itself, for a reader choosing it)."""
        locale = _parse(tag)
        name = locale.get_display_name(self.locale) if locale else None
        return name or language_name(tag)

    def plain(self, localized: Mapping[str, str]) -> str:
        """A rally text in this language or the default, unescaped (for buttons)."""
        return localized.get(self.language) or localized[self.default_language]

    def number(self, value: float) -> str:
        """A number in this locale's format (digits and separators)."""
        return format_decimal(value, locale=self.locale)

    def clock(self, moment: datetime) -> str:
        """A time of day at the rally, in this locale's format."""
        return format_time(moment.astimezone(self.timezone), format="short", locale=self.locale)


class Catalogs:
    """The compiled catalogs of every language of the rally, loaded once at start."""

    def __init__(
        self,
        languages: Sequence[str],
        default_language: str,
        timezone: str,
        directory: Path = LOCALES_DIR,
    ) -> None:
        self.default_language = default_language
        self.timezone = ZoneInfo(timezone)
        self._translations: dict[str, gettext.NullTranslations] = {}
        missing = []
        for language in languages:
            if language == SOURCE_LANGUAGE:
                self._translations[language] = gettext.NullTranslations()
                continue
            mo = directory / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if not mo.is_file():
                missing.append(str(mo))
                continue
            self._translations[language] = Translations.load(str(directory), [language], DOMAIN)
        if missing:
            raise MissingCatalogError(
                "compiled catalog missing: " + ", ".join(missing) + " (run `make i18n`)"
            )

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages with a catalog."""
        return tuple(self._translations)

    def translator(self, language: str) -> Translator:
        """The translator for a language (the default language's if it has no catalog)."""
        tag = language if language in self._translations else self.default_language
        return Translator(tag, self._translations[tag], self.default_language, self.timezone)
