"""The last resort: log what broke with its update id, apologise to the player."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import RallyContext
from bot.replies import Reply
from handlers.sending import send

log = logging.getLogger(__name__)


async def on_error(update: object, context: RallyContext) -> None:
    """Log the error with the update id; the player gets a short apology, never a trace."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    tr = getattr(context, "tr", None)
    if tr is None:
        catalogs = context.runtime.catalogs
        rally = context.runtime.rally
        if catalogs is None or rally is None:
            return
        tr = catalogs.translator(rally.default_language)
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except Exception:
            log.debug("could not answer the callback query of update %s", update_id)
    await send(
        context,
        update.effective_chat.id,
        [Reply(tr._("Sorry, something went wrong on my side. Please try again in a moment."))],
    )
