"""The Ogg reader: an Ogg/Opus voice is recognised and timed; anything else is refused."""

from __future__ import annotations

import pytest

from bot.voices.ogg import NotOggOpusError, is_ogg_opus, read_opus
from tests.voices.conftest import FIXTURE_VOICE

VOICE = FIXTURE_VOICE.read_bytes()


def test_a_voice_is_timed_by_its_last_granule_position_less_its_pre_skip() -> None:
    stream = read_opus(VOICE)
    assert (stream.channels, stream.pre_skip, stream.input_rate) == (1, 312, 22050)
    assert stream.seconds == pytest.approx((58415 - 312) / 48000)
    assert stream.duration_s == 2  # 1.21 s, rounded up as Telegram's duration is


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not an Ogg/Opus stream"),
        (VOICE[:28] + b"OpusTags" + VOICE[36:], "not an Ogg/Opus stream"),  # no OpusHead first
        (VOICE[:28] + b"\x01vorbis" + VOICE[35:], "not an Ogg/Opus stream"),  # Ogg Vorbis
        (VOICE[:-10], "truncated Ogg page"),
        (VOICE + b"garbage at the end of the file", "no Ogg page at byte"),
    ],
    ids=["wav", "no-head", "vorbis", "truncated", "trailing-garbage"],
)
def test_anything_else_is_refused(data: bytes, error: str) -> None:
    with pytest.raises(NotOggOpusError, match=error):
        read_opus(data)


def test_the_first_bytes_tell_an_ogg_opus_stream() -> None:
    assert is_ogg_opus(VOICE[:64])
    assert not is_ogg_opus(b"ID3\x04" + bytes(60))  # an MP3
    assert not is_ogg_opus(b"")
