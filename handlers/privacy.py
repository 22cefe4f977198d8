"""/forget: a player erases what the bot keeps about them, after a confirmation button."""

from __future__ import annotations

from telegram import Update

from bot.telegram.buttons import ForgetMe
from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, remove_buttons, send
from bot.telegram.render import privacy


async def forget(update: Update, context: RallyContext) -> None:
    """`/forget`: what erasing does, with a confirmation button."""
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, [privacy.forget_question(context.tr)])


async def confirm_forget(update: Update, context: RallyContext, pressed: ForgetMe) -> None:
    """A press on `/forget`'s buttons: erase (yes) or nothing (no); the buttons close."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    tr = context.tr
    if not pressed.erase:
        await answer_press(query, privacy.kept(tr))
        await remove_buttons(query)
        return
    await answer_press(query)
    await remove_buttons(query)
    erased = await context.runtime.privacy.forget(user.id)
    context.player = None
    await send(
        context, chat.id, [privacy.forgotten(tr) if erased else privacy.nothing_to_forget(tr)]
    )
