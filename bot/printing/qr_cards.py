"""Printed material: an A4 sheet of labelled QR cards, one per team and one per stage code word.

A team card carries the deep link that joins the team (`https://t.me/BOT?start=CODE`), its name
and its join code in large letters for whoever types it. The teams and their codes are the ones
the bot stores (`TeamCode`): a code the rally file leaves out is made at random when the team is
first stored, and only the database knows it. A stage card carries the stage's check-in code
word itself: the staff at the desk show it, and a player who scans it with the phone camera
sees the word to type. Cards are laid out six to a page with dashed cut lines;
team cards and stage cards start on pages of their own, since they go to different people.

The layout is computed apart from the drawing (`layout_card`), so that what fits where can be
checked without reading a PDF.
"""

from __future__ import annotations

import enum
import functools
import io
import re
import unicodedata
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from bot.core.content import Rally

BOT_USERNAME = re.compile(r"[A-Za-z0-9_]{2,29}bot", re.IGNORECASE)
"""Telegram's rule for bot usernames: 5 to 32 of [A-Za-z0-9_], ending in "bot"."""

DEEP_LINK_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What Telegram passes on in `?start=`: up to 64 of [A-Za-z0-9_-]."""

DEFAULT_OUT = Path("var/qr-codes.pdf")

# Card texts in the rally's default language and in English. Only the languages the PDF font
# can draw are worth listing (Vera has no Arabic); another default language prints English only.
LABELS: dict[str, dict[str, str]] = {
    "join": {"fr": "Scannez pour rejoindre votre équipe", "en": "Scan to join your team"},
    "desk": {"fr": "À montrer à l’accueil", "en": "Show at the desk"},
    "teams": {"fr": "Équipes", "en": "Teams"},
    "stages": {"fr": "Étapes", "en": "Stages"},
}


class PrintingError(Exception):
    """A sheet that cannot be made, explained in one line."""


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


# --- fonts -----------------------------------------------------------------------------------

REGULAR, BOLD = "RallyeSans", "RallyeSans-Bold"
_FONT_FILES = {REGULAR: "Vera.ttf", BOLD: "VeraBd.ttf"}  # shipped inside reportlab's fonts/


@functools.cache
def _fonts() -> tuple[TTFont, ...]:
    fonts = tuple(TTFont(name, file) for name, file in _FONT_FILES.items())
    for font in fonts:
        pdfmetrics.registerFont(font)
    return fonts


def register_fonts() -> None:
    """Register reportlab's bundled Bitstream Vera TrueType fonts (accents, dashes, quotes)."""
    _fonts()


@functools.cache
def covered_characters() -> frozenset[int]:
    """The code points that every card font has a glyph for."""
    first, *others = (frozenset(font.face.charToGlyph) for font in _fonts())
    return first.intersection(*others)


def printable(text: str, covered: Container[int]) -> str:
    """The text with what the font cannot draw folded to a plain letter, or left out.

    Vera covers Latin, Greek and Cyrillic but not Arabic script or emoji, and reportlab neither
    shapes Arabic nor falls back to another font: such characters would print as empty boxes.
    An accented letter missing from the font prints without its accent ("ő" as "o"); anything
    else missing is omitted (a card whose name is left empty still has its code, in large).
    """
    kept: list[str] = []
    for char in text:
        if ord(char) in covered:
            kept.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if base and all(ord(c) in covered for c in base):
            kept.append(base)
    return " ".join("".join(kept).split())


def printed_name(card: QrCard) -> str:
    """The card's name as printed: what the fonts can draw of it (maybe nothing)."""
    return printable(card.name, covered_characters())


# --- layout ----------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = A4
COLUMNS, ROWS = 2, 3
CARDS_PER_PAGE = COLUMNS * ROWS
SIDE_MARGIN = 10 * mm
TOP_MARGIN = 14 * mm  # room for the page header
BOTTOM_MARGIN = 10 * mm
CARD_WIDTH = (PAGE_WIDTH - 2 * SIDE_MARGIN) / COLUMNS
CARD_HEIGHT = (PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN) / ROWS
PADDING = 5 * mm
GAP = 2.5 * mm
QR_BORDER = 4  # modules of quiet zone around the code, as the QR standard asks
QR_LARGEST = 56 * mm
QR_SMALLEST = 32 * mm
LEADING = 1.2
ASCENT = 0.93  # Vera's ascent, in ems: where a line's baseline sits below its top

INK = Color(0.1, 0.1, 0.1)
GREY = Color(0.38, 0.38, 0.38)
CUT = Color(0.6, 0.6, 0.6)


@dataclass(frozen=True)
class TextStyle:
    """How a card text is set: its font, the size range it may shrink in, its most lines."""

    font: str
    largest: float
    smallest: float
    max_lines: int
    color: Color


TITLE = TextStyle(REGULAR, 8.5, 6.5, 2, GREY)
NAME = TextStyle(BOLD, 17, 9, 2, INK)
CODE = TextStyle(BOLD, 26, 12, 2, INK)
INSTRUCTION = TextStyle(REGULAR, 9, 7, 2, INK)


@dataclass(frozen=True)
class TextBlock:
    """Lines of text set in one font and size, centred, their top at `top` (from the card top)."""

    lines: tuple[str, ...]
    font: str
    size: float
    color: Color
    top: float = 0.0

    @property
    def height(self) -> float:
        """From the top of the first line to the bottom of the last."""
        return len(self.lines) * self.size * LEADING

    def width(self) -> float:
        """The widest line."""
        return max(
            (pdfmetrics.stringWidth(line, self.font, self.size) for line in self.lines), default=0
        )


@dataclass(frozen=True)
class QrBox:
    """Where the QR code goes: a square of `size` (quiet zone included) at `top`, centred."""

    top: float
    size: float


@dataclass(frozen=True)
class CardLayout:
    """A card's texts and its QR code, placed from the card's top edge downwards."""

    blocks_above: tuple[TextBlock, ...]
    qr: QrBox
    blocks_below: tuple[TextBlock, ...]

    @property
    def blocks(self) -> tuple[TextBlock, ...]:
        """Every text block, top to bottom."""
        return self.blocks_above + self.blocks_below


BREAKABLE_PARTS = re.compile(r"[^\s-]*-|[^\s-]+")
"""The parts of a text a line may end after: words, and a word's parts up to a hyphen."""


def _pieces(word: str, font: str, size: float, width: float) -> Iterable[str]:
    """A word too wide for a line, cut after its hyphens and, where still too wide, anywhere."""
    piece = ""
    for part in BREAKABLE_PARTS.findall(word):
        if pdfmetrics.stringWidth(piece + part, font, size) <= width:
            piece += part
            continue
        if piece:
            yield piece
            piece = ""
        for char in part:
            if piece and pdfmetrics.stringWidth(piece + char, font, size) > width:
                yield piece
                piece = ""
            piece += char
    if piece:
        yield piece


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """The text broken into lines no wider than `width`, between words where possible."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if pdfmetrics.stringWidth(word, font, size) > width:
            if current:
                lines.append(current)
            *full, current = _pieces(word, font, size, width)
            lines += full
            continue
        candidate = f"{current} {word}" if current else word
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _cuts_a_word(text: str, font: str, size: float, width: float) -> bool:
    """Whether some part of the text is too wide for a line, so that it would be cut mid-word."""
    return any(
        pdfmetrics.stringWidth(part, font, size) > width for part in BREAKABLE_PARTS.findall(text)
    )


def _balanced(text: str, font: str, size: float, width: float, count: int) -> list[str]:
    """The text in `count` lines of even length: "FIT formation / (code de la route)" rather
    than "FIT formation (code de / la route)"."""
    narrow, wide = 0.0, width
    for _ in range(12):  # a binary search for the narrowest width that needs no more lines
        middle = (narrow + wide) / 2
        if _cuts_a_word(text, font, size, middle) or len(wrap(text, font, size, middle)) > count:
            narrow = middle
        else:
            wide = middle
    return wrap(text, font, size, wide)


def fit(text: str, style: TextStyle, width: float, scale: float = 1.0) -> TextBlock:
    """The text at the largest size (up to `largest * scale`) that fits in its lines.

    A size that keeps every word whole is preferred; what still does not fit at the smallest
    size is cut short with an ellipsis.
    """
    largest = max(style.smallest, style.largest * scale)
    steps = int((largest - style.smallest) / 0.5)
    sizes = [largest - 0.5 * step for step in range(steps + 1)] + [style.smallest]
    for whole_words in (True, False):
        for size in sizes:
            if whole_words and _cuts_a_word(text, style.font, size, width):
                continue
            lines = wrap(text, style.font, size, width)
            if len(lines) <= style.max_lines:
                if whole_words:
                    lines = _balanced(text, style.font, size, width, len(lines))
                return TextBlock(tuple(lines), style.font, size, style.color)
    size = style.smallest
    lines = wrap(text, style.font, size, width)[: style.max_lines]
    last = lines[-1]
    while last and pdfmetrics.stringWidth(last + "…", style.font, size) > width:
        last = last[:-1]
    lines[-1] = last.rstrip() + "…"
    return TextBlock(tuple(lines), style.font, size, style.color)


def layout_card(card: QrCard, width: float = CARD_WIDTH, height: float = CARD_HEIGHT) -> CardLayout:
    """Place a card's texts and QR code: texts shrink before the code gets too small to scan."""
    register_fonts()
    inner_width = width - 2 * PADDING
    inner_height = height - 2 * PADDING
    covered = covered_characters()
    code = printable(card.code, covered) or card.code
    texts_above = [(printable(card.title, covered), TITLE), (printed_name(card), NAME)]
    texts_below = [(code, CODE)] + [(line, INSTRUCTION) for line in card.instructions]
    # Even at the smallest sizes and most lines these texts leave more than QR_SMALLEST.
    scale = 1.0
    while True:
        above = [fit(text, style, inner_width, scale) for text, style in texts_above if text]
        below = [fit(text, style, inner_width, scale) for text, style in texts_below]
        # the space after each block; the instructions in two languages read as one paragraph
        after_above = [GAP] * len(above)
        after_below = [GAP] + [GAP / 4] * (len(below) - 2) + [0.0]
        texts = sum(block.height for block in above + below)
        room = inner_height - texts - sum(after_above) - GAP - sum(after_below)
        if room >= QR_SMALLEST or scale <= 0.5:
            break
        scale -= 0.05
    qr_size = max(min(room, QR_LARGEST), 0.0)
    # what is left is spread evenly: above the texts, around the code and below the texts
    spare = (room - qr_size) / 4
    top = PADDING + spare
    placed_above = []
    for block, space in zip(above, after_above, strict=True):
        placed_above.append(_at(block, top))
        top += block.height + space
    qr = QrBox(top + spare, qr_size)
    top += spare + qr_size + GAP + spare
    placed_below = []
    for block, space in zip(below, after_below, strict=True):
        placed_below.append(_at(block, top))
        top += block.height + space
    return CardLayout(tuple(placed_above), qr, tuple(placed_below))


def _at(block: TextBlock, top: float) -> TextBlock:
    return TextBlock(block.lines, block.font, block.size, block.color, top)


# --- drawing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetSummary:
    """What a written sheet holds."""

    path: Path
    teams: int
    stages: int
    pages: int
    renamed: tuple[tuple[str, str], ...]
    """Names printed differently from the rally file, as printed ("" if left out entirely)."""


def card_origin(slot: int) -> tuple[float, float]:
    """The bottom-left corner of the card in this slot of a page (0 = top left, row by row)."""
    column, row = slot % COLUMNS, slot // COLUMNS
    x = SIDE_MARGIN + column * CARD_WIDTH
    y = PAGE_HEIGHT - TOP_MARGIN - (row + 1) * CARD_HEIGHT
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


def _draw_qr(canvas: Canvas, payload: str, x: float, y: float, size: float) -> None:
    """The QR code, a quiet zone of four modules included, as vector outlines."""
    # error correction M (15%) at least; segno raises it when the same size allows
    qr = segno.make(payload, error="m", micro=False, encoding="utf-8")
    modules = qr.symbol_size(scale=1, border=QR_BORDER)[0]
    unit = size / modules
    left, top = x + QR_BORDER * unit, y + size - QR_BORDER * unit
    path = canvas.beginPath()
    for loop in outline(qr.matrix):
        (column, row), *rest = loop
        path.moveTo(left + column * unit, top - row * unit)
        for column, row in rest:
            path.lineTo(left + column * unit, top - row * unit)
        path.close()
    canvas.setFillColor(Color(0, 0, 0))
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_card(canvas: Canvas, card: QrCard, x: float, y: float) -> None:
    layout = layout_card(card)
    top_edge = y + CARD_HEIGHT
    for block in layout.blocks:
        canvas.setFillColor(block.color)
        canvas.setFont(block.font, block.size)
        for index, line in enumerate(block.lines):
            baseline = top_edge - block.top - index * block.size * LEADING - ASCENT * block.size
            canvas.drawCentredString(x + CARD_WIDTH / 2, baseline, line)
    size = layout.qr.size
    _draw_qr(
        canvas, card.payload, x + (CARD_WIDTH - size) / 2, top_edge - layout.qr.top - size, size
    )


def _draw_cut_lines(canvas: Canvas, used: int) -> None:
    """Dashed lines around the cards of a page, each edge drawn once, from corner to corner."""
    edges: set[tuple[float, float, float, float]] = set()
    for slot in range(used):
        x, y = card_origin(slot)
        right, top = x + CARD_WIDTH, y + CARD_HEIGHT
        edges |= {(x, y, right, y), (x, top, right, top), (x, y, x, top), (right, y, right, top)}
    canvas.setStrokeColor(CUT)
    canvas.setLineWidth(0.5)
    canvas.setDash(3, 3)
    for x1, y1, x2, y2 in sorted(edges):
        canvas.line(x1, y1, x2, y2)
    canvas.setDash()


def _draw_header(canvas: Canvas, title: str, section: str, page: int, pages: int) -> None:
    canvas.setFillColor(GREY)
    canvas.setFont(REGULAR, 8)
    baseline = PAGE_HEIGHT - TOP_MARGIN + 4 * mm
    right = f"{section} · {page}/{pages}"
    room = PAGE_WIDTH - 2 * SIDE_MARGIN - pdfmetrics.stringWidth(right, REGULAR, 8) - 10 * mm
    canvas.drawString(
        SIDE_MARGIN, baseline, fit(title, TextStyle(REGULAR, 8, 8, 1, GREY), room).lines[0]
    )
    canvas.drawRightString(PAGE_WIDTH - SIDE_MARGIN, baseline, right)


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


def render_sheet(cards: Sequence[QrCard], title: str, language: str) -> bytes:
    """The PDF of these cards, A4, six to a page with cut lines."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(f"{title}: QR codes")
    canvas.setAuthor("Rallye")
    canvas.setCreator("Rallye (python -m bot qr)")
    pages = _pages(cards, language)
    header = printable(title, covered_characters())
    for number, (section, page_cards) in enumerate(pages, start=1):
        _draw_header(canvas, header, section, number, len(pages))
        _draw_cut_lines(canvas, len(page_cards))
        for slot, card in enumerate(page_cards):
            _draw_card(canvas, card, *card_origin(slot))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def write_sheet(rally: Rally, teams: Sequence[TeamCode], username: str, out: Path) -> SheetSummary:
    """Make the QR sheet of a rally's teams and stages and write it to `out`; `PrintingError`
    if it cannot."""
    name = bot_username(username)
    cards = qr_cards(rally, teams, name)
    if not cards:
        raise PrintingError("nothing to print: the rally has no teams and no stage code words")
    title = rally.rally.title[rally.default_language]
    pdf = render_sheet(cards, title, rally.default_language)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise PrintingError(f"cannot write {out}: {out.parent} is a file, not a folder") from exc
    except OSError as exc:
        raise PrintingError(f"cannot create the folder {out.parent}: {exc.strerror}") from exc
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise PrintingError(f"cannot write {out}: {exc.strerror}") from exc
    renamed = tuple(
        (card.name, printed_name(card)) for card in cards if printed_name(card) != card.name
    )
    team_cards = sum(1 for card in cards if card.kind is CardKind.TEAM)
    pages = len(_pages(cards, rally.default_language))
    return SheetSummary(out, team_cards, len(cards) - team_cards, pages, renamed)
