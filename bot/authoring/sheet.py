"""`python -m bot sheet`: the rally as a spreadsheet, for organisers and translators.

    python -m bot sheet export data/stages.yaml --out rally.xlsx
    python -m bot sheet export data/stages.yaml --out rally-csv/     (one CSV file per sheet)
    python -m bot sheet import rally.xlsx --into data/stages.yaml    (or the CSV folder)

The sheets and what each cell may change: `bot.authoring.sheet_layout` and
`bot.authoring.sheet_import`. This module imports only the command line's needs: the work is
imported when a command runs (`python -m bot validate` starts in under a second).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

FORMATS = ("xlsx", "csv")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `sheet` command and its `export` and `import` sub-commands."""
    command = commands.add_parser(
        "sheet", help="the rally as a spreadsheet (XLSX or CSV): export it, import it back"
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="export|import")
    export = actions.add_parser(
        "export",
        help="write the rally's settings, teams, stages, questions and texts as sheets",
    )
    export.add_argument("rally", metavar="RALLY", help="the rally file, e.g. data/stages.yaml")
    export.add_argument(
        "--out",
        type=Path,
        required=True,
        help="an .xlsx file, or a folder (ending in /) for one CSV file per sheet",
    )
    export.add_argument(
        "--format",
        choices=FORMATS,
        help="xlsx or csv (default: from --out)",
    )
    export.set_defaults(run=run_export)
    back = actions.add_parser(
        "import",
        help="write a sheet's changes into the rally file (its comments kept); nothing is "
        "written if a cell is wrong",
    )
    back.add_argument(
        "source",
        type=Path,
        metavar="SHEET",
        help="the .xlsx file, the folder of CSV files, or one of them (e.g. Texts.csv)",
    )
    back.add_argument("--into", required=True, metavar="RALLY", help="the rally file to edit")
    back.add_argument(
        "--dry-run", action="store_true", help="only say what would change, write nothing"
    )
    back.set_defaults(run=run_import)


def _format(out: str, chosen: str | None) -> str | None:
    """The format to write: the one chosen, else from the path (None: cannot tell)."""
    as_folder = out.endswith(("/", "\\")) or Path(out).is_dir() or not Path(out).suffix
    guessed = "csv" if as_folder else ("xlsx" if out.lower().endswith(".xlsx") else None)
    if chosen is None:
        return guessed
    if chosen == "xlsx" and not out.lower().endswith(".xlsx"):
        return None
    if chosen == "csv" and not as_folder:
        return None
    return chosen


def run_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Export a rally file's sheets: 0 saying what was written; 1 if the rally file is not
    valid; 2 for a wrong --out."""
    from bot.authoring.sheet_export import Format, export_rally
    from bot.authoring.workbook import WorkbookError
    from bot.core.rally_file import RallyFileError, load_rally
    from bot.i18n.review import ReviewFileError, Reviews

    chosen = _format(str(args.out), args.format)
    if chosen is None:
        print(
            "rallye: --out must be an .xlsx file (--format xlsx) or a folder for the CSV files "
            "(--format csv), e.g. --out rally.xlsx or --out rally-csv/",
            file=err,
        )
        return 2
    try:
        rally = load_rally(args.rally)
        reviews = Reviews.of(args.rally)
    except RallyFileError as exc:
        for problem in exc.problems:
            print(problem, file=err)
        return 1
    except ReviewFileError as exc:
        print(f"rallye: {exc}", file=err)
        return 1
    try:
        exported = export_rally(rally, reviews, args.out, Format(chosen))
    except WorkbookError as exc:
        print(f"rallye: {exc}", file=err)
        return 1
    where = str(args.out) if chosen == "xlsx" else f"{args.out} ({len(exported.paths)} CSV files)"
    print(
        f"{where}: {exported.texts} texts in {exported.languages} languages, "
        f"with the rally's settings, teams, stages and questions",
        file=out,
    )
    return 0


def run_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Import a sheet into a rally file: 0 saying what changed ("no change" included); 1 with
    every error, one per line, and nothing written."""
    from bot.authoring.sheet_import import apply_import, prepare_import
    from bot.authoring.workbook import WorkbookError, read_tables

    rally_file = Path(args.into)
    try:
        tables = read_tables(args.source)
    except WorkbookError as exc:
        print(f"rallye: {exc}", file=err)
        return 1
    prepared = prepare_import(tables, rally_file, str(args.source))
    outcome = prepared.outcome
    if outcome.errors:
        if outcome.headline:
            print(outcome.headline, file=err)
        for line in outcome.errors:
            print(line, file=err)
        print(f"{len(outcome.errors)} error(s): nothing written", file=err)
        return 1
    if args.dry_run:
        print(f"{rally_file}: would change: {outcome.summary()} (nothing written)", file=out)
        return 0
    apply_import(prepared)
    print(f"{rally_file}: {outcome.summary()}", file=out)
    return 0
