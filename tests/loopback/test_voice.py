"""Voice messages: Ogg/Opus in, sent again by file_id, downloaded with getFile; the rest refused."""

from __future__ import annotations

import shutil
import struct
import subprocess
import wave
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Update
from telegram.error import BadRequest, RetryAfter
from telegram.ext import ContextTypes, MessageHandler, filters

from loopback import FileSource, LoopbackBotApi
from loopback.ogg import OPUS_SAMPLE_RATE, NotOggOpusError, read_ogg_opus, sample_voice

from .audio import mp3_bytes, ogg_opus_bytes, ogg_vorbis_bytes, wav_bytes
from .harness import StepClock, build_app, polling

NOT_OPUS = "Bad Request: voice must be OGG encoded with OPUS: "


def voices_stored(api: LoopbackBotApi) -> list[str]:
    return [f.file_id for f in api.state.files.values() if f.folder == "voice"]


async def test_an_ogg_opus_upload_is_a_voice_as_long_as_its_stream(api: LoopbackBotApi) -> None:
    amina = api.create_user("Amina", started=True)
    async with build_app(api) as app:
        sent = await app.bot.send_voice(
            amina.chat_id, sample_voice(), caption="<b>Stage 1</b>", parse_mode="HTML"
        )
    assert sent.voice.duration == timedelta(seconds=3)
    assert sent.voice.mime_type == "audio/ogg"
    assert sent.voice.file_size == len(sample_voice())
    message = api.last_message(amina.chat_id)
    assert message.kind == "voice"
    assert message.voice_duration == 3
    assert message.voice_file_id == sent.voice.file_id
    assert message.caption == "Stage 1"
    assert message.uploaded
    assert message.file_source is FileSource.UPLOAD
    assert message.file is not None
    assert message.file.data == sample_voice()
    assert api.calls_of("sendVoice")[0].files["voice"].data == sample_voice()


async def test_the_duration_parameter_is_what_the_voice_shows(api: LoopbackBotApi) -> None:
    omar = api.create_user("Omar", started=True)
    async with build_app(api) as app:
        sent = await app.bot.send_voice(omar.chat_id, sample_voice(), duration=7)
        again = await app.bot.send_voice(omar.chat_id, sent.voice.file_id)
    assert sent.voice.duration == timedelta(seconds=7)
    assert again.voice.duration == timedelta(seconds=7)  # the voice keeps what it first showed
    assert [m.voice_duration for m in api.transcript(omar.chat_id)] == [7, 7]


async def test_a_voice_file_id_is_sent_again_without_an_upload(api: LoopbackBotApi) -> None:
    amina = api.create_user("Amina", started=True)
    omar = api.create_user("Omar", started=True)
    async with build_app(api) as app:
        first = await app.bot.send_voice(amina.chat_id, sample_voice())
        second = await app.bot.send_voice(omar.chat_id, first.voice.file_id)
    assert second.voice.file_id == first.voice.file_id
    assert second.voice.duration == timedelta(seconds=3)
    sent = [*api.transcript(amina.chat_id), *api.transcript(omar.chat_id)]
    assert [(m.voice_file_id, m.file_source) for m in sent] == [
        (first.voice.file_id, FileSource.UPLOAD),
        (first.voice.file_id, FileSource.FILE_ID),
    ]
    assert not sent[1].uploaded
    assert [sorted(call.files) for call in api.calls_of("sendVoice")] == [["voice"], []]
    assert voices_stored(api) == [first.voice.file_id]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(wav_bytes(), "not an Ogg file: a RIFF/WAVE file", id="wav"),
        pytest.param(mp3_bytes(), "not an Ogg file: an MP3 file", id="mp3"),
        pytest.param(
            ogg_vorbis_bytes(), "an Ogg stream without an OpusHead header (Vorbis)", id="vorbis"
        ),
        pytest.param(sample_voice()[:-5], "a torn Ogg page at byte 3184", id="torn opus"),
    ],
)
async def test_an_upload_other_than_ogg_opus_is_refused(
    api: LoopbackBotApi, data: bytes, reason: str
) -> None:
    lina = api.create_user("Lina", started=True)
    async with build_app(api) as app:
        with pytest.raises(BadRequest, match=r"^Voice must be ogg encoded with opus: "):
            await app.bot.send_voice(lina.chat_id, data)
    (call,) = api.calls_of("sendVoice")
    assert (call.status, call.description) == (400, NOT_OPUS + reason)
    assert api.transcript(lina.chat_id) == []
    assert voices_stored(api) == []


async def test_a_file_id_that_is_no_known_voice_is_refused(api: LoopbackBotApi) -> None:
    sara = api.create_user("Sara", started=True)
    sara.send_photo(b"\xff\xd8 a photo")
    async with build_app(api) as app:
        (photo_update,) = await app.bot.get_updates(timeout=0)
        document = await app.bot.send_document(sara.chat_id, b"%PDF-1.7", filename="a.pdf")
        refusals = {}
        for name, file_id in {
            "unknown": "AwACAgQAAxkBAAIBZ2Vfake",
            "photo": photo_update.message.photo[-1].file_id,
            "document": document.document.file_id,
            "url": "https://example.org/voice.ogg",
        }.items():
            with pytest.raises(BadRequest) as refused:
                await app.bot.send_voice(sara.chat_id, file_id)
            refusals[name] = refused.value.message
    assert refusals == {
        "unknown": "Wrong file identifier/http url specified",
        "photo": "Type of file mismatch",
        "document": "Type of file mismatch",
        "url": "Failed to get http url content",
    }
    assert [m.kind for m in api.transcript(sara.chat_id)] == ["document"]


class VoiceEcho:
    """A bot that answers a voice with the same voice, by its file_id."""

    def __init__(self) -> None:
        self.errors: list[object] = []

    async def echo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.voice is not None
        await update.message.reply_voice(update.message.voice.file_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.errors.append(context.error)


async def test_a_users_voice_is_sent_back_by_file_id_and_downloaded(api: LoopbackBotApi) -> None:
    bilal = api.create_user("Bilal")
    bot = VoiceEcho()
    app = build_app(api)
    app.add_handler(MessageHandler(filters.VOICE, bot.echo))
    app.add_error_handler(bot.on_error)
    async with polling(app):
        sent = bilal.send_voice()
        await api.wait_idle(app)
        reply = api.last_message(bilal.chat_id)
        assert reply.voice_file_id is not None
        file = await app.bot.get_file(reply.voice_file_id)
        downloaded = bytes(await file.download_as_bytearray())
    assert bot.errors == []
    assert reply.kind == "voice"
    assert reply.voice_file_id == sent["message"]["voice"]["file_id"]
    assert reply.voice_duration == 3
    assert reply.file_source is FileSource.FILE_ID
    assert api.calls_of("sendVoice")[0].files == {}
    assert file.file_path is not None and file.file_path.endswith(".oga")
    assert downloaded == sample_voice()
    assert read_ogg_opus(downloaded).duration == 3


async def test_a_user_sends_their_own_recording(api: LoopbackBotApi) -> None:
    chloe = api.create_user("Chloe")
    recording = ogg_opus_bytes(samples=5 * OPUS_SAMPLE_RATE)
    told = chloe.send_voice(data=recording, caption="at the fountain")
    reported = chloe.send_voice(9, data=recording)
    async with build_app(api) as app:
        updates = await app.bot.get_updates(timeout=0)
        voice = updates[0].message.voice
        downloaded = await (await app.bot.get_file(voice.file_id)).download_as_bytearray()
    assert told["message"]["caption"] == "at the fountain"
    assert [u.message.voice.duration for u in updates] == [
        timedelta(seconds=5),
        timedelta(seconds=9),
    ]
    assert reported["message"]["voice"]["duration"] == 9
    assert bytes(downloaded) == recording
    with pytest.raises(NotOggOpusError, match="RIFF/WAVE"):
        chloe.send_voice(data=wav_bytes())


async def test_voices_count_against_the_flood_limits(api: LoopbackBotApi, clock: StepClock) -> None:
    user = api.create_user(started=True)
    api.set_flood_limits(overall_per_second=1)
    async with build_app(api) as app:
        first = await app.bot.send_voice(user.chat_id, sample_voice())
        with pytest.raises(RetryAfter):
            await app.bot.send_voice(user.chat_id, first.voice.file_id)
        clock.advance(1.0)
        await app.bot.send_voice(user.chat_id, first.voice.file_id)
    assert api.too_many_requests_sent == 1
    assert [m.uploaded for m in api.transcript(user.chat_id)] == [True, False]


@pytest.mark.parametrize(
    ("samples", "pre_skip", "seconds"),
    [
        (3 * OPUS_SAMPLE_RATE, 312, 3),
        (int(2.49 * OPUS_SAMPLE_RATE), 312, 2),
        (int(2.5 * OPUS_SAMPLE_RATE), 312, 3),
        (OPUS_SAMPLE_RATE, 3840, 1),  # the pre-skip is not part of what is heard
        (1000, 312, 0),
    ],
)
def test_the_duration_is_the_last_granule_less_the_pre_skip(
    samples: int, pre_skip: int, seconds: int
) -> None:
    stream = read_ogg_opus(ogg_opus_bytes(samples=samples, pre_skip=pre_skip))
    assert stream.pre_skip == pre_skip
    assert stream.duration == seconds


@pytest.mark.skipif(shutil.which("opusdec") is None, reason="opusdec (opus-tools) not installed")
def test_the_sample_voice_decodes_to_three_seconds_of_sound(tmp_path: Path) -> None:
    source, decoded = tmp_path / "sample.opus", tmp_path / "sample.wav"
    source.write_bytes(sample_voice())
    subprocess.run(["opusdec", "--quiet", str(source), str(decoded)], check=True)
    with wave.open(str(decoded), "rb") as heard:
        seconds = heard.getnframes() / heard.getframerate()
        frames = heard.readframes(heard.getnframes())
    loudest = max(abs(sample) for (sample,) in struct.iter_unpack("<h", frames))
    assert seconds == pytest.approx(3.0, abs=0.01)
    assert loudest > 4000  # a tone, not silence
