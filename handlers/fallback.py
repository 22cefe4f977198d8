"""Everything a player may send that the rally cannot use: a short, helpful answer, no change."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update

from bot.i18n.catalogs import Escaped, Translator
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send
from bot.telegram.render import notices
from bot.telegram.render.reply import Reply


async def _say(
    update: Update, context: RallyContext, notice: Callable[[Translator], Escaped]
) -> None:
    chat = update.effective_chat
    assert chat is not None  # every update these handlers get comes from a chat
    await send(context, chat.id, [Reply(notice(context.tr))])


async def unsupported(update: Update, context: RallyContext) -> None:
    """Stickers, photos, voice notes, documents, contacts, polls...: not part of the rally."""
    await _say(update, context, notices.unsupported)


async def forwarded(update: Update, context: RallyContext) -> None:
    """A forwarded message does not count as a player's own answer."""
    await _say(update, context, notices.forwarded)


async def edited(update: Update, context: RallyContext) -> None:
    """Editing a message after sending it changes nothing."""
    await _say(update, context, notices.edited)


async def unknown_command(update: Update, context: RallyContext) -> None:
    """A command the bot does not have."""
    await _say(update, context, notices.unknown_command)
