"""Encoding sound to OGG/Opus, the only format Telegram plays as a voice message.

Debian's `opus-tools` (`opusenc`) encodes WAV (what espeak-ng writes, and what a volunteer's
recorder often saves); `ffmpeg` (with libopus) encodes anything, MP3 included, and stands in
for opusenc when it is missing. Without the one a file needs, it is refused, saying what to
install: the bot never plays a file Telegram would show as a document.

These run external programs with `subprocess`, blocking: call them from the command line
(`python -m bot voices`) or a worker thread, never from the bot's event loop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.voices.ogg import NotOggOpusError, is_ogg_opus_file, read_opus_file

BITRATE_KBPS = 12
"""Speech at 12 kbit/s, which Opus codes as wideband (the 8 kHz band that holds all of a voice's
formants): a 400-character clue (25 to 40 s) is 35 to 65 KB, well under the 100 KB a voice
message may weigh (issue 13); at 16 kbit/s the Arabic one was 97 KB (`bench/RESULTS.md`, 10)."""
TIMEOUT_S = 120
"""The most one encoding may take (a few seconds for a long text)."""


class EncodeError(Exception):
    """A sound that could not be made into OGG/Opus; the message says why and what to do."""


@dataclass(frozen=True)
class Tools:
    """The programs found on this machine (None: not installed)."""

    espeak: str | None = None
    opusenc: str | None = None
    ffmpeg: str | None = None

    @classmethod
    def found(cls) -> Tools:
        """The programs on the PATH."""
        return cls(shutil.which("espeak-ng"), shutil.which("opusenc"), shutil.which("ffmpeg"))


def run(command: list[str], what: str, *, stdin: bytes | None = None) -> None:
    """Run a program to completion; `EncodeError` with its last error line if it fails."""
    try:
        subprocess.run(  # noqa: S603 - a fixed program, arguments as a list, no shell
            command, input=stdin, capture_output=True, check=True, timeout=TIMEOUT_S
        )
    except subprocess.CalledProcessError as exc:
        lines = exc.stderr.decode(errors="replace").strip().splitlines()
        detail = lines[-1] if lines else f"exit status {exc.returncode}"
        raise EncodeError(f"{what} failed: {detail}") from exc
    except subprocess.TimeoutExpired as exc:
        raise EncodeError(f"{what} took more than {TIMEOUT_S} s") from exc
    except OSError as exc:
        raise EncodeError(f"{what} could not start: {exc.strerror}") from exc


def _is_wav(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError:
        return False
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def to_opus(
    source: Path,
    target: Path,
    tools: Tools,
    *,
    serial: int | None = None,
    bitrate_kbps: int = BITRATE_KBPS,
) -> None:
    """Encode `source` (WAV, MP3, or anything ffmpeg reads) into OGG/Opus at `target`: mono
    speech at `bitrate_kbps`. The target appears whole or not at all.

    `serial`: the Ogg stream's serial number, to make the same bytes from the same sound
    (random otherwise).
    """
    wav = _is_wav(source)
    with _replacing(target) as partial:
        if wav and tools.opusenc:
            command = [tools.opusenc, "--quiet", "--speech", "--downmix-mono"]
            command += ["--bitrate", str(bitrate_kbps)]
            if serial is not None:
                command += ["--serial", str(serial)]
            run([*command, str(source), str(partial)], f"opusenc {source.name}")
        elif tools.ffmpeg:
            run(
                [
                    tools.ffmpeg,
                    *("-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source)),
                    *("-vn", "-ac", "1", "-c:a", "libopus", "-b:a", f"{bitrate_kbps}k"),
                    *("-application", "voip", "-f", "ogg", str(partial)),
                ],
                f"ffmpeg {source.name}",
            )
        else:
            kind = "WAV" if wav else source.suffix.lstrip(".").upper() or "this sound"
            needs = (
                "opusenc or ffmpeg, neither installed here (apt-get install opus-tools)"
                if wav
                else "ffmpeg, not installed here (apt-get install ffmpeg)"
            )
            raise EncodeError(
                f"{source}: not OGG/Opus, and converting {kind} to it needs {needs}; "
                "or give an OGG/Opus file instead"
            )
        try:
            read_opus_file(partial)
        except NotOggOpusError as exc:
            raise EncodeError(f"{source}: the encoder wrote no Ogg/Opus stream ({exc})") from exc


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary file next to `target`, renamed onto it if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.chmod(0o644)  # mkstemp's 0600 would hide it from the bot's own user
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def converted(source: Path, tools: Tools) -> Path:
    """The OGG/Opus file to play for `source`: itself if it is one, else its conversion,
    made once and kept next to it (`name.mp3` -> `name.mp3.opus.ogg`), made again only if the
    source is newer."""
    if is_ogg_opus_file(source):
        return source
    target = source.with_name(f"{source.name}.opus.ogg")
    fresh = target.is_file() and target.stat().st_mtime >= source.stat().st_mtime
    if fresh and is_ogg_opus_file(target):
        return target
    to_opus(source, target, tools)
    return target
