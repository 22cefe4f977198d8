"""Synthetic drafts: espeak-ng reads the text, opusenc makes a voice Telegram plays."""

from __future__ import annotations

import array
import math
import subprocess
import wave
from pathlib import Path

import pytest

from bot.core.voices import clue_key, digest, hint_key, spoken_text
from bot.voices.drafts import DraftError, NoSynthesiserVoiceError, make_draft, make_drafts
from bot.voices.encode import Tools
from bot.voices.library import draft_path, spoken_texts
from bot.voices.ogg import is_ogg_opus, read_opus_file
from tests.voices.conftest import CLUE_400, small_rally


def decoded(path: Path, scratch: Path) -> tuple[float, float]:
    """The voice decoded by opusdec, as a player's phone would: (seconds, loudness as RMS)."""
    wav = scratch / "decoded.wav"
    subprocess.run(["opusdec", "--quiet", str(path), str(wav)], check=True, capture_output=True)
    with wave.open(str(wav)) as sound:
        frames = sound.readframes(sound.getnframes())
        seconds = sound.getnframes() / sound.getframerate()
    samples = array.array("h", frames)
    return seconds, math.sqrt(sum(s * s for s in samples[::7]) / max(len(samples[::7]), 1))


def test_a_400_character_clue_becomes_a_short_voice_telegram_plays(
    synthesiser: Tools, tmp_path: Path
) -> None:
    assert len(CLUE_400) == 400
    target = tmp_path / "clue.ogg"
    make_draft(CLUE_400, "fr", target, synthesiser)

    data = target.read_bytes()
    assert data[:4] == b"OggS" and b"OpusHead" in data[:64]
    assert is_ogg_opus(data)
    stream = read_opus_file(target)
    assert stream.channels == 1
    assert 10 <= stream.duration_s <= 60, stream.seconds
    assert len(data) < 100_000, len(data)
    seconds, loudness = decoded(target, tmp_path)
    assert abs(seconds - stream.seconds) < 0.1  # the length Telegram is told is the length heard
    assert loudness > 300  # speech, not silence


def test_a_language_without_a_synthesiser_voice_is_reported_not_failed(
    synthesiser: Tools, tmp_path: Path
) -> None:
    rally = small_rally(tmp_path)
    texts = spoken_texts(rally, None)
    wanted = [(clue_key("gare"), "ps"), (clue_key("gare"), "fr"), (hint_key("gare", 0), "ps")]
    done = make_drafts(rally, tmp_path, wanted, texts, synthesiser)
    assert done.no_voice == ["ps"]
    assert done.failed == []
    assert [(d.key, d.language) for d in done.made] == [(clue_key("gare"), "fr")]
    made = done.made[0]
    assert made.path == draft_path(tmp_path, "voix", clue_key("gare"), "fr", texts[made.key, "fr"])
    assert made.path.stat().st_size == made.size_bytes == done.total_bytes
    with pytest.raises(NoSynthesiserVoiceError, match="no voice for ti: record it with /record"):
        make_draft("ሰላም", "ti", tmp_path / "ti.ogg", synthesiser)


def test_without_espeak_ng_a_draft_says_what_to_install(tmp_path: Path) -> None:
    no_synthesiser = Tools(espeak=None, opusenc="opusenc")
    with pytest.raises(DraftError, match=r"espeak-ng is not installed \(apt-get install espeak-ng"):
        make_draft("Bonjour.", "fr", tmp_path / "fr.ogg", no_synthesiser)
    assert not (tmp_path / "fr.ogg").exists()


def test_drafting_a_reworded_text_replaces_its_older_draft(
    synthesiser: Tools, tmp_path: Path
) -> None:
    before = small_rally(tmp_path, clue="Allez à la gare.")
    key = clue_key("gare")
    first = make_drafts(before, tmp_path, [(key, "fr")], spoken_texts(before, None), synthesiser)
    after = small_rally(tmp_path, clue="Allez à la gare routière.")
    second = make_drafts(after, tmp_path, [(key, "fr")], spoken_texts(after, None), synthesiser)

    assert second.replaced == [first.made[0].path]
    assert not first.made[0].path.exists()
    text = spoken_text(after, key, "fr", lambda _language: None)
    assert text is not None
    assert second.made[0].path.name == f"clue_gare.{digest(text)}.ogg"
    assert [p.name for p in second.made[0].path.parent.iterdir()] == [second.made[0].path.name]


def test_the_same_text_gives_the_same_file(synthesiser: Tools, tmp_path: Path) -> None:
    first = make_draft("Bonjour à tous.", "fr", tmp_path / "first.ogg", synthesiser)
    second = make_draft("Bonjour à tous.", "fr", tmp_path / "second.ogg", synthesiser)
    assert first.read_bytes() == second.read_bytes()  # a draft made again changes nothing
    other = make_draft("Bonsoir à tous.", "fr", tmp_path / "other.ogg", synthesiser)
    assert other.read_bytes() != first.read_bytes()
