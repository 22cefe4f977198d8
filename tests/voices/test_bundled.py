"""The bundled rally's drafts: its first stage heard in every language espeak-ng speaks."""

from __future__ import annotations

from pathlib import Path

from bot.core.rally_file import load_rally
from bot.core.voices import VoiceSource, stage_keys
from bot.voices.drafts import synthesiser_voice
from bot.voices.encode import Tools
from bot.voices.library import scan
from bot.voices.ogg import read_opus_file

DATA = Path(__file__).parents[2] / "data" / "stages.yaml"


def test_the_first_stage_has_a_current_draft_of_every_text_in_each_synthesised_language() -> None:
    rally = load_rally(DATA)
    first = rally.stages[0]  # team 1 starts there (route: rotate)
    found = scan(rally, rally.home, tools=Tools())
    drafts = {(v.key, v.language): v for v in found.voices if v.source is VoiceSource.SYNTHETIC}
    synthesised = [lang for lang in rally.rally.languages if synthesiser_voice(lang)]

    assert synthesised == ["fr", "en", "ar", "fa_AF", "uk", "ru", "tr", "bn"]
    missing = [
        f"{key.slug} ({language})"
        for key in stage_keys(first)
        for language in synthesised
        if (key, language) not in drafts
    ]
    assert missing == [], (
        "reworded texts: run `python -m bot voices --draft --stage office-tourisme --text final`"
    )
    assert found.problems == []
    assert found.outdated == []
    sizes = [v.path.stat().st_size for v in drafts.values()]
    assert sum(sizes) < 1_500_000
    assert all(read_opus_file(v.path).channels == 1 for v in drafts.values())
    assert all(v.duration_s >= 1 for v in drafts.values())
