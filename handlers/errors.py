"""The last resort: log what broke with its update id, apologise to the player."""

from __future__ import annotations

import logging

from telegram import Update

from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, send
from bot.telegram.render import notices
from bot.telegram.render.reply import Reply
from handlers.reader import reader_language

log = logging.getLogger(__name__)


async def on_error(update: object, context: RallyContext) -> None:
    """Log the error with the update id; the player gets a short apology, never a trace."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    runtime = context.runtime
    # PTB gives error handlers a fresh context: the language resolved for this update is gone
    user, player = update.effective_user, None
    if user is not None:
        try:
            player = await runtime.teams.find(user.id)
        except Exception:  # the database may be what failed: speak the Telegram language
            log.debug("could not find the player of update %s", update_id, exc_info=True)
    tr = runtime.catalogs.translator(reader_language(runtime, player, user))
    if update.callback_query is not None:
        await answer_press(update.callback_query)
    await send(
        context,
        update.effective_chat.id,
        [Reply(notices.apology(tr))],
        reader=tr,
    )
