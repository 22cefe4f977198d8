"""`python -m bot i18n-check`: what each language of the rally still misses.

For every language of the rally: interface strings missing from its catalog, left empty or
fuzzy, or whose `{placeholders}` differ from the English; and where its rally texts (clues,
cards, questions, answers, hints, announcements...) stand: missing, draft, reviewed or stale
(`bot.i18n.review`). A missing or stale rally text is a gap (a stale one was translated from
a French wording the rally no longer has); a draft is counted but is none: every bundled
translation is a machine draft until someone who reads the language reviews it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.core.content import Rally
from bot.core.texts import missing_texts, rally_texts
from bot.i18n.catalogs import DOMAIN, LOCALES_DIR, SOURCE_LANGUAGE
from bot.i18n.review import Reviews, ReviewState, tally

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass
class LanguageReport:
    """What one language misses."""

    language: str
    catalog_missing: bool = False
    missing: list[str] = field(default_factory=list)  # in the template, not in the catalog
    untranslated: list[str] = field(default_factory=list)  # empty or fuzzy
    broken: list[str] = field(default_factory=list)  # placeholders differ from the msgid
    rally_missing: list[str] = field(default_factory=list)  # keys of texts not in this language
    rally_stale: list[str] = field(default_factory=list)  # keys of texts whose French changed
    rally_states: Counter[ReviewState] | None = None
    """How many rally texts stand where in this language (None: the rally's default)."""

    @property
    def complete(self) -> bool:
        """Whether nothing is missing and no translation is stale (drafts are no gap)."""
        return not (
            self.catalog_missing
            or self.missing
            or self.untranslated
            or self.broken
            or self.rally_missing
            or self.rally_stale
        )

    def lines(self) -> Iterator[str]:
        """The report as text lines."""
        yield f"{self.language}: complete" if self.complete else f"{self.language}:"
        if self.rally_states is not None:
            counts = self.rally_states
            yield "  rally texts: " + ", ".join(
                f"{counts[state]} {state.value}" for state in ReviewState
            )
        if self.complete:
            return
        if self.catalog_missing:
            catalog = f"locales/{self.language}/LC_MESSAGES/messages.po"
            yield f"  interface: no catalog ({catalog})"
        for title, items in (
            ("interface strings missing", self.missing),
            ("interface strings untranslated or fuzzy", self.untranslated),
            ("interface strings with wrong placeholders", self.broken),
            ("rally texts missing", self.rally_missing),
            ("rally texts stale (the French changed since: review them)", self.rally_stale),
        ):
            if items:
                yield f"  {title}: {len(items)}"
                yield from (f"    {item}" for item in items[:20])
                if len(items) > 20:
                    yield f"    ... and {len(items) - 20} more"


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _msgid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _names(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _placeholders_match(message: Message) -> bool:
    ids = [message.id] if isinstance(message.id, str) else list(message.id)
    strings = _strings(message)
    expected = set().union(*(_names(i) for i in ids))
    for translated in strings:
        names = _names(translated)
        # a plural form may leave out {count} (Arabic "one point" needs no number)
        if names - expected or (expected - {"count"}) - names:
            return False
    return True


def _strings(message: Message) -> list[str]:
    if message.string is None:
        return []
    return [message.string] if isinstance(message.string, str) else list(message.string)


def _translated(message: Message) -> bool:
    strings = _strings(message)
    return bool(strings) and all(strings) and not message.fuzzy


def check_interface(language: str, template: Catalog, directory: Path) -> LanguageReport:
    """Compare one language's catalog with the template of interface strings."""
    report = LanguageReport(language)
    if language == SOURCE_LANGUAGE:
        return report
    po = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        report.catalog_missing = True
        return report
    catalog = _read(po)
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None:
            report.missing.append(_msgid(message))
        elif not _translated(found):
            report.untranslated.append(_msgid(message))
        elif not _placeholders_match(found):
            report.broken.append(_msgid(message))
    return report


def check(
    rally: Rally, directory: Path = LOCALES_DIR, reviews: Reviews | None = None
) -> list[LanguageReport]:
    """The report of every language of the rally; `reviews`: its translations' states (none
    given: no translation reviewed yet, every one a draft)."""
    template = _read(directory / f"{DOMAIN}.pot")
    known = reviews if reviews is not None else Reviews(Path(), {})
    texts = list(rally_texts(rally))
    missing = missing_texts(rally)
    states = tally(rally, known, texts)
    default = rally.default_language
    reports = []
    for language in rally.rally.languages:
        report = check_interface(language, template, directory)
        report.rally_missing = [text.key for text in missing[language]]
        if language != default:
            report.rally_states = states[language]
            report.rally_stale = [
                text.key
                for text in texts
                if known.state(text, language, default) is ReviewState.STALE
            ]
        reports.append(report)
    return reports
