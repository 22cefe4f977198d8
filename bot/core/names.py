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


# ------------------------------------------------------------------ names that look the same

# Two teams whose names look the same would let someone pass for the other team (a stranger's
# "Pаriou", with a Cyrillic а, next to "Pariou"), and confuse players reading a list. Unicode's
# answer is the "skeleton" of UTS #39 (confusables.txt); no well-kept Python package offers it
# without ICU compiled in (confusable-homoglyphs flags mixed scripts within one string, it does
# not compare two; confusables is unmaintained; PyICU's SpoofChecker needs libicu built in), and
# a skeleton alone ignores case and accents, which matter here as much. So this is a small table
# of the lookalikes that matter for team names, read in two ways: a name is compared written in
# capitals and written in small letters, since Greek Ν is Latin N but Greek ν is Latin v.

_IN_CAPITALS = str.maketrans(
    {
        # Cyrillic capitals that are Latin capitals
        "А": "A", "В": "B", "Е": "E", "Ѕ": "S", "І": "I", "Ј": "J", "К": "K", "М": "M",
        "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ү": "Y",
        "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I",
        # Greek capitals that are Latin capitals
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        # digits and a sign that are capitals
        "0": "O", "1": "I", "|": "I",
    }
)  # fmt: skip
"""Lookalikes of a name written in capitals, as Latin capitals."""

_IN_SMALL_LETTERS = str.maketrans(
    {
        # Cyrillic small letters that are Latin ones
        "а": "a", "е": "e", "ѕ": "s", "і": "i", "ј": "j", "к": "k", "о": "o", "р": "p",
        "с": "c", "у": "y", "х": "x", "ү": "y", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w",
        "ӏ": "i",
        # Greek small letters that are Latin ones
        "α": "a", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "υ": "u", "χ": "x",
        "γ": "y",
        # Latin letters, digits and a sign that are others: l, I and 1 are one stroke
        "ɑ": "a", "ɡ": "g", "ı": "i", "ɩ": "i", "l": "i", "1": "i", "|": "i", "0": "o",
        # Arabic and Persian keyboards write the same kaf and yeh with different characters
        "ك": "ک", "ي": "ی", "ى": "ی",
    }
)  # fmt: skip
"""Lookalikes of a name written in small letters, as one letter each."""

_SMALL_SEQUENCES = (("rn", "m"), ("vv", "w"))
"""Pairs of small letters that read as one."""

_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Hangul fillers and the blank braille pattern: letters or symbols that show nothing."""

_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
"""The combining accents of Latin, Greek and Cyrillic letters (once decomposed). The vowel
signs of Arabic, Bengali or Tigrinya are not accents: they stay."""


def name_skeletons(name: str) -> tuple[str, str]:
    """What a name reads as, written in capitals and in small letters: its compatibility
    forms (ｆｕｌｌ width, ligatures, 𝐦𝐚𝐭𝐡 letters) normalised, invisible characters, accents,
    spaces and punctuation removed, and lookalike letters of other scripts made one."""
    visible = "".join(c for c in _visible(name) if c not in _INVISIBLE_LETTERS)
    text = unicodedata.normalize("NFKC", visible)
    capitals = _kept(text.upper()).translate(_IN_CAPITALS)
    small = _kept(text.casefold()).translate(_IN_SMALL_LETTERS)
    for pair, letter in _SMALL_SEQUENCES:
        small = small.replace(pair, letter)
    return capitals, small


def looks_alike(first: str, second: str) -> bool:
    """Whether two names would be taken for each other (see `name_skeletons`)."""
    return any(a == b for a, b in zip(name_skeletons(first), name_skeletons(second), strict=True))


def _kept(text: str) -> str:
    """The letters, digits, marks and symbols of a text, without the accents of its letters
    (spaces, punctuation and what is invisible go: "Les-Dômes" reads as "Les Domes")."""
    bare = _DIACRITICS.sub("", unicodedata.normalize("NFD", text))
    kept = "".join(c for c in bare if unicodedata.category(c)[0] in "LMNS")
    return unicodedata.normalize("NFC", kept) or text.strip()
