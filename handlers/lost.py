"""The help button: "we are lost" tells the organisers the team, its stage and position.

The most urgent message the bot sends: it goes through the delivery path with its retries and
the staff priority, ahead of teammates' news and broadcasts.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.core.engine import Refusal
from bot.core.help import alert_due
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send, tell_staff, tell_team
from bot.telegram.render import play
from bot.telegram.render.onboarding import lost_button_label
from bot.telegram.render.play import refusal
from bot.telegram.render.reply import Reply
from bot.telegram.render.staff import lost_alert

log = logging.getLogger(__name__)


async def lost(update: Update, context: RallyContext) -> None:
    """`/lost` or the "🆘 We are lost" button."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None  # a message from a private chat
    runtime = context.runtime
    player = await runtime.teams.find(user.id)
    watches = await runtime.monitoring.overview()
    watch = next((w for w in watches if player and w.team.id == player.team_id), None)
    if player is None or watch is None:
        text = refusal(context.tr, context.rally, Refusal.NOT_IN_TEAM, None)
        await send(context, chat.id, [Reply(text)])
        return
    now = runtime.clock()
    last = runtime.help_requests.get(watch.team.id)
    if not alert_due(last, now):
        assert last is not None  # an alert within the cooldown was sent
        await send(context, chat.id, [play.help_already_coming(context.tr, now - last)])
        return
    where = None
    if watch.last_lat is not None and watch.last_lon is not None:
        where = (watch.last_lat, watch.last_lon)
    told = await tell_staff(
        context,
        lambda tr: Reply(lost_alert(tr, context.rally, watch, player, now)),
        location=where,
    )
    if told:
        runtime.help_requests[watch.team.id] = now
    if told == 0:
        log.warning("team %s asked for help and no organiser could be reached", watch.team.code)
        await send(context, chat.id, [play.no_organiser_reached(context.tr)])
        return
    await send(context, chat.id, [play.help_is_coming(context.tr)])
    await tell_team(
        context,
        watch.team.members,
        lambda tr: play.teammate_asked_for_help(tr, player.name),
        skip_player=player.player_id,
    )


def is_lost_button(context: RallyContext, text: str) -> bool:
    """Whether a typed text is the "we are lost" button, in any of the rally's languages."""
    catalogs = context.runtime.catalogs
    labels = {lost_button_label(catalogs.translator(lang)) for lang in catalogs.languages}
    return text.strip() in labels
