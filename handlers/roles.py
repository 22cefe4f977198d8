"""Who may do what: organisers and admins are Telegram user ids from the settings."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.context import RallyContext
from bot.replies import Reply
from handlers.sending import send

Handler = Callable[[Update, RallyContext], Coroutine[Any, Any, None]]


class Role(enum.StrEnum):
    """A staff role."""

    ORGANISER = "organiser"
    ADMIN = "admin"


def has_role(context: RallyContext, user_id: int, role: Role) -> bool:
    """Whether a user has a role (admins are organisers too)."""
    settings = context.runtime.settings
    assert settings is not None
    if role is Role.ADMIN:
        return user_id in settings.rally_admins
    return user_id in settings.staff


def requires(role: Role) -> Callable[[Handler], Handler]:
    """Refuse the command, changing nothing, to anyone without the role."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: RallyContext) -> None:
            user, chat = update.effective_user, update.effective_chat
            if user is None or chat is None:
                return
            if not has_role(context, user.id, role):
                text = (
                    context.tr._("This command is for the rally's admins.")
                    if role is Role.ADMIN
                    else context.tr._("This command is for the rally's organisers.")
                )
                await send(context, chat.id, [Reply(text)])
                return
            await handler(update, context)

        return guarded

    return decorate
