"""A rally file as a spreadsheet: the sheets `bot.authoring.sheet_layout` describes, filled from
the rally and its translation states, written as an `.xlsx` workbook or a folder of CSV files."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from bot.authoring.sheet_layout import (
    QUESTION_COLUMNS,
    QUESTION_ID,
    QUESTION_STAGE,
    QUESTION_TYPE,
    SETTINGS,
    STAGE_COLUMNS,
    STAGE_ID,
    STATUSES,
    TEAM_COLUMNS,
    TEXT_KEY,
    TEXT_PURPOSE,
    Kind,
    SheetName,
    model_value,
    shown,
    status_header,
)
from bot.authoring.workbook import CellValue, Column, Sheet, write_csv, write_xlsx
from bot.core.content import Rally
from bot.core.texts import rally_texts
from bot.i18n.catalogs import writes_right_to_left
from bot.i18n.review import Reviews, ReviewState


class Format(enum.StrEnum):
    """How the sheets are written."""

    XLSX = "xlsx"
    CSV = "csv"
    """One CSV file per sheet, in a folder."""


STATUS_COLOURS = (
    (ReviewState.DRAFT.value, "FFF3BF"),
    (ReviewState.REVIEWED.value, "D3F9D8"),
    (ReviewState.STALE.value, "FFD8A8"),
)
"""Status cells coloured by what they say: a translator sees at once what is left to do."""

_WIDTHS = {
    Kind.TEXT: 30,
    Kind.CODE: 14,
    Kind.WORD: 12,
    Kind.WHOLE: 10,
    Kind.NUMBER: 11,
    Kind.MOMENT: 18,
    Kind.LANGUAGES: 30,
    Kind.CHOICE_NUMBERS: 9,
    Kind.OPENING: 36,
}


def _column(name: str, kind: Kind, choices: tuple[str, ...] = ()) -> Column:
    wide = kind in {Kind.TEXT, Kind.OPENING, Kind.LANGUAGES}
    return Column(name, width=_WIDTHS[kind], wrap=wide, choices=choices)


def rally_sheet(rally: Rally) -> Sheet:
    """The Rally sheet: one row per setting."""
    rows = [
        (setting.name, shown(setting.kind, model_value(rally, setting.path)), setting.meaning)
        for setting in SETTINGS
    ]
    columns = (
        Column("setting", width=28),
        Column("value", width=40, wrap=True),
        Column("what it means", width=80, wrap=True),
    )
    return Sheet(SheetName.RALLY, columns, rows)


def teams_sheet(rally: Rally) -> Sheet:
    """The Teams sheet: one row per team."""
    rows = [
        tuple(shown(column.kind, model_value(team, column.path)) for column in TEAM_COLUMNS)
        for team in rally.teams
    ]
    columns = (Column("name", width=28), Column("code", width=14))
    return Sheet(SheetName.TEAMS, columns, rows)


def stages_sheet(rally: Rally) -> Sheet:
    """The Stages sheet: one row per stage, its scalars and its card's."""
    rows = [
        (
            stage.id,
            *(shown(column.kind, model_value(stage, column.path)) for column in STAGE_COLUMNS),
        )
        for stage in rally.stages
    ]
    columns = (
        Column(STAGE_ID, width=22),
        *(_column(column.name, column.kind, column.choices) for column in STAGE_COLUMNS),
    )
    return Sheet(SheetName.STAGES, columns, rows)


def questions_sheet(rally: Rally) -> Sheet:
    """The Questions sheet: one row per question, in the stages' order."""
    rows = [
        (
            stage.id,
            question.id,
            question.type,
            *(
                shown(column.kind, model_value(question, column.path))
                for column in QUESTION_COLUMNS
            ),
        )
        for stage in rally.stages
        for question in stage.questions
    ]
    columns = (
        Column(QUESTION_STAGE, width=22),
        Column(QUESTION_ID, width=22),
        Column(QUESTION_TYPE, width=9),
        *(_column(column.name, column.kind, column.choices) for column in QUESTION_COLUMNS),
    )
    return Sheet(SheetName.QUESTIONS, columns, rows, frozen="C2")


def texts_sheet(rally: Rally, reviews: Reviews) -> Sheet:
    """The Texts sheet: one row per text, a column per language and a status beside each
    translation; the key, the purpose and the default language stay in view."""
    default = rally.default_language
    others = [language for language in rally.rally.languages if language != default]
    columns = [
        Column(TEXT_KEY, width=30),
        Column(TEXT_PURPOSE, width=34, wrap=True),
        Column(default, width=44, wrap=True, right_to_left=writes_right_to_left(default)),
    ]
    for language in others:
        columns.append(
            Column(language, width=44, wrap=True, right_to_left=writes_right_to_left(language))
        )
        columns.append(
            Column(status_header(language), width=11, choices=STATUSES, colours=STATUS_COLOURS)
        )
    rows: list[list[CellValue]] = []
    for text in rally_texts(rally):
        row: list[CellValue] = [text.key, text.purpose, text.values.get(default)]
        for language in others:
            state = reviews.state(text, language, default)
            row.append(text.values.get(language))
            row.append(None if state is ReviewState.MISSING else state.value)
        rows.append(row)
    return Sheet(SheetName.TEXTS, tuple(columns), rows, frozen="D2")


def rally_sheets(rally: Rally, reviews: Reviews) -> list[Sheet]:
    """Every sheet of the rally's workbook, in order."""
    return [
        rally_sheet(rally),
        teams_sheet(rally),
        stages_sheet(rally),
        questions_sheet(rally),
        texts_sheet(rally, reviews),
    ]


@dataclass(frozen=True)
class Exported:
    """What an export wrote."""

    paths: tuple[Path, ...]
    texts: int
    languages: int


def export_rally(rally: Rally, reviews: Reviews, out: Path, form: Format) -> Exported:
    """Write the rally's sheets to `out`: a workbook, or a folder of CSV files."""
    sheets = rally_sheets(rally, reviews)
    if form is Format.XLSX:
        write_xlsx(sheets, out)
        paths: tuple[Path, ...] = (out,)
    else:
        paths = tuple(write_csv(sheets, out))
    return Exported(paths, len(sheets[-1].rows), len(rally.rally.languages))
