"""A PDF read back as a reader meets it: its text (poppler's pdftotext), its pages as images
(pdftoppm), its page sizes.

pdftotext gives right-to-left text in logical order, but places neutral characters (colons,
commas, brackets) next to the left-to-right words around them as it sees fit, and adds
directional marks: an Arabic, Dari or Pashto text is checked run by run (`missing_from`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no py.typed marker
import pytest
from PIL import Image

CI = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
A4 = (595.28, 841.89)
"""A4 in PDF points (210 × 297 mm)."""

# marks pdftotext adds around right-to-left text, and joiners that draw nothing (ZWNJ in Dari
# words, ZWJ in Bengali): left out on both sides of a comparison
INVISIBLE = dict.fromkeys(
    map(ord, "\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


def needs_poppler() -> None:
    """Skip a test on a machine without poppler-utils; fail it in CI (`.ci/run` installs it)."""
    if shutil.which("pdftotext") and shutil.which("pdftoppm"):
        return
    if CI:
        pytest.fail("pdftotext/pdftoppm missing in CI: .ci/run installs poppler-utils")
    pytest.skip("poppler-utils not installed (apt-get install poppler-utils); CI runs this test")


def _poppler(tool: str, pdf: bytes, *arguments: str) -> str:
    needs_poppler()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(
            [tool, *arguments, str(path), "-"], capture_output=True, text=True, check=True
        )
    return result.stdout


def pdf_text(
    pdf: bytes, *, page: int | None = None, crop: tuple[float, float, float, float] | None = None
) -> str:
    """`pdftotext -layout`: the text of the PDF (or of one page, from 1; or of the part
    `crop` = (x, y, width, height) in points from the top left of each page)."""
    arguments = ["-layout"]
    if page is not None:
        arguments += ["-f", str(page), "-l", str(page)]
    if crop is not None:  # pdftotext's pixels at its default 72 dpi are points
        for flag, value in zip(("-x", "-y", "-W", "-H"), crop, strict=True):
            arguments += [flag, str(round(value))]
    return unicodedata.normalize("NFC", _poppler("pdftotext", pdf, *arguments))


def readable(text: str) -> str:
    """The text as a reader compares it: NFC, no invisible marks, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).translate(INVISIBLE).split())


def squeezed(text: str) -> str:
    """The text without any space: lines wrapped anywhere compare equal."""
    return "".join(readable(text).split())


def _right_to_left(word: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in word)


def _letters(word: str) -> str:
    """A word without its punctuation and without the Arabic vowel and hamza marks (ً ٔ),
    which readers place apart from their letter (`bot.printing.text_layer`)."""
    decomposed = unicodedata.normalize("NFD", word)
    kept = "".join(
        char
        for char in decomposed
        if not unicodedata.category(char).startswith("P")
        and not (unicodedata.category(char) == "Mn" and "\u0600" <= char <= "\u08ff")
    )
    return unicodedata.normalize("NFC", kept)


def right_to_left_runs(text: str) -> list[str]:
    """The runs of right-to-left words of a text, each in writing order ("مكتب السياحة"):
    punctuation, digits and Latin words end a run."""
    runs: list[list[str]] = [[]]
    for word in readable(text).split(" "):
        if not _right_to_left(word):
            runs.append([])
            continue
        if unicodedata.category(word[0]).startswith("P"):  # "(وتعني"
            runs.append([])
        runs[-1].append("".join(char for char in _letters(word) if _right_to_left(char)))
        if unicodedata.category(word[-1]).startswith("P"):  # "المدينة،"
            runs.append([])
    return [" ".join(run) for run in runs if run]


def left_to_right_words(text: str) -> list[str]:
    """The words of a text written left to right (Latin, digits), without the punctuation
    pdftotext may move, cut at their hyphens (a line broken after a hyphen inside right-to-left
    text puts the hyphen on the other side). Emoji are left out: a flag (two regional letters,
    one glyph) comes back reversed from a right-to-left line."""
    found = []
    for word in readable(text).replace("-", " ").split(" "):
        kept = "".join(
            char
            for char in word
            if (
                unicodedata.bidirectional(char) in ("L", "EN")
                and unicodedata.category(char) != "So"
            )
            or char in "'’"
        ).strip("'’")
        if kept:
            found.append(kept)
    return found


def missing_from(expected: str, text: str, *, right_to_left_page: bool = False) -> list[str]:
    """What of `expected` a reader does not find in the extracted `text` ([] when all is there).

    A left-to-right text must be there whole (spaces aside). A text with right-to-left words,
    or any text on a right-to-left page, is looked for run by run: each run of right-to-left
    words in writing order, and each left-to-right word. Where Dari's ezafe hamza (هٔ) is, poppler
    may set the mark apart as a line of its own and reorder the words around it: such a text's
    right-to-left words are looked for one by one.
    """
    runs = right_to_left_runs(expected)
    if not runs and not right_to_left_page:
        return [] if squeezed(expected) in squeezed(text) else [expected]
    # a mark set apart from its letter (" ٔه") joins it again; one moved away altogether goes
    joined = re.sub("\\s+(?=[\u064b-\u065f\u0670])", "", readable(text))
    flowing = " ".join(filter(None, (_letters(word) for word in joined.split(" "))))
    squeezed_text = squeezed(text)
    if any(mark in readable(expected) for mark in "\u0654\u06c0"):  # the ezafe: هٔ or ۀ
        runs = [word for run in runs for word in run.split(" ")]
        missing = [word for word in runs if word not in flowing]
    else:
        missing = [run for run in runs if run not in flowing]
    missing += [word for word in left_to_right_words(expected) if word not in squeezed_text]
    return missing


@dataclass(frozen=True)
class Line:
    """A line of text as pdftotext finds it, with its horizontal extent in points."""

    left: float
    right: float
    top: float
    text: str


def text_lines(pdf: bytes, page: int = 1) -> list[Line]:
    """`pdftotext -bbox-layout`: the lines of a page, with where they start and end."""
    xhtml = _poppler("pdftotext", pdf, "-bbox-layout", "-f", str(page), "-l", str(page))
    root = ET.fromstring(xhtml)
    namespace = "{http://www.w3.org/1999/xhtml}"
    return [
        Line(
            float(line.attrib["xMin"]),
            float(line.attrib["xMax"]),
            float(line.attrib["yMin"]),
            " ".join(word.text or "" for word in line.iter(f"{namespace}word")),
        )
        for line in root.iter(f"{namespace}line")
    ]


def page_images(pdf: bytes, folder: Path, dpi: int = 50) -> list[Path]:
    """`pdftoppm -png`: every page as a PNG file in `folder`, in page order."""
    needs_poppler()
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "document.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(source), str(folder / "page")], check=True
    )
    return sorted(folder.glob("page-*.png"))


def dark_share(png: Path) -> float:
    """The share of a page image's pixels that are dark (text, lines, codes)."""
    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
    return sum(histogram[:128]) / sum(histogram)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [tuple(page.get_size()) for page in document]
    finally:
        document.close()


def is_a4(size: tuple[float, float]) -> bool:
    """Whether a page is A4, upright."""
    return abs(size[0] - A4[0]) < 0.5 and abs(size[1] - A4[1]) < 0.5
