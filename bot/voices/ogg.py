"""Reading an Ogg/Opus file, as Telegram's voice messages are: is it one, and how long is it.

An Ogg stream is a chain of pages (RFC 3533): `OggS`, a version, a header type, a 64-bit
granule position, the stream's serial number, a page number, a checksum, and a segment table
giving the length of the page's data. An Opus stream's first page holds the `OpusHead` packet
(RFC 7845: channels, pre-skip, the input's sample rate); a page's granule position counts the
48 kHz samples decoded up to its end, so the last one gives the length.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

CAPTURE = b"OggS"
OPUS_HEAD = b"OpusHead"
OPUS_RATE = 48_000
"""Opus granule positions count samples at 48 kHz, whatever the input's rate."""

_PAGE = struct.Struct(
    "<4sBBqIIIB"
)  # capture, version, type, granule, serial, number, crc, segments
_NO_GRANULE = -1  # a page on which no packet ends
_HEAD = struct.Struct("<8sBBHIhB")  # OpusHead, version, channels, pre-skip, rate, gain, mapping


class NotOggOpusError(ValueError):
    """A file that is not an Ogg/Opus stream (Telegram would show it as a file, not a voice)."""


@dataclass(frozen=True)
class OpusStream:
    """What the pages of an Ogg/Opus file tell."""

    channels: int
    pre_skip: int
    """Samples the decoder drops at the start (the encoder's look-ahead)."""
    input_rate: int
    """The sample rate of what was encoded (informative: Opus decodes at 48 kHz)."""
    granule: int
    """The last page's granule position: 48 kHz samples up to the end, pre-skip included."""
    pages: int

    @property
    def seconds(self) -> float:
        """The length as played."""
        return max(self.granule - self.pre_skip, 0) / OPUS_RATE

    @property
    def duration_s(self) -> int:
        """The length in whole seconds, rounded up (Telegram's voice `duration`)."""
        return math.ceil(self.seconds)


def is_ogg_opus(data: bytes) -> bool:
    """Whether these bytes start an Ogg/Opus stream: an `OggS` page holding `OpusHead`.

    The first 64 bytes of a file are enough.
    """
    if len(data) < _PAGE.size or not data.startswith(CAPTURE):
        return False
    segments = data[_PAGE.size - 1]
    start = _PAGE.size + segments
    return data[start : start + len(OPUS_HEAD)] == OPUS_HEAD


def is_ogg_opus_file(path: Path) -> bool:
    """Whether the file at `path` starts an Ogg/Opus stream (False if it cannot be read)."""
    try:
        with path.open("rb") as handle:
            return is_ogg_opus(handle.read(512))
    except OSError:
        return False


def read_opus(data: bytes) -> OpusStream:
    """The Opus stream of an Ogg file's bytes; `NotOggOpusError` if they are not one.

    Pages of other logical streams (a multiplexed file) are skipped; a truncated last page is
    refused, since its granule position would not be the end.
    """
    if not is_ogg_opus(data):
        raise NotOggOpusError("not an Ogg/Opus stream (no OggS page starting with OpusHead)")
    offset, pages, granule, serial = 0, 0, 0, None
    head: tuple[int, int, int] | None = None
    while offset < len(data):
        if len(data) - offset < _PAGE.size:
            raise NotOggOpusError(f"truncated Ogg page header at byte {offset}")
        capture, version, _type, position, page_serial, _number, _crc, segments = _PAGE.unpack_from(
            data, offset
        )
        if capture != CAPTURE or version != 0:
            raise NotOggOpusError(f"no Ogg page at byte {offset}")
        table_end = offset + _PAGE.size + segments
        if table_end > len(data):
            raise NotOggOpusError(f"truncated Ogg segment table at byte {offset}")
        body = sum(data[offset + _PAGE.size : table_end])
        end = table_end + body
        if end > len(data):
            raise NotOggOpusError(f"truncated Ogg page at byte {offset}")
        if serial is None:
            serial = page_serial
            if body < _HEAD.size:
                raise NotOggOpusError("OpusHead packet too short")
            _magic, _version, channels, pre_skip, rate, _gain, _mapping = _HEAD.unpack_from(
                data, table_end
            )
            if channels == 0:
                raise NotOggOpusError("OpusHead gives no channel")
            head = (channels, pre_skip, rate)
        if page_serial == serial:
            pages += 1
            if position != _NO_GRANULE:
                granule = position
        offset = end
    assert head is not None  # is_ogg_opus saw the first page
    channels, pre_skip, rate = head
    return OpusStream(channels, pre_skip, rate, granule, pages)


def read_opus_file(path: Path) -> OpusStream:
    """The Opus stream of the file at `path`; `NotOggOpusError` if it is not one."""
    return read_opus(path.read_bytes())


def duration_s(path: Path) -> int:
    """The length of an Ogg/Opus file in whole seconds, rounded up."""
    return read_opus_file(path).duration_s
