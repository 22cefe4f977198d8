"""Who may do what: organisers and admins are Telegram user ids from the settings."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.core.roles import Role, admins, organisers
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send
from bot.telegram.render.play import Reply

Handler = Callable[[Update, RallyContext], Coroutine[Any, Any, None]]


def has_role(context: RallyContext, user_id: int, role: Role) -> bool:
    """Whether a user has a role (admins are organisers too)."""
    return user_id in staff_ids(context, role)


def staff_ids(context: RallyContext, role: Role) -> frozenset[int]:
    """The users with a role, from the settings and the rally file."""
    settings, rally = context.runtime.settings, context.runtime.rally
    assert settings is not None
    assert rally is not None
    return admins(settings, rally) if role is Role.ADMIN else organisers(settings, rally)


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
