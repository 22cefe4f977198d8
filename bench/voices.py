"""The synthetic draft of a 400-character clue in each language espeak-ng has: size and time.

    .venv/bin/python bench/voices.py [--runs 5] [--bitrate 12] [--rally data/stages.yaml]

For each language of the rally with a synthesiser voice (`bot.voices.drafts.SYNTHESISER_VOICES`),
the clues of its stages in that language are put together and cut at the last word before 400
characters (a long clue, in the rally's own words), then drafted `--runs` times as
`python -m bot voices --draft` does: espeak-ng to WAV, opusenc to OGG/Opus (mono speech at
`--bitrate`, by default `BITRATE_KBPS`). Prints the voice's length, its size (target: under
100 KB), its bitrate, and the median wall time of the synthesis and of the whole draft.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from machine import header, load_average

from bot.core.rally_file import load_rally
from bot.core.voices import clue_key, spoken_text
from bot.voices.drafts import SPEED_WPM, SYNTHESISER_VOICES, make_draft
from bot.voices.encode import BITRATE_KBPS, Tools
from bot.voices.ogg import read_opus_file

ROOT = Path(__file__).resolve().parents[1]

LENGTH = 400


def long_clue(rally_file: Path, language: str) -> str | None:
    """The rally's clues in `language`, put together and cut at a word before 400 characters."""
    rally = load_rally(rally_file)
    said = [
        spoken_text(rally, clue_key(stage.id), language, lambda _language: None)
        for stage in rally.stages
    ]
    text = " ".join(clue.replace("\n", " ") for clue in said if clue)
    if len(text) < LENGTH:
        return None
    return text[: text.rindex(" ", 0, LENGTH + 1)]


def synthesis_seconds(tools: Tools, voice: str, text: str, scratch: Path) -> float:
    """espeak-ng alone, as `make_draft` runs it."""
    assert tools.espeak is not None
    wav = str(scratch / "speech.wav")
    started = time.perf_counter()
    command = [tools.espeak, "-v", voice, "-s", str(SPEED_WPM), "-l", "10000", "-b", "1"]
    subprocess.run(
        [*command, "-w", wav, "--stdin"],
        input=text.encode(),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> int:
    """Draft each language's long clue `--runs` times and print a table."""
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--runs", type=int, default=5)
    arguments.add_argument("--bitrate", type=int, default=BITRATE_KBPS, help="kbit/s")
    arguments.add_argument("--rally", type=Path, default=ROOT / "data" / "stages.yaml")
    args = arguments.parse_args()
    tools = Tools.found()
    if tools.espeak is None or tools.opusenc is None:
        print("espeak-ng and opusenc are needed: apt-get install espeak-ng opus-tools")
        return 1
    header("synthetic drafts of a 400-character clue")
    print(f"encoder: opusenc at {args.bitrate} kbit/s, mono, speech; espeak-ng at {SPEED_WPM} wpm")
    languages = [language for language in SYNTHESISER_VOICES if language != "fa"]
    texts = {}
    for language in languages:
        text = long_clue(args.rally, language)
        if text is not None:
            texts[language] = text
    print(
        f"| language | voice | characters | length | size | bitrate | espeak-ng | whole draft "
        f"(median of {args.runs}) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="bench-voices-") as scratch:
        folder = Path(scratch)
        for language, text in texts.items():
            voice = SYNTHESISER_VOICES[language]
            synthesis, whole = [], []
            target = folder / f"{language}.ogg"
            for _ in range(args.runs):
                synthesis.append(synthesis_seconds(tools, voice, text, folder))
                target.unlink(missing_ok=True)
                started = time.perf_counter()
                make_draft(text, language, target, tools, bitrate_kbps=args.bitrate)
                whole.append(time.perf_counter() - started)
            stream = read_opus_file(target)
            size = target.stat().st_size
            print(
                f"| {language} | {voice} | {len(text)} | {stream.seconds:.1f} s | "
                f"{size / 1000:.1f} KB | {size * 8 / stream.seconds / 1000:.1f} kbit/s | "
                f"{statistics.median(synthesis) * 1000:.0f} ms | "
                f"{statistics.median(whole) * 1000:.0f} ms |"
            )
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
