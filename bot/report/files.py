"""The report's two files: the PDF (charts and tables) and the figures as CSV.

The figures are read in the event loop (the database is async); the charts, the HTML and the
PDF are drawn in a worker thread (`asyncio.to_thread`): a few seconds of CPU that must not stop
the bot answering its players meanwhile. The PDF is made the way every PDF of the bot is
(`bot.printing.pdf.html_to_pdf`: WeasyPrint, the Noto fonts, nothing loaded but data: URLs);
`bot.printing.pdf.PrintingError` says why it could not be.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.content import Rally
from bot.printing.pdf import html_to_pdf
from bot.report.charts import comparison_charts, rally_charts
from bot.report.document import RallyPart, report_html, stage_names, survey_texts_of
from bot.report.figures import RallyFigures, rally_figures
from bot.report.labels import ReportLanguage, labels
from bot.report.table import figures_csv
from bot.services.exports import CsvFile
from bot.storage.database import session_factory


@dataclass(frozen=True)
class ReportFiles:
    """A report made: the PDF and the CSV of its figures, with their names."""

    pdf_name: str
    pdf: bytes
    csv: CsvFile
    figures: tuple[RallyFigures, ...]


def report_stem(rallies: Sequence[Rally]) -> str:
    """The files' name without extension: `report-RALLY` for one rally, `report` for several."""
    return f"report-{rallies[0].id}" if len(rallies) == 1 else "report"


async def make_report(
    engine: AsyncEngine,
    rallies: Sequence[Rally],
    *,
    language: ReportLanguage,
    made_at: datetime,
) -> ReportFiles:
    """The report of these rallies (a comparison page first when there are several)."""
    sessions = session_factory(engine)
    figures = [await rally_figures(sessions, rally) for rally in rallies]
    return await asyncio.to_thread(draw_report, rallies, figures, language, made_at)


def draw_report(
    rallies: Sequence[Rally],
    figures: Sequence[RallyFigures],
    language: ReportLanguage,
    made_at: datetime,
) -> ReportFiles:
    """Draw the charts, lay out the document and make the PDF and the CSV (CPU only)."""
    words = labels(language)
    parts = [
        RallyPart(
            rally,
            figured,
            rally_charts(figured, words, stage_names(rally, words), survey_texts_of(rally, words)),
        )
        for rally, figured in zip(rallies, figures, strict=True)
    ]
    comparison = comparison_charts(figures, words) if len(parts) > 1 else None
    html = report_html(parts, words, made_at, comparison)
    stem = report_stem(rallies)
    return ReportFiles(
        pdf_name=f"{stem}.pdf",
        pdf=html_to_pdf(html),
        csv=figures_csv(f"{stem}-figures.csv", figures),
        figures=tuple(figures),
    )
