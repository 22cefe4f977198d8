"""Audio files for the voice tests, made byte by byte: WAV, MP3-looking, Ogg/Vorbis and Ogg/Opus."""

from __future__ import annotations

import io
import math
import struct
import wave

_OGG_CRC_POLYNOMIAL = 0x04C11DB7
_BEGINS_STREAM = 0x02
_ENDS_STREAM = 0x04


def wav_bytes(seconds: float = 1.0, rate: int = 16_000) -> bytes:
    """A mono 16-bit WAV of a 440 Hz tone."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = (
            int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate))
        )
        out.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return buffer.getvalue()


def mp3_bytes() -> bytes:
    """The start of an MP3 file: an empty ID3v2 tag, then MPEG-1 Layer III frame headers."""
    id3 = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    frame = b"\xff\xfb\x90\x64" + bytes(413)  # 128 kbit/s, 44.1 kHz: 417 bytes a frame
    return id3 + frame * 4


def _crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ _OGG_CRC_POLYNOMIAL) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def ogg_page(
    packet: bytes, *, granule: int, sequence: int, flags: int = 0, serial: int = 7
) -> bytes:
    """One Ogg page holding one whole packet, with its CRC (RFC 3533)."""
    lacing = [255] * (len(packet) // 255) + [len(packet) % 255]
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing))
    page = header + bytes(lacing) + packet
    checksum = struct.pack("<I", _crc(page))
    return page[:22] + checksum + page[26:]


def opus_head(*, pre_skip: int = 312, channels: int = 1) -> bytes:
    """An OpusHead identification header (RFC 7845, section 5.1)."""
    return b"OpusHead" + struct.pack("<BBHIhB", 1, channels, pre_skip, 16_000, 0, 0)


def ogg_opus_bytes(*, samples: int, pre_skip: int = 312, serial: int = 7) -> bytes:
    """An Ogg/Opus stream whose last page ends `samples` 48 kHz samples after the pre-skip.

    Its audio packets are bare TOC bytes (0xF8: one empty 20 ms frame, which a decoder takes as
    lost): enough for the container's checks; `ogg.sample_voice()` is the one with sound.
    """
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    end = pre_skip + samples
    head = opus_head(pre_skip=pre_skip)
    return b"".join(
        [
            ogg_page(head, granule=0, sequence=0, flags=_BEGINS_STREAM, serial=serial),
            ogg_page(tags, granule=0, sequence=1, serial=serial),
            ogg_page(b"\xf8", granule=end // 2, sequence=2, serial=serial),
            ogg_page(b"\xf8", granule=end, sequence=3, flags=_ENDS_STREAM, serial=serial),
        ]
    )


def ogg_vorbis_bytes() -> bytes:
    """The start of an Ogg/Vorbis file: a first page holding a Vorbis identification header."""
    identification = (
        b"\x01vorbis" + struct.pack("<IBIiiiB", 0, 1, 44_100, 0, 128_000, 0, 0xB8) + b"\x01"
    )
    return ogg_page(identification, granule=0, sequence=0, flags=_BEGINS_STREAM) + ogg_page(
        b"\x03vorbis", granule=0, sequence=1
    )
