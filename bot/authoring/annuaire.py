"""Reading an export of the State's *Annuaire de l'administration* (Service-public.gouv.fr,
DILA, Licence Ouverte 2.0): the address, phone, website and opening hours of public offices.

The dataset `api-lannuaire-administration` is served by Opendatasoft at
`api-lannuaire.service-public.fr`: its export is a JSON list of records, its `/records`
endpoint answers `{"total_count": ..., "results": [...]}`; both are read. Each record's nested
fields (`adresse`, `telephone`, `site_internet`, `plage_ouverture`) come as JSON text inside
the JSON, and are decoded here; a file with them already decoded is read too. Nothing is
fetched: the organiser downloads the export and names it.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.core.opening import (
    OpeningHoursError,
    TimeRange,
    Week,
    Weekday,
    day_span,
    days_text,
    parse_day,
    parse_time,
)

PHYSICAL = "Adresse"
"""`type_adresse` of the place itself (beside "Adresse postale", where letters go)."""


class AnnuaireError(Exception):
    """An export that cannot be read, with every problem found (one line each)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Office:
    """One public office of the annuaire, as a practical card needs it."""

    id: str
    name: str
    address: str | None
    """Where to go: the street address, postcode and town (not a postal-only address)."""
    phone: str | None
    website: str | None
    week: Week
    notes: tuple[str, ...] = ()
    """What the annuaire says beside the hours (in French): "sur rendez-vous l'après-midi"."""
    modified: str | None = None
    """When the annuaire last changed the record, as it writes it."""
    postal_only: bool = False
    """The record gives a postal address only (no street address to walk to)."""

    def label(self) -> str:
        """How a candidate is listed to the organiser: its id and name."""
        return f"{self.id}  {self.name}"


def read_export(text: str, source: str = "<export>") -> list[Office]:
    """The offices of an export's text; `AnnuaireError` listing what cannot be read."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnnuaireError(
            [f"{source}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]
        ) from exc
    records = data.get("results") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise AnnuaireError(
            [f'{source}: expected a list of records or {{"results": [...]}} (an annuaire export)']
        )
    offices: list[Office] = []
    problems: list[str] = []
    for number, record in enumerate(records, start=1):
        where = f"{source}: record {number}"
        if not isinstance(record, dict):
            problems.append(f"{where}: not a record (a JSON object)")
            continue
        if record.get("id"):
            where += f" ({record['id']})"
        try:
            offices.append(_office(record, where))
        except AnnuaireError as exc:
            problems += exc.problems
    if problems:
        raise AnnuaireError(problems)
    return offices


def _nested(record: dict[str, Any], field: str, where: str) -> list[dict[str, Any]]:
    """A nested field: JSON text (as exported) or already decoded; empty when absent."""
    value = record.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise AnnuaireError(
                [f"{where}: {field} is not valid JSON text (column {exc.colno}: {exc.msg})"]
            ) from exc
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise AnnuaireError([f"{where}: {field} must be a list of objects"])
    return value


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return " ".join(str(value).split()) if value is not None else ""


def _office(record: dict[str, Any], where: str) -> Office:
    problems: list[str] = []
    fields: dict[str, list[dict[str, Any]]] = {}
    for field in ("adresse", "telephone", "site_internet", "plage_ouverture"):
        try:
            fields[field] = _nested(record, field, where)
        except AnnuaireError as exc:
            problems += exc.problems
            fields[field] = []
    week, notes = Week.of(()), list[str]()
    try:
        week, notes = _opening(fields["plage_ouverture"])
    except OpeningHoursError as exc:
        problems.append(f"{where}: plage_ouverture: {exc}")
    if problems:
        raise AnnuaireError(problems)
    general = _text(record, "commentaire_plage_ouverture")
    address, postal_only = _address(fields["adresse"])
    return Office(
        id=_text(record, "id"),
        name=_text(record, "nom"),
        address=address,
        phone=_phone(fields["telephone"]),
        website=_website(fields["site_internet"]),
        week=week,
        notes=(*notes, general) if general else tuple(notes),
        modified=_text(record, "date_modification") or None,
        postal_only=postal_only,
    )


def _address(addresses: list[dict[str, Any]]) -> tuple[str | None, bool]:
    """The street address of the place, and whether the record has a postal one only."""
    physical = [a for a in addresses if _text(a, "type_adresse") == PHYSICAL]
    if not physical:
        return None, bool(addresses)
    first = physical[0]
    street = [_text(first, key) for key in ("complement1", "complement2", "numero_voie")]
    town = " ".join(filter(None, (_text(first, "code_postal"), _text(first, "nom_commune"))))
    written = ", ".join(part for part in (*street, town) if part)
    return written or None, False


def _phone(phones: list[dict[str, Any]]) -> str | None:
    """The first phone number (the annuaire lists the public one first)."""
    numbers = [_text(phone, "valeur") for phone in phones]
    return next((number for number in numbers if number), None)


def _website(sites: list[dict[str, Any]]) -> str | None:
    """The first website that is a web address."""
    for site in sites:
        address = _text(site, "valeur")
        if urlsplit(address).scheme in {"http", "https"}:
            return address
    return None


def _opening(slots: Iterable[dict[str, Any]]) -> tuple[Week, list[str]]:
    """The week of the `plage_ouverture` entries, and their comments (with their days)."""
    week: list[tuple[tuple[Weekday, ...], list[TimeRange]]] = []
    notes: list[str] = []
    for slot in slots:
        first = _text(slot, "nom_jour_debut")
        if not first:
            continue
        days = day_span(parse_day(first), parse_day(_text(slot, "nom_jour_fin") or first))
        ranges = []
        for pair in ("1", "2"):
            start = _text(slot, f"valeur_heure_debut_{pair}")
            end = _text(slot, f"valeur_heure_fin_{pair}")
            if start and end:
                ranges.append(TimeRange(parse_time(start), parse_time(end)))
            elif start or end:
                raise OpeningHoursError(
                    f"{days_text(days)}: an opening time without its closing time "
                    f"('{start or '?'}' to '{end or '?'}')"
                )
        if ranges:
            week.append((days, ranges))
        comment = _text(slot, "commentaire")
        if comment:
            notes.append(f"{days_text(days)}: {comment}")
    return Week.of(week), notes


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


class ChoiceError(Exception):
    """No record, or several, answer the organiser's choice; the message lists them."""


def choose(offices: Sequence[Office], *, id_: str | None, name: str | None) -> Office:
    """The office with this id, else the one whose name contains `name` (case and accents
    aside), else the export's only one; `ChoiceError` listing the candidates otherwise."""
    if id_ is not None:
        found = [office for office in offices if office.id == id_.strip()]
        if found:
            return found[0]
        raise ChoiceError(_listed(f"no record has the id {id_!r}", offices))
    candidates = list(offices)
    if name is not None:
        wanted = _folded(name)
        candidates = [office for office in offices if wanted in _folded(office.name)]
        if not candidates:
            raise ChoiceError(_listed(f"no record's name contains {name!r}", offices))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ChoiceError("the export has no record")
    matching = f" named like {name!r}" if name is not None else ""
    raise ChoiceError(
        _listed(
            f"{len(candidates)} records{matching}: choose one with --id (or --name)", candidates
        )
    )


def _listed(reason: str, offices: Sequence[Office], most: int = 20) -> str:
    lines = [reason] + [f"  {office.label()}" for office in offices[:most]]
    if len(offices) > most:
        lines.append(f"  ... and {len(offices) - most} more (narrow it with --name)")
    return "\n".join(lines)
