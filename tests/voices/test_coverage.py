"""`python -m bot voices`: how many texts have a voice, per language and kind; `--draft`."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from bot.cli import VoicesRequest, i18n_check, print_voices
from bot.core.voices import FINAL_KEY, VoiceSource, clue_key, digest, hint_key, question_key
from bot.i18n.check import check as check_languages
from bot.storage.database import create_engine, migrate, session_factory
from bot.storage.models import VoiceRow
from bot.storage.uow import SqlUnitOfWork
from bot.voices.coverage import Recording, coverage
from bot.voices.encode import Tools
from bot.voices.library import draft_path, spoken_texts
from tests.databases import sqlite_url
from tests.voices.conftest import FIXTURE_VOICE, small_rally

CLUE, HINT, QUESTION = clue_key("gare"), hint_key("gare", 0), question_key("q-quai")


def final_words(language: str) -> str | None:
    return {"en": "Thank you for playing!", "fr": "Merci d'avoir joué !"}.get(language)


def test_each_text_counts_once_under_its_best_voice(tmp_path: Path) -> None:
    (tmp_path / "voix").mkdir()
    shutil.copyfile(FIXTURE_VOICE, tmp_path / "voix" / "gare-en.ogg")
    rally = small_rally(
        tmp_path, audio="audio:\n  clue:gare: {en: voix/gare-en.ogg, fr: voix/gare-en.ogg}\n"
    )
    texts = spoken_texts(rally, final_words)
    for key, language, text in (
        (HINT, "fr", texts[HINT, "fr"]),  # a draft of the current hint
        (CLUE, "en", texts[CLUE, "en"]),  # a draft under the file: the file counts
        (QUESTION, "en", "Which platform? 1. The first"),  # an older wording
    ):
        path = draft_path(tmp_path, rally.id, key, language, text)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURE_VOICE, path)
    recordings = [
        Recording(CLUE.slug, "fr", digest(texts[CLUE, "fr"])),  # beats the file
        Recording(QUESTION.slug, "fr", digest("Quel quai ?")),  # of an older wording
        Recording(FINAL_KEY.slug, "ps", digest("مننه")),  # the final words are not in ps
    ]

    voiced = coverage(rally, tmp_path, interface=final_words, recordings=recordings, tools=Tools())

    fr, en, ps = (voiced.language(code) for code in ("fr", "en", "ps"))
    # fr: clue, hint, question, final; en: the same; ps: clue and question (no hint, no final)
    assert (fr.texts, fr.recorded, fr.file, fr.synthetic, fr.missing) == (4, 1, 0, 1, 2)
    assert (fr.outdated_drafts, fr.outdated_recordings) == (0, 1)
    assert (en.texts, en.recorded, en.file, en.synthetic, en.missing) == (4, 0, 1, 0, 3)
    assert (en.outdated_drafts, en.outdated_recordings) == (1, 0)
    assert (ps.texts, ps.missing, ps.outdated_recordings, ps.synthesiser) == (2, 2, 1, None)
    assert voiced.missing == [  # in the rally's order
        (CLUE, "ps"),
        (HINT, "en"),
        (QUESTION, "fr"),
        (QUESTION, "en"),
        (QUESTION, "ps"),
        (FINAL_KEY, "fr"),
        (FINAL_KEY, "en"),
    ]
    assert fr.line() == "fr: 2 of 4 texts voiced (1 recorded, 1 synthetic), 2 missing, 1 outdated"
    assert ps.line() == (
        "ps: 0 of 2 texts voiced, 2 missing, 1 outdated: no synthesiser voice, "
        "record them with /record"
    )


async def store_recording(url: str, key: str, language: str, text: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
            await uow.rallies.ensure("voix", at=now)
            await uow.voices.add(
                VoiceRow(
                    rally_id="voix",
                    key=key,
                    language=language,
                    source=VoiceSource.RECORDED,
                    file_id="AwACAgQAAx0",
                    duration_s=2,
                    text_digest=digest(text),
                    recorded_by=1001,
                    created_at=now,
                )
            )
            await uow.commit()
    finally:
        await engine.dispose()


def run_voices(rally_file: Path, url: str, request: VoicesRequest) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = print_voices(
        [str(rally_file)], request, out, err, database_url=url, final=lambda _rally: final_words
    )
    return code, out.getvalue(), err.getvalue()


def test_the_command_counts_recordings_from_the_database_and_none_without_one(
    tmp_path: Path,
) -> None:
    rally = small_rally(tmp_path)
    url = sqlite_url(tmp_path / "var" / "rallye.sqlite3")

    code, out, err = run_voices(tmp_path / "rally.yaml", url, VoicesRequest())
    assert (code, err) == (0, "")
    assert not (tmp_path / "var").exists()  # a report creates no database
    lines = out.splitlines()
    assert lines[0] == f"{tmp_path / 'rally.yaml'}: voices of rally voix"
    assert lines[1].split() == [
        "language",
        "texts",
        "recorded",
        "file",
        "synthetic",
        "missing",
        "outdated",
        "synthesiser",
    ]
    assert lines[2].split()[:7] == ["fr", "4", "0", "0", "0", "4", "0"]
    assert lines[4].split()[-4:] == ["none:", "record", "with", "/record"]  # ps
    assert lines[-1] == f"  recorded: 0 counted (no database at {tmp_path}/var/rallye.sqlite3)"

    texts = spoken_texts(rally, None)
    asyncio.run(store_recording(url, CLUE.slug, "fr", texts[CLUE, "fr"]))
    code, out, _ = run_voices(tmp_path / "rally.yaml", url, VoicesRequest(as_json=True))
    report = json.loads(out)
    assert code == 0
    assert report["recorded_from"] == "database"
    fr = report["languages"][0]
    assert (fr["language"], fr["recorded"], fr["missing"]) == ("fr", 1, 3)
    assert {"key": "clue:gare", "language": "fr"} not in report["missing"]
    assert {"key": "clue:gare", "language": "ps"} in report["missing"]


def test_draft_makes_the_missing_drafts_and_names_the_languages_to_record(
    synthesiser: Tools, tmp_path: Path
) -> None:
    small_rally(tmp_path)
    url = sqlite_url(tmp_path / "var" / "rallye.sqlite3")

    code, out, err = run_voices(
        tmp_path / "rally.yaml", url, VoicesRequest(draft=True, texts=("clue:gare",))
    )

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("drafted 2 voice(s), ")
    assert lines[0].endswith(" KB (fr 1, en 1)")
    assert lines[1] == "no synthesiser voice for ps: record them with /record"
    assert [line.split()[:7] for line in lines[4:6]] == [
        ["fr", "4", "0", "0", "1", "3", "0"],
        ["en", "4", "0", "0", "1", "3", "0"],
    ]
    drafts = sorted(p.relative_to(tmp_path) for p in (tmp_path / "voices").rglob("*.ogg"))
    assert [str(p.parent) for p in drafts] == ["voices/voix/en", "voices/voix/fr"]

    code, out, _ = run_voices(tmp_path / "rally.yaml", url, VoicesRequest(draft=True))
    assert code == 0
    # the rest (hint, question, final words), the clue's drafts kept
    assert out.splitlines()[0].startswith("drafted 6 voice(s), ")
    assert len(list((tmp_path / "voices").rglob("*.ogg"))) == 8

    nowhere = VoicesRequest(draft=True, stages=("x",))
    code, _, err = run_voices(tmp_path / "rally.yaml", url, nowhere)
    assert (code, err) == (2, "rallye: rally voix has no stage x\n")
    nothing = VoicesRequest(draft=True, texts=("clue:musee",))
    code, _, err = run_voices(tmp_path / "rally.yaml", url, nothing)
    assert (code, err) == (2, "rallye: rally voix has no text clue:musee (clue:ID, final...)\n")


def test_i18n_check_reports_the_voices_and_missing_ones_never_fail_it(tmp_path: Path) -> None:
    rally = small_rally(tmp_path)
    out, err = io.StringIO(), io.StringIO()

    code = i18n_check([str(tmp_path / "rally.yaml")], out, err, final=lambda _rally: final_words)

    reports = check_languages(rally)
    assert code == (0 if all(report.complete for report in reports) else 1)  # voices aside
    lines = out.getvalue().splitlines()
    assert lines[:-4] == [line for report in reports for line in report.lines()]
    assert lines[-4:] == [
        "voices (`python -m bot voices`):",
        "  fr: 0 of 4 texts voiced, 4 missing",
        "  en: 0 of 4 texts voiced, 4 missing",
        "  ps: 0 of 2 texts voiced, 2 missing: no synthesiser voice, record them with /record",
    ]
