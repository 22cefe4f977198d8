"""Language plumbing: choosing a player's language among the rally's."""

from __future__ import annotations

from collections.abc import Sequence

from babel import Locale, UnknownLocaleError


def _parse(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


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
