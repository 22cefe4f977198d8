"""Photo missions: a team's photo goes to the organisers, who approve or reject it."""

from __future__ import annotations

import contextlib
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.core.roles import Role
from bot.services.photos import Photo, PhotoRefusal, PhotoService
from bot.services.views import TeamView
from bot.telegram.buttons import ReviewPhoto, encode
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send, tell
from bot.telegram.ratelimit import Priority, priority_args
from bot.telegram.render.play import Reply
from bot.telegram.render.staff import photo_caption
from handlers.fallback import unsupported
from handlers.roles import has_role, requires, staff_ids

log = logging.getLogger(__name__)


def review_buttons(context: RallyContext, photo: Photo) -> InlineKeyboardMarkup:
    """Approve and reject buttons under a team photo."""
    tr = context.tr
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr._("✅ Approve (+{points})", points=photo.points),
                    callback_data=encode(ReviewPhoto(photo.id, approve=True)),
                ),
                InlineKeyboardButton(
                    tr._("❌ Reject"), callback_data=encode(ReviewPhoto(photo.id, approve=False))
                ),
            ]
        ]
    )


async def show_to_organisers(
    context: RallyContext, photo: Photo, team: TeamView, chat_ids: list[int] | None = None
) -> int:
    """Send a photo with its review buttons to organisers; how many received it."""
    runtime = context.runtime
    assert runtime.catalogs is not None
    delivered = 0
    for chat_id in chat_ids if chat_ids is not None else sorted(staff_ids(context, Role.ORGANISER)):
        member = await runtime.teams.find(chat_id)
        tr = runtime.catalogs.translator(
            member.language if member else context.rally.default_language
        )
        try:
            await context.bot.send_photo(
                chat_id,
                photo.file_id,
                caption=context.for_staff(
                    photo_caption(tr, context.rally, team, photo.stage_id, photo.points)
                ),
                parse_mode=ParseMode.HTML,
                reply_markup=review_buttons(context, photo),
                rate_limit_args=priority_args(context.bot, Priority.TEAM),
            )
            delivered += 1
        except TelegramError as exc:  # an organiser who never opened the bot
            log.info("photo %s not shown to %s: %s", photo.id, chat_id, exc)
    return delivered


async def photo(update: Update, context: RallyContext) -> None:
    """A photo from a player: the team's photo mission, or something the rally cannot use."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None
    assert user is not None
    assert chat is not None
    if not message.photo:
        return
    services = context.runtime.ready()
    submission = await PhotoService(services).submit(user.id, message.photo[-1].file_id)
    tr = context.tr
    if submission.refusal is PhotoRefusal.NO_MISSION or submission.refusal is (
        PhotoRefusal.NOT_IN_TEAM
    ):
        await unsupported(update, context)
        return
    if submission.refusal is PhotoRefusal.ALREADY_APPROVED:
        await send(
            context, chat.id, [Reply(tr._("Your team's photo was already approved. Thank you!"))]
        )
        return
    assert submission.photo is not None
    assert submission.team is not None
    await send(
        context, chat.id, [Reply(tr._("📸 Thank you! The organisers will look at your photo."))]
    )
    if await show_to_organisers(context, submission.photo, submission.team) == 0:
        log.warning("photo %s: no organiser could receive it", submission.photo.id)


@requires(Role.ORGANISER)
async def pending_photos(update: Update, context: RallyContext) -> None:
    """`/photos`: the photos waiting for review, sent again with their buttons."""
    chat = update.effective_chat
    assert chat is not None
    services = context.runtime.ready()
    waiting = await PhotoService(services).pending()
    if not waiting:
        await send(context, chat.id, [Reply(context.tr._("No photo is waiting for review."))])
        return
    teams = {team.id: team for team in await context.runtime.teams.all_teams()}
    for item in waiting:
        await show_to_organisers(context, item, teams[item.team_id], [chat.id])


async def review(update: Update, context: RallyContext, pressed: ReviewPhoto) -> None:
    """An organiser's verdict on a photo: points once, the team told, the buttons closed."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    tr = context.tr
    if context.bot_data.several:  # review it in its own rally, whichever one they work on
        home = await context.bot_data.rally_of_photo(pressed.photo_id)
        if home is not None and home.is_staff(user.id):
            context.use(home)
    if not has_role(context, user.id, Role.ORGANISER):
        await query.answer(tr._("This command is for the rally's organisers."))
        return
    result = await PhotoService(context.runtime.ready()).review(
        pressed.photo_id, pressed.approve, user.id
    )
    if result is None:
        await query.answer(tr._("This button is no longer valid."))
        return
    with contextlib.suppress(BadRequest):  # the message may be too old to edit
        await query.edit_message_reply_markup(reply_markup=None)
    if not result.done:
        await query.answer(tr._("This photo was already reviewed."))
        return
    await query.answer(tr._("Approved.") if pressed.approve else tr._("Rejected."))
    if result.outcome is not None:
        await tell(context, result.outcome, chat_id=None)
