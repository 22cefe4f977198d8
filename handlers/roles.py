"""Who may do what: every organiser or admin command refuses everyone else, changing nothing."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.core.roles import Role
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send
from bot.telegram.render import notices
from bot.telegram.render.reply import Reply

Handler = Callable[[Update, RallyContext], Coroutine[Any, Any, None]]


def requires(role: Role) -> Callable[[Handler], Handler]:
    """Refuse the command, changing nothing, to anyone without the role."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: RallyContext) -> None:
            user, chat = update.effective_user, update.effective_chat
            if user is None or chat is None:
                return
            if not context.runtime.has_role(user.id, role):
                await send(context, chat.id, [Reply(notices.staff_only(context.tr, role))])
                return
            await handler(update, context)

        return guarded

    return decorate
