"""/broadcast and /announce: organisers write to every player, a team or a language.

`/broadcast TEXT` goes to every player, `/broadcast team CODE TEXT` to one team and
`/broadcast lang LANG TEXT` to the players of one language. TEXT may run over several lines and
carry translations, one per line starting with a language tag (`ar: ...`). `/announce KEY`
sends a pre-translated announcement of the rally file; `/announce` alone lists them. The
organiser is told at once how many messages are queued, and gets the delivery report later.
"""

from __future__ import annotations

from telegram import Message, Update

from bot.core.roles import Role
from bot.services.broadcasts import BroadcastAudience, Queued
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send
from bot.telegram.render.broadcast import announcements, queued, refused, usage
from handlers.roles import requires


def after_command(message: Message) -> str:
    """The message's text after its command, line breaks kept (`context.args` loses them)."""
    parts = (message.text or "").split(maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


def audience_and_text(rest: str) -> tuple[BroadcastAudience, str] | None:
    """`team CODE TEXT`, `lang LANG TEXT` or `TEXT`; None if the audience lacks its name."""
    words = rest.split(maxsplit=2)
    if words and words[0].casefold() in ("team", "lang"):
        if len(words) < 2:
            return None
        text = words[2] if len(words) == 3 else ""
        if words[0].casefold() == "team":
            return BroadcastAudience.team(words[1]), text
        return BroadcastAudience.language(words[1]), text
    return BroadcastAudience.everyone(), rest.strip()


@requires(Role.ORGANISER)
async def broadcast(update: Update, context: RallyContext) -> None:
    """`/broadcast [team CODE | lang LANG] TEXT`."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    tr, info = context.tr, context.rally.rally
    parsed = audience_and_text(after_command(message))
    if parsed is None:
        await send(context, chat.id, [usage(tr, info.default_language, info.languages)])
        return
    audience, text = parsed
    result = await context.runtime.broadcasts.create(
        user.id, chat.id, audience, text, update_id=update.update_id
    )
    if result is None:  # queued before a crash: sent once
        return
    if isinstance(result, Queued):
        reply = queued(tr, result)
    else:
        reply = refused(tr, result, info.default_language, info.languages)
    await send(context, chat.id, [reply])


@requires(Role.ORGANISER)
async def announce(update: Update, context: RallyContext) -> None:
    """`/announce KEY`, or `/announce` for the list of announcements."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    tr, rally = context.tr, context.rally
    if not context.args:
        await send(context, chat.id, [announcements(tr, rally.announcements)])
        return
    audience = BroadcastAudience.announcement(context.args[0])
    result = await context.runtime.broadcasts.create(
        user.id, chat.id, audience, update_id=update.update_id
    )
    if result is None:  # queued before a crash: sent once
        return
    if isinstance(result, Queued):
        reply = queued(tr, result)
    else:
        reply = refused(tr, result, rally.default_language, rally.rally.languages)
    await send(context, chat.id, [reply])
