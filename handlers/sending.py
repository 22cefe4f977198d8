"""Sending replies: to the player who acted, and to their teammates in their own languages."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.context import RallyContext
from bot.engine import Audience, TeamFinished
from bot.replies import Reply, Scene, render
from bot.services.play import Outcome

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def send(context: RallyContext, chat_id: int, replies: Sequence[Reply]) -> Message | None:
    """Send replies to one chat in order; a player who blocked the bot is marked unreachable."""
    last = None
    for reply in replies:
        try:
            last = await context.bot.send_message(
                chat_id,
                reply.text,
                parse_mode=ParseMode.HTML,
                reply_markup=reply.markup,
                link_preview_options=NO_PREVIEW,
            )
        except Forbidden:
            log.info("chat %s blocked the bot: marked unreachable", chat_id)
            await context.runtime.teams.mark_unreachable(chat_id)
            return None
        except BadRequest:
            log.exception("Telegram refused a reply to chat %s", chat_id)
            return None
    return last


async def finish_rank(context: RallyContext, outcome: Outcome) -> tuple[int, int] | None:
    """The team's rank when this action finished its route."""
    if outcome.team is None or not any(isinstance(e, TeamFinished) for e in outcome.events):
        return None
    ranking = await context.runtime.leaderboard.ranking()
    for entry in ranking:
        if entry.standing.team_id == outcome.team.id:
            return entry.rank, len(ranking)
    return None


async def tell(
    context: RallyContext, outcome: Outcome, *, chat_id: int | None, quiet: bool = False
) -> None:
    """Tell the actor everything, and each teammate what the team should know, once each.

    `quiet` keeps refusals to the actor unsaid (a live location still moving, say); what the
    whole team must know is always told.
    """
    runtime = context.runtime
    assert runtime.catalogs is not None and runtime.rally is not None
    rank = await finish_rank(context, outcome)
    team = outcome.team
    actor = outcome.actor
    for_team = outcome.for_audience(Audience.TEAM)
    if chat_id is not None and actor is not None:
        mine = [e for e in outcome.events if e.audience in (Audience.PLAYER, Audience.TEAM)]
        if quiet:
            mine = for_team
        scene = Scene(runtime.rally, actor, actor, team, rank)
        await send(context, chat_id, render(context.tr, scene, mine))
    if team is None or not for_team:
        return
    for member in team.members:
        if actor is not None and member.player_id == actor.player_id:
            continue
        if not member.reachable:
            continue
        tr = runtime.catalogs.translator(member.language)
        scene = Scene(runtime.rally, member, actor, team, rank)
        await send(context, member.chat_id, render(tr, scene, for_team))
