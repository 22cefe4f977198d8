"""Where each translation of a rally stands: a draft (a machine's, or a first try), reviewed by
someone who reads the language, or stale (the French changed since it was made).

The states live next to the rally file, in `<name>.translations.yaml`, written by the tools that
bring translations in (`python -m bot translations import`, `python -m bot sheet import`): one
line per translation, its state and the digest of the French text it was made from. A
translation with no line was never reviewed: it counts as a draft. The file is plain YAML, kept
apart so that the rally file stays readable.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.content import Rally
from bot.core.texts import RallyText, fingerprint, rally_texts

SUFFIX = ".translations.yaml"

HEADER = """\
# The state of each translation of {name}: `draft` (machine-drafted or not yet checked) or
# `reviewed` (checked by someone who reads the language), with the digest of the French text it
# was made from: when the French changes, the translation is stale until reviewed again.
# Written by `python -m bot translations import` and `python -m bot sheet import`;
# `python -m bot i18n-check` counts them. Etat de chaque traduction : brouillon ou relue.
"""


class ReviewState(enum.StrEnum):
    """Where one translation stands."""

    MISSING = "missing"
    DRAFT = "draft"
    REVIEWED = "reviewed"
    STALE = "stale"
    """Made from another wording of the French: to review again."""


class Recorded(enum.StrEnum):
    """What the states file may say of a translation (stale is computed, never written)."""

    DRAFT = "draft"
    REVIEWED = "reviewed"


@dataclass(frozen=True)
class Record:
    """One line of the states file."""

    state: Recorded
    source: str
    """The fingerprint of the French text the translation was made from."""


class ReviewFileError(Exception):
    """A states file that cannot be read."""


def review_path(rally_file: str | Path) -> Path:
    """The states file of a rally file: `data/stages.yaml` → `data/stages.translations.yaml`."""
    file = Path(rally_file)
    return file.with_name(file.stem + SUFFIX)


class Reviews:
    """The translation states of one rally file."""

    def __init__(self, path: Path, records: dict[str, dict[str, Record]]) -> None:
        self.path = path
        self.records = records

    @classmethod
    def of(cls, rally_file: str | Path) -> Reviews:
        """The states of a rally file's translations (none yet: an empty set)."""
        path = review_path(rally_file)
        if not path.is_file():
            return cls(path, {})
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ReviewFileError(f"{path}: cannot read it ({exc})") from exc
        if not isinstance(data, dict):
            raise ReviewFileError(f"{path}: not a mapping of languages")
        records: dict[str, dict[str, Record]] = {}
        for language, entries in data.items():
            if not isinstance(entries, dict):
                raise ReviewFileError(f"{path}: {language}: not a mapping of texts")
            for key, line in entries.items():
                parts = str(line).split()
                if len(parts) != 2 or parts[0] not in set(Recorded):
                    raise ReviewFileError(
                        f"{path}: {language}.{key}: '{line}' (expected 'draft DIGEST' or "
                        "'reviewed DIGEST')"
                    )
                records.setdefault(str(language), {})[str(key)] = Record(
                    Recorded(parts[0]), parts[1]
                )
        return cls(path, records)

    def state(self, text: RallyText, language: str, default_language: str) -> ReviewState:
        """Where `language`'s translation of `text` stands (the default language: reviewed)."""
        if language not in text.values:
            return ReviewState.MISSING
        if language == default_language:
            return ReviewState.REVIEWED
        record = self.records.get(language, {}).get(text.key)
        if record is None:
            return ReviewState.DRAFT
        if record.source != fingerprint(text.source(default_language)):
            return ReviewState.STALE
        return ReviewState(record.state.value)

    def mark(self, text: RallyText, language: str, state: Recorded, source: str) -> bool:
        """Record `language`'s translation of `text` as `state`, made from the French `source`;
        True if this changed the record."""
        record = Record(state, fingerprint(source))
        entries = self.records.setdefault(language, {})
        if entries.get(text.key) == record:
            return False
        entries[text.key] = record
        return True

    def forget(self, key: str, language: str) -> bool:
        """Drop the record of a translation that is no longer there; True if there was one."""
        return self.records.get(language, {}).pop(key, None) is not None

    def dump(self, rally: Rally) -> str:
        """The states file's text: languages in the rally's order, texts in the file's."""
        order = [text.key for text in rally_texts(rally)]
        rank = {key: index for index, key in enumerate(order)}
        lines = [HEADER.format(name=self.path.name.removesuffix(SUFFIX) + ".yaml").rstrip()]
        languages = [lang for lang in rally.rally.languages if self.records.get(lang)]
        languages += sorted(set(self.records) - set(languages))
        for language in languages:
            entries = self.records[language]
            if not entries:
                continue
            lines.append(f"{language}:")
            for key in sorted(entries, key=lambda k: (rank.get(k, len(rank)), k)):
                record = entries[key]
                lines.append(f"  {key}: {record.state.value} {record.source}")
        return "\n".join(lines) + "\n"

    def write(self, rally: Rally) -> bool:
        """Write the states file if its text changed; True if written."""
        text = self.dump(rally)
        if self.path.is_file() and self.path.read_text(encoding="utf-8") == text:
            return False
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.path)
        return True


def tally(
    rally: Rally, reviews: Reviews, texts: Iterable[RallyText] | None = None
) -> dict[str, Counter[ReviewState]]:
    """For each language of the rally (but the default), how many texts stand where."""
    chosen = list(rally_texts(rally) if texts is None else texts)
    default = rally.default_language
    return {
        language: Counter(reviews.state(text, language, default) for text in chosen)
        for language in rally.rally.languages
        if language != default
    }
