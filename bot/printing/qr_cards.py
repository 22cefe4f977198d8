"""Printed material: an A4 sheet of labelled QR cards, one per team and one per stage code word.

A team card carries the deep link that joins the team (`https://t.me/BOT?start=CODE`), its name,
and for whoever cannot scan it the bot's @username and the command to type, `/join CODE`, the
code in large letters (what the bot's welcome asks for). The teams and their codes are the ones
the bot stores (`TeamCode`): a code the rally file leaves out is made at random when the team is
first stored, and only the database knows it. A stage card carries the stage's check-in code
word itself: the staff at the desk show it, and a player who scans it with the phone camera
sees the word to type. Cards are laid out six to a page with dashed cut lines;
team cards and stage cards start on pages of their own, since they go to different people.

The sheet is an HTML page made into a PDF (`bot.printing.pdf`): names print in their own
script, Arabic shaped and right to left. Texts are set smaller the longer they are, and the
QR code takes the room they leave, never less than `QR_SMALLEST`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import segno

from bot.core.content import Rally
from bot.printing.pdf import (
    PrintingError,
    escape,
    language_attributes,
    missing_characters,
    render_pdf,
    text_direction,
)

__all__ = [
    "CardKind",
    "PrintingError",
    "QrCard",
    "SheetSummary",
    "TeamCode",
    "bot_username",
    "join_link",
    "qr_cards",
    "render_sheet",
    "write_sheet",
]

BOT_USERNAME = re.compile(r"[A-Za-z0-9_]{2,29}bot", re.IGNORECASE)
"""Telegram's rule for bot usernames: 5 to 32 of [A-Za-z0-9_], ending in "bot"."""

DEEP_LINK_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What Telegram passes on in `?start=`: up to 64 of [A-Za-z0-9_-]."""


# Card texts in the rally's default language and in English; another default language
# prints English only.
LABELS: dict[str, dict[str, str]] = {
    "join": {"fr": "Scannez pour rejoindre votre équipe", "en": "Scan to join your team"},
    "desk": {"fr": "À montrer à l’accueil", "en": "Show at the desk"},
    "teams": {"fr": "Équipes", "en": "Teams"},
    "stages": {"fr": "Étapes", "en": "Stages"},
}

MISSING_MARK = "□"
"""How a character no font has shows in `SheetSummary.renamed` (it prints as a box)."""


class CardKind(enum.StrEnum):
    """Who a card is for: a team (its join link) or the desk of a stage (its code word)."""

    TEAM = "team"
    STAGE = "stage"


@dataclass(frozen=True)
class TeamCode:
    """A team to print a card for: its name and its join code, as the bot stores them."""

    name: str
    code: str


@dataclass(frozen=True)
class QrCard:
    """One card to print: what its QR code encodes and the texts around it."""

    kind: CardKind
    title: str
    name: str
    payload: str
    code: str
    instructions: tuple[str, ...]
    bot: str | None = None
    """The bot's username, on a team card: who to write `/join CODE` to without scanning."""


def bot_username(text: str) -> str:
    """The bot's username without a leading "@", or `PrintingError` if Telegram would refuse it."""
    name = text.strip().removeprefix("@")
    if not BOT_USERNAME.fullmatch(name):
        raise PrintingError(
            f"'{text}' is not a Telegram bot username "
            "(5 to 32 letters, digits or _, ending in 'bot', e.g. RallyeClermontBot)"
        )
    return name


def join_link(username: str, code: str) -> str:
    """The deep link that opens the bot and joins the team with this code."""
    if not DEEP_LINK_PAYLOAD.fullmatch(code):
        raise PrintingError(f"join code '{code}' cannot be a deep-link payload")
    return f"https://t.me/{username}?start={code}"


def bilingual(key: str, language: str) -> tuple[str, ...]:
    """A card label in the rally's default language, then in English (once if that is English)."""
    texts = LABELS[key]
    if language != "en" and language in texts:
        return texts[language], texts["en"]
    return (texts["en"],)


def qr_cards(rally: Rally, teams: Sequence[TeamCode], username: str) -> list[QrCard]:
    """Every card of the rally: its teams first, then its stages that have a code word."""
    language = rally.default_language
    title = rally.rally.title[language]
    cards = [
        QrCard(
            kind=CardKind.TEAM,
            title=title,
            name=team.name,
            payload=join_link(username, team.code),
            code=team.code,
            instructions=bilingual("join", language),
            bot=username,
        )
        for team in teams
    ]
    cards += [
        QrCard(
            kind=CardKind.STAGE,
            title=title,
            name=stage.name[language],
            payload=stage.checkin_code,
            code=stage.checkin_code,
            instructions=bilingual("desk", language),
        )
        for stage in rally.stages
        if stage.checkin_code is not None
    ]
    return cards


# --- layout ----------------------------------------------------------------------------------

COLUMNS, ROWS = 2, 3
CARDS_PER_PAGE = COLUMNS * ROWS
MM = 72 / 25.4
"""PDF points in a millimetre."""
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM
SIDE_MARGIN_MM, TOP_MARGIN_MM, BOTTOM_MARGIN_MM = 10, 14, 10  # the top one holds the header
CARD_WIDTH_MM = (210 - 2 * SIDE_MARGIN_MM) / COLUMNS
CARD_HEIGHT_MM = (297 - TOP_MARGIN_MM - BOTTOM_MARGIN_MM) / ROWS
CARD_WIDTH, CARD_HEIGHT = CARD_WIDTH_MM * MM, CARD_HEIGHT_MM * MM
PADDING = 5 * MM
QR_BORDER = 4  # modules of quiet zone around the code, as the QR standard asks
QR_LARGEST_MM, QR_SMALLEST_MM = 56, 32
QR_SMALLEST = QR_SMALLEST_MM * MM

# (most characters, size in points): the first that holds the text sets its size. Tuned on
# the longest names and codes (tests/test_printing.py): with them all at their smallest, the
# code keeps QR_SMALLEST.
TITLE_SIZES = ((70, 8.5), (110, 7.0), (10_000, 6.0))
NAME_SIZES = ((18, 17.0), (32, 14.0), (56, 11.0), (10_000, 9.0))
CODE_SIZES = ((8, 26.0), (12, 20.0), (20, 15.0), (26, 12.0), (10_000, 10.5))
JOIN_COMMAND = "/join"
"""Typed before a team's code, as the bot's welcome asks (`/join CODE`); printed smaller."""


def _size(text: str, sizes: Sequence[tuple[int, float]]) -> float:
    return next(size for longest, size in sizes if len(text) <= longest)


def card_origin(slot: int) -> tuple[float, float]:
    """The bottom-left corner of the card in this slot of a page (0 = top left, row by row),
    in PDF points from the page's bottom-left corner."""
    column, row = slot % COLUMNS, slot // COLUMNS
    x = SIDE_MARGIN_MM * MM + column * CARD_WIDTH
    y = PAGE_HEIGHT - TOP_MARGIN_MM * MM - (row + 1) * CARD_HEIGHT
    return x, y


Point = tuple[int, int]


def outline(matrix: Sequence[Sequence[int]]) -> list[list[Point]]:
    """The dark modules' outline as closed polygons of (column, row) corners.

    Drawn as one outline rather than a square per module, the code has no light seams where
    squares meet: viewers antialias each square's edges, so squares that merely touch show
    faint light lines between them on screen.
    Every boundary edge goes clockwise around the dark side, so each dark module has a winding
    number of one and each light one of zero, however the edges are chained into loops: the
    even-odd and the non-zero fill rules both fill exactly the dark modules.
    """
    size = len(matrix)

    def dark(row: int, column: int) -> bool:
        return 0 <= row < size and 0 <= column < size and bool(matrix[row][column])

    following: dict[Point, list[Point]] = {}
    for row in range(size):
        for column in range(size):
            if not dark(row, column):
                continue
            corners = [(column, row), (column + 1, row), (column + 1, row + 1), (column, row + 1)]
            neighbours = [
                (row - 1, column),
                (row, column + 1),
                (row + 1, column),
                (row, column - 1),
            ]
            for side, (r, c) in enumerate(neighbours):
                if not dark(r, c):
                    following.setdefault(corners[side], []).append(corners[(side + 1) % 4])
    loops: list[list[Point]] = []
    while following:
        start = next(iter(following))
        loop, point = [start], start
        while True:
            ahead = following[point]
            step = ahead.pop()
            if not ahead:
                del following[point]
            if step == start:
                break
            loop.append(step)
            point = step
        loops.append(_corners_only(loop))
    return loops


def _corners_only(loop: list[Point]) -> list[Point]:
    """The loop without the points where it goes straight on."""
    count = len(loop)
    return [
        point
        for index, point in enumerate(loop)
        if (point[0] - loop[index - 1][0], point[1] - loop[index - 1][1])
        != (loop[(index + 1) % count][0] - point[0], loop[(index + 1) % count][1] - point[1])
    ]


def qr_svg(payload: str) -> str:
    """The QR code as an inline SVG, a quiet zone of four modules included, one outline."""
    # error correction M (15%) at least; segno raises it when the same size allows
    qr = segno.make(payload, error="m", micro=False, encoding="utf-8")
    size = len(qr.matrix) + 2 * QR_BORDER
    path = " ".join(
        "M" + " L".join(f"{column + QR_BORDER} {row + QR_BORDER}" for column, row in loop) + " Z"
        for loop in outline(qr.matrix)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}">'
        f'<path fill="#000" d="{path}"/></svg>'
    )


def _cut_lines(used: int) -> str:
    """Dashed lines around the used cards of a page, each edge once, from corner to corner."""
    edges: set[tuple[float, float, float, float]] = set()
    for slot in range(used):
        column, row = slot % COLUMNS, slot // COLUMNS
        left, top = column * CARD_WIDTH_MM, row * CARD_HEIGHT_MM
        right, bottom = left + CARD_WIDTH_MM, top + CARD_HEIGHT_MM
        edges |= {
            (left, top, right, top),
            (left, bottom, right, bottom),
            (left, top, left, bottom),
            (right, top, right, bottom),
        }
    lines = "".join(
        f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}"/>'
        for x1, y1, x2, y2 in sorted(edges)
    )
    width, height = COLUMNS * CARD_WIDTH_MM, ROWS * CARD_HEIGHT_MM
    return (
        f'<svg class="cuts" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}">'
        f'<g stroke="#999" stroke-width="0.18" stroke-dasharray="1.06 1.06">{lines}</g></svg>'
    )


def _card_html(card: QrCard, language: str) -> str:
    def sized(css_class: str, text: str, size: float, attributes: str) -> str:
        return (
            f'<p class="{css_class}" {attributes} style="font-size: {size:g}pt">{escape(text)}</p>'
        )

    name_direction = f'dir="{text_direction(card.name)}"'
    code_size = _size(card.code, CODE_SIZES)
    parts = [
        sized("title", card.title, _size(card.title, TITLE_SIZES), language_attributes(language)),
        sized("name", card.name, _size(card.name, NAME_SIZES), name_direction),
        f'<div class="qr">{qr_svg(card.payload)}</div>',
    ]
    if card.bot is None:
        parts.append(sized("code", card.code, code_size, 'dir="ltr"'))
    else:  # without a camera: open the bot by its name, type the command
        parts += [
            f'<p class="bot" dir="ltr">@{escape(card.bot)}</p>',
            f'<p class="code" dir="ltr" style="font-size: {code_size:g}pt">'
            f'<span class="command">{JOIN_COMMAND}</span> {escape(card.code)}</p>',
        ]
    parts += [
        f'<p class="how" {language_attributes(label)}>{escape(text)}</p>'
        for label, text in zip(_label_languages(language), card.instructions, strict=False)
    ]
    return f'<div class="card">{"".join(parts)}</div>'


def _label_languages(language: str) -> tuple[str, ...]:
    """The languages of `bilingual`'s labels, in its order."""
    return (language, "en") if language != "en" and language in LABELS["join"] else ("en",)


def _pages(cards: Sequence[QrCard], language: str) -> list[tuple[str, list[QrCard]]]:
    """The cards by page, team cards and stage cards never sharing one."""
    pages: list[tuple[str, list[QrCard]]] = []
    for kind, label in ((CardKind.TEAM, "teams"), (CardKind.STAGE, "stages")):
        section = " / ".join(bilingual(label, language))
        group = [card for card in cards if card.kind is kind]
        pages += [
            (section, group[start : start + CARDS_PER_PAGE])
            for start in range(0, len(group), CARDS_PER_PAGE)
        ]
    return pages


SHEET_CSS = f"""
@page {{
    margin: {TOP_MARGIN_MM}mm {SIDE_MARGIN_MM}mm {BOTTOM_MARGIN_MM}mm;
    @top-left {{
        content: string(title); font-size: 8pt; color: #616161;
        vertical-align: bottom; padding-bottom: 3mm;
    }}
    @top-right {{
        content: string(section) " · " counter(page) "/" counter(pages); font-size: 8pt;
        color: #616161; vertical-align: bottom; padding-bottom: 3mm; white-space: nowrap;
    }}
}}
.page {{
    position: relative; width: {COLUMNS * CARD_WIDTH_MM:g}mm;
    height: {ROWS * CARD_HEIGHT_MM:g}mm; break-after: page;
    string-set: title attr(data-title), section attr(data-section);
}}
.page:last-child {{ break-after: auto; }}
.cuts {{
    position: absolute; top: 0; left: 0;
    width: {COLUMNS * CARD_WIDTH_MM:g}mm; height: {ROWS * CARD_HEIGHT_MM:g}mm;
}}
.cards {{
    display: grid; grid-template-columns: repeat({COLUMNS}, {CARD_WIDTH_MM:g}mm);
    grid-auto-rows: {CARD_HEIGHT_MM:g}mm;
}}
.card {{
    box-sizing: border-box; height: {CARD_HEIGHT_MM:g}mm; padding: 5mm; overflow: hidden;
    display: flex; flex-direction: column; align-items: center;
}}
.card p {{ text-align: center; width: 100%; line-height: 1.2; }}
.title {{ color: #616161; margin-bottom: 2mm; }}
.name {{ font-weight: bold; margin-bottom: 2mm; }}
/* the code takes the height the texts leave (placed absolutely, so that its height of 100%
   is that of its flexed box), square and centred */
.qr {{ flex: 1 1 0; min-height: {QR_SMALLEST_MM}mm; width: 100%; position: relative; }}
.qr svg {{
    position: absolute; top: 0; bottom: 0; left: 0; right: 0; margin: auto;
    height: 100%; max-height: {QR_LARGEST_MM}mm; width: auto;
}}
.code {{ font-weight: bold; margin-top: 2mm; margin-bottom: 2mm; overflow-wrap: anywhere; }}
.bot {{ font-size: 10pt; margin-top: 2mm; }}
.bot + .code {{ margin-top: 0.5mm; }}
.command {{ font-size: 0.7em; font-weight: normal; }}
.how {{ font-size: 9pt; }}
"""


def render_sheet(cards: Sequence[QrCard], title: str, language: str) -> bytes:
    """The PDF of these cards, A4, six to a page with cut lines."""
    pages = [
        f'<section class="page" data-title="{escape(title)}" data-section="{escape(section)}">'
        f"{_cut_lines(len(page_cards))}"
        f'<div class="cards">{"".join(_card_html(card, language) for card in page_cards)}</div>'
        "</section>"
        for section, page_cards in _pages(cards, language)
    ]
    return render_pdf(
        "".join(pages), title=f"{title}: QR codes", language=language, stylesheet=SHEET_CSS
    )


@dataclass(frozen=True)
class SheetSummary:
    """What a written sheet holds."""

    path: Path
    teams: int
    stages: int
    pages: int
    renamed: tuple[tuple[str, str], ...]
    """Names with characters no installed font has, as printed: each such character is a box
    (`MISSING_MARK`). Every other name prints as written."""


def _as_printed(name: str, missing: Collection[str]) -> str:
    return "".join(MISSING_MARK if char in missing else char for char in name)


def write_sheet(rally: Rally, teams: Sequence[TeamCode], username: str, out: Path) -> SheetSummary:
    """Make the QR sheet of a rally's teams and stages and write it to `out`; `PrintingError`
    if it cannot."""
    name = bot_username(username)
    cards = qr_cards(rally, teams, name)
    if not cards:
        raise PrintingError("nothing to print: the rally has no teams and no stage code words")
    try:  # before the PDF is made: a folder that cannot be is said at once
        out.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise PrintingError(f"cannot write {out}: {out.parent} is a file, not a folder") from exc
    except OSError as exc:
        raise PrintingError(f"cannot create the folder {out.parent}: {exc.strerror}") from exc
    title = rally.rally.title[rally.default_language]
    with missing_characters() as missing:
        pdf = render_sheet(cards, title, rally.default_language)
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise PrintingError(f"cannot write {out}: {exc.strerror}") from exc
    renamed = tuple(
        (card.name, _as_printed(card.name, missing))
        for card in cards
        if any(char in missing for char in card.name)
    )
    team_cards = sum(1 for card in cards if card.kind is CardKind.TEAM)
    pages = len(_pages(cards, rally.default_language))
    return SheetSummary(out, team_cards, len(cards) - team_cards, pages, renamed)
