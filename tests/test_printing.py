"""`python -m bot qr`: the printed cards scan to the right links and words, and read well."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no py.typed marker
import pytest
import zxingcpp

from bot.cli import print_qr_codes, stored_teams
from bot.core.content import Rally
from bot.core.rally_file import load_rally
from bot.printing.qr_cards import (
    CARD_HEIGHT,
    CARD_WIDTH,
    CARDS_PER_PAGE,
    JOIN_COMMAND,
    PADDING,
    PAGE_HEIGHT,
    QR_BORDER,
    QR_SMALLEST,
    TOP_MARGIN_MM,
    PrintingError,
    bot_username,
    card_origin,
)
from bot.services.teams import CODE_ALPHABET
from tests.databases import sqlite_url
from tests.printing.reading import is_a4, page_sizes, pdf_text, readable, squeezed

ROOT = Path(__file__).parent.parent
DEFAULT_RALLY = ROOT / "data" / "stages.yaml"
BOT = "RallyeClermontBot"
DPI = 150

# Names and codes that push the layout: long, unbroken, accented, in other scripts, and one
# with a character no font has (the Apple logo of an iPhone keyboard, in Unicode's private use).
AWKWARD_RALLY = """
rally:
  id: awkward
  title:
    fr: "Rallye de l'intégration citoyenne des nouveaux arrivants — Clermont-Ferrand et Riom"
    en: "Citizen integration rally"
  default_language: fr
  languages: [fr, en]
privacy: {controller: Association Rallye Test, contact: rallye@association.fr, legal_basis: consent}
teams:
  - name: "Les Volcans d'Auvergne, du Puy de Dôme au Sancy, en passant par le Pariou et Gergovie"
    code: abcdefghijklmnopqrstuvwxyz_-0123
  - name: "النور"
    code: NOUR63
  - name: "Étoile 🌋 Ḍôme"
    code: ETOILE
  - name: "Supercalifragilisticexpialidocious-Clermont-Ferrand"
    code: SUPER
  - name: "Apple \uf8ff"
    code: APPLE
stages:
  - id: accueil
    kind: service
    name:
      fr: "Maison des associations et de la vie citoyenne — accueil du public et des familles"
      en: "Associations house"
    checkin_code: "Mot de passe très très long à taper"
    clue: {fr: "Allez-y.", en: "Go there."}
  - id: sante
    kind: service
    name: {fr: "CPAM", en: "CPAM"}
    checkin_code: "SANTÉ"
    clue: {fr: "Allez-y.", en: "Go there."}
  - id: gps-only
    kind: heritage
    name: {fr: "Jaude", en: "Jaude"}
    location: {lat: 45.77631, lon: 3.08217, radius_m: 80}
    clue: {fr: "Allez-y.", en: "Go there."}
"""


@dataclass(frozen=True)
class PrintedCard:
    """What one card of a printed page holds: the payloads it scans to and the text on it."""

    page: int
    slot: int
    scanned: tuple[str, ...]
    text: str


def read_sheet(pdf: Path) -> list[PrintedCard]:
    """Every used card slot of the PDF, decoded from the rendered page and its text layer."""
    cards = []
    document = pdfium.PdfDocument(pdf)
    try:
        for number, page in enumerate(document):
            image = page.render(scale=DPI / 72).to_pil()
            height = page.get_height()
            text_page = page.get_textpage()
            for slot in range(CARDS_PER_PAGE):
                x, y = card_origin(slot)
                box = (x, height - y - CARD_HEIGHT, x + CARD_WIDTH, height - y)
                crop = image.crop(tuple(round(v * DPI / 72) for v in box))
                scanned = tuple(code.text for code in zxingcpp.read_barcodes(crop))
                text = text_page.get_text_bounded(x, y, x + CARD_WIDTH, y + CARD_HEIGHT)
                if scanned or text.strip():
                    cards.append(PrintedCard(number, slot, scanned, " ".join(text.split())))
    finally:
        document.close()
    return cards


def make_sheet(
    rally_file: Path, out: Path, database: Path, username: str = BOT
) -> tuple[int, str, str]:
    """`python -m bot qr` with the bot's database in `database` (a SQLite file)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    url = sqlite_url(database)
    code = print_qr_codes(str(rally_file), username, out, stdout, stderr, database_url=url)
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def default_rally() -> Rally:
    return load_rally(DEFAULT_RALLY)


@pytest.fixture(scope="module")
def default_sheet(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[PrintedCard]]:
    folder = tmp_path_factory.mktemp("sheet")
    out = folder / "var" / "qr-codes.pdf"
    code, stdout, stderr = make_sheet(DEFAULT_RALLY, out, folder / "rallye.sqlite3")
    assert (code, stderr) == (0, "")
    return stdout, read_sheet(out)


@pytest.fixture
def awkward_file(tmp_path: Path) -> Path:
    path = tmp_path / "awkward.yaml"
    path.write_text(AWKWARD_RALLY, encoding="utf-8")
    return path


def test_the_default_rally_prints_a_card_per_team_and_per_code_word(default_rally, default_sheet):
    stdout, cards = default_sheet
    stages = [stage for stage in default_rally.stages if stage.checkin_code]
    assert len(cards) == len(default_rally.teams) + len(stages) == 14
    # six to a page, team cards and stage cards on pages of their own
    assert [(card.page, card.slot) for card in cards] == [(0, slot) for slot in range(6)] + [
        (1, slot) for slot in range(6)
    ] + [(2, 0), (2, 1)]
    assert stdout.endswith("qr-codes.pdf: 6 team card(s), 8 stage card(s), 3 page(s)\n")


def test_the_sheet_is_three_a4_pages_with_their_headers(default_rally, tmp_path):
    out = tmp_path / "qr.pdf"
    code, _, stderr = make_sheet(DEFAULT_RALLY, out, tmp_path / "rallye.sqlite3")
    assert (code, stderr) == (0, "")
    pdf = out.read_bytes()
    assert [is_a4(size) for size in page_sizes(pdf)] == [True, True, True]
    title = default_rally.rally.title["fr"]
    headers = [pdf_text(pdf, page=page).splitlines()[0] for page in (1, 2, 3)]
    assert [readable(header.replace(title, "")) for header in headers] == [
        "Équipes / Teams · 1/3",
        "Étapes / Stages · 2/3",
        "Étapes / Stages · 3/3",
    ]
    assert all(header.startswith(title) for header in headers)


def test_each_team_card_scans_to_the_link_that_joins_it(default_rally, default_sheet):
    _, cards = default_sheet
    title = default_rally.rally.title["fr"]
    for team, card in zip(default_rally.teams, cards, strict=False):
        assert card.scanned == (f"https://t.me/{BOT}?start={team.code}",)
        assert team.name in card.text
        assert team.code in card.text
        assert title in card.text  # "— Clermont-Ferrand": the em dash is printed
        assert "Scannez pour rejoindre votre équipe Scan to join your team" in card.text


def card_text(pdf: bytes, index: int) -> str:
    """`pdftotext -layout` of the `index`-th card of a section (0 = top left of its first page),
    its first page being the PDF's first."""
    page, slot = divmod(index, CARDS_PER_PAGE)
    x, y = card_origin(slot)
    return pdf_text(
        pdf, page=page + 1, crop=(x, PAGE_HEIGHT - y - CARD_HEIGHT, CARD_WIDTH, CARD_HEIGHT)
    )


@pytest.mark.parametrize("rally_file", ["default", "awkward"])
def test_each_team_card_says_how_to_join_without_scanning(rally_file, awkward_file, tmp_path):
    """Under its QR code a team card names the bot and the command to type, `/join CODE`: a
    player whose phone cannot scan joins all the same; a stage card has neither."""
    path = DEFAULT_RALLY if rally_file == "default" else awkward_file
    out = tmp_path / "sheet.pdf"
    assert make_sheet(path, out, tmp_path / "rallye.sqlite3")[0] == 0
    pdf = out.read_bytes()
    rally = load_rally(path)
    codes = [team.code.upper() for team in rally.teams if team.code]  # as the bot stores them
    assert len(codes) == len(rally.teams)
    team_cards = [card_text(pdf, index) for index in range(len(codes))]
    assert len(team_cards) == len(codes) > 0
    for code, text in zip(codes, team_cards, strict=True):
        assert readable(text).count(f"@{BOT}") == 1, text
        assert squeezed(text).count(f"{JOIN_COMMAND}{code}") == 1, text
        if len(code) <= 12:  # on one line, as typed (a longer code wraps anywhere)
            assert f"{JOIN_COMMAND} {code}" in readable(text), text
    first_stage_page = -(-len(codes) // CARDS_PER_PAGE)  # stage cards start a page of their own
    stages = [stage for stage in rally.stages if stage.checkin_code]
    for index, stage in enumerate(stages):
        text = card_text(pdf, first_stage_page * CARDS_PER_PAGE + index)
        assert stage.checkin_code is not None
        assert squeezed(stage.checkin_code) in squeezed(text), text
        assert JOIN_COMMAND not in text
        assert f"@{BOT}" not in text


def test_each_stage_card_scans_to_its_code_word(default_rally, default_sheet):
    _, cards = default_sheet
    stages = [stage for stage in default_rally.stages if stage.checkin_code]
    stage_cards = cards[len(default_rally.teams) :]
    for stage, card in zip(stages, stage_cards, strict=True):
        assert card.scanned == (stage.checkin_code,)
        assert stage.name["fr"] in card.text
        assert stage.checkin_code in card.text
        assert "À montrer à l’accueil Show at the desk" in card.text


def test_awkward_names_and_codes_still_print_and_scan(awkward_file, tmp_path):
    out = tmp_path / "awkward.pdf"
    code, stdout, stderr = make_sheet(awkward_file, out, tmp_path / "rallye.sqlite3")
    assert code == 0
    assert stdout == f"{out}: 5 team card(s), 2 stage card(s), 2 page(s)\n"
    # names print as written, in any script and with emoji; what no font has is said
    assert stderr.splitlines() == [
        "rallye: note: 'Apple \uf8ff' printed as 'Apple □': the PDF font lacks its letters",
    ]
    cards = read_sheet(out)
    assert [card.scanned for card in cards] == [
        (f"https://t.me/{BOT}?start=ABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123",),
        (f"https://t.me/{BOT}?start=NOUR63",),
        (f"https://t.me/{BOT}?start=ETOILE",),
        (f"https://t.me/{BOT}?start=SUPER",),
        (f"https://t.me/{BOT}?start=APPLE",),
        ("Mot de passe très très long à taper",),
        ("SANTÉ",),
    ]
    # the long code is wrapped whole, never cut short: a player must be able to type it
    assert "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123" in cards[0].text.replace(" ", "")
    assert "Les Volcans d'Auvergne" in cards[0].text
    assert "النور" in cards[1].text
    assert cards[1].text.count("NOUR63") == 1
    assert "Étoile" in cards[2].text and "Ḍôme" in cards[2].text
    assert "Étoile 🌋 Ḍôme" in readable(pdf_text(out.read_bytes()))  # the emoji, in colour
    assert "Supercalifragilisticexpialidocious" in cards[3].text.replace(" ", "")
    assert "Mot de passe très très long à taper" in cards[5].text
    assert "Maison des associations" in cards[5].text


SCRIPTS_RALLY = """
rally: {id: scripts, title: {fr: Rallye, ar: رالي}, default_language: fr, languages: [fr, ar]}
privacy: {controller: Association Rallye Test, contact: rallye@association.fr, legal_basis: consent}
teams:
  - {name: الأطلس, code: ATLAS}
  - {name: সুন্দরবন, code: SUNDAR}
  - {name: Пуй-де-Дом, code: PUY}
stages:
  - id: jaude
    kind: heritage
    name: {fr: Jaude}
    location: {lat: 45.77631, lon: 3.08217, radius_m: 80}
    clue: {fr: Allez-y.}
"""


def test_team_names_print_in_their_own_script(tmp_path):
    """An Arabic name (shaped, right to left) and a Bengali one (with its conjunct ন্দ) print,
    and read back as they were written (`pdftotext -layout`)."""
    path = tmp_path / "scripts.yaml"
    path.write_text(SCRIPTS_RALLY, encoding="utf-8")
    out = tmp_path / "scripts.pdf"
    code, _, stderr = make_sheet(path, out, tmp_path / "rallye.sqlite3")
    assert (code, stderr) == (0, "")
    text = readable(pdf_text(out.read_bytes()))
    for name in ("الأطلس", "সুন্দরবন", "Пуй-де-Дом"):
        assert name in text
    assert "األطلس" not in text  # lam-alef is one glyph: not read back swapped


@pytest.mark.parametrize("rally_file", ["default", "awkward"])
def test_texts_stay_inside_their_card_and_off_the_code(rally_file, awkward_file, tmp_path):
    path = DEFAULT_RALLY if rally_file == "default" else awkward_file
    out = tmp_path / "sheet.pdf"
    assert make_sheet(path, out, tmp_path / "rallye.sqlite3")[0] == 0
    document = pdfium.PdfDocument(out)
    grid_top = PAGE_HEIGHT - TOP_MARGIN_MM * 72 / 25.4
    scale = DPI / 72
    checked = 0
    try:
        for page in document:
            codes = zxingcpp.read_barcodes(page.render(scale=scale).to_pil())
            text_page = page.get_textpage()
            boxes = [
                text_page.get_charbox(index)
                for index in range(text_page.count_chars())
                if text_page.get_text_range(index, 1).strip()
            ]
            keep_out = []
            for found in codes:
                corners = [found.position.top_left, found.position.bottom_right]
                left, right = (corner.x / scale for corner in corners)
                top, bottom = (page.get_height() - corner.y / scale for corner in corners)
                modules = 17 + 4 * int(found.extra["Version"])
                quiet = (right - left) / modules * QR_BORDER
                assert (right - left) + 2 * quiet >= QR_SMALLEST - 1, "code too small to scan"
                keep_out.append((left - quiet, bottom - quiet, right + quiet, top + quiet))
            for left, bottom, right, top in boxes:
                if bottom > grid_top:  # the page header
                    continue
                checked += 1
                for x1, y1, x2, y2 in keep_out:
                    assert right <= x1 or left >= x2 or top <= y1 or bottom >= y2, "on a code"
                x, y = next(
                    (x, y)
                    for x, y in map(card_origin, range(CARDS_PER_PAGE))
                    if x <= left < x + CARD_WIDTH and y <= bottom < y + CARD_HEIGHT
                )
                assert x + PADDING - 1 <= left and right <= x + CARD_WIDTH - PADDING + 1
                assert y + PADDING - 1 <= bottom and top <= y + CARD_HEIGHT - PADDING + 1
    finally:
        document.close()
    assert checked > 500


@pytest.mark.parametrize("name", ["RallyeClermontBot", "@rallye_bot", "ABCBOT", "x" * 29 + "bot"])
def test_telegram_bot_usernames_are_accepted(name):
    assert bot_username(name) == name.removeprefix("@")


@pytest.mark.parametrize(
    "name",
    ["", "bot", "abot", "rallye", "Rallye Bot", "rallye-bot", "x" * 30 + "bot", "@@rallyebot"],
)
def test_an_invalid_username_exits_1_with_one_line(name, tmp_path):
    out = tmp_path / "qr.pdf"
    code, stdout, stderr = make_sheet(DEFAULT_RALLY, out, tmp_path / "db.sqlite3", username=name)
    assert code == 1
    assert stdout == ""
    assert len(stderr.splitlines()) == 1
    assert "is not a Telegram bot username" in stderr
    assert not out.exists()
    with pytest.raises(PrintingError):
        bot_username(name)


def test_the_command_line_reports_an_invalid_username_without_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "qr", "--bot-username", "rallye", "--out", "x.pdf"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RALLY_FILE": str(DEFAULT_RALLY)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "rallye: 'rallye' is not a Telegram bot username "
        "(5 to 32 letters, digits or _, ending in 'bot', e.g. RallyeClermontBot)"
    ]
    assert not (tmp_path / "x.pdf").exists()


def test_the_command_line_writes_var_qr_codes_pdf_by_default(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "qr", "--bot-username", BOT],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RALLY_FILE": str(DEFAULT_RALLY)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "var/qr-codes.pdf: 6 team card(s), 8 stage card(s), 3 page(s)\n"
    assert (tmp_path / "var" / "qr-codes.pdf").read_bytes().startswith(b"%PDF-")


def _read_only_directory(tmp_path: Path) -> Path:
    """A folder this process may not write into: root writes anywhere, but not into sysfs."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o555)
        return folder / "qr.pdf"
    if not Path("/sys/kernel").is_dir():
        pytest.skip("running as root without sysfs: no folder refuses root")
    return Path("/sys/kernel/rallye-qr.pdf")


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            lambda tmp: tmp / "a-file.txt" / "qr.pdf",
            "cannot write {tmp}/a-file.txt/qr.pdf: {tmp}/a-file.txt is a file, not a folder",
        ),
        (
            lambda tmp: tmp / "a-file.txt" / "var" / "qr.pdf",
            "cannot create the folder {tmp}/a-file.txt/var: Not a directory",
        ),
        (lambda tmp: tmp, "cannot write {tmp}: Is a directory"),
        (_read_only_directory, "cannot write {out}: Permission denied"),
    ],
    ids=["parent-is-a-file", "ancestor-is-a-file", "out-is-a-directory", "read-only-directory"],
)
def test_an_unwritable_output_exits_1_with_one_line(where, message, tmp_path):
    (tmp_path / "a-file.txt").write_text("not a folder")
    out = where(tmp_path)
    code, stdout, stderr = make_sheet(DEFAULT_RALLY, out, tmp_path / "rallye.sqlite3")
    assert code == 1
    assert stdout == ""
    assert stderr == "rallye: " + message.format(tmp=tmp_path, out=out) + "\n"


def test_an_unreadable_rally_file_exits_1_with_one_line(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    code, stdout, stderr = make_sheet(missing, tmp_path / "qr.pdf", tmp_path / "rallye.sqlite3")
    assert code == 1
    assert stdout == ""
    assert stderr == f"rallye: {missing}:1: cannot read: No such file or directory\n"


def test_a_broken_rally_file_exits_1_with_its_first_error(tmp_path):
    broken = ROOT / "tests" / "rally_files" / "broken" / "duplicates.yaml"
    code, _, stderr = make_sheet(broken, tmp_path / "qr.pdf", tmp_path / "rallye.sqlite3")
    assert code == 1
    assert len(stderr.splitlines()) == 1
    assert stderr.startswith(f"rallye: {broken}:7: teams[1].code: duplicate join code")
    assert f"more: see `python -m bot validate {broken}`" in stderr


def test_a_rally_with_nothing_to_print_says_so(tmp_path):
    path = tmp_path / "no-codes.yaml"
    path.write_text(
        """
rally: {id: gps, title: {fr: Rallye GPS}, default_language: fr, languages: [fr]}
privacy: {controller: Association Rallye Test, contact: rallye@association.fr, legal_basis: consent}
stages:
  - id: jaude
    kind: heritage
    name: {fr: Jaude}
    location: {lat: 45.77631, lon: 3.08217, radius_m: 80}
    clue: {fr: Allez-y.}
""",
        encoding="utf-8",
    )
    out = tmp_path / "qr.pdf"
    code, _, stderr = make_sheet(path, out, tmp_path / "rallye.sqlite3")
    assert code == 1
    assert stderr == "rallye: nothing to print: the rally has no teams and no stage code words\n"
    assert not out.exists()


RANDOM_CODES_RALLY = """
rally: {id: random, title: {fr: Rallye, en: Rally}, default_language: fr, languages: [fr, en]}
privacy: {controller: Association Rallye Test, contact: rallye@association.fr, legal_basis: consent}
teams:
  - name: Les Dômes
  - name: Jaude
  - {name: Gergovie, code: gerg63}
stages:
  - id: jaude
    kind: heritage
    name: {fr: Jaude}
    location: {lat: 45.77631, lon: 3.08217, radius_m: 80}
    clue: {fr: Allez-y.}
"""


def test_teams_without_a_code_get_a_random_one_printed_and_kept(tmp_path):
    path = tmp_path / "random.yaml"
    path.write_text(RANDOM_CODES_RALLY, encoding="utf-8")
    database = tmp_path / "rallye.sqlite3"
    sheets = []
    for run in ("first", "again"):  # printed twice: the same codes
        out = tmp_path / f"{run}.pdf"
        code, stdout, stderr = make_sheet(path, out, database)
        assert (code, stderr) == (0, "")
        assert stdout == f"{out}: 3 team card(s), 0 stage card(s), 1 page(s)\n"
        sheets.append([card.scanned for card in read_sheet(out)])
    assert sheets[0] == sheets[1]
    codes = [link.removeprefix(f"https://t.me/{BOT}?start=") for (link,) in sheets[0]]
    assert codes[2] == "GERG63"  # the file's own code
    assert codes[0] != codes[1]
    assert all(len(code) == 6 and set(code) <= set(CODE_ALPHABET) for code in codes[:2])
    # the bot reads the same codes from the same database
    stored = asyncio.run(stored_teams(load_rally(path), sqlite_url(database)))
    assert [(team.name, team.code) for team in stored] == list(
        zip(["Les Dômes", "Jaude", "Gergovie"], codes, strict=True)
    )
