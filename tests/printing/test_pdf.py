"""The one PDF path: what any page made with it shows, and what it refuses."""

from __future__ import annotations

import importlib.abc
import logging
import sys

import pytest

from bot.logs import install
from bot.printing.pdf import (
    DEBIAN_PACKAGES,
    Direction,
    PrintingError,
    escape,
    language_direction,
    missing_characters,
    render_pdf,
    text_direction,
)
from bot.printing.text_layer import reorders
from tests.printing.reading import pdf_text, readable


@pytest.mark.parametrize(
    ("language", "direction"),
    [("ar", "rtl"), ("fa_AF", "rtl"), ("ps", "rtl"), ("ti", "ltr"), ("bn", "ltr"), ("fr", "ltr")],
)
def test_languages_run_in_their_direction(language, direction):
    assert language_direction(language) == Direction(direction)


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("الأطلس", "rtl"),
        ("12 النور", "rtl"),
        ("Puy de Dôme", "ltr"),
        ("🌋 Volvic", "ltr"),
        ("", "ltr"),
    ],
)
def test_a_name_runs_in_the_direction_of_its_first_letter(text, direction):
    assert text_direction(text) == Direction(direction)


def test_a_character_no_font_has_is_reported_but_not_logged(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    with missing_characters() as missing:
        pdf = render_pdf("<p>Apple \uf8ff team</p>", title="t", language="en")
    assert missing == {"\uf8ff"}
    assert pdf.startswith(b"%PDF-")
    assert caplog.messages
    assert not any("\uf8ff" in message for message in caplog.messages)


def test_a_missing_character_is_reported_with_the_bots_logging_at_error():
    # the bot's record factory formats records as they are made, and LOG_LEVEL=ERROR drops
    # warnings: neither may hide a box from the QR sheet's note (seen in the whole suite)
    install()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with missing_characters() as missing:
            render_pdf("<p>Apple \uf8ff team</p>", title="t", language="en")
    finally:
        root.setLevel(level)
    assert missing == {"\uf8ff"}


def test_text_is_escaped_and_printed_as_written():
    typed = '<script>alert("x")</script> & <b>bold</b>'
    text = readable(pdf_text(render_pdf(f"<p>{escape(typed)}</p>", title="t", language="en")))
    assert typed in text


@pytest.mark.parametrize(
    "source", ["file:///etc/hostname", "http://127.0.0.1:9/x.png", "https://example.org/x.css"]
)
def test_a_page_may_load_nothing_from_outside(source):
    with pytest.raises(PrintingError, match="data: URLs"):
        render_pdf(f'<img src="{source}"><p>x</p>', title="t", language="en")


class _NoPango(importlib.abc.MetaPathFinder):
    """What importing WeasyPrint does when Debian's Pango is missing: cffi's OSError."""

    def find_spec(self, name, path, target=None):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': no such file")
        return


def test_missing_pango_says_which_debian_packages_to_install(monkeypatch):
    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoPango(), *sys.meta_path])
    with pytest.raises(PrintingError) as refused:
        render_pdf("<p>x</p>", title="t", language="en")
    assert all(package in str(refused.value) for package in DEBIAN_PACKAGES)


def test_missing_weasyprint_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(PrintingError, match="pip install weasyprint"):
        render_pdf("<p>x</p>", title="t", language="en")


@pytest.mark.parametrize(
    ("line", "spanned"),
    [
        ("শহরের রাস্তার মানচিত্র", True),
        ("Espace T2C-তে জিজ্ঞেস করুন", True),
        ("مكتب السياحة", False),
        ("Place de la Victoire", False),
        ("ራሊ ምትእስሳር", False),
    ],
)
def test_only_lines_drawn_out_of_order_carry_their_text_apart(line, spanned):
    assert reorders(line) is spanned
