"""The rally as a spreadsheet: its sheets, their columns and what each cell holds, shared by
the export (`bot.authoring.sheet_export`) and the import (`bot.authoring.sheet_import`).

- **Rally**: one row per setting of the rally file (`setting | value | what it means`).
- **Teams**: one row per team (`name | code`); rows may be added and removed.
- **Stages**: one row per stage, its scalar fields (`id | kind | lat | lon | ...`).
- **Questions**: one row per question, its scalar fields (`stage | id | type | topic | ...`).
- **Texts**: one row per text players read, a column per language and, but for the default
  language, a status column beside it (`en status`: draft, reviewed or stale).

A cell shows a value as an organiser writes it (`fr, en, ar`; `1, 3`;
`mon-fri 08:30-12:00, 13:30-16:30; sat 09:00-12:00`) and is read back by its `Kind`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.content import Card, LegalBasis, RoutePolicy, StageKind, Topic
from bot.core.opening import OpeningHoursError, days_text, hours_text, parse_days, parse_hours
from bot.core.texts import YamlPath
from bot.i18n.review import Recorded, ReviewState


class SheetName(enum.StrEnum):
    """The sheets of a rally's workbook (and the CSV files of its folder), in their order."""

    RALLY = "Rally"
    TEAMS = "Teams"
    STAGES = "Stages"
    QUESTIONS = "Questions"
    TEXTS = "Texts"


class Kind(enum.Enum):
    """What a cell holds, which says how it is shown, read back and written to the file."""

    TEXT = "text"
    CODE = "code"
    """A join code: compared in capitals, as the bot reads it."""
    WORD = "word"
    """One of a few words (`Scalar.choices`)."""
    WHOLE = "whole number"
    NUMBER = "number"
    MOMENT = "date and time"
    LANGUAGES = "languages"
    CHOICE_NUMBERS = "choice numbers"
    """The right choice(s) of a choice question, counted from 1: `2` or `1, 3`."""
    OPENING = "opening hours"


@dataclass(frozen=True)
class Scalar:
    """One value of the rally file a cell shows: its column (or setting) name, its path from
    what the row stands for (the rally, a stage, a question) and its kind."""

    name: str
    path: YamlPath
    kind: Kind
    meaning: str = ""
    choices: tuple[str, ...] = ()


def _words(kind: type[enum.StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in kind)


SETTINGS: tuple[Scalar, ...] = (
    Scalar(
        "rally.id",
        ("rally", "id"),
        Kind.TEXT,
        "the rally's short name: lowercase letters, digits and dashes; every stored record "
        "carries it, so never change it once teams have played",
    ),
    Scalar(
        "rally.default_language",
        ("rally", "default_language"),
        Kind.TEXT,
        "the language every text is written in first (its column in Texts has no status): "
        "a missing translation shows this one",
    ),
    Scalar(
        "rally.languages",
        ("rally", "languages"),
        Kind.LANGUAGES,
        "the languages players choose from, separated by commas; a new one also needs its "
        "column in Texts (code as header) and its status column",
    ),
    Scalar(
        "rally.timezone",
        ("rally", "timezone"),
        Kind.TEXT,
        "the rally's timezone, e.g. Europe/Paris: starts_at, ends_at and opening hours are "
        "read in it",
    ),
    Scalar(
        "rally.starts_at",
        ("rally", "starts_at"),
        Kind.MOMENT,
        "when the rally starts by itself (2025-06-14 09:30); empty: the organisers start it "
        "with /go",
    ),
    Scalar(
        "rally.ends_at",
        ("rally", "ends_at"),
        Kind.MOMENT,
        "when the rally ends by itself; empty: the organisers end it with /finish",
    ),
    Scalar(
        "rally.end_reminder_minutes",
        ("rally", "end_reminder_minutes"),
        Kind.WHOLE,
        "minutes before ends_at when the teams are reminded that the end is near",
    ),
    Scalar(
        "rally.idle_alert_minutes",
        ("rally", "idle_alert_minutes"),
        Kind.WHOLE,
        "minutes without news from a team before the organisers are alerted",
    ),
    Scalar(
        "rally.max_team_size",
        ("rally", "max_team_size"),
        Kind.WHOLE,
        "the most players a team may have: a join to a full team is refused",
    ),
    Scalar(
        "rally.retention_days",
        ("rally", "retention_days"),
        Kind.WHOLE,
        "days after the finish before the players' personal data is erased",
    ),
    Scalar(
        "rally.signed_by",
        ("rally", "signed_by"),
        Kind.TEXT,
        "who signs the certificates of participation; empty: privacy.controller",
    ),
    Scalar(
        "route.policy",
        ("route", "policy"),
        Kind.WORD,
        "fixed: every team goes through the stages in the same order; rotate: team 1 starts "
        "at stage 1, team 2 at stage 2... so that teams do not meet at a desk",
        _words(RoutePolicy),
    ),
    Scalar(
        "scoring.checkin_points",
        ("scoring", "checkin_points"),
        Kind.WHOLE,
        "points for reaching a stage",
    ),
    Scalar(
        "scoring.hint_penalty",
        ("scoring", "hint_penalty"),
        Kind.WHOLE,
        "points a hint costs (a hint may set its own)",
    ),
    Scalar(
        "scoring.attempt_penalty",
        ("scoring", "attempt_penalty"),
        Kind.WHOLE,
        "points a wrong answer costs before the right one",
    ),
    Scalar(
        "scoring.accuracy_cap_m",
        ("scoring", "accuracy_cap_m"),
        Kind.WHOLE,
        "the most GPS inaccuracy, in metres, given to a team checking in by its location",
    ),
    Scalar(
        "privacy.controller",
        ("privacy", "controller"),
        Kind.TEXT,
        "who runs the rally and decides about the players' data (prefecture, city, association)",
    ),
    Scalar(
        "privacy.contact",
        ("privacy", "contact"),
        Kind.TEXT,
        "where players ask about their data: an e-mail, a phone or a desk",
    ),
    Scalar(
        "privacy.legal_basis",
        ("privacy", "legal_basis"),
        Kind.WORD,
        "why the data may be processed: public_task (a public body), consent (each player "
        "agrees) or legitimate_interest",
        _words(LegalBasis),
    ),
    Scalar(
        "privacy.dpo",
        ("privacy", "dpo"),
        Kind.TEXT,
        "the data-protection officer's contact, if there is one (public bodies must have one)",
    ),
)
"""The Rally sheet's rows: the scalar settings of the file's rally, route, scoring and privacy
sections (texts such as the title are in Texts)."""

TEAM_NAME = Scalar("name", ("name",), Kind.TEXT)
TEAM_CODE = Scalar("code", ("code",), Kind.CODE)
TEAM_COLUMNS = (TEAM_NAME, TEAM_CODE)

STAGE_ID = "id"
LOCATION = (
    Scalar("lat", ("location", "lat"), Kind.NUMBER),
    Scalar("lon", ("location", "lon"), Kind.NUMBER),
    Scalar("radius_m", ("location", "radius_m"), Kind.WHOLE),
)
"""Given together or not at all: the check-in zone."""

_CARD_SCALARS = (
    Scalar("address", ("card", "address"), Kind.TEXT),
    Scalar("transit", ("card", "transit"), Kind.TEXT),
    Scalar("phone", ("card", "phone"), Kind.TEXT),
    Scalar("website", ("card", "website"), Kind.TEXT),
    Scalar("opening", ("card", "opening"), Kind.OPENING),
)
STAGE_COLUMNS: tuple[Scalar, ...] = (
    Scalar("kind", ("kind",), Kind.WORD, choices=_words(StageKind)),
    *LOCATION,
    Scalar("checkin_code", ("checkin_code",), Kind.TEXT),
    *(scalar for scalar in _CARD_SCALARS if scalar.path[-1] in Card.model_fields),
)
"""The Stages sheet's columns after `id`: the stage's scalars and its card's."""

QUESTION_STAGE = "stage"
QUESTION_ID = "id"
QUESTION_TYPE = "type"
QUESTION_COLUMNS: tuple[Scalar, ...] = (
    Scalar("topic", ("topic",), Kind.WORD, choices=_words(Topic)),
    Scalar("points", ("points",), Kind.WHOLE),
    Scalar("attempts", ("attempts",), Kind.WHOLE),
    Scalar("answer", ("answer",), Kind.CHOICE_NUMBERS),
    Scalar("value", ("value",), Kind.NUMBER),
    Scalar("tolerance", ("tolerance",), Kind.NUMBER),
)
"""The Questions sheet's columns after `stage`, `id` and `type` (which say what the row is)."""
ONLY_FOR = {"answer": "choice", "value": "number", "tolerance": "number"}
"""Columns only one type of question has."""

TEXT_KEY = "key"
TEXT_PURPOSE = "purpose"
STATUS_SUFFIX = " status"
STATUSES = tuple(state.value for state in Recorded)
"""What a status cell may be set to: draft, reviewed (stale is worked out, never chosen)."""
STATUS_WORDS = {
    "": ReviewState.DRAFT,  # a blank status: a draft, as a translation with no record is
    ReviewState.DRAFT.value: ReviewState.DRAFT,
    ReviewState.REVIEWED.value: ReviewState.REVIEWED,
    ReviewState.STALE.value: ReviewState.STALE,
}
"""A status cell's words, read back."""


def status_header(language: str) -> str:
    """The header of a language's status column: `en status`."""
    return language + STATUS_SUFFIX


def model_value(model: Any, path: YamlPath) -> Any:
    """The value at `path` in a parsed rally model (None where a part is missing), as a cell
    compares it: enums as their words, opening hours as (days, hours) slots."""
    node = model
    for part in path:
        if node is None:
            return None
        node = node[part] if isinstance(part, int) else getattr(node, part, None)
    if isinstance(node, enum.Enum):
        return node.value
    if path and path[-1] == "opening" and isinstance(node, tuple):
        return tuple((slot.days, slot.hours) for slot in node) or None
    return node


def shown(kind: Kind, value: Any) -> str | int | float | None:
    """A value as its cell shows it (from `model_value`)."""
    if value is None:
        return None
    match kind:
        case Kind.WHOLE:
            return int(value)
        case Kind.NUMBER:
            number = float(value)
            return int(number) if number.is_integer() else number
        case Kind.MOMENT:
            moment: datetime = value
            return moment.isoformat(sep=" ", timespec="minutes" if not moment.second else "seconds")
        case Kind.CHOICE_NUMBERS if len(value) == 1:
            return int(value[0])  # a number in the workbook, as a single answer is typed
        case Kind.LANGUAGES | Kind.CHOICE_NUMBERS:
            return ", ".join(str(item) for item in value)
        case Kind.OPENING:
            return "; ".join(f"{days_text(days)} {hours_text(hours)}" for days, hours in value)
        case Kind.TEXT | Kind.CODE | Kind.WORD:
            return str(value)


class CellError(ValueError):
    """A cell that cannot be read as its column's kind; the message says what to write."""


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def _number(text: str, *, whole: bool) -> int | float:
    """A number as written (a French spreadsheet's decimal comma too); an int if whole."""
    number = float(text.replace(",", ".")) if _NUMBER.match(text) else None
    if number is None or (whole and not number.is_integer()):
        raise CellError(f"'{text}' is not a {'whole ' if whole else ''}number")
    return int(number) if number.is_integer() else number


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise CellError(f"'{text}' is not a date and time (write it as 2025-06-14 09:30)") from exc


def parse(scalar: Scalar, text: str, choices: int = 0) -> Any:
    """A cell's text as the value to compare and write (None: empty); `CellError` if it is not
    one. `choices`: how many choices the question has (for `Kind.CHOICE_NUMBERS`)."""
    text = text.strip()
    if not text:
        return None
    match scalar.kind:
        case Kind.TEXT:
            return text
        case Kind.CODE:
            return text.upper()
        case Kind.WORD:
            if text not in scalar.choices:
                raise CellError(f"'{text}': write {_either(scalar.choices)}")
            return text
        case Kind.WHOLE | Kind.NUMBER:
            return _number(text, whole=scalar.kind is Kind.WHOLE)
        case Kind.MOMENT:
            return _moment(text)
        case Kind.LANGUAGES:
            return tuple(part for part in re.split(r"[\s,;]+", text) if part)
        case Kind.CHOICE_NUMBERS:
            return _choice_numbers(text, choices)
        case Kind.OPENING:
            return _opening(text)


def _either(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]


def _choice_numbers(text: str, choices: int) -> tuple[int, ...]:
    numbers: list[int] = []
    for part in (part for part in re.split(r"[\s,;]+", text) if part):
        if not part.isdigit():
            raise CellError(f"'{part}' is not a choice number (write 2, or 1, 3 for several)")
        number = int(part)
        if not 1 <= number <= choices:
            raise CellError(f"answer {number}: choices count from 1, this question has {choices}")
        numbers.append(number)
    return tuple(sorted(set(numbers)))


def _opening(text: str) -> tuple[tuple[Any, ...], ...]:
    slots = []
    for part in text.split(";"):
        if not part.strip():
            continue
        first_digit = re.search(r"\d", part)
        if first_digit is None or not part[: first_digit.start()].strip():
            raise CellError(
                f"'{part.strip()}': write the days then the hours, e.g. "
                "mon-fri 08:30-12:00, 13:30-16:30; sat 09:00-12:00"
            )
        try:
            days = parse_days(part[: first_digit.start()])
            hours = parse_hours(part[first_digit.start() :])
        except OpeningHoursError as exc:
            raise CellError(str(exc)) from exc
        slots.append((days, hours))
    return tuple(slots)


def same(kind: Kind, new: Any, old: Any) -> bool:
    """Whether a cell's value (from `parse`) is what the rally has (from `model_value`)."""
    if new is None or old is None:
        return new is None and old is None
    match kind:
        case Kind.NUMBER | Kind.WHOLE:
            return float(new) == float(old)
        case Kind.LANGUAGES | Kind.CHOICE_NUMBERS | Kind.OPENING:
            return tuple(new) == tuple(old)
        case Kind.CODE:
            return str(new).upper() == str(old).upper()
        case _:
            return bool(new == old)
