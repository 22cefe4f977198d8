"""Comparing what players type with code words and accepted answers."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein

_SEPARATORS = re.compile(r"[\s\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")
_NUMBER = re.compile(r"[-−]?\d+(?:[.,٫]\d+)?")
_GROUPING = re.compile(r"(?<=\d)[\s\u00a0\u202f'’.](?=\d{3}\b)")


def _ignorable_mark(char: str) -> bool:
    """Accents (Latin, Greek, Cyrillic) and Arabic vowel marks, which people often leave out.

    Vowel signs of Indic scripts (Bengali...) are combining marks too, but they are letters
    there: dropping them would make different words equal.
    """
    code = ord(char)
    return (
        0x0300 <= code <= 0x036F  # combining diacritical marks
        or 0x064B <= code <= 0x065F  # Arabic harakat
        or code == 0x0670  # Arabic superscript alef
        or 0x06D6 <= code <= 0x06ED  # Quranic annotation marks
        or 0x0591 <= code <= 0x05C7  # Hebrew points
    )


def fold(text: str) -> str:
    """Text reduced to what matters for comparing: case, accents, punctuation and spaces ignored.

    Works for every script: Latin accents and Arabic vowel marks are ignored, other scripts'
    vowel signs are kept.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = [c for c in decomposed if not _ignorable_mark(c)]
    words = "".join(c if c.isalnum() else " " for c in kept)
    return " ".join(words.split())


def squeeze(text: str) -> str:
    """Folded text without any spaces: how code words are compared."""
    return fold(text).replace(" ", "")


def code_matches(given: str, expected: str) -> bool:
    """Whether a typed code word is the expected one (case, accents and spaces ignored)."""
    return bool(squeeze(given)) and squeeze(given) == squeeze(expected)


def allowed_typos(answer: str) -> int:
    """How many typing mistakes an answer of this length tolerates."""
    length = len(answer.replace(" ", ""))
    if length >= 9:
        return 2
    if length >= 5:
        return 1
    return 0


def text_matches(given: str, accepted: Iterable[str]) -> bool:
    """Whether a typed answer is one of the accepted ones, allowing a few typos."""
    typed = fold(given)
    if not typed:
        return False
    for answer in accepted:
        target = fold(answer)
        if not target:
            continue
        if typed == target or typed.replace(" ", "") == target.replace(" ", ""):
            return True
        limit = allowed_typos(target)
        if limit and Levenshtein.distance(typed, target, score_cutoff=limit) <= limit:
            return True
    return False


def parse_number(text: str) -> float | None:
    """The number a player typed (any script's digits, `1 248`, `1,5`), or None."""
    cleaned = _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    cleaned = _GROUPING.sub("", cleaned)
    found = _NUMBER.findall(cleaned)
    if len(found) != 1:
        return None
    token = found[0].replace("−", "-").replace(",", ".").replace("٫", ".")
    digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in token)
    try:
        value = float(digits)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
