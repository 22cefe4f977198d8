"""The text a PDF gives back when it is searched, copied or read aloud, as it was written.

A PDF draws glyphs; the text behind them is a map from each glyph to the characters it stands
for. WeasyPrint writes that map glyph by glyph, which is right for most scripts but not for two
of the rally's, although both print right:

- Bengali draws a vowel sign before the consonant it follows in writing (কি: ি then ক), and
  draws several letters as one conjunct glyph (ক্ষ). Glyph by glyph, the text comes back
  scrambled ("শহরের" as "শহ রিরি"). Such a line is wrapped in a `/Span` with `/ActualText`
  (PDF 1.5, 14.9.4): readers (poppler's pdftotext, pdfium) then take the line's text as written.
- Arabic draws some letters together as one glyph: lam then alef (لا, in الأطلس), lam then
  alef maksura (لى, in على), an alef with its tanwin (ًا). Readers get an Arabic line's glyphs
  from left to right and reverse the characters; a glyph standing for several letters must
  then list them from left to right too, as they are drawn, or they come back swapped
  ("األطلس"). `/ActualText` does not help there: poppler reverses it too.

Both are mended by wrapping one WeasyPrint function (`draw_first_line`, tested with WeasyPrint
70): if it is gone, PDFs still print right and only their text layer is as WeasyPrint made it.
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

ARABIC_SCRIPT = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)
"""The Unicode blocks of the Arabic script (Arabic, Dari, Pashto): always drawn right to left."""

REORDERING_SCRIPTS = ((0x0900, 0x0DFF), (0x1000, 0x109F), (0x1780, 0x17FF))
"""Unicode blocks of the scripts whose glyphs are not in the order of their letters:
the Indic scripts (Devanagari to Sinhala, Bengali among them), Myanmar, Khmer."""

_lock = threading.Lock()
_MARK = "_rallye_text_layer"
_turned: weakref.WeakKeyDictionary[Any, set[int]] = weakref.WeakKeyDictionary()
"""For each font of a PDF being made, its glyphs whose letters are listed as drawn already."""


def arabic(text: str) -> bool:
    """Whether a text is made of Arabic-script characters only."""
    return all(any(low <= ord(char) <= high for low, high in ARABIC_SCRIPT) for char in text)


def reorders(text: str) -> bool:
    """Whether glyph-by-glyph text cannot give this line back: a script that reorders its
    glyphs, and no right-to-left letter (poppler would reverse the whole line's text)."""
    return any(
        low <= ord(char) <= high for char in text for low, high in REORDERING_SCRIPTS
    ) and not any("\u0590" <= char <= "\u08ff" for char in text)


def install() -> None:
    """Mend WeasyPrint's text layer (once; threads may make PDFs at the same time)."""
    with _lock:
        try:
            from weasyprint.draw import text as drawing  # noqa: PLC0415 - WeasyPrint is lazy
        except ImportError:  # moved in another WeasyPrint
            log.warning("WeasyPrint's text drawing has moved: PDF text layer left as it is")
            return
        original = getattr(drawing, "draw_first_line", None)
        if original is None:
            log.warning("WeasyPrint's text drawing has moved: PDF text layer left as it is")
            return
        if not getattr(original, _MARK, False):
            drawing.draw_first_line = _mended(original)


def _mended(original: Callable[..., Any]) -> Callable[..., Any]:
    import pydyf  # noqa: PLC0415 - comes with WeasyPrint

    @functools.wraps(original)
    def draw_first_line(
        stream: Any, textbox: Any, text_overflow: str, block_ellipsis: Any, matrix: Any
    ) -> Any:
        text = str(textbox.text)
        # an ellipsis changes the text drawn, which then is not `textbox.text`
        spanned = text_overflow != "ellipsis" and block_ellipsis == "none" and reorders(text)
        if spanned:
            actual = pydyf.Dictionary({"ActualText": pydyf.String(text)})
            stream.begin_marked_content("Span", actual)
        try:
            drawn = original(stream, textbox, text_overflow, block_ellipsis, matrix)
        finally:
            if spanned:
                stream.end_marked_content()
        if any(arabic(char) for char in text):
            _ligatures_as_drawn(stream)
        return drawn

    setattr(draw_first_line, _MARK, True)
    return draw_first_line


def _ligatures_as_drawn(stream: Any) -> None:
    """List the letters of the Arabic glyphs met so far that stand for several, in drawing
    order (alef, then lam)."""
    for font in getattr(stream, "_fonts", {}).values():
        to_unicode = getattr(font, "to_unicode", None)
        if not isinstance(to_unicode, dict):
            continue
        with _lock:
            turned = _turned.setdefault(font, set())
            for glyph, letters in to_unicode.items():
                if glyph not in turned and len(letters) > 1 and arabic(letters):
                    to_unicode[glyph] = letters[::-1]
                    turned.add(glyph)
