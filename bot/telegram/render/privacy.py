"""What the bot says about the data it keeps: `/forget`, its confirmation and its outcome."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n.catalogs import Translator
from bot.telegram.buttons import ForgetMe, encode
from bot.telegram.render.reply import Reply


def forget_question(tr: Translator) -> Reply:
    """`/forget`: what erasing does, and the two buttons."""
    text = tr._(
        "This erases what the bot keeps about you: your name, your Telegram account, your "
        "answers, your positions and your photos. Your team keeps its points. It cannot be "
        "undone. Erase it?"
    )
    buttons = [
        [InlineKeyboardButton(tr._("🗑 Yes, erase my data"), callback_data=encode(ForgetMe(True)))],
        [InlineKeyboardButton(tr._("No, keep it"), callback_data=encode(ForgetMe(False)))],
    ]
    return Reply(text, InlineKeyboardMarkup(buttons))


def forgotten(tr: Translator) -> Reply:
    """The erasure is done."""
    return Reply(
        tr._(
            "Done: what the bot kept about you is erased. Your team keeps its points, as those "
            "of a former member. To play again, scan your team's card."
        )
    )


def nothing_to_forget(tr: Translator) -> Reply:
    """The bot keeps nothing about this user (already erased, or never played)."""
    return Reply(tr._("The bot keeps nothing about you."))


def kept(tr: Translator) -> str:
    """ "No, keep it": a short notice."""
    return tr._("OK, nothing was erased.")
