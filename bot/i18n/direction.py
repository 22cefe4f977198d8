"""Right-to-left lines: every line of a message to an Arabic, Dari or Pashto reader starts so.

Telegram's clients give each line of a message its own direction, from the line's first
character: a line that begins with an emoji ("ℹ️", "🆘", "🇫🇷"), a digit, a French name, a
/command or anything else that is not a right-to-left letter is laid out left to right, its
Arabic words pushed to the right of a left-aligned line and its punctuation on the wrong side.
A RIGHT-TO-LEFT MARK (U+200F, invisible, a strong right-to-left character) as the first
character decides for the line; Telegram keeps it (it trims only spaces and line breaks).

The mark goes at the start of the line, before any tag the line opens with: never inside a tag
or an entity, never inside `<pre>` or `<code>` (what a reader copies stays as written). A line
whose first visible character is a right-to-left letter (or the mark), and a line with nothing
visible on it, are left as they are: the text can be marked twice and reads the same. A line
starting with spaces is marked (clients differ on whether spaces count).

The catalogs of those languages put a LEFT-TO-RIGHT MARK (U+200E) before a /command inside a
sentence; a line starting with one gets the right-to-left mark before it, so the line runs right
to left and the command still reads left to right.
"""

from __future__ import annotations

import html
import re
import unicodedata

RLM = "\u200f"
"""U+200F RIGHT-TO-LEFT MARK."""

_RIGHT_TO_LEFT = frozenset({"R", "AL"})  # Hebrew-like and Arabic letters (RLM is "R")
_PIECES = re.compile(
    r"<[^<>]*>"  # a tag
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"  # an entity
    r"|\n"
    r"|[^<&\n]+"  # text
    r"|[<&]"  # a lone '<' or '&': text
)
_CODE_TAG = re.compile(r"</?(pre|code)\b", re.IGNORECASE)


def starts_right_to_left(text: str) -> bool:
    """Whether plain text begins with a right-to-left letter (or the right-to-left mark)."""
    return bool(text) and _is_right_to_left(text[0])


def mark_label(text: str) -> str:
    """A button's label (plain text) that starts right to left if it holds right-to-left
    words: a label is centred, so only the order of its parts matters ("💡" after the Arabic
    word), and a label with none ("Français" in the language picker) is left as it is."""
    if starts_right_to_left(text) or not any(map(_is_right_to_left, text)):
        return text
    return RLM + text


def _is_right_to_left(char: str) -> bool:
    return unicodedata.bidirectional(char) in _RIGHT_TO_LEFT


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _is_tag(piece: str) -> bool:
    return piece.startswith("<") and len(piece) > 1


def _shown(piece: str) -> str:
    """What a piece of text shows (an entity as its character)."""
    return html.unescape(piece) if piece.startswith("&") and len(piece) > 1 else piece


def visible_length(html_text: str) -> int:
    """The length Telegram counts for an HTML text: tags dropped, entities as one, UTF-16."""
    return sum(_utf16(_shown(p)) for p in _PIECES.findall(html_text) if not _is_tag(p))


def mark_lines(html_text: str, *, limit: int | None = None) -> str:
    """Telegram HTML whose every line starts right to left (see the module's docstring).

    `limit`: the most characters Telegram takes for this text (4096 for a message, 1024 for
    a caption); marks that would make it longer are left out, last lines first, so a text
    that fitted still fits.
    """
    budget = None if limit is None else limit - visible_length(html_text)
    if budget is not None and budget <= 0:
        return html_text
    pieces = _PIECES.findall(html_text)
    marks: list[int] = []  # the pieces a mark goes before: each the first of its line
    code = 0  # <pre> and <code> elements open
    line_start, looking, in_code, spaced = 0, True, False, False
    for index, piece in enumerate(pieces):
        if piece == "\n":
            line_start, looking, in_code, spaced = index + 1, True, code > 0, False
        elif _is_tag(piece):
            if _CODE_TAG.match(piece):
                code = max(code + (-1 if piece.startswith("</") else 1), 0)
        elif looking and not (shown := _shown(piece)).strip():
            spaced = True  # a line of spaces only shows nothing: it needs no mark
        elif looking:
            looking = False  # the line's first visible character: a space counts
            if not in_code and (spaced or not starts_right_to_left(shown)):
                marks.append(line_start)
                if len(marks) == budget:
                    break
    for index in reversed(marks):
        pieces.insert(index, RLM)
    return "".join(pieces) if marks else html_text
