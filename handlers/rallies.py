"""/rally: on a bot running several rallies, which one an organiser is working on.

Players belong to the rally of their team's join code. Organisers and admins named in a rally
file work on that rally only; those named in RALLY_ORGANISERS or RALLY_ADMINS work on every
rally, one at a time: `/rally` lists the rallies they may work on, `/rally ID` switches.
"""

from __future__ import annotations

from telegram import Update

from bot.i18n.catalogs import Translator
from bot.telegram.context import RallyContext, Runtime
from bot.telegram.delivery import send
from bot.telegram.render.reply import Reply, b
from bot.telegram.render.staff import phase_name


async def rally(update: Update, context: RallyContext) -> None:
    """`/rally` lists the rallies the user works on; `/rally ID` works on another one."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    tr = context.tr
    deployment = context.bot_data
    staffed = deployment.staffed_by(user.id)
    if not staffed:
        await send(context, chat.id, [Reply(tr._("This command is for the rally's organisers."))])
        return
    if context.args:
        wanted = " ".join(context.args).strip().casefold()
        target = next((r for r in staffed if r.rally and r.rally.id.casefold() == wanted), None)
        if target is None:
            text = tr._("No rally you work on has the id {rally}.", rally=wanted[:40])
            await send(context, chat.id, [Reply(text + "\n\n" + await _listing(context, staffed))])
            return
        await target.teams.meet(user.id, chat.id, user.full_name, user.language_code)
        context.use(target)
        text = tr._(
            "You now work on the rally {rally}: {title}.",
            rally=target.rally.id,
            title=_title(tr, target),
        )
        await send(context, chat.id, [Reply(text)])
        return
    await send(context, chat.id, [Reply(await _listing(context, staffed))])


async def _listing(context: RallyContext, staffed: list[Runtime]) -> str:
    """The rallies the user works on, each with its phase, the current one marked."""
    tr = context.tr
    current = context.runtime
    lines = [
        b(tr._("Rallies you work on (now: {rally}).", rally=current.rally.id)),
        tr._("Type /rally and an id to switch."),
        "",
    ]
    for runtime in staffed:
        phase = phase_name(context.tr, await runtime.timeline.phase())
        marker = "▶️" if runtime is current else "•"
        line = tr._(
            "{rally}: {title} ({phase})",
            rally=runtime.rally.id,
            title=_title(tr, runtime),
            phase=phase,
        )
        lines.append(f"{marker} {line}")
    return "\n".join(lines)


def _title(tr: Translator, runtime: Runtime) -> str:
    """A rally's title in the reader's language, else in the rally's default language."""
    title = runtime.rally.rally.title
    return title.get(tr.language) or title[runtime.rally.default_language]
