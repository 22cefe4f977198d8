"""Before every handler: the reader's language, resolved once per update; groups kept quiet."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import RallyContext
from bot.i18n import negotiate_language
from bot.replies import Reply
from handlers.sending import send


async def resolve_reader(update: Update, context: RallyContext) -> None:
    """Set `context.tr` and `context.player`; ignore group messages not meant for the bot."""
    runtime = context.runtime
    assert runtime.catalogs is not None and runtime.rally is not None
    user = update.effective_user
    context.player = await runtime.teams.find(user.id) if user else None
    if context.player is not None:
        language = context.player.language
    else:
        rally = runtime.rally.rally
        code = user.language_code if user else None
        language = negotiate_language(code, rally.languages, rally.default_language)
    context.tr = runtime.catalogs.translator(language)

    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        message = update.effective_message
        if message is not None and _addressed_to_bot(message.text or "", context.bot.username):
            link = f"https://t.me/{context.bot.username}"
            await send(
                context,
                chat.id,
                [Reply(context.tr._("Please write to me in a private chat: {link}", link=link))],
            )
        raise ApplicationHandlerStop


def _addressed_to_bot(text: str, username: str) -> bool:
    return f"@{username}".casefold() in text.casefold()
