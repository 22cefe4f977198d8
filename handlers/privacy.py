"""The player's data: the information notice (`/privacy`, and its button before joining a
team), `/mydata`, which shows what the bot keeps about them, and `/forget`, which erases it
after a confirmation button; an organiser's `/erase`, which erases a player the same way."""

from __future__ import annotations

from telegram import Update

from bot.core.roles import Role
from bot.services.privacy import ErasureStatus
from bot.telegram.buttons import AcknowledgeNotice, ErasePlayer, ForgetMe, KeepPlayer
from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, remove_buttons, send, send_document
from bot.telegram.ratelimit import Priority
from bot.telegram.render import notices, privacy
from bot.telegram.render.onboarding import how_to_join
from bot.telegram.render.reply import Reply
from bot.telegram.render.staff import no_team_with_code
from handlers.join import join_team
from handlers.roles import requires


async def show_privacy(update: Update, context: RallyContext) -> None:
    """`/privacy`: the information notice again; with its button if not acknowledged yet."""
    chat = update.effective_chat
    assert chat is not None
    informed = context.player is not None and context.player.informed
    notice = privacy.notice(context.tr, context.runtime.rally, ask=not informed)
    await send(context, chat.id, [notice])


async def acknowledge(update: Update, context: RallyContext, pressed: AcknowledgeNotice) -> None:
    """The notice's button: stored, then the team whose code waited for it is joined.

    "No" to a request for consent erases what was kept since the first message."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    runtime, tr = context.runtime, context.tr
    if not pressed.agree:
        await answer_press(query)
        await remove_buttons(query)
        if context.player is None or context.player.team_id is None:
            await runtime.privacy.forget(user.id)
            context.player = None
        await send(context, chat.id, [privacy.consent_refused(tr)])
        return
    await answer_press(query, privacy.notice_acknowledged(tr))
    await remove_buttons(query)  # an old notice pressed again is answered the same way
    member, code = await runtime.teams.acknowledge_notice(
        user.id, chat.id, user.first_name, user.language_code
    )
    context.player = member
    if code is not None:
        await join_team(update, context, code)
    elif member.team_id is None:
        await send(context, chat.id, [how_to_join(tr)])


async def forget(update: Update, context: RallyContext) -> None:
    """`/forget`: what erasing does, with a confirmation button."""
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, [privacy.forget_question(context.tr)])


async def confirm_forget(update: Update, context: RallyContext, pressed: ForgetMe) -> None:
    """A press on `/forget`'s buttons: erase (yes) or nothing (no); the buttons close."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    tr = context.tr
    if not pressed.erase:
        await answer_press(query, privacy.kept(tr))
        await remove_buttons(query)
        return
    await answer_press(query)
    await remove_buttons(query)
    erased = await context.runtime.privacy.forget(user.id)
    context.player = None
    await send(
        context, chat.id, [privacy.forgotten(tr) if erased else privacy.nothing_to_forget(tr)]
    )


async def my_data(update: Update, context: RallyContext) -> None:
    """`/mydata`: what the bot keeps about the player, as a short message and a JSON file."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    tr = context.tr
    data = await context.runtime.privacy.my_data(user.id)
    if data is None:
        await send(context, chat.id, [privacy.nothing_to_forget(tr)])
        return
    await send(context, chat.id, [privacy.my_data(tr, data)])
    await send_document(
        context, chat.id, data.to_json(), privacy.MY_DATA_FILE, privacy.my_data_caption(tr)
    )


@requires(Role.ORGANISER)
async def erase(update: Update, context: RallyContext) -> None:
    """`/erase TEAM-CODE`: the team's players as buttons, to erase one's data as `/forget`
    would (a player who asks at the desk, say)."""
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    usage = privacy.erase_usage(tr)
    if not context.args or len(context.args) != 1:
        await send(context, chat.id, [Reply(usage)])
        return
    code = context.args[0]
    team = await context.runtime.teams.team_by_code(code)
    if team is None:
        await send(context, chat.id, [Reply(no_team_with_code(tr, code[:40], usage))])
    elif not team.members:
        await send(context, chat.id, [Reply(privacy.no_members(tr, team.name))])
    else:
        await send(context, chat.id, [privacy.erase_whom(tr, team)])


async def press_erase(
    update: Update, context: RallyContext, pressed: ErasePlayer | KeepPlayer
) -> None:
    """`/erase`'s buttons: a player chosen (confirm it), confirmed (erase them, and tell
    them), or "No, keep it"."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    runtime, tr = context.runtime, context.tr
    if not runtime.has_role(user.id, Role.ORGANISER):  # a forged press
        await answer_press(query, notices.staff_only(tr, Role.ORGANISER))
        return
    if isinstance(pressed, KeepPlayer):
        await answer_press(query, privacy.kept(tr))
        await remove_buttons(query)
        return
    if not pressed.confirmed:
        found = await runtime.privacy.erasable(pressed.player_id)
    else:
        found = await runtime.privacy.erase(pressed.player_id, actor_user_id=user.id)
    if found.status is ErasureStatus.UNKNOWN:
        await answer_press(query, notices.stale_button(tr))
        return
    if found.status is ErasureStatus.ALREADY_ERASED:
        await answer_press(query, privacy.already_erased(tr))
        return
    await answer_press(query)
    if found.status is ErasureStatus.ERASABLE:
        await send(context, chat.id, [privacy.erase_question(tr, found)])
        return
    await remove_buttons(query)
    await send(context, chat.id, [privacy.erased(tr, found)])
    erased = found.player
    if erased is not None and erased.reachable:
        # their chat id is known here only, from before the erasure: nothing keeps it now
        told = runtime.catalogs.translator(erased.language)
        reply = privacy.erased_by_organiser(told)
        await send(context, erased.chat_id, [reply], priority=Priority.BROADCAST, reader=told)
