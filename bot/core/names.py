"""A player's name as the bot keeps and shows it: the first name, safe in other people's chats.

The bot stores the first name only (data minimisation: a first name is enough to tell
teammates who did what), and it shows that name to every teammate and organiser. A name is
whatever its owner typed in Telegram, so before it is kept:

- bidirectional controls (U+202A-U+202E, U+2066-U+2069, the marks U+200E, U+200F, U+061C) are
  removed: an override would turn the rest of someone else's message around;
- zero-width and other invisible characters (format and control characters: U+200B, U+200D,
  U+2060, U+FEFF, U+00AD...) are removed: two names that look the same must not differ
  invisibly; the non-joiner U+200C stays between two letters, where Persian spelling needs it;
- a name that Telegram would show as a command, a mention, a hashtag or a link (`/start`,
  `@admin`, `#tag`, `example.com`) gets a word joiner (U+2060) after its `/`, `@`, `#`, `$`
  or a dot between letters, which keeps it looking the same and stops the link;
- spaces are collapsed; an empty result becomes "?".
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 64
"""Characters of a name kept (Telegram's first names are at most 64)."""
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
ZWNJ = "\u200c"
"""The zero-width non-joiner: part of Persian and Dari spelling between two letters, kept there."""
WORD_JOINER = "\u2060"
_LINKABLE = re.compile(r"(?:^|(?<=\s))[/@#$](?=\w)|(?<=\w)\.(?=\w)")


def display_name(first_name: str) -> str:
    """The name to keep and show for a Telegram user's first name."""
    kept = " ".join(_visible(first_name).split())[:MAX_LENGTH]
    kept = _LINKABLE.sub(lambda match: match.group(0) + WORD_JOINER, kept)
    return kept or "?"


def _visible(text: str) -> str:
    """The text without bidi controls, invisible format characters and control characters."""
    out = []
    for i, char in enumerate(text):
        if char in BIDI_CONTROLS:
            continue
        if (
            char == ZWNJ
            and 0 < i < len(text) - 1
            and text[i - 1].isalpha()
            and text[i + 1].isalpha()
        ):
            out.append(char)
            continue
        if unicodedata.category(char) in {"Cc", "Cf"}:  # format and control characters
            continue
        out.append(char)
    return "".join(out)
