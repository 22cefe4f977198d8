"""docs/privacy.md stays true: its data inventory lists every table and column of the models."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.content import RallyInfo
from bot.storage.models import Base

ROOT = Path(__file__).parents[1]
DOC = ROOT / "docs" / "privacy.md"
INVENTORY = "## The data inventory"
PERSONAL = ("yes", "linked", "no")
"""What the "personal" cell of a row may say."""
HOW_TO_LIST = (
    "(personal: yes, linked or no; what it holds and why; how long it is kept; who sees it)"
)
TABLE_HEADING = re.compile(r"^### `(\w+)`")
NAME = re.compile(r"`(\w+)`")


@dataclass(frozen=True)
class Row:
    """One column of a table as the inventory lists it."""

    line: int
    personal: str
    what: str
    kept: str
    seen_by: str


def inventory(text: str) -> dict[str, dict[str, Row]]:
    """The inventory's tables, each column's row by name (a column listed twice: ValueError)."""
    start = text.index(INVENTORY)
    end = text.find("\n## ", start + len(INVENTORY))
    lines = text[: end if end != -1 else len(text)].splitlines()
    listed: dict[str, dict[str, Row]] = {}
    table: str | None = None
    first_line = text[:start].count("\n")
    for number, line in enumerate(lines[first_line:], start=first_line + 1):
        if line.startswith("### "):
            heading = TABLE_HEADING.match(line)
            table = heading[1] if heading else None  # "### Known gaps" is no table
            if table is not None:
                listed.setdefault(table, {})
            continue
        if table is None or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "column" or set(cells[0]) <= {"-"}:  # the header and its rule
            continue
        if len(cells) != 5:
            raise ValueError(f"docs/privacy.md:{number}: a row needs 5 cells, not {len(cells)}")
        for column in NAME.findall(cells[0]):
            if column in listed[table]:
                raise ValueError(f"docs/privacy.md:{number}: `{table}.{column}` is listed twice")
            listed[table][column] = Row(number, cells[1], cells[2], cells[3], cells[4])
    return listed


@pytest.fixture(scope="module")
def listed() -> dict[str, dict[str, Row]]:
    return inventory(DOC.read_text(encoding="utf-8"))


MODELS = {name: set(table.columns.keys()) for name, table in Base.metadata.tables.items()}


def test_the_models_have_tables_to_compare() -> None:
    assert {"players", "checkins", "answers", "photos", "outbox", "inbox"} <= set(MODELS)


def test_every_table_of_the_models_is_in_the_inventory(listed: dict[str, dict[str, Row]]) -> None:
    missing = [
        f"docs/privacy.md: add a section '### `{name}`' to the data inventory, with a row for "
        f"each of its columns ({', '.join(sorted(columns))}) {HOW_TO_LIST}"
        for name, columns in sorted(MODELS.items())
        if name not in listed
    ]
    gone = [
        f"docs/privacy.md: the data inventory lists a table `{name}` that "
        "bot/storage/models.py no longer has: remove its section"
        for name in sorted(set(listed) - set(MODELS))
    ]
    assert missing + gone == [], "\n".join(missing + gone)


def test_every_column_of_the_models_is_in_the_inventory(listed: dict[str, dict[str, Row]]) -> None:
    problems: list[str] = []
    for name, columns in sorted(MODELS.items()):
        rows = listed.get(name, {})
        problems += [
            f"docs/privacy.md: table `{name}` has a column `{column}` the data inventory does "
            f"not list: add it to a row of '### `{name}`' {HOW_TO_LIST}"
            for column in sorted(columns - set(rows))
            if name in listed  # a missing table is the test above's
        ]
        problems += [
            f"docs/privacy.md:{rows[column].line}: `{name}.{column}` is no longer in "
            "bot/storage/models.py: remove it from the data inventory"
            for column in sorted(set(rows) - columns)
        ]
    assert problems == [], "\n".join(problems)


def test_each_row_says_whether_it_is_personal_how_long_and_who_sees_it(
    listed: dict[str, dict[str, Row]],
) -> None:
    problems: list[str] = []
    for name, rows in sorted(listed.items()):
        for column, row in sorted(rows.items()):
            where = f"docs/privacy.md:{row.line}: `{name}.{column}`"
            if row.personal not in PERSONAL:
                problems.append(f"{where}: personal is {row.personal!r}, not one of {PERSONAL}")
            elif row.personal != "no" and not (row.what and row.kept and row.seen_by):
                problems.append(f"{where}: personal data needs why, how long and who sees it")
    assert problems == [], "\n".join(problems)


def test_the_positions_names_and_typed_words_are_listed_as_personal(
    listed: dict[str, dict[str, Row]],
) -> None:
    identifying = {
        ("players", "telegram_user_id"),
        ("players", "display_name"),
        ("checkins", "lat"),
        ("checkins", "lon"),
        ("team_progress", "last_lat"),
        ("answers", "given"),
        ("photos", "file_id"),
        ("outbox", "text"),
        ("inbox", "payload"),
    }
    said = {(table, column): listed[table][column].personal for table, column in identifying}
    assert said == dict.fromkeys(identifying, "yes")


def test_the_default_retention_is_the_rally_files() -> None:
    default = RallyInfo.model_fields["retention_days"].default
    text = DOC.read_text(encoding="utf-8")
    assert f"({default} by default" in text
    assert f"{default} days after the finish by default" in text


def test_the_readme_links_the_doc_from_personal_data() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Personal data", 1)[1].split("\n## ", 1)[0]
    assert "(docs/privacy.md)" in section


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda text: text.replace(", `voice` |", " |", 1),
            "table `players` has a column `voice` the data inventory does not list",
            id="a-column-missing",
        ),
        pytest.param(
            lambda text: text.replace("| `chat_id` | yes |", "| `chat_id`, `nickname` | yes |", 1),
            "`players.nickname` is no longer in bot/storage/models.py",
            id="a-column-gone",
        ),
    ],
)
def test_a_doc_out_of_step_with_the_models_is_told_what_to_change(change, message) -> None:
    listed = inventory(change(DOC.read_text(encoding="utf-8")))
    with pytest.raises(AssertionError, match=re.escape(message)):
        test_every_column_of_the_models_is_in_the_inventory(listed)
