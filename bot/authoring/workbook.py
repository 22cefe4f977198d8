"""A workbook as plain tables: sheets of rows of cell texts, read from an `.xlsx` file or from a
folder of CSV files alike, and written to either.

Nothing here knows about rallies (`bot.authoring.sheet_layout` does). A cell read back is always
text, whatever the spreadsheet made of it (a number typed in Excel, a date), so that the XLSX
and the CSV readers give the same tables; every cell has its address in spreadsheet notation
(`Texts!D14`), which each error of an import names.

CSV files are UTF-8 with a byte-order mark (Excel then opens Arabic, Dari and Pashto right) and
comma-separated; a file saved again by a French Excel, with semicolons, reads as well.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

CellValue = str | int | float | None
"""What an exported cell holds: numbers stay numbers in a workbook."""

CSV_ENCODING = "utf-8-sig"
"""UTF-8 with a byte-order mark: how Excel knows a CSV file is UTF-8."""


class WorkbookError(Exception):
    """A workbook that cannot be read or written; the message says which file and why."""


def column_letter(index: int) -> str:
    """A column's letters from its index counted from 0: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def cell_text(value: object) -> str:
    """A cell's value as text: numbers without a useless `.0`, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    text = str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Table:
    """One sheet read back: its name and its rows of cell texts, the header row first."""

    name: str
    rows: tuple[tuple[str, ...], ...]

    @property
    def header(self) -> tuple[str, ...]:
        """The first row's cells, trimmed."""
        return tuple(cell.strip() for cell in self.rows[0]) if self.rows else ()

    def cell(self, row: int, column: int) -> str:
        """The text of a cell by its row and column counted from 0 ("" past the row's end)."""
        cells = self.rows[row]
        return cells[column] if column < len(cells) else ""

    def address(self, row: int, column: int) -> str:
        """A cell in spreadsheet notation, rows and columns counted from 0: `Texts!D14`."""
        return f"{self.name}!{column_letter(column)}{row + 1}"


def _trimmed(rows: Iterable[Sequence[object]]) -> tuple[tuple[str, ...], ...]:
    """Rows as texts, without the empty cells at their end nor the empty rows at the end."""
    out: list[tuple[str, ...]] = []
    for row in rows:
        cells = [cell_text(value) for value in row]
        while cells and not cells[-1].strip():
            cells.pop()
        out.append(tuple(cells))
    while out and not out[-1]:
        out.pop()
    return tuple(out)


def read_tables(source: Path) -> dict[str, Table]:
    """The tables of an `.xlsx` workbook, of a folder of CSV files (one per sheet, named after
    it), or of one CSV file (the sheet its name says), by sheet name."""
    if source.is_dir():
        files = sorted(source.glob("*.csv"))
        if not files:
            raise WorkbookError(f"{source}: no .csv file in this folder")
        return {file.stem: _read_csv(file) for file in files}
    if not source.is_file():
        raise WorkbookError(f"{source}: no such file or folder")
    suffix = source.suffix.lower()
    if suffix == ".csv":
        return {source.stem: _read_csv(source)}
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(source)
    raise WorkbookError(f"{source}: not an .xlsx workbook, a .csv file nor a folder of them")


def _read_csv(file: Path) -> Table:
    try:
        text = file.read_bytes().decode(CSV_ENCODING)
    except OSError as exc:
        raise WorkbookError(f"{file}: cannot read it ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise WorkbookError(f'{file}: not UTF-8 text (in Excel, save it as "CSV UTF-8")') from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise WorkbookError(f"{file}: not a CSV file ({exc})") from exc
    return Table(file.stem, _trimmed(rows))


def _read_xlsx(file: Path) -> dict[str, Table]:
    from zipfile import BadZipFile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    with warnings.catch_warnings():
        # a workbook saved by Excel or LibreOffice may carry extensions openpyxl skips with a
        # warning (conditional formats, its own validations): only the cells' values matter here
        warnings.simplefilter("ignore", UserWarning)
        try:
            book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (OSError, BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
            raise WorkbookError(f"{file}: not a readable .xlsx workbook ({exc})") from exc
        try:
            return {
                sheet.title: Table(sheet.title, _trimmed(sheet.iter_rows(values_only=True)))
                for sheet in book.worksheets
            }
        finally:
            book.close()


@dataclass(frozen=True)
class Column:
    """How an exported column looks: its header, width (in characters) and cell style."""

    header: str
    width: int = 14
    wrap: bool = False
    right_to_left: bool = False
    """Aligned right, read right to left (Arabic, Dari, Pashto)."""
    choices: tuple[str, ...] = ()
    """Offered in a drop-down list on each cell (any other value is refused as typed)."""
    colours: tuple[tuple[str, str], ...] = ()
    """A background colour (RGB hex) for the cells holding a value: `(("stale", "FFD8A8"),)`."""


@dataclass(frozen=True)
class Sheet:
    """One sheet to write: its columns and rows, and the first cell that scrolls (the rows
    above it and the columns to its left stay in view)."""

    name: str
    columns: tuple[Column, ...]
    rows: Sequence[Sequence[CellValue]] = field(default_factory=tuple)
    frozen: str = "B2"


HEADER_FILL = "DDE4EE"


def write_xlsx(sheets: Sequence[Sheet], path: Path) -> None:
    """Write the sheets as one `.xlsx` workbook (replacing the file)."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.styles.differential import DifferentialStyle
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    bold = Font(bold=True)
    header_fill = PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
    for sheet in sheets:
        page = book.create_sheet(sheet.name)
        page.append([column.header for column in sheet.columns])
        for row in sheet.rows:
            page.append(list(row))
        last_row = max(len(sheet.rows) + 1, 2)
        for index, column in enumerate(sheet.columns):
            letter = column_letter(index)
            page.column_dimensions[letter].width = column.width
            title = page.cell(row=1, column=index + 1)
            title.font = bold
            title.fill = header_fill
            alignment = Alignment(
                wrap_text=column.wrap,
                vertical="top",
                horizontal="right" if column.right_to_left else None,
                readingOrder=2 if column.right_to_left else 0,
            )
            for (cell,) in page.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.alignment = alignment
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # a text, never a formula
            cells = f"{letter}2:{letter}{last_row}"
            if column.choices:
                listed = DataValidation(
                    type="list",
                    formula1='"' + ",".join(column.choices) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=column.header,
                    error="Choose one of: " + ", ".join(column.choices),
                )
                listed.add(cells)
                page.add_data_validation(listed)
            for value, colour in column.colours:
                fill = PatternFill("solid", start_color=colour, end_color=colour)
                marked = Rule(
                    type="cellIs",
                    operator="equal",
                    formula=[f'"{value}"'],
                    dxf=DifferentialStyle(fill=fill),
                )
                page.conditional_formatting.add(cells, marked)
        page.freeze_panes = sheet.frozen
        page.auto_filter.ref = f"A1:{column_letter(len(sheet.columns) - 1)}{last_row}"
    try:
        book.save(path)
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot write it ({exc.strerror or exc})") from exc


def write_csv(sheets: Sequence[Sheet], folder: Path) -> list[Path]:
    """Write each sheet as `<folder>/<name>.csv` (the folder made if needed); the files."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for sheet in sheets:
            file = folder / f"{sheet.name}.csv"
            with file.open("w", encoding=CSV_ENCODING, newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([column.header for column in sheet.columns])
                writer.writerows([cell_text(value) for value in row] for row in sheet.rows)
            written.append(file)
    except OSError as exc:
        raise WorkbookError(f"{folder}: cannot write it ({exc.strerror or exc})") from exc
    return written
