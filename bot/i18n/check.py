"""`python -m bot i18n-check`: what each language of the rally still misses.

For every language of the rally: interface strings missing from its catalog, left empty or
fuzzy, or whose `{placeholders}` differ from the English; and rally texts (clues, cards,
questions, answers, hints, announcements...) not written in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.core.content import Rally
from bot.i18n.catalogs import DOMAIN, LOCALES_DIR, SOURCE_LANGUAGE

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass
class LanguageReport:
    """What one language misses."""

    language: str
    catalog_missing: bool = False
    missing: list[str] = field(default_factory=list)  # in the template, not in the catalog
    untranslated: list[str] = field(default_factory=list)  # empty or fuzzy
    broken: list[str] = field(default_factory=list)  # placeholders differ from the msgid
    rally_missing: list[str] = field(default_factory=list)  # rally texts without this language

    @property
    def complete(self) -> bool:
        """Whether nothing is missing."""
        return not (
            self.catalog_missing
            or self.missing
            or self.untranslated
            or self.broken
            or self.rally_missing
        )

    def lines(self) -> Iterator[str]:
        """The report as text lines."""
        if self.complete:
            yield f"{self.language}: complete"
            return
        yield f"{self.language}:"
        if self.catalog_missing:
            catalog = f"locales/{self.language}/LC_MESSAGES/messages.po"
            yield f"  interface: no catalog ({catalog})"
        for title, items in (
            ("interface strings missing", self.missing),
            ("interface strings untranslated or fuzzy", self.untranslated),
            ("interface strings with wrong placeholders", self.broken),
            ("rally texts missing", self.rally_missing),
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


def _rally_texts(rally: Rally) -> Iterator[tuple[str, Mapping[str, object]]]:
    """Every localized text of the rally, named by where it is."""
    yield "rally.title", rally.rally.title
    for key, text in rally.announcements.items():
        yield f"announcements.{key}", text
    for stage in rally.stages:
        where = f"stages.{stage.id}"
        yield f"{where}.name", stage.name
        yield f"{where}.clue", stage.clue
        for i, hint in enumerate(stage.hints):
            yield f"{where}.hints[{i}]", hint.text
        if stage.card:
            if stage.card.hours:
                yield f"{where}.card.hours", stage.card.hours
            if stage.card.bring:
                yield f"{where}.card.bring", stage.card.bring
            for word in stage.card.words:
                yield f"{where}.card.words.{word.fr}", word.meaning
        if stage.photo:
            yield f"{where}.photo.prompt", stage.photo.prompt
        for question in stage.questions:
            q = f"{where}.{question.id}"
            yield f"{q}.prompt", question.prompt
            yield f"{q}.explanation", question.explanation
            for i, choice in enumerate(getattr(question, "choices", ())):
                yield f"{q}.choices[{i}]", choice
            accepted = getattr(question, "accepted", None)
            if accepted is not None:
                yield f"{q}.accepted", accepted


def check(rally: Rally, directory: Path = LOCALES_DIR) -> list[LanguageReport]:
    """The report of every language of the rally."""
    template = _read(directory / f"{DOMAIN}.pot")
    reports = []
    texts = list(_rally_texts(rally))
    for language in rally.rally.languages:
        report = check_interface(language, template, directory)
        report.rally_missing = [where for where, text in texts if language not in text]
        reports.append(report)
    return reports
