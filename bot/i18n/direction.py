"""Right-to-left lines: every line of a message to an Arabic, Dari or Pashto reader runs right to left.

Telegram's clients give each line of a message its own direction, from the line's first
character: a line that begins with an emoji ("ℹ️", "🆘", "🇫🇷"), a digit, a French name, a
/command or anything else that is not a right-to-left letter is laid out left to right, its
Arabic words pushed to the right of a left-aligned line and its punctuation on the wrong side.
A RIGHT-TO-LEFT MARK (U+200F, invisible, a strong right-to-left character) as the first
character decides for the line; Telegram keeps it (it trims only spaces and line breaks).

The mark goes at the start of the line, before any tag the line opens with: never inside a tag
or an entity, never inside `<pre>` or `<code>` (what a reader copies stays as written). A line
that already starts with a right-to-left letter (or the mark), and a line with nothing visible
on it, are left as they are: the text can be marked twice and reads the same.

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
_TOKEN = re.compile(
    r"<[^<>]*>"  # a tag
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"  # an entity
    r"|\n"
    r"|[^<&\n]+"  # text
    r"|[<&]"  # a lone '<' or '&': text
)
_CODE_TAG = re.compile(r"</?(pre|code)\b", re.IGNORECASE)


def starts_right_to_left(text: str) -> bool:
    """Whether plain text begins with a right-to-left letter (or the right-to-left mark)."""
    return bool(text) and unicodedata.bidirectional(text[0]) in _RIGHT_TO_LEFT


def mark_label(text: str) -> str:
    """A plain one-line text (a button's label) that starts right to left."""
    if not text.strip() or starts_right_to_left(text):
        return text
    return RLM + text


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _shown(token: str) -> str:
    """What a text or entity token shows (an entity as its character)."""
    return html.unescape(token) if token.startswith("&") and len(token) > 1 else token


def visible_length(html_text: str) -> int:
    """The length Telegram counts for an HTML text: tags dropped, entities as one, UTF-16."""
    return sum(
        _utf16(_shown(token))
        for token in _TOKEN.findall(html_text)
        if not (token.startswith("<") and len(token) > 1)
    )


def mark_lines(html_text: str, *, limit: int | None = None) -> str:
    """Telegram HTML whose every line starts right to left (see the module's docstring).

    `limit`: the most characters Telegram takes for this text (4096 for a message, 1024 for
    a caption); marks that would make it longer are left out, last lines first, so a text
    that fitted still fits.
    """
    budget = None if limit is None else limit - visible_length(html_text)
    if budget is not None and budget <= 0:
        return html_text
    tokens = _TOKEN.findall(html_text)
    marks: list[int] = []  # indexes of the tokens a mark goes before
    code = 0  # <pre> and <code> elements open here
    line_start, looking, inside_code = 0, True, False
    for index, token in enumerate(tokens):
        if token == "\n":
            line_start, looking, inside_code = index + 1, True, code > 0
            continue
        if token.startswith("<") and len(token) > 1:
            tag = _CODE_TAG.match(token)
            if tag is not None:
                code = max(code + (-1 if token.startswith("</") else 1), 0)
            continue
        if not looking:
            continue
        shown = _shown(token).lstrip()
        if not shown:  # spaces: the line's first visible character is still to come
            continue
        looking = False
        if inside_code or starts_right_to_left(shown):
            continue
        marks.append(line_start)
        if len(marks) == budget:
            break
    if not marks:
        return html_text
    for index in reversed(marks):
        tokens.insert(index, RLM)
    return "".join(tokens)
