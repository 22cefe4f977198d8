"""How many of the rally's texts have a voice, per language and per kind (`python -m bot voices`).

A text counts under the best voice it has (recorded, then file, then synthetic) or as missing;
only voices of the text as written now count. Drafts and recordings of an older wording are
counted apart, as outdated: they are not played.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.content import Rally
from bot.core.voices import Interface, VoiceKey, VoiceSource, digest
from bot.voices.drafts import synthesiser_voice
from bot.voices.encode import Tools
from bot.voices.library import scan, spoken_texts


@dataclass(frozen=True)
class Recording:
    """A voice recorded in Telegram, as the database keeps it (`VoiceRow`)."""

    key: str
    language: str
    text_digest: str


@dataclass(frozen=True)
class LanguageCoverage:
    """The voices of one language."""

    language: str
    texts: int
    """The rally's texts written in this language, each of which may have a voice."""
    recorded: int
    file: int
    synthetic: int
    missing: int
    outdated_drafts: int
    outdated_recordings: int
    synthesiser: str | None
    """The espeak-ng voice that can draft this language, if any."""

    @property
    def voiced(self) -> int:
        """Texts with a voice."""
        return self.recorded + self.file + self.synthetic

    def line(self) -> str:
        """One line for `i18n-check`."""
        kinds = ", ".join(
            f"{count} {kind}"
            for kind, count in (
                ("recorded", self.recorded),
                ("file", self.file),
                ("synthetic", self.synthetic),
            )
            if count
        )
        text = f"{self.language}: {self.voiced} of {self.texts} texts voiced"
        text += f" ({kinds})" if kinds else ""
        text += f", {self.missing} missing" if self.missing else ""
        outdated = self.outdated_drafts + self.outdated_recordings
        text += f", {outdated} outdated" if outdated else ""
        if self.missing and self.synthesiser is None:
            text += ": no synthesiser voice, record them with /record"
        return text


@dataclass(frozen=True)
class Coverage:
    """The voices of a rally."""

    rally_id: str
    languages: list[LanguageCoverage]
    missing: list[tuple[VoiceKey, str]] = field(default_factory=list)
    """Texts (key, language) with no voice, in the rally's order."""
    outdated: list[Path] = field(default_factory=list)
    """Draft files of an older wording, or of a text no longer in the rally."""
    problems: list[str] = field(default_factory=list)
    """Files of the `audio:` section (or drafts) that cannot be played, and why."""

    def language(self, code: str) -> LanguageCoverage:
        """The coverage of one language (KeyError if the rally has not got it)."""
        for language in self.languages:
            if language.language == code:
                return language
        raise KeyError(code)

    def as_json(self) -> dict[str, Any]:
        """The coverage as plain data for `--json`."""
        return {
            "rally": self.rally_id,
            "languages": [
                {
                    "language": c.language,
                    "texts": c.texts,
                    "recorded": c.recorded,
                    "file": c.file,
                    "synthetic": c.synthetic,
                    "missing": c.missing,
                    "outdated_drafts": c.outdated_drafts,
                    "outdated_recordings": c.outdated_recordings,
                    "synthesiser": c.synthesiser,
                }
                for c in self.languages
            ],
            "missing": [{"key": key.slug, "language": lang} for key, lang in self.missing],
            "outdated": [str(path) for path in self.outdated],
            "problems": list(self.problems),
        }


def coverage(
    rally: Rally,
    home: Path | None,
    *,
    interface: Interface | None,
    recordings: Iterable[Recording] = (),
    tools: Tools | None = None,
) -> Coverage:
    """Count the voices of every text of the rally in each of its languages.

    `home`: the rally file's directory (its `audio:` files and drafts); `recordings`: the
    voices recorded in Telegram, from the database. Finding the files may convert some
    (`bot.voices.library.scan`).
    """
    texts = spoken_texts(rally, interface)
    found = scan(rally, home, interface=interface, tools=tools)
    best: dict[tuple[VoiceKey, str], VoiceSource] = {}

    def offer(key: VoiceKey, language: str, source: VoiceSource) -> None:
        known = best.get((key, language))
        if known is None or source.rank < known.rank:
            best[(key, language)] = source

    stale_recordings: Counter[str] = Counter()
    for recording in recordings:
        key = VoiceKey.parse(recording.key)
        text = texts.get((key, recording.language)) if key is not None else None
        if key is None or text is None or digest(text) != recording.text_digest:
            stale_recordings[recording.language] += 1
            continue
        offer(key, recording.language, VoiceSource.RECORDED)
    for voice in found.voices:
        offer(voice.key, voice.language, voice.source)

    stale_drafts = Counter(path.parent.name for path in found.outdated)
    missing = [text for text in texts if text not in best]
    languages = []
    for language in rally.rally.languages:
        kinds = Counter(source for (_key, lang), source in best.items() if lang == language)
        languages.append(
            LanguageCoverage(
                language=language,
                texts=sum(1 for _key, lang in texts if lang == language),
                recorded=kinds[VoiceSource.RECORDED],
                file=kinds[VoiceSource.FILE],
                synthetic=kinds[VoiceSource.SYNTHETIC],
                missing=sum(1 for _key, lang in missing if lang == language),
                outdated_drafts=stale_drafts[language],
                outdated_recordings=stale_recordings[language],
                synthesiser=synthesiser_voice(language),
            )
        )
    return Coverage(rally.id, languages, missing, found.outdated, found.problems)
