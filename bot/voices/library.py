"""The voices of a rally found on disk, next to its rally file.

- `audio:` in the rally file names files per text and language (OGG/Opus, MP3 or WAV; the
  others are converted to OGG/Opus when they are first found, `bot.voices.encode.converted`);
- `voices/<rally id>/<language>/<key>.<digest>.ogg` next to the rally file are the synthetic
  drafts of `python -m bot voices --draft`; a draft whose digest is not the text's current one
  is out of date and not played.

Finding them may convert a file (a subprocess, once per file): call `on_disk` from the command
line or a worker thread (`asyncio.to_thread`), not from the bot's event loop.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.content import Rally
from bot.core.voices import (
    FINAL_KEY,
    Interface,
    VoiceKey,
    VoiceSource,
    digest,
    rally_keys,
    spoken_text,
)
from bot.voices.encode import EncodeError, Tools, converted
from bot.voices.ogg import NotOggOpusError, read_opus_file

log = logging.getLogger(__name__)

DRAFTS_DIR = "voices"
"""The folder of the synthetic drafts, next to the rally file."""
_DRAFT_FILE = re.compile(r"(?P<name>[a-z0-9_-]+)\.(?P<digest>[0-9a-f]{16})\.ogg")


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


@dataclass(frozen=True)
class DiskScan:
    """What is on disk for a rally: the voices that read the texts as written now, the drafts
    of older wordings (or of texts no longer in the rally), and the files that cannot be played."""

    voices: list[DiskVoice] = field(default_factory=list)
    outdated: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def spoken_texts(rally: Rally, interface: Interface | None) -> dict[tuple[VoiceKey, str], str]:
    """What each text of the rally says, per language it is written in.

    Without `interface` the final message's words are unknown, and `final` is left out.
    """
    texts: dict[tuple[VoiceKey, str], str] = {}
    for key in rally_keys(rally):
        if key == FINAL_KEY and interface is None:
            continue
        for language in rally.rally.languages:
            text = spoken_text(rally, key, language, interface or _no_words)
            if text is not None:
                texts[(key, language)] = text
    return texts


def _no_words(_language: str) -> None:
    return None


def draft_name(key: VoiceKey) -> str:
    """A key as a file name (`hint:cathedrale:0` -> `hint_cathedrale_0`)."""
    return key.slug.replace(":", "_")


def drafts_directory(home: Path, rally_id: str) -> Path:
    """Where a rally's drafts are: `voices/<rally id>/` next to its rally file."""
    return home / DRAFTS_DIR / rally_id


def draft_path(home: Path, rally_id: str, key: VoiceKey, language: str, text: str) -> Path:
    """The file of the draft of `text` (the key's text in `language`)."""
    name = f"{draft_name(key)}.{digest(text)}.ogg"
    return drafts_directory(home, rally_id) / language / name


def scan(
    rally: Rally,
    home: Path | None,
    *,
    interface: Interface | None = None,
    tools: Tools | None = None,
) -> DiskScan:
    """Every voice of the rally on disk, its outdated drafts, and the files it cannot play.

    `home`: the directory of the rally file (None: a rally not read from a file, nothing).
    `interface`: the bot's final words per language (without it, the final message's voices
    are neither found nor called outdated). A file of the `audio:` section that is not
    OGG/Opus is converted with `tools` (those on the PATH by default).
    """
    if home is None:
        return DiskScan()
    texts = spoken_texts(rally, interface)
    found = DiskScan()
    skip_final = interface is None
    _audio_files(rally, home, texts, tools or Tools.found(), skip_final=skip_final, into=found)
    _drafts(rally, home, texts, skip_final=skip_final, into=found)
    return found


def on_disk(
    rally: Rally,
    home: Path | None,
    *,
    interface: Interface | None = None,
    tools: Tools | None = None,
) -> list[DiskVoice]:
    """Every voice of the rally on disk that reads the text as it is now written.

    `home`: the directory of the rally file (None: a rally not read from a file, no voices).
    A file that cannot be played is left out, and said in the log (`scan` returns why).
    """
    found = scan(rally, home, interface=interface, tools=tools)
    for problem in found.problems:
        log.warning("voice not played: %s", problem)
    return found.voices


def _audio_files(
    rally: Rally,
    home: Path,
    texts: dict[tuple[VoiceKey, str], str],
    tools: Tools,
    *,
    skip_final: bool,
    into: DiskScan,
) -> None:
    """The rally file's `audio:` files: each taken as reading its text as written now."""
    keys = set(rally_keys(rally))
    for slug, files in rally.audio.items():
        key = VoiceKey.parse(slug)
        for language, relative in files.items():
            where = f"audio.{slug}.{language}"
            if key is None or key not in keys:
                into.problems.append(f"{where}: {slug} is not a text of rally {rally.id}")
                continue
            if key == FINAL_KEY and skip_final:
                continue
            text = texts.get((key, language))
            if text is None:
                into.problems.append(
                    f"{where}: {slug} is not written in {language}: nothing to read "
                    "(a voice never stands in for a missing translation)"
                )
                continue
            source = home / relative
            try:
                playable = converted(source, tools)
                seconds = read_opus_file(playable).duration_s
            except (EncodeError, NotOggOpusError) as exc:
                into.problems.append(f"{where}: {exc}")
                continue
            except OSError as exc:
                into.problems.append(f"{where}: {source}: {exc.strerror}")
                continue
            into.voices.append(
                DiskVoice(key, language, VoiceSource.FILE, playable, digest(text), seconds)
            )


def _drafts(
    rally: Rally,
    home: Path,
    texts: dict[tuple[VoiceKey, str], str],
    *,
    skip_final: bool,
    into: DiskScan,
) -> None:
    """The synthetic drafts: those of the current texts are voices, the others outdated."""
    keys = {draft_name(key): key for key in rally_keys(rally)}
    for language, path, name, text_digest in _draft_files(drafts_directory(home, rally.id)):
        key = keys.get(name)
        if key == FINAL_KEY and skip_final:
            continue
        text = texts.get((key, language)) if key is not None else None
        if key is None or text is None or digest(text) != text_digest:
            into.outdated.append(path)
            continue
        try:
            seconds = read_opus_file(path).duration_s
        except (NotOggOpusError, OSError) as exc:
            into.problems.append(f"{path}: {exc}")
            continue
        into.voices.append(
            DiskVoice(key, language, VoiceSource.SYNTHETIC, path, text_digest, seconds)
        )


def _draft_files(directory: Path) -> Iterator[tuple[str, Path, str, str]]:
    """(language, path, key's file name, digest) of each draft file under `directory`."""
    if not directory.is_dir():
        return
    for language_dir in sorted(directory.iterdir()):
        if not language_dir.is_dir():
            continue
        for path in sorted(language_dir.glob("*.ogg")):
            match = _DRAFT_FILE.fullmatch(path.name)
            if match is not None:
                yield language_dir.name, path, match["name"], match["digest"]
