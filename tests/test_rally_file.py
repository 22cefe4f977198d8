"""`python -m bot validate`: the default rally is accepted, broken files get located errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import validate
from bot.core.rally_file import RallyFileError, load_rally, parse_rally

HERE = Path(__file__).parent
BROKEN = HERE / "rally_files" / "broken"
DEFAULT_RALLY = HERE.parent / "data" / "stages.yaml"

EXPECTED = {
    "syntax.yaml": [
        "syntax.yaml:4: YAML syntax: a { ... } list of values is not closed, or a text inside it "
        "needs quotes (did not find expected ',' or '}')"
    ],
    "unknown_keys.yaml": [
        "unknown_keys.yaml:5: rally.colour: unknown key",
        "unknown_keys.yaml:7: stages[0].clue: required field missing",
        "unknown_keys.yaml:10: stages[0].location.radius: unknown key (did you mean 'radius_m'?)",
        "unknown_keys.yaml:10: stages[0].location.radius_m: required field missing",
        "unknown_keys.yaml:11: stages[0].clues: unknown key (did you mean 'clue'?)",
    ],
    "missing_fields.yaml": [
        "missing_fields.yaml:1: rally.title: required field missing",
        "missing_fields.yaml:5: stages[0].kind: required field missing",
        "missing_fields.yaml:10: stages[0].questions[0].prompt: required field missing",
    ],
    "duplicates.yaml": [
        "duplicates.yaml:7: teams[1].code: duplicate join code 'pariou' (first at teams[0].code)",
        "duplicates.yaml:21: stages[1].id: duplicate stage id 'cathedral' (first at stages[0].id)",
        "duplicates.yaml:24: stages[1].checkin_code: duplicate check-in code ' VOLVIC ' "
        "(first at stages[0].checkin_code)",
        "duplicates.yaml:27: stages[1].questions[0].id: duplicate question id 'q-one' "
        "(first at stages[0].questions[0].id)",
    ],
    "coordinates.yaml": [
        "coordinates.yaml:9: stages[0].location.lat: 95.0 is above the maximum 90.0",
        "coordinates.yaml:9: stages[0].location.lon: -200.0 is below the minimum -180.0",
        "coordinates.yaml:14: stages[1].location.radius_m: 5 is below the minimum 10",
        "coordinates.yaml:19: stages[2].location.radius_m: 5000 is above the maximum 2000",
    ],
    "no_checkin.yaml": [
        "no_checkin.yaml:6: stages[0]: no way to check in: give a location, a checkin_code, or both"
    ],
    "choice_answer.yaml": [
        "choice_answer.yaml:21: stages[0].questions[0].answer: answer 5: choices count from 1, "
        "and this question has 4 (answer 1 to 4)",
        "choice_answer.yaml:24: stages[0].questions[1].type: must be one of: choice, text, number",
    ],
    "privacy.yaml": [
        "privacy.yaml:11: privacy.controller: required field missing",
        "privacy.yaml:12: privacy.contact: 'TODO: l'adresse e-mail' is a placeholder: write the "
        "real detail",
        "privacy.yaml:13: privacy.legal_basis: must be 'public_task', 'consent' or "
        "'legitimate_interest'",
        "privacy.yaml:14: privacy.dpo: must not be empty",
    ],
    "default_language.yaml": [
        "default_language.yaml:11: stages[0].clue: text missing in the default language 'fr'",
        "default_language.yaml:16: stages[0].questions[0].prompt: language de is not in "
        "rally.languages (fr, en, ar)",
        "default_language.yaml:17: stages[0].questions[0].accepted: text missing in the default "
        "language 'fr'",
    ],
    "audio.yaml": [
        "audio.yaml:21: audio.clue:cpam.de: language de is not in rally.languages (fr, en)",
        "audio.yaml:22: audio.clue:cpma: 'clue:cpma' is not a text of this rally "
        "(did you mean 'clue:cpam'?)",
        "audio.yaml:24: audio.indice:cpam: 'indice:cpam' is not a text's key (clue:ID, card:ID, "
        "hint:ID:N, question:ID, announcement:KEY or final)",
        "audio.yaml:27: audio.hint:cpam:0.fr: no file voix/indice.mp3 next to the rally file",
        "audio.yaml:28: audio.hint:cpam:0.en: must be an OGG/Opus, MP3 or WAV file "
        "(.ogg, .opus, .oga, .mp3, .wav)",
    ],
}


def run_validate(path: Path, *, as_json: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = validate([str(path)], as_json, out, err)
    return code, out.getvalue(), err.getvalue()


def test_every_broken_file_is_covered() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_broken_file_gets_every_error_with_its_line(name: str) -> None:
    code, out, err = run_validate(BROKEN / name)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[:-1] == [f"{BROKEN}/{line}" for line in EXPECTED[name]]
    assert lines[-1] == f"{len(EXPECTED[name])} error(s) in {BROKEN / name}"


def test_a_missing_file_is_one_clear_error() -> None:
    code, _, err = run_validate(BROKEN / "nowhere.yaml")
    assert code == 1
    assert "nowhere.yaml:1: cannot read: No such file or directory" in err


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(RallyFileError, match="must be a mapping"):
        parse_rally("- just\n- a list\n", "list.yaml")


def test_the_default_rally_is_valid_and_summarised() -> None:
    code, out, err = run_validate(DEFAULT_RALLY)
    assert (code, err) == (0, "")
    assert "stages: 8" in out
    assert "teams: 6" in out
    assert "translated: fr 100%, en 100%, ar 100%" in out


def test_json_export_has_what_tools_need() -> None:
    code, out, _ = run_validate(DEFAULT_RALLY, as_json=True)
    assert code == 0
    data = json.loads(out)
    assert [team["code"] for team in data["teams"]] == [
        t.code for t in load_rally(DEFAULT_RALLY).teams
    ]
    assert all(team["name"] for team in data["teams"])
    for stage in data["stages"]:
        assert stage["id"]
        assert stage["location"] is None or set(stage["location"]) == {"lat", "lon", "radius_m"}
        assert "checkin_code" in stage
        assert stage["location"] or stage["checkin_code"]
        for question in stage["questions"]:
            assert {"choice": "answer", "text": "accepted", "number": "value"}[
                question["type"]
            ] in question


SECOND_CITY = HERE / "rally_files" / "second_city.yaml"


def test_several_rally_files_are_checked_together(tmp_path: Path) -> None:
    code, out, err = run_validate_many([DEFAULT_RALLY, SECOND_CITY])
    assert code == 0, err
    assert "OK: Rallye de l'intégration citoyenne" in out
    assert "OK: Rallye de la deuxième ville" in out

    # the same join code in two rallies, and a rally id used twice: each located
    clash = tmp_path / "clash.yaml"
    clash.write_text(SECOND_CITY.read_text(encoding="utf-8").replace("PONTS7", "puy63"))
    code, _, err = run_validate_many([DEFAULT_RALLY, clash, SECOND_CITY])
    assert code == 1
    lines = err.splitlines()
    assert f"{clash}:10: teams[0].code: PUY63 is already the join code of team" in lines[0]
    assert f"in {DEFAULT_RALLY}" in lines[0]
    assert lines[1] == (
        f"{SECOND_CITY}:4: rally.id: second-city is already the id of the rally in {clash}"
    )
    assert lines[-1].startswith("2 error(s) in ")


def run_validate_many(paths: list[Path]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = validate([str(path) for path in paths], False, out, err)
    return code, out.getvalue(), err.getvalue()


def rally_with(teams: str, info: str = "") -> str:
    """A small valid rally file with these `teams:` lines (and more `rally:` keys)."""
    return f"""rally:
  id: small
  title: {{fr: Rallye}}
  languages: [fr]{info}
privacy: {{controller: Rallye Test, contact: rallye@association.fr, legal_basis: consent}}
teams:
{teams}
stages:
  - id: jaude
    kind: heritage
    name: {{fr: Jaude}}
    location: {{lat: 45.77631, lon: 3.08217, radius_m: 80}}
    clue: {{fr: Allez-y.}}
"""


def test_team_names_that_look_the_same_are_refused_naming_both_teams() -> None:
    teams = """  - {name: Pariou}
  - {name: "Pаriou"}
  - {name: Sancy}
  - {name: "ＳＡＮＣＹ"}
  - {name: "Les Dômes"}
  - {name: "les domes\u200b"}
  - {name: Gergovie}"""
    with pytest.raises(RallyFileError) as raised:
        parse_rally(rally_with(teams), "teams.yaml")
    same = "players could take one team for the other"
    assert [str(problem) for problem in raised.value.problems] == [
        f"teams.yaml:8: teams[1].name: team name 'Pаriou' looks the same as 'Pariou' "
        f"(teams[0].name): {same}",
        f"teams.yaml:10: teams[3].name: team name 'ＳＡＮＣＹ' looks the same as 'Sancy' "
        f"(teams[2].name): {same}",
        f"teams.yaml:12: teams[5].name: team name 'les domes\u200b' looks the same as "
        f"'Les Dômes' (teams[4].name): {same}",
    ]


def test_a_team_may_leave_its_code_to_the_bot_and_teams_have_a_size() -> None:
    rally = parse_rally(rally_with("  - {name: Pariou}\n  - {name: Sancy, code: sancy63}"))
    assert [(team.name, team.code) for team in rally.teams] == [
        ("Pariou", None),  # made at random when the team is first stored
        ("Sancy", "SANCY63"),
    ]
    assert rally.rally.max_team_size == 8
    assert parse_rally(rally_with("  - {name: A}", "\n  max_team_size: 3")).rally.max_team_size == 3


@pytest.mark.parametrize(
    ("size", "message"), [(0, "0 is below the minimum 1"), (-2, "-2 is below")]
)
def test_a_team_size_must_be_positive(size: int, message: str) -> None:
    with pytest.raises(RallyFileError) as raised:
        parse_rally(rally_with("  - {name: A}", f"\n  max_team_size: {size}"), "size.yaml")
    assert str(raised.value).startswith(f"size.yaml:5: rally.max_team_size: {message}")


def test_teams_without_codes_in_several_files_do_not_clash(tmp_path: Path) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(rally_with("  - {name: Pariou}"), encoding="utf-8")
    second.write_text(rally_with("  - {name: Pariou}").replace("id: small", "id: other"))
    code, out, err = run_validate_many([first, second])
    assert (code, err) == (0, "")
    assert out.count("teams: 1") == 2


# ---------------------------------------------------------------- validation that helps


def _edited(tmp_path: Path, edit: Callable[[list[str]], None]) -> Path:
    lines = DEFAULT_RALLY.read_text(encoding="utf-8").split("\n")
    edit(lines)
    path = tmp_path / "stages.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _first(lines: list[str], prefix: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


def _errors(path: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert validate([str(path)], False, out, err) == 1
    return err.getvalue()


def test_a_deleted_translation_is_reported_with_its_line(tmp_path: Path) -> None:
    def drop_arabic_clue(lines: list[str]) -> None:
        stage = _first(lines, "  - id: cathedrale")
        clue = next(i for i in range(stage, len(lines)) if lines[i] == "    clue:")
        arabic = next(i for i in range(clue, clue + 12) if lines[i].startswith("      ar:"))
        del lines[arabic]

    path = _edited(tmp_path, drop_arabic_clue)
    out = io.StringIO()
    assert validate([str(path)], False, out, io.StringIO()) == 0
    report = out.getvalue()
    assert "ar 100%" not in report  # never rounded up to complete
    assert "ar: 1: stage.cathedrale.clue (line " in report
    assert "fa_AF:" not in report.split("missing texts")[1]


def test_a_language_without_any_text_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    text = (BROKEN.parent / "mini.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("languages: [fr, en, ar]", "languages: [fr, en, ar, uk]"))
    assert "rally.languages: 'uk' has no text at all" in _errors(path)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (  # a key indented one space too far
            lambda lines: lines.__setitem__(
                _first(lines, "    kind: "), " " + lines[_first(lines, "    kind: ")]
            ),
            "the indentation does not match the line above",
        ),
        (  # a key indented one space too little
            lambda lines: lines.__setitem__(
                _first(lines, "    kind: "), lines[_first(lines, "    kind: ")][1:]
            ),
            "the indentation does not match the line above",
        ),
        (  # a French text with ' : ' left without quotes
            lambda lines: lines.__setitem__(
                _first(lines, '    fr: "☔'),
                lines[_first(lines, '    fr: "☔')].replace('"', ""),
            ),
            "a text containing ':' must be in quotes",
        ),
        (
            lambda lines: lines.__setitem__(
                _first(lines, "    kind: "), "\t" + lines[_first(lines, "    kind: ")].strip()
            ),
            "a tab is used to indent: use spaces only",
        ),
    ],
    ids=["indented-too-far", "indented-too-little", "colon-unquoted", "tab"],
)
def test_yaml_syntax_errors_say_what_to_check(
    tmp_path: Path, edit: Callable[[list[str]], None], expected: str
) -> None:
    original = DEFAULT_RALLY.read_text(encoding="utf-8").split("\n")
    lines = list(original)
    edit(lines)
    changed = next(i for i, (a, b) in enumerate(zip(original, lines, strict=True)) if a != b)
    errors = _errors(_edited(tmp_path, edit))
    assert f"stages.yaml:{changed + 1}: YAML syntax: {expected}" in errors


def test_validate_json_into_head_ends_without_a_traceback() -> None:
    command = f"{sys.executable} -m bot validate --json {DEFAULT_RALLY} | head -3"
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.startswith("{")
    assert "Traceback" not in done.stderr
    assert "BrokenPipe" not in done.stderr


def test_validate_imports_only_what_it_needs() -> None:
    """What keeps `python -m bot validate` under a second (bench/RESULTS.md)."""
    probe = (
        "import sys; from bot.cli import main; main(['validate', sys.argv[1]]); "
        "heavy = [m for m in ('telegram', 'sqlalchemy', 'weasyprint', 'matplotlib', "
        "'openpyxl', 'ruamel.yaml', 'aiohttp') if m in sys.modules]; print('heavy', heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(DEFAULT_RALLY)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip().endswith("heavy []"), done.stdout
