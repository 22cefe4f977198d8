"""Ogg/Opus recognition: the uploads Telegram plays as voice messages, and how long they last.

An Ogg stream is a chain of pages (RFC 3533), each starting with the capture pattern `OggS`; an
Opus stream's first page holds only its `OpusHead` identification header, and a page's granule
position counts the 48 kHz samples decoded by the end of that page (RFC 7845).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OPUS_SAMPLE_RATE = 48_000  # RFC 7845: granules count 48 kHz samples, whatever the input's rate
SAMPLE_VOICE_PATH = Path(__file__).resolve().parent / "fixtures" / "short.opus"

_CAPTURE = b"OggS"
_OPUS_HEAD = b"OpusHead"
_OPUS_HEAD_SIZE = 19  # magic, version, channels, pre-skip, input rate, output gain, mapping
_PAGE = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, seq, crc, segments
_FIRST_PAGE_FLAG = 0x02
_NO_GRANULE = -1  # a page on which no packet ends
_KNOWN_MAGICS = (
    (b"RIFF", "a RIFF/WAVE file"),
    (b"ID3", "an MP3 file"),
    (b"\xff\xfb", "an MP3 file"),
    (b"\xff\xf3", "an MP3 file"),
    (b"\xff\xf2", "an MP3 file"),
    (b"fLaC", "a FLAC file"),
)


class NotOggOpusError(ValueError):
    """The bytes are no complete Ogg stream carrying Opus; the message says what they are."""


@dataclass(frozen=True)
class OpusStream:
    """What the loopback reads of an Ogg/Opus stream."""

    channels: int
    pre_skip: int
    final_granule: int

    @property
    def seconds(self) -> float:
        """The playback length: the last granule position less the decoder's pre-skip."""
        return max(self.final_granule - self.pre_skip, 0) / OPUS_SAMPLE_RATE

    @property
    def duration(self) -> int:
        """The length in whole seconds (half a second rounds up), as Voice.duration gives it."""
        return int(self.seconds + 0.5)


@dataclass(frozen=True)
class _Page:
    flags: int
    granule: int
    serial: int
    payload: bytes


def read_ogg_opus(data: bytes) -> OpusStream:
    """Check that `data` is a complete Ogg/Opus stream and read its header and length."""
    if not data.startswith(_CAPTURE):
        raise NotOggOpusError(f"not an Ogg file: {_what_it_is(data)}")
    pages = list(_pages(data))
    first = pages[0]
    if not first.flags & _FIRST_PAGE_FLAG:
        raise NotOggOpusError("the first Ogg page does not begin a stream")
    if not first.payload.startswith(_OPUS_HEAD) or len(first.payload) < _OPUS_HEAD_SIZE:
        codec = "Vorbis" if first.payload.startswith(b"\x01vorbis") else "not Opus"
        raise NotOggOpusError(f"an Ogg stream without an OpusHead header ({codec})")
    version, channels, pre_skip = struct.unpack_from("<BBH", first.payload, len(_OPUS_HEAD))
    if version >> 4 != 0 or channels == 0:
        raise NotOggOpusError("an OpusHead header of an unknown version or with no channel")
    granules = [
        page.granule
        for page in pages
        if page.serial == first.serial and page.granule != _NO_GRANULE
    ]
    final = granules[-1] if granules else 0
    return OpusStream(channels=channels, pre_skip=pre_skip, final_granule=final)


def _pages(data: bytes) -> list[_Page]:
    """Every page of the stream; a torn or garbled page refuses the whole file."""
    pages: list[_Page] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < _PAGE.size:
            raise NotOggOpusError(f"a torn Ogg page header at byte {offset}")
        capture, version, flags, granule, serial, _seq, _crc, count = _PAGE.unpack_from(
            data, offset
        )
        if capture != _CAPTURE or version != 0:
            raise NotOggOpusError(f"no Ogg page at byte {offset}")
        table_end = offset + _PAGE.size + count
        payload_end = table_end + sum(data[offset + _PAGE.size : table_end])
        if table_end > len(data) or payload_end > len(data):
            raise NotOggOpusError(f"a torn Ogg page at byte {offset}")
        pages.append(_Page(flags, granule, serial, data[table_end:payload_end]))
        offset = payload_end
    return pages


def _what_it_is(data: bytes) -> str:
    for magic, name in _KNOWN_MAGICS:
        if data.startswith(magic):
            return name
    return f"it starts with {data[:4]!r}"


@cache
def sample_voice() -> bytes:
    """A valid 3-second Ogg/Opus voice (a 440 Hz tone, 3.2 KB), for simulated users and tests.

    Made once from a 16 kHz mono WAV written with the `wave` module:
    `opusenc --quiet --bitrate 6 --serial 1 tone.wav loopback/fixtures/short.opus`.
    """
    return SAMPLE_VOICE_PATH.read_bytes()
