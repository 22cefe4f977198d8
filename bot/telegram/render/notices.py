"""Short notices: what a user is told when what they sent cannot be used, or something broke.

Each changes nothing and says what to do instead, in the reader's language.
"""

from __future__ import annotations

from bot.core.roles import Role
from bot.i18n.catalogs import Escaped, Translator


def unsupported(tr: Translator) -> Escaped:
    """Stickers, voice notes, documents, contacts, polls...: not part of the rally."""
    return tr._(
        "I cannot use this. Please type text, send your location, or press a button. "
        "/help shows what you can do."
    )


def forwarded(tr: Translator) -> Escaped:
    """A forwarded message does not count as a player's own answer."""
    return tr._("Forwarded messages do not count: please type the answer yourself.")


def edited(tr: Translator) -> Escaped:
    """Editing a message after sending it changes nothing."""
    return tr._("Edited messages do not count. Please send a new message instead.")


def unknown_command(tr: Translator) -> Escaped:
    """A command the bot does not have."""
    return tr._("I do not know this command. /help shows what you can do.")


def too_long(tr: Translator) -> Escaped:
    """A typed text longer than any answer or code word."""
    return tr._("This message is too long. Please type only the code word or the answer.")


def stale_button(tr: Translator) -> Escaped:
    """A button that no longer does anything (old, forged, or of a step already passed)."""
    return tr._("This button is no longer valid.")


def apology(tr: Translator) -> Escaped:
    """Something broke on the bot's side (logged with the update id)."""
    return tr._("Sorry, something went wrong on my side. Please try again in a moment.")


def private_chat_only(tr: Translator, link: str) -> Escaped:
    """The bot was addressed in a group: it plays in private chats only."""
    return tr._("Please write to me in a private chat: {link}", link=link)


def staff_only(tr: Translator, role: Role) -> Escaped:
    """A staff command or button used by someone without the role."""
    if role is Role.ADMIN:
        return tr._("This command is for the rally's admins.")
    return tr._("This command is for the rally's organisers.")


def slow_down(tr: Translator) -> Escaped:
    """A chat sending more than a person could: the messages in between are not answered."""
    return tr._("Slow down, please: I read only your last message.")
