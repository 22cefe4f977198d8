"""Everything a player may send that the rally cannot use: a short, helpful answer, no change."""

from __future__ import annotations

from telegram import Update

from bot.telegram.context import RallyContext
from bot.telegram.delivery import send
from bot.telegram.render.reply import Reply


async def _say(update: Update, context: RallyContext, text: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, [Reply(text)])


async def unsupported(update: Update, context: RallyContext) -> None:
    """Stickers, photos, voice notes, documents, contacts, polls...: not part of the rally."""
    await _say(
        update,
        context,
        context.tr._(
            "I cannot use this. Please type text, send your location, or press a button. "
            "/help shows what you can do."
        ),
    )


async def forwarded(update: Update, context: RallyContext) -> None:
    """A forwarded message does not count as a player's own answer."""
    await _say(
        update,
        context,
        context.tr._("Forwarded messages do not count: please type the answer yourself."),
    )


async def edited(update: Update, context: RallyContext) -> None:
    """Editing a message after sending it changes nothing."""
    await _say(
        update,
        context,
        context.tr._("Edited messages do not count. Please send a new message instead."),
    )


async def unknown_command(update: Update, context: RallyContext) -> None:
    """A command the bot does not have."""
    await _say(
        update, context, context.tr._("I do not know this command. /help shows what you can do.")
    )
