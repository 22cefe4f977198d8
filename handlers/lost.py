"""The help button: "we are lost" tells the organisers the team, its stage and position."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core.engine import Refusal
from bot.core.roles import Role
from bot.services.monitoring import MonitoringService
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send
from bot.telegram.render.play import Reply, refusal
from bot.telegram.render.staff import lost_alert
from handlers.roles import staff_ids

log = logging.getLogger(__name__)


async def lost(update: Update, context: RallyContext) -> None:
    """`/lost` or the "🆘 We are lost" button."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    runtime = context.runtime
    assert runtime.catalogs is not None
    services = runtime.ready()
    player = await runtime.teams.find(user.id)
    watches = await MonitoringService(services).overview()
    watch = next((w for w in watches if player and w.team.id == player.team_id), None)
    if player is None or watch is None:
        await send(
            context, chat.id, [Reply(refusal(context.tr, context.rally, Refusal.NOT_IN_TEAM, None))]
        )
        return
    told = 0
    for organiser in sorted(staff_ids(context, Role.ORGANISER)):
        known = await runtime.teams.find(organiser)
        tr = runtime.catalogs.translator(
            known.language if known else context.rally.default_language
        )
        try:
            await context.bot.send_message(
                organiser,
                context.for_staff(lost_alert(tr, context.rally, watch, player, services.clock())),
                parse_mode=ParseMode.HTML,
            )
            if watch.last_lat is not None and watch.last_lon is not None:
                await context.bot.send_location(organiser, watch.last_lat, watch.last_lon)
            told += 1
        except TelegramError as exc:
            log.info(
                "help request of team %s not delivered to %s: %s", watch.team.code, organiser, exc
            )
    if told == 0:
        log.warning("team %s asked for help and no organiser could be reached", watch.team.code)
        await send(
            context,
            chat.id,
            [
                Reply(
                    context.tr._(
                        "🆘 No organiser could be reached right now. "
                        "Please call the phone number on your team card."
                    )
                )
            ],
        )
        return
    await send(
        context,
        chat.id,
        [
            Reply(
                context.tr._(
                    "🆘 The organisers have been told where your team is. "
                    "Stay where you are: they will contact you."
                )
            )
        ],
    )
    for member in watch.team.members:
        if member.player_id != player.player_id and member.reachable:
            tr = runtime.catalogs.translator(member.language)
            await send(
                context,
                member.chat_id,
                [
                    Reply(
                        tr._(
                            "🆘 {name} asked the organisers for help. Stay together.",
                            name=player.name,
                        )
                    )
                ],
            )


def is_lost_button(context: RallyContext, text: str) -> bool:
    """Whether a typed text is the "we are lost" button, in any of the rally's languages."""
    catalogs = context.runtime.catalogs
    assert catalogs is not None
    labels = {catalogs.translator(lang)._("🆘 We are lost") for lang in catalogs.languages}
    return text.strip() in labels
