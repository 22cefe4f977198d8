"""`/report` through the real Application, and `python -m bot report`: the PDF is read back as
a reader would (its text with pdftotext, its pages as images with pdftoppm) and holds no name."""

from __future__ import annotations

import csv
import html
import io
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import write_report
from bot.core.rally_file import load_rally
from bot.core.roles import Role
from bot.report.labels import ReportLanguage
from bot.settings import Settings
from bot.telegram.render import notices
from loopback.users import SimulatedUser
from tests.bot.conftest import DEFAULT_RALLY, World, open_world
from tests.clock import FakeClock
from tests.databases import BACKENDS, sqlite_url
from tests.report.played import PLAYERS, TEAMS, Played, play

SECOND = load_rally(Path(__file__).parents[1] / "rally_files" / "second_city.yaml")
SECTIONS_FR = (
    "Qui est venu",
    "Le parcours",
    "Apprentissage",
    "Questionnaire de fin de rallye",
    "Incidents de la journée",
)
SECTIONS_EN = ("Who came", "The route", "Learning", "End-of-rally survey", "The day's incidents")


@pytest.fixture(params=BACKENDS)
async def two_rallies(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[World, Played]]:
    """The bot runs Clermont-Ferrand (played, `tests.report.played`) and a second city."""
    clock = FakeClock()
    async for world in open_world(
        tmp_path, request.param, DEFAULT_RALLY, clock, more_rallies=(SECOND,)
    ):
        yield world, await play(world, clock)


def documents(world: World, user: SimulatedUser, since: int) -> dict[str, tuple[bytes, str]]:
    """The files the bot sent this user after its first `since` messages, with their captions."""
    return {
        m.file.file_name or "": (m.file.data, m.caption or "")
        for m in world.api.transcript(user.chat_id)[since:]
        if m.file is not None
    }


def pdf_text(pdf: Path) -> str:
    """The PDF's text, as pdftotext extracts it."""
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def page_images(pdf: Path, tmp_path: Path) -> list[Path]:
    """Every page of the PDF as a PNG at 40 dpi (pdftoppm)."""
    prefix = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(prefix)], check=True)
    return sorted(tmp_path.glob(f"{pdf.stem}-*.png"))


def assert_pages_drawn(pdf: Path, tmp_path: Path, at_least: int) -> None:
    """Each page rendered holds something drawn: not a blank sheet."""
    pages = page_images(pdf, tmp_path)
    assert len(pages) >= at_least
    for page in pages:
        with Image.open(page) as image:
            grey = list(image.convert("L").tobytes())
        assert min(grey) < 100, page.name  # text or a chart, not only white
        assert sum(1 for value in grey if value < 200) > 200, page.name


def assert_names_absent(text: str, played: Played) -> None:
    """No player's first name, nor Telegram id, anywhere in the text."""
    words = text.replace("\n", " ")
    assert [name for name in PLAYERS if name in words] == []
    assert [str(p.id) for p in played.players.values() if str(p.id) in words] == []


async def test_an_admin_gets_the_report_and_its_figures_and_a_player_is_refused(
    two_rallies: tuple[World, Played], tmp_path: Path
) -> None:
    world, played = two_rallies
    admin = played.admin
    sent = len(world.api.transcript(admin.chat_id))
    admin.send_command("report")
    await world.settle(within=60)
    files = documents(world, admin, sent)
    assert set(files) == {"report.pdf", "report-figures.csv"}  # both rallies: one report
    pdf, caption = files["report.pdf"]
    assert pdf.startswith(b"%PDF")
    assert caption.startswith("📊 Rapport d'évaluation : clermont-ferrand, second-city.")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    assert "Comparaison des rallyes" in text
    for section in SECTIONS_FR:
        assert text.count(section) == 2, section  # once per rally
    assert text.count("Classement") == 1  # no team played the second city's rally
    for team in TEAMS:
        assert team in text
    assert "Pas de données de questionnaire." in text
    assert "non enregistré" in text  # the SOS alerts are not stored
    assert_names_absent(text, played)
    assert_pages_drawn(path, tmp_path, at_least=5)

    table = list(csv.DictReader(io.StringIO(files["report-figures.csv"][0].decode("utf-8-sig"))))
    assert {row["rally"] for row in table} == {"clermont-ferrand", "second-city"}
    players = {
        (row["rally"], row["language"]): row["value"]
        for row in table
        if row["section"] == "attendance"
        and row["item"] == "language"
        and row["measure"] == "players"
    }
    assert players == {
        ("clermont-ferrand", "en"): "1",
        ("clermont-ferrand", "fr"): "2",
        ("clermont-ferrand", "ar"): "1",
        ("clermont-ferrand", "uk"): "1",
    }
    assert_names_absent(" ".join(" ".join(row.values()) for row in table), played)

    # one rally, in English
    sent = len(world.api.transcript(admin.chat_id))
    admin.send_command("report", "clermont-ferrand en")
    await world.settle(within=60)
    files = documents(world, admin, sent)
    assert set(files) == {"report-clermont-ferrand.pdf", "report-clermont-ferrand-figures.csv"}
    path = tmp_path / "report-clermont-ferrand.pdf"
    path.write_bytes(files["report-clermont-ferrand.pdf"][0])
    text = pdf_text(path)
    for section in SECTIONS_EN:
        assert section in text, section
    assert "The rallies compared" not in text
    assert "Second city rally" not in text
    assert_names_absent(text, played)

    # a rally the admin does not run
    admin.send_command("report", "atlantis")
    await world.settle()
    assert world.texts(admin)[-1].startswith("Aucun rallye « atlantis »")

    # a player is refused, and gets no file
    karim = played.players["Karim"]
    sent = len(world.api.transcript(karim.chat_id))
    karim.send_command("report")
    await world.settle()
    assert documents(world, karim, sent) == {}
    assert world.application is not None
    tr = world.application.bot_data.default.catalogs.translator("fr")
    assert world.texts(karim)[-1] == html.unescape(notices.staff_only(tr, Role.ADMIN))


def test_the_command_line_writes_the_report_and_its_figures(tmp_path: Path) -> None:
    database = tmp_path / "var" / "rallye.sqlite3"
    database.parent.mkdir()
    settings = Settings(
        database_url=sqlite_url(database),
        rally_file=f"{Path(__file__).parents[2] / 'data' / 'stages.yaml'}",
        _env_file=None,
    )
    out, err = io.StringIO(), io.StringIO()
    # no database yet: nothing is made, and nothing is created
    assert write_report(settings, None, tmp_path / "r.pdf", ReportLanguage.FR, out, err) == 1
    assert "no database at" in err.getvalue()
    assert not database.exists()

    database.touch()  # an empty database: the rally has not been played
    pdf = tmp_path / "out" / "report.pdf"
    assert write_report(settings, None, pdf, ReportLanguage.EN, out, err) == 0
    printed, figures = out.getvalue().splitlines()
    assert printed == f"{pdf}: the report of clermont-ferrand"
    assert figures.startswith(f"{tmp_path / 'out' / 'report-figures.csv'}: its figures, ")
    text = pdf_text(pdf)
    for section in SECTIONS_EN:
        assert section in text, section
    assert "The rally has not started yet." in text
    assert (tmp_path / "out" / "report-figures.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert write_report(settings, "atlantis", pdf, ReportLanguage.EN, out, err) == 2
