"""The voices of a rally found on disk, next to its rally file.

- `audio:` in the rally file names files per text and language (OGG/Opus, MP3 or WAV; the
  others are converted to OGG/Opus when they are first found);
- `voices/<rally id>/<language>/<key>.<digest>.ogg` next to the rally file are the synthetic
  drafts of `python -m bot voices --draft`; a draft whose digest is not the text's current one
  is out of date and not played.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.content import Rally
from bot.core.voices import VoiceKey, VoiceSource


@dataclass(frozen=True)
class DiskVoice:
    """A voice file of one text in one language."""

    key: VoiceKey
    language: str
    source: VoiceSource  # FILE or SYNTHETIC
    path: Path
    digest: str
    """`bot.core.voices.digest` of the text it reads."""
    duration_s: int


def on_disk(rally: Rally, home: Path | None) -> list[DiskVoice]:
    """Every voice of the rally on disk that reads the text as it is now written.

    `home`: the directory of the rally file (None: a rally not read from a file, no voices).
    """
    raise NotImplementedError  # written next
