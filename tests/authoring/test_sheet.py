"""`python -m bot sheet export|import`: the bundled rally as a spreadsheet and back, on a copy."""

from __future__ import annotations

import csv
import difflib
import io
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from bot.cli import main
from bot.core.content import ChoiceQuestion, Rally
from bot.core.rally_file import load_rally
from bot.core.texts import texts_by_key
from bot.i18n.review import Recorded, Reviews, ReviewState, review_path
from tests.bot.conftest import ADMIN_ID, open_world
from tests.bot.players import join

BUNDLED = Path(__file__).parents[2] / "data" / "stages.yaml"
NEW_CLUE_FR = "Cherchez la grande église noire en pierre de Volvic, place de la Victoire."
NEW_CLUE_AR = (
    "ابحثوا عن الكنيسة السوداء الكبيرة المبنية من حجر Volvic، في ساحة Place de la Victoire."
)


@pytest.fixture
def rally_file(tmp_path: Path) -> Path:
    """A copy of the bundled rally, which the tests edit."""
    copy = tmp_path / "stages.yaml"
    copy.write_bytes(BUNDLED.read_bytes())
    return copy


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`python -m bot ...`: its exit code, what it printed and its errors."""
    code = main(list(argv))
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def export(capsys: pytest.CaptureFixture[str], rally_file: Path, out: Path) -> None:
    code, printed, errors = run(capsys, "sheet", "export", str(rally_file), "--out", str(out))
    assert (code, errors) == (0, ""), errors
    rally = load_rally(rally_file)
    texts = len(texts_by_key(rally))
    assert f": {texts} texts in {len(rally.rally.languages)} languages" in printed


def header(sheet: Worksheet) -> list[str]:
    return [str(cell.value) for cell in sheet[1]]


def cell_of(sheet: Worksheet, key: str, column: str) -> str:
    """The coordinate of the cell in column `column` of the row for `key` (its id, key or
    setting)."""
    columns = header(sheet)
    index = columns.index(column)
    key_index = columns.index("id") if sheet.title == "Questions" else 0
    for row in sheet.iter_rows(min_row=2):
        if row[key_index].value == key:
            return str(row[0].offset(column=index).coordinate)
    raise LookupError(key)


def edit(workbook: Path, *edits: tuple[str, str, str, str | int | None]) -> None:
    """Set cells of an exported workbook: (sheet, row key, column header, value)."""
    book = openpyxl.load_workbook(workbook)
    for sheet_name, key, column, value in edits:
        sheet = book[sheet_name]
        sheet[cell_of(sheet, key, column)] = value
    book.save(workbook)


def some_states(rally_file: Path) -> bytes:
    """A states file as translators leave it: one text reviewed, one draft, one stale."""
    rally = load_rally(rally_file)
    texts = texts_by_key(rally)
    reviews = Reviews.of(rally_file)
    reviews.mark(texts["rally.title"], "en", Recorded.REVIEWED, rally.rally.title["fr"])
    cathedral = rally.stage("cathedrale")
    reviews.mark(texts["stage.cathedrale.name"], "ar", Recorded.DRAFT, cathedral.name["fr"])
    reviews.mark(texts["stage.cathedrale.clue"], "uk", Recorded.REVIEWED, "an older French clue")
    assert reviews.write(rally)
    return review_path(rally_file).read_bytes()


@pytest.mark.parametrize("out", ["rally.xlsx", "rally-csv/"])
def test_a_round_trip_without_an_edit_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path, out: str
) -> None:
    states = some_states(rally_file)
    before = rally_file.read_bytes()
    sheet = tmp_path / out
    export(capsys, rally_file, sheet)

    code, printed, errors = run(capsys, "sheet", "import", str(sheet), "--into", str(rally_file))

    assert (code, errors) == (0, "")
    assert printed == f"{rally_file}: no change\n"
    assert rally_file.read_bytes() == before
    assert review_path(rally_file).read_bytes() == states


def test_a_round_trip_writes_no_states_file_when_there_was_none(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    export(capsys, rally_file, tmp_path / "rally.xlsx")
    assert (
        run(capsys, "sheet", "import", str(tmp_path / "rally.xlsx"), "--into", str(rally_file))[0]
        == 0
    )
    assert rally_file.read_bytes() == BUNDLED.read_bytes()
    assert not review_path(rally_file).exists()


def test_the_texts_sheet_shows_each_translation_and_its_state(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    some_states(rally_file)
    export(capsys, rally_file, tmp_path / "rally.xlsx")
    book = openpyxl.load_workbook(tmp_path / "rally.xlsx")
    assert book.sheetnames == ["Rally", "Teams", "Stages", "Questions", "Texts"]
    texts = book["Texts"]
    columns = header(texts)
    assert columns[:6] == ["key", "purpose", "fr", "en", "en status", "ar"]
    assert "fr status" not in columns
    assert texts[cell_of(texts, "rally.title", "en status")].value == "reviewed"
    assert texts[cell_of(texts, "stage.cathedrale.name", "ar status")].value == "draft"
    assert texts[cell_of(texts, "stage.cathedrale.clue", "uk status")].value == "stale"
    assert texts[cell_of(texts, "stage.cathedrale.clue", "tr status")].value == "draft"  # no record
    sculptor = texts_by_key(load_rally(rally_file))["question.jaude-sculptor.accepted"]
    sculptors = [
        "Bartholdi",
        "Auguste Bartholdi",
        "Frédéric Auguste Bartholdi",
        "Frédéric-Auguste Bartholdi",
        "Bartoldi",
    ]
    assert texts[cell_of(texts, sculptor.key, "fr")].value == " | ".join(sculptors)
    # laid out for translators: the key, purpose and French stay in view, Arabic reads right to
    # left, a status is chosen from a list
    assert texts.freeze_panes == "D2"
    arabic = texts[cell_of(texts, "stage.cathedrale.clue", "ar")]
    assert arabic.alignment.readingOrder == 2
    assert arabic.alignment.horizontal == "right"
    assert arabic.alignment.wrap_text
    assert texts[cell_of(texts, "stage.cathedrale.clue", "en")].alignment.readingOrder == 0
    status_column = cell_of(texts, "rally.title", "ar status").rstrip("0123456789")
    (listed,) = [v for v in texts.data_validations.dataValidation if status_column in str(v.sqref)]
    assert listed.formula1 == '"draft,reviewed"'
    assert texts.column_dimensions["C"].width == 44
    rally_sheet = book["Rally"]
    assert header(rally_sheet) == ["setting", "value", "what it means"]
    assert rally_sheet[cell_of(rally_sheet, "scoring.attempt_penalty", "value")].value == 2
    assert rally_sheet[cell_of(rally_sheet, "rally.max_team_size", "value")].value == 8
    stages = book["Stages"]
    assert stages[cell_of(stages, "cathedrale", "lat")].value == 45.77873
    assert stages[cell_of(stages, "tram-a", "checkin_code")].value == "TRAMWAY"


def test_the_csv_files_are_utf8_with_a_byte_order_mark(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    export(capsys, rally_file, tmp_path / "rally-csv/")
    files = sorted(path.name for path in (tmp_path / "rally-csv").iterdir())
    assert files == ["Questions.csv", "Rally.csv", "Stages.csv", "Teams.csv", "Texts.csv"]
    raw = (tmp_path / "rally-csv" / "Texts.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfkey,purpose,fr,en,en status,ar,ar status")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    rally = load_rally(rally_file)
    title = rows[1]
    assert title[:3] == ["rally.title", title[1], rally.rally.title["fr"]]
    assert title[5] == rally.rally.title["ar"]


def edited_clues(capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path) -> str:
    """Export, edit the cathedral's French clue, and its Arabic clue marked reviewed, import;
    what the import printed."""
    workbook = tmp_path / "rally.xlsx"
    export(capsys, rally_file, workbook)
    edit(
        workbook,
        ("Texts", "stage.cathedrale.clue", "fr", NEW_CLUE_FR),
        ("Texts", "stage.cathedrale.clue", "ar", NEW_CLUE_AR),
        ("Texts", "stage.cathedrale.clue", "ar status", "reviewed"),
    )
    code, printed, errors = run(capsys, "sheet", "import", str(workbook), "--into", str(rally_file))
    assert (code, errors) == (0, ""), errors
    return printed


def test_an_edited_clue_changes_only_its_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    before = rally_file.read_text(encoding="utf-8").splitlines()
    old_clue = load_rally(rally_file).stage("cathedrale").clue

    printed = edited_clues(capsys, tmp_path, rally_file)

    # the Arabic one recorded reviewed, the eight others stale (no record yet: drafts of the
    # former French)
    assert printed == f"{rally_file}: 2 texts, 0 settings changed, 9 translation states recorded\n"
    after = rally_file.read_text(encoding="utf-8").splitlines()
    changed = [
        line
        for line in difflib.unified_diff(before, after, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        f'-      fr: "{old_clue["fr"]}"',
        f'+      fr: "{NEW_CLUE_FR}"',
        f'-      ar: "{old_clue["ar"]}"',
        f'+      ar: "{NEW_CLUE_AR}"',
    ]
    assert len(after) == len(before)  # the comments kept, every one
    rally = load_rally(rally_file)  # valid
    clue = rally.stage("cathedrale").clue
    assert (clue["fr"], clue["ar"]) == (NEW_CLUE_FR, NEW_CLUE_AR)
    text = texts_by_key(rally)["stage.cathedrale.clue"]
    reviews = Reviews.of(rally_file)
    states = {lang: reviews.state(text, lang, "fr") for lang in rally.rally.languages[1:]}
    assert states.pop("ar") is ReviewState.REVIEWED
    assert set(states.values()) == {ReviewState.STALE}
    assert len(states) == 8
    # the other texts are as they were: drafts
    name = texts_by_key(rally)["stage.cathedrale.name"]
    assert reviews.state(name, "en", "fr") is ReviewState.DRAFT


async def test_the_edited_clue_is_what_players_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    edited_clues(capsys, tmp_path, rally_file)
    rally = load_rally(rally_file)
    async for world in open_world(tmp_path, "sqlite", rally):
        admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="fr")
        nadia = world.user("Nadia", "fr")
        amina = world.user("Amina", "ar")
        await join(world, nadia, "PARU63")  # Pariou starts at the cathedral
        await join(world, amina, "PARU63")
        admin.send_command("go")
        await world.settle()
        assert NEW_CLUE_FR in world.texts(nadia)[-1]
        assert NEW_CLUE_AR in world.texts(amina)[-1]
        assert "Volvic" in world.texts(amina)[-1]


def test_a_csv_folder_imports_an_edit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    folder = tmp_path / "rally-csv"
    export(capsys, rally_file, folder / "")
    texts_file = folder / "Texts.csv"
    rows = list(csv.reader(io.StringIO(texts_file.read_text(encoding="utf-8-sig"))))
    columns = rows[0]
    (row,) = [row for row in rows if row[0] == "stage.cathedrale.clue"]
    row[columns.index("en")] = "Find the big black church on Place de la Victoire."
    row[columns.index("tr")] = ""  # the Turkish translation removed
    (accepted,) = [row for row in rows if row[0] == "question.jaude-sculptor.accepted"]
    accepted[columns.index("en")] = "Bartholdi | Auguste Bartholdi"
    with texts_file.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)

    code, printed, errors = run(capsys, "sheet", "import", str(folder), "--into", str(rally_file))

    assert (code, errors) == (0, "")
    assert printed.startswith(f"{rally_file}: 3 texts, 0 settings changed")
    rally = load_rally(rally_file)
    clue = rally.stage("cathedrale").clue
    assert clue["en"] == "Find the big black church on Place de la Victoire."
    assert "tr" not in clue
    located = rally.locate_question("jaude-sculptor")
    assert located is not None
    assert located[0].questions[located[1]].accepted["en"] == ("Bartholdi", "Auguste Bartholdi")
    assert '      en: ["Bartholdi", "Auguste Bartholdi"]' in rally_file.read_text(encoding="utf-8")
    # the edited English is a draft now; a CSV export again shows it
    text = texts_by_key(rally)["stage.cathedrale.clue"]
    assert Reviews.of(rally_file).state(text, "en", "fr") is ReviewState.DRAFT
    again = run(capsys, "sheet", "import", str(folder), "--into", str(rally_file))
    assert again == (0, f"{rally_file}: no change\n", "")  # the same sheet: nothing more to do


def test_settings_teams_stages_and_questions_are_written_with_their_types(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    workbook = tmp_path / "rally.xlsx"
    export(capsys, rally_file, workbook)
    edit(
        workbook,
        ("Rally", "scoring.hint_penalty", "value", 7),
        ("Rally", "rally.max_team_size", "value", "6"),  # typed as text: still a number
        ("Rally", "rally.starts_at", "value", "2025-06-14 09:30"),
        ("Rally", "route.policy", "value", "fixed"),
        ("Stages", "cathedrale", "radius_m", 90),
        ("Stages", "tram-a", "phone", "04 73 28 70 00"),
        ("Questions", "cath-stone", "points", 15),
        ("Questions", "tram-tyres", "answer", "1, 2"),  # two right choices
    )
    book = openpyxl.load_workbook(workbook)
    teams = book["Teams"]
    teams.delete_rows(2)  # Puy de Dôme leaves
    teams.append(["Chaîne des Puys", "CHNE63"])
    book.save(workbook)

    code, printed, errors = run(capsys, "sheet", "import", str(workbook), "--into", str(rally_file))

    assert (code, errors) == (0, ""), errors
    assert printed == f"{rally_file}: 0 texts, 11 settings changed\n"
    rally = load_rally(rally_file)
    assert rally.scoring.hint_penalty == 7
    assert rally.rally.max_team_size == 6
    assert rally.rally.starts_at is not None
    assert rally.rally.starts_at.isoformat() == "2025-06-14T09:30:00"
    assert rally.route.policy.value == "fixed"
    assert rally.stage("cathedrale").location.radius_m == 90
    assert rally.stage("tram-a").card.phone == "04 73 28 70 00"
    located = rally.locate_question("cath-stone")
    assert located is not None
    assert located[0].questions[located[1]].points == 15
    tyres = rally.locate_question("tram-tyres")
    assert tyres is not None
    assert tyres[0].questions[tyres[1]].answer == (1, 2)
    assert "        answer: [1, 2]\n" in rally_file.read_text(encoding="utf-8")
    assert [team.name for team in rally.teams] == [
        "Pariou",
        "Gergovie",
        "Volvic",
        "Sancy",
        "Montferrand",
        "Chaîne des Puys",
    ]
    assert rally.teams[-1].code == "CHNE63"
    text = rally_file.read_text(encoding="utf-8")
    assert "  hint_penalty: 7\n" in text  # a number, not a text
    assert "      radius_m: 90\n" in text
    assert "  starts_at: 2025-06-14 09:30:00\n" in text  # after the timezone, as documented
    assert text.index("  timezone: Europe/Paris\n") < text.index("  starts_at:")
    assert '  - name: "Chaîne des Puys"\n    code: "CHNE63"\n' in text
    teams_section = text.split("\nteams:\n")[1].split("\nstages:")[0]
    assert "PUY63" not in teams_section
    assert "# Six équipes" in text  # the comment above the teams kept


def cell_address(book: openpyxl.Workbook, sheet: str, key: str, column: str) -> str:
    return f"{sheet}!{cell_of(book[sheet], key, column)}"


def a_choice_question(rally: Rally) -> ChoiceQuestion:
    return next(
        question
        for stage in rally.stages
        for question in stage.questions
        if isinstance(question, ChoiceQuestion)
    )


def test_every_wrong_cell_is_named_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    states = some_states(rally_file)
    before = rally_file.read_bytes()
    workbook = tmp_path / "rally.xlsx"
    export(capsys, rally_file, workbook)
    question = a_choice_question(load_rally(rally_file))
    choices = len(question.choices)
    edit(
        workbook,
        ("Questions", "cath-stone", "points", "beaucoup"),
        ("Questions", question.id, "answer", choices + 1),
        ("Stages", "tram-a", "id", "tramway"),
        ("Texts", "stage.cathedrale.clue", "en status", "done"),
        ("Texts", "stage.cathedrale.clue", "en", "A good new clue, but the sheet has errors."),
    )
    book = openpyxl.load_workbook(workbook)
    texts = book["Texts"]
    bad_column = header(texts).index("tr") + 1
    texts.cell(row=1, column=bad_column, value="xx")
    book.save(workbook)

    code, printed, errors = run(capsys, "sheet", "import", str(workbook), "--into", str(rally_file))

    assert (code, printed) == (1, "")
    book = openpyxl.load_workbook(workbook)
    points = cell_address(book, "Questions", "cath-stone", "points")
    answer = cell_address(book, "Questions", question.id, "answer")
    stage = cell_address(book, "Stages", "tramway", "id")
    status = cell_address(book, "Texts", "stage.cathedrale.clue", "en status")
    header_cell = f"Texts!{texts.cell(row=1, column=bad_column).coordinate}"
    lines = errors.splitlines()
    assert sorted(lines[:-1]) == sorted(
        [
            f"{stage}: no stage 'tramway' in this rally: a row cannot add or rename a stage "
            "(write it in the rally file)",
            f"{points}: 'beaucoup' is not a whole number",
            f"{answer}: answer {choices + 1}: choices count from 1, this question has {choices}",
            f"{header_cell}: 'xx' is not one of the rally's languages "
            "(fr, en, ar, fa_AF, ps, ti, uk, ru, tr, bn); a new one is added to rally.languages "
            "in the Rally sheet first",
            f"{status}: 'done' is not a status: write draft or reviewed",
        ]
    )
    assert lines[-1] == "5 error(s): nothing written"
    assert rally_file.read_bytes() == before
    assert review_path(rally_file).read_bytes() == states


def test_an_edit_that_makes_the_rally_invalid_is_refused_with_its_cell(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    workbook = tmp_path / "rally.xlsx"
    export(capsys, rally_file, workbook)
    edit(
        workbook,
        ("Stages", "cathedrale", "radius_m", 5000),
        ("Stages", "tram-a", "checkin_code", ""),  # a stage with no way to check in
    )

    code, _, errors = run(capsys, "sheet", "import", str(workbook), "--into", str(rally_file))

    assert code == 1
    book = openpyxl.load_workbook(workbook)
    radius = cell_address(book, "Stages", "cathedrale", "radius_m")
    lines = errors.splitlines()
    rally = load_rally(rally_file)
    cathedral = rally.stages.index(rally.stage("cathedrale"))
    tram = rally.stages.index(rally.stage("tram-a"))
    assert lines[0] == f"{rally_file} would not be a valid rally file after this import:"
    assert any(
        line.startswith(f"{radius}: stages[{cathedral}].location.radius_m: ") for line in lines
    )
    assert any(f"stages[{tram}]" in line and "check in" in line for line in lines)
    assert lines[-1].endswith("nothing written")
    assert rally_file.read_bytes() == BUNDLED.read_bytes()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--out", "rally.ods"], "--out must be an .xlsx file"),
        (["--out", "rally.xlsx", "--format", "csv"], "--out must be an .xlsx file"),
    ],
)
def test_a_wrong_output_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], rally_file: Path, argv: list[str], message: str
) -> None:
    code, _, errors = run(capsys, "sheet", "export", str(rally_file), *argv)
    assert code == 2
    assert message in errors


def test_a_reviewer_changes_only_statuses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    some_states(rally_file)
    before = rally_file.read_bytes()
    workbook = tmp_path / "rally.xlsx"
    export(capsys, rally_file, workbook)
    edit(
        workbook,
        ("Texts", "stage.cathedrale.clue", "uk status", "reviewed"),  # stale: still right
        ("Texts", "rally.title", "en status", "draft"),  # to check again
        ("Texts", "stage.cathedrale.clue", "bn status", ""),  # blank: a draft, as it was
    )

    code, printed, errors = run(capsys, "sheet", "import", str(workbook), "--into", str(rally_file))

    assert (code, errors) == (0, "")
    assert printed == f"{rally_file}: 0 texts, 0 settings changed, 2 translation states recorded\n"
    assert rally_file.read_bytes() == before
    rally = load_rally(rally_file)
    texts = texts_by_key(rally)
    reviews = Reviews.of(rally_file)
    assert reviews.state(texts["stage.cathedrale.clue"], "uk", "fr") is ReviewState.REVIEWED
    assert reviews.state(texts["rally.title"], "en", "fr") is ReviewState.DRAFT
    assert reviews.state(texts["stage.cathedrale.clue"], "bn", "fr") is ReviewState.DRAFT
    assert "bn" not in reviews.records


def test_a_card_gets_its_website_and_opening_hours_from_the_sheet(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    workbook = tmp_path / "rally.xlsx"
    export(capsys, rally_file, workbook)
    hours = "mon-fri 08:30-12:00, 13:30-16:30; sat 09:00-12:00"
    edit(
        workbook,
        ("Stages", "cpam", "website", "https://www.ameli.fr"),
        ("Stages", "cpam", "opening", "lundi-vendredi 8h30-12:00, 13:30-16:30; sam 09:00-12:00"),
    )

    code, printed, errors = run(capsys, "sheet", "import", str(workbook), "--into", str(rally_file))

    assert (code, errors) == (0, ""), errors
    assert printed == f"{rally_file}: 0 texts, 2 settings changed\n"
    card = load_rally(rally_file).stage("cpam").card
    assert card is not None
    assert card.website == "https://www.ameli.fr"
    assert [(slot.days[0].code, str(slot.hours[0])) for slot in card.opening] == [
        ("mon", "08:30-12:00"),
        ("sat", "09:00-12:00"),
    ]
    text = rally_file.read_text(encoding="utf-8")
    assert (
        '      opening:\n        - days: "mon-fri"\n          hours: "08:30-12:00, 13:30-16:30"\n'
        '        - days: "sat"\n          hours: "09:00-12:00"\n'
    ) in text
    # exported again, the cell reads as the organiser would write it; imported again, no change
    export(capsys, rally_file, workbook)
    stages = openpyxl.load_workbook(workbook)["Stages"]
    assert stages[cell_of(stages, "cpam", "opening")].value == hours
    code, printed, _ = run(capsys, "sheet", "import", str(workbook), "--into", str(rally_file))
    assert (code, printed) == (0, f"{rally_file}: no change\n")


def test_wrong_opening_hours_say_what_to_write(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    workbook = tmp_path / "rally.xlsx"
    export(capsys, rally_file, workbook)
    edit(workbook, ("Stages", "cpam", "opening", "mon-fri 8:30-25:00"))

    code, _, errors = run(capsys, "sheet", "import", str(workbook), "--into", str(rally_file))

    assert code == 1
    cell = f"Stages!{cell_of(openpyxl.load_workbook(workbook)['Stages'], 'cpam', 'opening')}"
    assert errors.splitlines()[0] == f"{cell}: '25:00' is not a time of day (00:00 to 23:59)"
    assert rally_file.read_bytes() == BUNDLED.read_bytes()


def test_a_dry_run_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    workbook = tmp_path / "rally.xlsx"
    export(capsys, rally_file, workbook)
    edit(workbook, ("Texts", "stage.cathedrale.clue", "fr", NEW_CLUE_FR))
    argv = ("sheet", "import", str(workbook), "--into", str(rally_file), "--dry-run")

    code, printed, _ = run(capsys, *argv)

    assert code == 0
    assert printed.startswith(f"{rally_file}: would change: 1 text, 0 settings changed")
    assert rally_file.read_bytes() == BUNDLED.read_bytes()
    assert not review_path(rally_file).exists()


def test_a_file_that_is_no_workbook_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rally_file: Path
) -> None:
    fake = tmp_path / "rally.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")

    code, _, errors = run(capsys, "sheet", "import", str(fake), "--into", str(rally_file))

    assert code == 1
    assert errors.startswith(f"rallye: {fake}: not a readable .xlsx workbook")
    assert rally_file.read_bytes() == BUNDLED.read_bytes()
