"""The evaluation report's tests: a rally played through the real Application, then reported."""

from __future__ import annotations

import shutil

import pytest

POPPLER = ("pdftotext", "pdftoppm")


@pytest.fixture(autouse=True)
def _poppler() -> None:
    """The PDFs are read as a reader would, with poppler-utils (`apt-get install poppler-utils`)."""
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    assert not missing, f"install poppler-utils: {', '.join(missing)} not found"
