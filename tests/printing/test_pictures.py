"""Pictures of the printed material, for the README: written to `var/` by every run.

`docs/qr-cards.png`, `docs/certificate.png` and `docs/guide.png` are copies of these, made by
hand when the layout changes (`cp var/qr-cards.png var/certificate.png var/guide.png docs/`).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from bot.core.rally_file import load_rally
from bot.printing.certificate import certificate_pdf
from bot.printing.guide import guide_pdf
from bot.printing.qr_cards import TeamCode, qr_cards, render_sheet
from tests.printing.reading import dark_share, page_images

ROOT = Path(__file__).parents[2]
PICTURES = ROOT / "var"
DPI = 60


def _first_page(pdf: bytes, name: str, folder: Path) -> Path:
    first, *_ = page_images(pdf, folder, dpi=DPI)
    PICTURES.mkdir(exist_ok=True)
    picture = PICTURES / f"{name}.png"
    shutil.copyfile(first, picture)
    return picture


def test_pictures_of_the_sheet_the_certificate_and_the_guide(tmp_path):
    rally = load_rally(ROOT / "data" / "stages.yaml")
    teams = [TeamCode(team.name, team.code or "RALLYE") for team in rally.teams]
    teams[1] = TeamCode("الأطلس", "ATLAS")  # a team named in Arabic, and one in Bengali
    teams[4] = TeamCode("সুন্দরবন", "SUNDAR")
    title = rally.rally.title[rally.default_language]
    sheet = render_sheet(qr_cards(rally, teams, "RallyeClermontBot"), title, "fr")
    visited = [stage.id for stage in rally.stages]
    certificate = certificate_pdf(rally, "ar", "فاطمة الأطلس", visited, date(2026, 6, 20))
    pictures = [
        _first_page(sheet, "qr-cards", tmp_path / "sheet"),
        _first_page(certificate, "certificate", tmp_path / "certificate"),
        _first_page(guide_pdf(rally, "bn"), "guide", tmp_path / "guide"),
    ]
    for picture in pictures:
        assert 10_000 < picture.stat().st_size < 250_000
        assert dark_share(picture) > 0.01
