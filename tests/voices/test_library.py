"""Voices on disk: the `audio:` files of the rally file and the synthetic drafts, current only."""

from __future__ import annotations

import math
import os
import shutil
import struct
import wave
from pathlib import Path

from bot.core.voices import FINAL_KEY, VoiceSource, clue_key, digest, hint_key
from bot.voices.encode import Tools
from bot.voices.library import draft_path, on_disk, scan, spoken_texts
from bot.voices.ogg import is_ogg_opus_file, read_opus_file
from tests.voices.conftest import FIXTURE_VOICE, small_rally


def place(path: Path) -> Path:
    """A real 2-second voice at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURE_VOICE, path)
    return path


def final_words(language: str) -> str | None:
    return {"en": "Thank you for playing!"}.get(language)


def test_current_drafts_are_found_and_outdated_ones_are_not(tmp_path: Path) -> None:
    rally = small_rally(tmp_path)
    texts = spoken_texts(rally, final_words)
    clue, hint = clue_key("gare"), hint_key("gare", 0)
    current = place(draft_path(tmp_path, "voix", clue, "fr", texts[clue, "fr"]))
    reworded = place(draft_path(tmp_path, "voix", hint, "fr", "Devant le tram."))
    gone = place(draft_path(tmp_path, "voix", clue_key("musee"), "fr", "Allez au musée."))
    final = place(draft_path(tmp_path, "voix", FINAL_KEY, "en", "Thank you for playing!"))
    other_rally = place(draft_path(tmp_path, "autre", clue, "fr", texts[clue, "fr"]))

    found = scan(rally, tmp_path, interface=final_words)

    assert [(v.key, v.language, v.source, v.path) for v in found.voices] == [
        (FINAL_KEY, "en", VoiceSource.SYNTHETIC, final),
        (clue, "fr", VoiceSource.SYNTHETIC, current),
    ]
    assert found.voices[1].digest == digest(texts[clue, "fr"])
    assert found.voices[1].duration_s == 2
    assert sorted(found.outdated) == sorted([reworded, gone])
    assert other_rally not in found.outdated
    assert found.problems == []
    # without the final words, the final message's drafts are neither played nor outdated
    assert [v.key for v in on_disk(rally, tmp_path)] == [clue]
    assert final not in scan(rally, tmp_path).outdated
    assert on_disk(rally, None) == []


def test_an_ogg_opus_file_of_the_audio_section_is_played_as_it_is(tmp_path: Path) -> None:
    place(tmp_path / "voix" / "gare.ogg")
    rally = small_rally(tmp_path, audio="audio:\n  clue:gare: {fr: voix/gare.ogg}\n")
    texts = spoken_texts(rally, None)

    [voice] = on_disk(rally, tmp_path, tools=Tools())

    assert (voice.key, voice.language, voice.source) == (clue_key("gare"), "fr", VoiceSource.FILE)
    assert voice.path == tmp_path / "voix" / "gare.ogg"
    assert voice.digest == digest(texts[clue_key("gare"), "fr"])  # it reads the text as written
    assert voice.duration_s == 2


def tone(path: Path, seconds: float) -> Path:
    """A WAV file of a 440 Hz tone, as a volunteer's recorder might save."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rate = 16_000
    with wave.open(str(path), "wb") as sound:
        sound.setnchannels(2)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        samples = (
            int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(rate * seconds))
        )
        frames = b"".join(struct.pack("<hh", sample, sample) for sample in samples)
        sound.writeframes(frames)
    return path


def test_a_wav_file_is_converted_once_to_ogg_opus_next_to_it(
    encoder: Tools, tmp_path: Path
) -> None:
    source = tone(tmp_path / "voix" / "indice.wav", 3.2)
    rally = small_rally(tmp_path, audio="audio:\n  hint:gare:0: {en: voix/indice.wav}\n")

    [voice] = on_disk(rally, tmp_path, tools=encoder)

    assert voice.path == tmp_path / "voix" / "indice.wav.opus.ogg"
    assert is_ogg_opus_file(voice.path)
    assert read_opus_file(voice.path).channels == 1
    assert voice.duration_s == 4
    made = voice.path.stat().st_mtime_ns
    os.utime(source, ns=(made - 10**9, made - 10**9))  # the source older than its conversion
    assert on_disk(rally, tmp_path, tools=Tools()) == [voice]  # kept: no encoder needed again
    assert voice.path.stat().st_mtime_ns == made


def test_an_mp3_file_without_ffmpeg_is_refused_saying_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "voix").mkdir()
    (tmp_path / "voix" / "gare.mp3").write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00")
    rally = small_rally(tmp_path, audio="audio:\n  clue:gare: {en: voix/gare.mp3}\n")

    found = scan(rally, tmp_path, tools=Tools(opusenc="/usr/bin/opusenc"))

    assert found.voices == []
    [problem] = found.problems
    assert problem.startswith(f"audio.clue:gare.en: {tmp_path}/voix/gare.mp3: not OGG/Opus")
    assert "needs ffmpeg, not installed here (apt-get install ffmpeg)" in problem
    assert not (tmp_path / "voix" / "gare.mp3.opus.ogg").exists()


def test_a_file_for_a_text_not_written_in_its_language_is_not_played(tmp_path: Path) -> None:
    place(tmp_path / "voix" / "indice.ogg")
    rally = small_rally(tmp_path, audio="audio:\n  hint:gare:0: {ps: voix/indice.ogg}\n")

    found = scan(rally, tmp_path, tools=Tools())

    assert found.voices == []
    assert found.problems == [
        "audio.hint:gare:0.ps: hint:gare:0 is not written in ps: nothing to read "
        "(a voice never stands in for a missing translation)"
    ]
