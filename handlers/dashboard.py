"""`/dashboard`: the organisers' live view of the day, as a Telegram Mini App.

The command answers with the Mini App's button (and gives the chat a menu button opening it),
plus a button for a one-time link to open it on a computer (`bot.dashboard.access`). Without
RALLY_PUBLIC_URL it says how to set one.
"""

from __future__ import annotations

from telegram import Update

from bot.core.roles import Role
from bot.dashboard.access import LOGIN_LINK_LIFETIME, Viewer
from bot.settings import DASHBOARD_PATH
from bot.telegram.buttons import DashboardLink
from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, send, set_menu_button
from bot.telegram.render import notices
from bot.telegram.render.dashboard import login_link, menu_button_text, no_public_url
from bot.telegram.render.dashboard import open_dashboard as open_dashboard_reply
from handlers.roles import requires


@requires(Role.ORGANISER)
async def open_dashboard(update: Update, context: RallyContext) -> None:
    """`/dashboard`: the Mini App's button and the computer link's; the chat's menu button."""
    chat = update.effective_chat
    assert chat is not None  # a command in a private chat
    runtime, tr = context.runtime, context.tr
    if not runtime.settings.dashboard:
        await send(context, chat.id, [no_public_url(tr)])
        return
    url = runtime.dashboard_url
    await send(context, chat.id, [open_dashboard_reply(tr, url, runtime.rally.id)])
    await set_menu_button(context.bot, chat.id, menu_button_text(tr), url)


async def computer_link(update: Update, context: RallyContext, pressed: DashboardLink) -> None:
    """ "A link for a computer": a one-time login link, for the organiser who pressed only."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None  # a button press
    tr = context.tr
    runtime = context.bot_data.rallies.get(pressed.rally_id)
    access = context.bot_data.access
    if runtime is None or access is None:  # a rally this bot no longer runs
        await answer_press(query, notices.stale_button(tr))
        return
    if not runtime.has_role(user.id, Role.ORGANISER):
        await answer_press(query, notices.staff_only(tr, Role.ORGANISER))
        return
    await answer_press(query)
    if not runtime.settings.dashboard:
        await send(context, chat.id, [no_public_url(tr)])
        return
    token = access.links.issue(Viewer(user.id, runtime.rally.id, None))
    url = f"{runtime.settings.rally_public_url}{DASHBOARD_PATH}/login?t={token}"
    minutes = int(LOGIN_LINK_LIFETIME.total_seconds() // 60)
    await send(context, chat.id, [login_link(tr, url, minutes)])
