"""The day's timeline for admins: /open, /go, /pause, /resume, /finish."""

from __future__ import annotations

from telegram import Update

from bot.core.phase import Move
from bot.core.roles import Role
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send, tell
from bot.telegram.render import staff
from bot.telegram.render.reply import Reply
from handlers.day import send_final_ranking
from handlers.roles import requires


async def _move(update: Update, context: RallyContext, move: Move) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    tr = context.tr
    change = await context.runtime.timeline.move(move, user.id)
    if not change.done:
        await send(context, chat.id, [Reply(staff.move_refused(tr, change.before))])
        return
    done: str = staff.move_done(tr, change.after)
    if move is Move.FINISH:  # one reply: what was done, and to how many the ranking goes
        sent = await send_final_ranking(context, user.id, chat.id)
        done = f"{done}\n{staff.ranking_on_its_way(tr, sent)}"
    await send(context, chat.id, [Reply(done)])
    for outcome in change.team_outcomes:  # the start: every team's first clue
        await tell(context, outcome, chat_id=None)


@requires(Role.ADMIN)
async def open_rally(update: Update, context: RallyContext) -> None:
    """`/open`: teams may join."""
    await _move(update, context, Move.OPEN)


@requires(Role.ADMIN)
async def go(update: Update, context: RallyContext) -> None:
    """`/go`: the rally starts; every team gets the first clue of its own route."""
    await _move(update, context, Move.START)


@requires(Role.ADMIN)
async def pause(update: Update, context: RallyContext) -> None:
    """`/pause`."""
    await _move(update, context, Move.PAUSE)


@requires(Role.ADMIN)
async def resume(update: Update, context: RallyContext) -> None:
    """`/resume`."""
    await _move(update, context, Move.RESUME)


@requires(Role.ADMIN)
async def finish(update: Update, context: RallyContext) -> None:
    """`/finish`: answers close."""
    await _move(update, context, Move.FINISH)
