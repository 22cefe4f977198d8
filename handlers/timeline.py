"""The day's timeline for admins: /open, /go, /pause, /resume, /finish (after a confirmation)."""

from __future__ import annotations

from telegram import Update

from bot.core.phase import Move, RallyPhase, after_move
from bot.core.roles import Role
from bot.telegram.buttons import FinishRally
from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, remove_buttons, send
from bot.telegram.render import notices, staff
from bot.telegram.render.reply import Reply
from handlers.day import send_final_ranking
from handlers.roles import requires


async def _move(update: Update, context: RallyContext, move: Move) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    tr = context.tr
    change = await context.runtime.timeline.move(move, user.id)
    if not change.done:
        refused = staff.move_refused(tr, change.before)
        if move is Move.FINISH and change.before is RallyPhase.FINISHED:  # a second "yes"
            refused = staff.already_finished(tr)
        await send(context, chat.id, [Reply(refused)])
        return
    done: str = staff.move_done(tr, change.after)
    if move is Move.FINISH:  # one reply: what was done, and to how many the ranking goes
        sent = await send_final_ranking(context, user.id, chat.id)
        done = f"{done}\n{staff.ranking_on_its_way(tr, sent)}"
    await send(context, chat.id, [Reply(done)])  # at the start, teams get their first clue


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
    """`/finish`: what finishing does, to confirm with a button (it cannot be undone)."""
    chat = update.effective_chat
    assert chat is not None
    phase = await context.runtime.timeline.phase()
    if after_move(phase, Move.FINISH) is None:
        await send(context, chat.id, [Reply(staff.move_refused(context.tr, phase))])
        return
    await send(context, chat.id, [staff.finish_question(context.tr, context.rally)])


async def confirm_finish(update: Update, context: RallyContext, pressed: FinishRally) -> None:
    """A press on `/finish`'s buttons: an admin's "yes" finishes the rally the question named
    (answers close, the ranking goes out); "no" changes nothing; the buttons close."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None  # a button press
    tr = context.tr
    runtime = context.bot_data.rallies.get(pressed.rally_id)
    if runtime is None:  # a rally this bot no longer runs
        await answer_press(query, notices.stale_button(tr))
        return
    if not runtime.has_role(user.id, Role.ADMIN):
        await answer_press(query, notices.staff_only(tr, Role.ADMIN))
        return
    context.use(runtime)
    if not pressed.confirmed:
        await answer_press(query, staff.finish_declined(tr))
        await remove_buttons(query)
        return
    await answer_press(query)
    await remove_buttons(query)
    await _move(update, context, Move.FINISH)
