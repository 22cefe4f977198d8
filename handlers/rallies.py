"""/rally: on a bot running several rallies, which one an organiser is working on.

Players belong to the rally of their team's join code. Organisers and admins named in a rally
file work on that rally only; those named in RALLY_ORGANISERS or RALLY_ADMINS work on every
rally, one at a time: `/rally` lists the rallies they may work on, `/rally ID` switches.
"""

from __future__ import annotations

from telegram import Update

from bot.core.roles import Role
from bot.telegram.context import RallyContext, Runtime
from bot.telegram.delivery import send
from bot.telegram.render import notices, staff
from bot.telegram.render.reply import Reply


async def rally(update: Update, context: RallyContext) -> None:
    """`/rally` lists the rallies the user works on; `/rally ID` works on another one."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    tr = context.tr
    deployment = context.bot_data
    staffed = deployment.staffed_by(user.id)
    if not staffed:
        await send(context, chat.id, [Reply(notices.staff_only(tr, Role.ORGANISER))])
        return
    if context.args:
        wanted = " ".join(context.args).strip().casefold()
        target = next((r for r in staffed if r.rally.id.casefold() == wanted), None)
        if target is None:
            text = staff.no_rally_with_id(tr, wanted, await _listing(context, staffed))
            await send(context, chat.id, [Reply(text)])
            return
        await target.teams.meet(user.id, chat.id, user.first_name, user.language_code)
        context.use(target)
        await send(context, chat.id, [Reply(staff.working_on(tr, target.rally))])
        return
    await send(context, chat.id, [Reply(await _listing(context, staffed))])


async def _listing(context: RallyContext, staffed: list[Runtime]) -> str:
    """The rallies the user works on, each with its phase, the current one marked."""
    phases = [(runtime.rally, await runtime.timeline.phase()) for runtime in staffed]
    return staff.rallies_listing(context.tr, context.runtime.rally, phases)
