"""The one way the bot makes a PDF: an HTML page and its CSS, laid out and shaped by WeasyPrint.

WeasyPrint sets text with Pango and HarfBuzz, so every script of the rally prints right:
Arabic, Dari and Pashto joined and right to left, Bengali with its conjuncts, Tigrinya's
syllables. The letters come from Debian's Noto fonts (`fonts-noto-core`), named script by script
in `FONT_FAMILIES`: Pango takes each character from the first of them that has it.

Every text that goes into a page is escaped here (`escape`), and a page may load nothing but
the `data:` URLs it carries itself: a name typed by a player can never fetch a file or a URL.
WeasyPrint is imported on the first PDF, not when the bot starts.
"""

from __future__ import annotations

import contextlib
import enum
import html
import logging
import re
import threading
import unicodedata
from collections.abc import Iterator
from typing import Any

from bot.i18n.catalogs import writes_right_to_left
from bot.printing import text_layer

DEBIAN_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-noto-core")
"""What WeasyPrint needs from Debian: Pango (with HarfBuzz and fontconfig) and the fonts."""

FONT_FAMILIES = (
    "Noto Sans",  # Latin, Cyrillic (uk, ru), Turkish letters
    "Noto Sans Arabic",  # Arabic, Dari, Pashto (ټ ډ ړ ږ ښ ګ ڼ ې ۍ)
    "Noto Naskh Arabic",
    "Noto Sans Ethiopic",  # Tigrinya
    "Noto Sans Bengali",
    "Noto Sans Symbols",
    "Noto Sans Symbols2",
)
"""The font families of every page, as Debian 12's fonts-noto-core names them (`fc-list`).

Emoji (the city guide's icons) come from Noto Color Emoji (fonts-noto-color-emoji), which
fontconfig finds on its own: named here, it would also lend its digits to every number."""

FONT_STACK = ", ".join(f'"{family}"' for family in FONT_FAMILIES) + ", sans-serif"

STYLESHEET = f"""
@page {{ size: A4; margin: 15mm; }}
html {{ font-family: {FONT_STACK}; font-size: 11pt; line-height: 1.35; color: #1a1a1a; }}
body {{ margin: 0; }}
h1, h2, h3, p, ul, ol {{ margin: 0; }}
[dir="rtl"] {{ text-align: right; }}
[dir="ltr"] {{ text-align: left; }}
"""
"""The CSS every page starts from: A4, the Noto fonts, right-to-left blocks aligned right."""


class PrintingError(Exception):
    """A PDF that cannot be made, explained in one line."""


class Direction(enum.StrEnum):
    """Which way a block of text runs."""

    LTR = "ltr"
    RTL = "rtl"


def escape(text: str) -> str:
    """The text, safe inside HTML and inside an attribute's quotes."""
    return html.escape(text, quote=True)


def language_direction(language: str) -> Direction:
    """The direction a language is written in (right to left for ar, fa_AF, ps)."""
    return Direction.RTL if writes_right_to_left(language) else Direction.LTR


def text_direction(text: str) -> Direction:
    """The direction of a text of unknown language (a team's name): that of its first letter
    with a direction of its own, as HTML's `dir="auto"` decides."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return Direction.RTL
        if kind == "L":
            return Direction.LTR
    return Direction.LTR


def html_lang(language: str) -> str:
    """The BCP 47 tag HTML expects: "fa-AF" for the rally's "fa_AF"."""
    return language.replace("_", "-")


def language_attributes(language: str) -> str:
    """`lang` and `dir` for a block in this language: Pango then shapes for that language."""
    return f'lang="{escape(html_lang(language))}" dir="{language_direction(language)}"'


def document(body: str, *, title: str, language: str, stylesheet: str = "") -> str:
    """A whole HTML page: `body` (already escaped) under the shared stylesheet and `stylesheet`.

    The title becomes the PDF's title; `language` is the page's main language.
    """
    return (
        f"<!DOCTYPE html>\n<html {language_attributes(language)}>\n<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        '<meta name="author" content="Rallye">\n'
        f"<style>{STYLESHEET}\n{stylesheet}</style>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def html_to_pdf(page: str, base_url: str | None = None) -> bytes:
    """The PDF of an HTML page; `PrintingError` if WeasyPrint or its libraries are missing."""
    weasyprint = _weasyprint()
    # no file, no network: only the data: URLs the page carries (the QR codes' images)
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    try:
        pdf = weasyprint.HTML(string=page, base_url=base_url, url_fetcher=fetcher).write_pdf()
    except weasyprint.urls.FatalURLFetchingError as exc:
        raise PrintingError(f"a page may only carry data: URLs ({exc})") from exc
    assert isinstance(pdf, bytes)  # write_pdf() without a target returns the bytes
    return pdf


def render_pdf(body: str, *, title: str, language: str, stylesheet: str = "") -> bytes:
    """The PDF of a page body (already escaped) under the shared stylesheet."""
    return html_to_pdf(document(body, title=title, language=language, stylesheet=stylesheet))


def _weasyprint() -> Any:
    """WeasyPrint, imported on the first PDF; `PrintingError` naming the Debian packages
    to install if its system libraries cannot be loaded."""
    try:
        import weasyprint  # noqa: PLC0415 - a second of import that the bot's start must not pay
    except OSError as exc:  # cffi could not open Pango (or one of its libraries)
        raise PrintingError(
            "cannot make PDFs: WeasyPrint cannot load Pango; on Debian install "
            f"{' '.join(DEBIAN_PACKAGES)} ({exc})"
        ) from exc
    except ImportError as exc:
        raise PrintingError(
            "cannot make PDFs: the weasyprint package is not installed (pip install weasyprint; "
            f"on Debian it also needs {' '.join(DEBIAN_PACKAGES)})"
        ) from exc
    text_layer.install()
    _redact_missing_glyphs()
    return weasyprint


_collected = threading.local()


@contextlib.contextmanager
def missing_characters() -> Iterator[set[str]]:
    """The characters that no font could draw (printed as boxes) in the PDFs made by this
    thread inside the `with` block."""
    missing: set[str] = set()
    outer = getattr(_collected, "missing", None)
    _collected.missing = missing
    try:
        yield missing
    finally:
        _collected.missing = outer


_CODEPOINT = re.compile(r"\(U\+([0-9A-F]{4,6})\)")
"""The code point in WeasyPrint's warning ('... "x" (U+F8FF)')."""


class _MissingGlyph(logging.Filter):
    """WeasyPrint's warning about a character no font has: collected for
    `missing_characters`, and logged without the character, which may come from a player's
    name (never logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()  # the bot's record factory may have formatted it already
        if message.startswith(".notdef glyph rendered"):
            collector = getattr(_collected, "missing", None)
            found = _CODEPOINT.search(message)
            if collector is not None and found is not None:
                collector.add(chr(int(found[1], 16)))
            record.msg, record.args = "a character no font has was printed as a box", None
        # WeasyPrint's logger is kept open to its warnings (to collect them); the log shows
        # them only at the level the operator chose (LOG_LEVEL, on the root logger)
        return logging.getLogger().isEnabledFor(record.levelno)


def _redact_missing_glyphs() -> None:
    weasyprint_log = logging.getLogger("weasyprint")
    if not any(isinstance(known, _MissingGlyph) for known in weasyprint_log.filters):
        weasyprint_log.addFilter(_MissingGlyph())
    # a root logger at ERROR (LOG_LEVEL) would drop the warnings before the filter sees them
    weasyprint_log.disabled = False
    if weasyprint_log.level == logging.NOTSET or weasyprint_log.level > logging.WARNING:
        weasyprint_log.setLevel(logging.WARNING)
