"""/report: the evaluation report, a PDF and its figures as CSV, for the rallies' admins.

`/report` gives the report of every rally the admin runs (with a comparison page when they run
several), `/report ID` one rally's; `fr` or `en` among the words chooses the report's language
(French by default: the organisers report to French funders). The report names no player, so
unlike `/export` it is not personal data.
"""

from __future__ import annotations

import html
import logging

from telegram import Update

from bot.core.roles import Role
from bot.report.files import make_report
from bot.report.labels import Labels, ReportLanguage, labels
from bot.telegram.context import RallyContext, Runtime
from bot.telegram.delivery import send, send_document
from bot.telegram.render.reply import Reply
from handlers.roles import requires

log = logging.getLogger(__name__)


def _chosen(
    words: list[str], runs: list[Runtime]
) -> tuple[ReportLanguage, list[Runtime] | str | None]:
    """The report's language, and its rallies: those the admin runs, the one named, or the
    word that names none of them (None: more than one rally named)."""
    language = ReportLanguage.FR
    named: list[str] = []
    for word in words:
        folded = word.strip().casefold()
        if folded in {known.value for known in ReportLanguage}:
            language = ReportLanguage(folded)
        elif folded:
            named.append(folded)
    if not named:
        return language, runs
    if len(named) > 1:
        return language, None
    found = [runtime for runtime in runs if runtime.rally.id.casefold() == named[0]]
    return language, found or named[0]


async def _say(context: RallyContext, chat_id: int, text: str) -> None:
    await send(context, chat_id, [Reply(html.escape(text))])


@requires(Role.ADMIN)
async def report(update: Update, context: RallyContext) -> None:
    """`/report [ID] [fr|en]`: the evaluation report as a PDF and a CSV document."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    deployment = context.bot_data
    runs = [r for r in deployment.runtimes() if r.has_role(user.id, Role.ADMIN)]
    language, chosen = _chosen(list(context.args or []), runs)
    words: Labels = labels(language)
    ids = ", ".join(runtime.rally.id for runtime in runs)
    if chosen is None:
        await _say(context, chat.id, words.usage.format(rallies=ids))
        return
    if isinstance(chosen, str):
        await _say(context, chat.id, words.no_rally.format(rally=chosen, rallies=ids))
        return
    engine = deployment.engine
    assert engine is not None  # opened by post_init, before any update
    made = await make_report(
        engine,
        [runtime.rally for runtime in chosen],
        language=language,
        made_at=context.runtime.clock(),
    )
    log.info("report made for %d rally(ies): %d bytes", len(chosen), len(made.pdf))
    titles = ", ".join(runtime.rally.id for runtime in chosen)
    documents = [
        (made.pdf, made.pdf_name, words.caption_pdf.format(rallies=titles)),
        (made.csv.data, made.csv.name, words.caption_csv),
    ]
    for data, name, caption in documents:
        if not await send_document(context, chat.id, data, name, html.escape(caption)):
            await _say(context, chat.id, words.failed.format(file=name))
            return
