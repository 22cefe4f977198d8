"""Synthetic drafts: a text read by the speech synthesiser, until a volunteer records it.

Debian's espeak-ng reads the text to WAV, `bot.voices.encode` makes it OGG/Opus (opusenc, or
ffmpeg with libopus), and the draft is written where `bot.voices.library` finds it:
`voices/<rally id>/<language>/<key>.<digest>.ogg` next to the rally file. Made ahead of the day
by `python -m bot voices --draft` (external programs, blocking), never by the running bot.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.content import Rally
from bot.core.voices import VoiceKey, digest
from bot.voices.encode import BITRATE_KBPS, EncodeError, Tools, run, to_opus
from bot.voices.library import draft_name, draft_path
from bot.voices.ogg import read_opus_file

SYNTHESISER_VOICES: Mapping[str, str] = {
    "fr": "fr-fr",
    "en": "en-gb",
    "ar": "ar",
    "bn": "bn",
    "fa": "fa",
    "fa_AF": "fa",  # Dari is written as Persian; espeak-ng's Persian reads it
    "ru": "ru",
    "tr": "tr",
    "uk": "uk",
    "ht": "ht",
    "ku": "ku",
    "sw": "sw",
    "am": "am",
}
"""The espeak-ng voice of each language of a rally. None for Pashto (ps) or Tigrinya (ti), nor
for Pular or Soninke: their voices are recorded by volunteers (`/record`)."""

SPEED_WPM = 150
"""Words a minute: slower than espeak-ng's 175, for players still learning to listen."""
_CLAUSE_LINES = 10_000
"""espeak-ng's `-l`: a line shorter than this ends a clause, so a question's numbered choices
(one a line) are read apart, not run into each other."""


class DraftError(Exception):
    """A draft that could not be made; the message says why."""


class NoSynthesiserVoiceError(DraftError):
    """A language espeak-ng has no voice for: record it instead."""


def synthesiser_voice(language: str) -> str | None:
    """The espeak-ng voice of a rally language, or None if it has none."""
    return SYNTHESISER_VOICES.get(language)


def make_draft(
    text: str,
    language: str,
    target: Path,
    tools: Tools | None = None,
    *,
    bitrate_kbps: int = BITRATE_KBPS,
) -> Path:
    """Read `text` in `language` with espeak-ng and write it to `target` as OGG/Opus (mono
    speech at `bitrate_kbps`). The same text gives the same bytes."""
    voice = synthesiser_voice(language)
    if voice is None:
        raise NoSynthesiserVoiceError(
            f"espeak-ng has no voice for {language}: record it with /record"
        )
    tools = tools or Tools.found()
    if tools.espeak is None:
        raise DraftError("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory(prefix="rallye-draft-") as scratch:
        wav = Path(scratch) / "draft.wav"
        command = [tools.espeak, "-v", voice, "-s", str(SPEED_WPM), "-l", str(_CLAUSE_LINES)]
        command += ["-b", "1", "-w", str(wav), "--stdin"]  # -b 1: the text is UTF-8
        try:
            run(command, f"espeak-ng ({voice})", stdin=text.encode())
            serial = int(digest(text)[:8], 16)
            to_opus(wav, target, tools, serial=serial, bitrate_kbps=bitrate_kbps)
        except EncodeError as exc:
            raise DraftError(str(exc)) from exc
    return target


@dataclass(frozen=True)
class Drafted:
    """A draft just made."""

    key: VoiceKey
    language: str
    path: Path
    size_bytes: int
    duration_s: int
    seconds_taken: float


@dataclass
class DraftRun:
    """What `make_drafts` did."""

    made: list[Drafted] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)
    """Drafts of an older wording of a text drafted anew, removed."""
    no_voice: list[str] = field(default_factory=list)
    """Languages with texts to draft that espeak-ng has no voice for."""
    failed: list[str] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        """The size of the drafts made."""
        return sum(draft.size_bytes for draft in self.made)


def make_drafts(
    rally: Rally,
    home: Path,
    wanted: Iterable[tuple[VoiceKey, str]],
    texts: Mapping[tuple[VoiceKey, str], str],
    tools: Tools | None = None,
) -> DraftRun:
    """Draft each of `wanted` (key and language) whose text is in `texts`, in the languages
    espeak-ng has; an older draft of the same text is replaced."""
    tools = tools or Tools.found()
    done = DraftRun()
    for key, language in wanted:
        text = texts.get((key, language))
        if text is None:
            continue
        if synthesiser_voice(language) is None:
            if language not in done.no_voice:
                done.no_voice.append(language)
            continue
        target = draft_path(home, rally.id, key, language, text)
        started = time.perf_counter()
        try:
            make_draft(text, language, target, tools)
        except DraftError as exc:
            done.failed.append(f"{key.slug} ({language}): {exc}")
            continue
        taken = time.perf_counter() - started
        seconds = read_opus_file(target).duration_s
        done.made.append(
            Drafted(key, language, target, target.stat().st_size, seconds, round(taken, 3))
        )
        same_text = re.compile(rf"{re.escape(draft_name(key))}\.[0-9a-f]{{16}}\.ogg")
        for older in sorted(target.parent.glob("*.ogg")):
            if older != target and same_text.fullmatch(older.name):
                older.unlink()
                done.replaced.append(older)
    return done
