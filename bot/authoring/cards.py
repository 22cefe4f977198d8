"""`python -m bot cards import EXPORT --stage ID --into RALLY`: a stage's practical card filled
from public data, the State's *Annuaire de l'administration* (`bot.authoring.annuaire`).

The address, phone, website and opening hours of one record of the export are written into the
stage's `card:` in the rally file itself, the rest of the file kept as it was
(`bot.authoring.document`); nothing is written unless the edited file is still a valid rally.
Only the standard library is imported here: `python -m bot validate` must start fast.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from bot.authoring.annuaire import Office
    from bot.authoring.document import RallyDocument
    from bot.core.content import Card
    from bot.core.opening import Week

CARD_ORDER = ("address", "transit", "phone", "website", "opening", "hours", "bring", "words")
"""Where a new key of a card goes among those it has: its address first, its words last."""

SOURCE = "Annuaire de l'administration (Service-public.gouv.fr, DILA), Licence Ouverte 2.0"
"""The data's author and licence, which a reuse must credit."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `cards` command and its `import` sub-command."""
    cards = commands.add_parser(
        "cards",
        help="fill practical cards from public data (the Annuaire de l'administration)",
        description="Fill the practical cards of a rally file from public data.",
    )
    actions = cards.add_subparsers(dest="cards_action", metavar="ACTION", required=True)
    imported = actions.add_parser(
        "import",
        help="fill a stage's card from an export of the Annuaire de l'administration",
        description=(
            "Fill a stage's address, phone, website and opening hours from an export of the "
            "Annuaire de l'administration (api-lannuaire.service-public.fr, dataset "
            "api-lannuaire-administration, JSON). The rally file keeps its comments and order; "
            "nothing is written unless it is still valid. Nothing is downloaded."
        ),
    )
    imported.add_argument("file", type=Path, help="the export (JSON), downloaded beforehand")
    imported.add_argument("--stage", required=True, metavar="ID", help="the stage to fill")
    imported.add_argument(
        "--into", required=True, type=Path, metavar="RALLY", help="the rally file to edit"
    )
    choice = imported.add_mutually_exclusive_group()
    choice.add_argument("--id", dest="record_id", metavar="ID", help="the record's id")
    choice.add_argument("--name", help="a record whose name contains this (case aside)")
    imported.add_argument(
        "--dry-run", action="store_true", help="print what would change, write nothing"
    )
    imported.set_defaults(run=import_card)


@dataclass(frozen=True)
class Change:
    """One key of the card given a new value."""

    key: str
    before: str | None
    after: str
    label: str

    def line(self) -> str:
        """`phone: (none) → "36 46"`, for a dry run."""
        before = f'"{self.before}"' if self.before is not None else "(none)"
        return f"  {self.key}: {before} → {self.after}"


def import_card(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Fill the card; 0 done (or nothing to do), 1 a file or data problem, 2 a wrong choice."""
    from bot.authoring.annuaire import AnnuaireError, ChoiceError, choose, read_export
    from bot.authoring.document import DocumentError, RallyDocument
    from bot.core.rally_file import RallyFileError

    try:
        export = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"rallye: {args.file}: cannot read it ({exc})", file=err)
        return 1
    try:
        office = choose(read_export(export, str(args.file)), id_=args.record_id, name=args.name)
    except AnnuaireError as exc:
        for problem in exc.problems:
            print(f"rallye: {problem}", file=err)
        return 1
    except ChoiceError as exc:
        print(f"rallye: {args.file}: {exc}", file=err)
        return 2
    try:
        document = RallyDocument.read(args.into)
        before = document.validated()
    except DocumentError as exc:
        print(f"rallye: {exc}", file=err)
        return 1
    except RallyFileError as exc:
        print(f"rallye: {args.into} is not a valid rally yet, fix it first:", file=err)
        for invalid in exc.problems:
            print(f"  {invalid}", file=err)
        return 1
    ids = [stage.id for stage in before.stages]
    if args.stage not in ids:
        print(
            f"rallye: no stage '{args.stage}' in {args.into} (stages: {', '.join(ids)})", file=err
        )
        return 2
    index = ids.index(args.stage)
    card = before.stages[index].card
    changes = fill(document, ("stages", index), office, card)
    try:
        if args.dry_run:
            document.validated()
        else:
            document.write()
    except RallyFileError as exc:
        print(f"rallye: the card would make {args.into} invalid; nothing written:", file=err)
        for invalid in exc.problems:
            print(f"  {invalid}", file=err)
        return 1
    _report(args, office, card, changes, out)
    return 0


def fill(
    document: RallyDocument, stage: tuple[str | int, ...], office: Office, card: Card | None
) -> list[Change]:
    """Write the office's address, phone, website and opening hours into the stage's card
    (created if the stage has none); what the record does not give is left as it is."""
    from bot.core.content import Stage

    card_path = (*stage, "card")
    if card is None:
        _make_room(document.get(stage), "card", tuple(Stage.model_fields))
        document.set(card_path, _mapping())
    changes: list[Change] = []
    for key, value, before in (
        ("address", office.address, card.address if card else None),
        ("phone", office.phone, card.phone if card else None),
        ("website", office.website, card.website if card else None),
    ):
        if value is not None and value != before:
            _make_room(document.get(card_path), key, CARD_ORDER)
            document.set((*card_path, key), value)
            changes.append(Change(key, before, f'"{value}"', key))
    week = office.week
    if week.open_days and (card is None or card.week != week):
        _make_room(document.get(card_path), "opening", CARD_ORDER)
        document.set((*card_path, "opening"), _slots(week))
        document.get((*card_path, "opening")).fa.set_block_style()  # a slot a line
        was = _week_text(card.week) if card and card.opening else None
        days = len(week.open_days)
        label = f"opening hours ({days} day{'s' if days > 1 else ''})"
        changes.append(Change("opening", was, _week_text(week), label))
    return changes


def _mapping(items: dict[str, str] | None = None) -> Any:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return CommentedMap((key, DoubleQuotedScalarString(v)) for key, v in (items or {}).items())


def _slots(week: Week) -> list[Any]:
    """The week as the rally file writes it: `- {days: "mon-fri", hours: "08:30-12:00, ..."}`."""
    from bot.core.opening import days_text, hours_text

    slots = []
    for days, ranges in week.runs():
        slot = _mapping({"days": days_text(days), "hours": hours_text(ranges)})
        slot.fa.set_flow_style()
        slots.append(slot)
    return slots


def _week_text(week: Week) -> str:
    from bot.core.opening import days_text, hours_text

    return "; ".join(f"{days_text(days)} {hours_text(ranges)}" for days, ranges in week.runs())


def _make_room(mapping: Any, key: str, order: tuple[str, ...]) -> None:
    """Give a new key its place among a mapping's keys (after those before it in `order`),
    so the file reads in the usual order; `RallyDocument.set` then writes its value."""
    if key in mapping:
        return
    earlier = set(order[: order.index(key)])
    position = max((i + 1 for i, present in enumerate(mapping) if present in earlier), default=0)
    mapping.insert(position, key, None)


def _report(
    args: argparse.Namespace,
    office: Office,
    card: Card | None,
    changes: list[Change],
    out: TextIO,
) -> None:
    """What was filled, what the record lacks, and what the organiser should still check."""
    missing = [
        label
        for label, value in (
            ("address", office.address),
            ("phone", office.phone),
            ("website", office.website),
            ("opening hours", office.week.open_days),
        )
        if not value
    ]
    lacks = f" (not in the record: {', '.join(missing)})" if missing else ""
    if not changes:
        print(f"{args.stage}: nothing to change{lacks}", file=out)
    else:
        filled = ", ".join(change.label for change in changes)
        would = " (dry run: nothing written)" if args.dry_run else ""
        print(f"{args.stage}: {filled}{lacks}{would}", file=out)
    if args.dry_run:
        for change in changes:
            print(change.line(), file=out)
    if office.postal_only:
        print(
            "  note: the record gives a postal address only: the address is left as it is", file=out
        )
    for note in office.notes:
        print(f"  note: the annuaire says ({note}): write it in card.hours if it matters", file=out)
    if card is not None and card.hours and any(c.key == "opening" for c in changes):
        said = next(iter(card.hours.values()))
        print(f'  check: card.hours still says "{said}"', file=out)
    modified = f", changed {office.modified}" if office.modified else ""
    print(f"  source: {SOURCE}; record {office.id}{modified}", file=out)
