"""`/guide` and `/certificate`: what a player keeps after the day.

The finish's message carries both as buttons (`render.keepsakes.keepsake_buttons`), and the
final ranking names both commands. The certificate asks the player to type their full name; the
next text they send within `NAME_WAIT` is that name: the PDF is made from it and sent, and the
name is gone (it is neither stored nor logged).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Update

from bot.services.keepsakes import Keepsake
from bot.telegram.buttons import AskKeepsake
from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, send, send_document
from bot.telegram.render import keepsakes as render
from bot.telegram.render.keepsakes import MAX_FULL_NAME

log = logging.getLogger(__name__)

NAME_WAIT = timedelta(minutes=10)
"""How long after `/certificate` the next text is taken as the player's name."""


async def guide(update: Update, context: RallyContext) -> None:
    """`/guide`: every place's practical card, one message each, then the same as a PDF."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None  # a private message
    keepsake = await context.runtime.keepsakes.of(user.id)
    if not isinstance(keepsake, Keepsake):
        await send(context, chat.id, [render.refused(context.tr, keepsake)])
        return
    await send(context, chat.id, render.guide(context.tr, context.rally, keepsake))
    data = await _guide_pdf(context, keepsake.language)
    if data is None:
        await send(context, chat.id, [render.keepsake_failed(context.tr)])
        return
    await send_document(context, chat.id, data, "city-guide.pdf", render.guide_caption(context.tr))


async def certificate(update: Update, context: RallyContext) -> None:
    """`/certificate`: the certificate's first step, the name to print."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    runtime = context.runtime
    keepsake = await runtime.keepsakes.of(user.id)
    if not isinstance(keepsake, Keepsake):
        await send(context, chat.id, [render.refused(context.tr, keepsake)])
        return
    runtime.certificate_requests[user.id] = runtime.clock()
    await send(context, chat.id, [render.ask_full_name(context.tr)])


async def press(update: Update, context: RallyContext, pressed: AskKeepsake) -> None:
    """A press on the finish's buttons."""
    query = update.callback_query
    assert query is not None
    await answer_press(query)
    if pressed.certificate:
        await certificate(update, context)
    else:
        await guide(update, context)


def awaits_name(context: RallyContext, user_id: int) -> bool:
    """Whether this user's text is the name for their certificate (asked for lately)."""
    runtime = context.runtime
    asked = runtime.certificate_requests.get(user_id)
    if asked is None:
        return False
    if runtime.clock() - asked > NAME_WAIT:
        del runtime.certificate_requests[user_id]
        return False
    return True


async def full_name(update: Update, context: RallyContext) -> None:
    """The name typed after `/certificate`: the PDF, made from it and sent; the name forgotten."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    assert user is not None and chat is not None and message is not None
    runtime = context.runtime
    intake = context.bot_data.intake
    if intake is not None:  # what was typed leaves the inbox at once, not in an hour
        await intake.redact(update.update_id)
    name = " ".join((message.text or "").split())
    if not (2 <= len(name) <= MAX_FULL_NAME) or not any(c.isalpha() for c in name):
        await send(context, chat.id, [render.bad_full_name(context.tr)])
        return
    runtime.certificate_requests.pop(user.id, None)
    keepsake = await runtime.keepsakes.of(user.id)
    if not isinstance(keepsake, Keepsake):
        await send(context, chat.id, [render.refused(context.tr, keepsake)])
        return
    data = await _certificate_pdf(context, keepsake, name)
    if data is None:
        await send(context, chat.id, [render.keepsake_failed(context.tr)])
        return
    caption = render.certificate_caption(context.tr)
    await send_document(context, chat.id, data, "certificate.pdf", caption)


async def _guide_pdf(context: RallyContext, language: str) -> bytes | None:
    runtime = context.runtime
    kept = runtime.guides.get(language)
    if kept is not None:
        return kept
    from bot.printing.guide import guide_pdf  # noqa: PLC0415 - WeasyPrint, only when asked

    try:  # a PDF takes a moment of CPU: not in the loop that answers everyone else
        made = await asyncio.to_thread(guide_pdf, runtime.rally, language)
    except Exception:
        log.exception("the city guide in %s could not be made", language)
        return None
    runtime.guides[language] = made
    return made


async def _certificate_pdf(context: RallyContext, keepsake: Keepsake, name: str) -> bytes | None:
    from bot.printing.certificate import certificate_pdf  # noqa: PLC0415 - WeasyPrint

    try:
        return await asyncio.to_thread(
            certificate_pdf,
            context.rally,
            keepsake.language,
            name,
            keepsake.visited,
            keepsake.day,
        )
    except Exception:  # the name is not logged: the traceback holds no argument values
        log.exception("a certificate could not be made")
        return None
