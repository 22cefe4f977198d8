"""Photo missions: a team's photo goes to the organisers, who approve or reject it."""

from __future__ import annotations

import logging

from telegram import Update

from bot.core.photos import PhotoRefusal
from bot.core.roles import Role
from bot.services.photos import Photo
from bot.services.views import TeamView
from bot.telegram.buttons import ReviewPhoto
from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, remove_buttons, send, tell_staff
from bot.telegram.render import notices, play
from bot.telegram.render.reply import Reply
from bot.telegram.render.staff import no_photo_waiting, photo_for_review
from handlers.fallback import unsupported
from handlers.roles import requires

log = logging.getLogger(__name__)


async def show_to_organisers(
    context: RallyContext, photo: Photo, team: TeamView, chat_ids: list[int] | None = None
) -> int:
    """Send a photo with its review buttons to organisers (or `chat_ids`); how many got it."""
    return await tell_staff(
        context,
        lambda tr: photo_for_review(tr, context.rally, team, photo),
        photo=photo.file_id,
        to=chat_ids,
    )


async def photo(update: Update, context: RallyContext) -> None:
    """A photo from a player: the team's photo mission, or something the rally cannot use."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None  # a private message
    if not message.photo:
        return
    submission = await context.runtime.photos.submit(user.id, message.photo[-1].file_id)
    tr = context.tr
    if submission.refusal in (PhotoRefusal.NO_MISSION, PhotoRefusal.NOT_IN_TEAM):
        await unsupported(update, context)
        return
    if submission.refusal is PhotoRefusal.ALREADY_APPROVED:
        await send(context, chat.id, [play.photo_already_approved(tr)])
        return
    assert submission.photo is not None and submission.team is not None  # taken for review
    await send(context, chat.id, [play.photo_taken(tr)])
    if await show_to_organisers(context, submission.photo, submission.team) == 0:
        log.warning("photo %s: no organiser could receive it", submission.photo.id)


@requires(Role.ORGANISER)
async def pending_photos(update: Update, context: RallyContext) -> None:
    """`/photos`: the photos waiting for review, sent again with their buttons."""
    chat = update.effective_chat
    assert chat is not None  # a command in a private chat
    waiting = await context.runtime.photos.pending()
    if not waiting:
        await send(context, chat.id, [Reply(no_photo_waiting(context.tr))])
        return
    teams = {team.id: team for team in await context.runtime.teams.all_teams()}
    for item in waiting:
        await show_to_organisers(context, item, teams[item.team_id], [chat.id])


async def review(update: Update, context: RallyContext, pressed: ReviewPhoto) -> None:
    """An organiser's verdict on a photo: points once, the team told, the buttons closed."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None  # a button press
    tr = context.tr
    if context.bot_data.several:  # review it in its own rally, whichever one they work on
        home = await context.bot_data.rally_of_photo(pressed.photo_id)
        if home is not None and home.is_staff(user.id):
            context.use(home)
    if not context.runtime.has_role(user.id, Role.ORGANISER):
        await answer_press(query, notices.staff_only(tr, Role.ORGANISER))
        return
    result = await context.runtime.photos.review(pressed.photo_id, pressed.approve, user.id)
    if result is None:
        await answer_press(query, notices.stale_button(tr))
        return
    await remove_buttons(query)  # one too old to edit is left as it is
    notice = play.photo_reviewed_notice(tr, approved=pressed.approve, done=result.done)
    await answer_press(query, notice)  # the team hears the verdict as news (PhotoService)
