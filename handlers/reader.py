"""Before every handler: unasked update kinds stopped; the reader, their rally and language
resolved once per update; a player who blocked the bot and writes again made reachable;
groups kept quiet."""

from __future__ import annotations

from telegram import Update, User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ApplicationHandlerStop

from bot.i18n.catalogs import negotiate_language
from bot.services.views import Member
from bot.telegram.context import RallyContext, Runtime
from bot.telegram.delivery import send
from bot.telegram.render import notices
from bot.telegram.render.reply import Reply
from bot.telegram.update_kinds import ALLOWED_UPDATES
from bot.telegram.update_order import ChatOrderedUpdates


async def only_what_the_bot_asked_for(update: Update, _context: RallyContext) -> None:
    """Stop every update of a kind outside `allowed_updates` before any handler sees it.

    Telegram may still deliver kinds created before the bot set its `allowed_updates` (a
    business client's message, a channel post): they are not the rally's, and nobody is
    answered or recorded for them. A private chat's message without a sender is stopped too.
    """
    if all(getattr(update, kind) is None for kind in ALLOWED_UPDATES):
        raise ApplicationHandlerStop
    message = update.message or update.edited_message
    if message is not None and message.chat.type == ChatType.PRIVATE and message.from_user is None:
        # valid by the Bot API's types, never sent by Telegram: nobody to play or answer for
        raise ApplicationHandlerStop


async def resolve_reader(update: Update, context: RallyContext) -> None:
    """Set the update's rally, `context.tr` and `context.player`; ignore group messages not
    meant for the bot.

    On a bot running several rallies, the update is played in the reader's rally (their team's,
    or the one they work on); `/join` moves them to the rally of the code they give.
    A player who blocked the bot and writes again is reachable again.
    """
    user = update.effective_user
    context.player = None
    if user is not None:
        home, context.player = await context.bot_data.home_of(user.id)
        context.use(home)
    runtime = context.runtime
    context.tr = runtime.catalogs.translator(reader_language(runtime, context.player, user))

    chat = update.effective_chat
    processor = context.application.update_processor
    if isinstance(processor, ChatOrderedUpdates) and processor.take_slow_down(update):
        # a flood: the updates in between are merged into this one, said once per flood
        assert chat is not None  # only chats flood
        await send(context, chat.id, [Reply(notices.slow_down(context.tr))])
    back = chat is not None and chat.type == ChatType.PRIVATE and not _blocking(update)
    unknown_staff = context.player is None and user is not None and runtime.is_staff(user.id)
    if (
        user is not None
        and chat is not None
        and back
        and (_unreachable(context.player) or unknown_staff)
    ):
        # they blocked the bot once and are writing again: team messages reach them again;
        # an organiser's first message: their language is kept for reports and alerts
        context.player = await runtime.teams.meet(
            user.id, chat.id, user.first_name, user.language_code
        )
    if chat is not None and chat.type != ChatType.PRIVATE:
        message = update.effective_message
        if message is not None and _addressed_to_bot(message.text or "", context.bot.username):
            link = f"https://t.me/{context.bot.username}"
            await send(
                context,
                chat.id,
                [Reply(notices.private_chat_only(context.tr, link))],
            )
        raise ApplicationHandlerStop


def reader_language(runtime: Runtime, player: Member | None, user: User | None) -> str:
    """The language to speak to a reader: their chosen one, else the best for their Telegram."""
    if player is not None:
        return player.language
    rally = runtime.rally.rally
    code = user.language_code if user else None
    return negotiate_language(code, rally.languages, rally.default_language)


def _unreachable(player: Member | None) -> bool:
    return player is not None and not player.reachable


def _blocking(update: Update) -> bool:
    """Whether the update reports that the user blocked the bot."""
    member = update.my_chat_member
    return member is not None and member.new_chat_member.status == ChatMemberStatus.BANNED


def _addressed_to_bot(text: str, username: str) -> bool:
    return f"@{username}".casefold() in text.casefold()
