"""Playing: locations, typed text, /clue, /hint, /team, and the buttons under questions."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Update

from bot.core.engine import (
    Answer,
    AnswerJudged,
    AnswerRefused,
    BeginQuestions,
    CheckInAtLocation,
    Command,
    Refusal,
    Refused,
    RequestHint,
    Typed,
)
from bot.services.play import Outcome
from bot.telegram.buttons import (
    AcknowledgeNotice,
    AskHint,
    AskKeepsake,
    BeginStage,
    Button,
    ChooseAnswer,
    ChooseLanguage,
    ChooseVoice,
    ConfirmHint,
    DashboardLink,
    DeclineHint,
    ErasePlayer,
    FinishRally,
    ForgetMe,
    KeepPlayer,
    Listen,
    PlayRecording,
    RecordIn,
    RecordStage,
    RecordText,
    ReviewPhoto,
    SurveyPress,
    decode,
)
from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, remove_buttons, send, tell
from bot.telegram.render import notices
from bot.telegram.render.play import current_step, no_hint_taken, refusal, team_status
from bot.telegram.render.reply import Reply
from handlers import dashboard, keepsakes, survey, voices
from handlers.lost import is_lost_button, lost
from handlers.photos import review
from handlers.privacy import acknowledge, confirm_forget, press_erase
from handlers.start import choose_language
from handlers.timeline import confirm_finish

MAX_TYPED = 300
"""Longer than any answer or code word: such a text is refused, not judged."""


async def act(
    update: Update,
    context: RallyContext,
    command: Command,
    *,
    at: datetime | None = None,
    quiet: bool = False,
) -> Outcome:
    """Run a player's command through the play service and tell whoever must know."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    outcome = await context.runtime.play.act(user.id, command, at=at, update_id=update.update_id)
    if not outcome.duplicate:
        await tell(context, outcome, chat_id=chat.id, quiet=quiet)
    return outcome


async def location(update: Update, context: RallyContext) -> None:
    """A location: a pin, a live location, or a live location moving (an edited message)."""
    message = update.effective_message
    assert message is not None and message.location is not None
    place = message.location
    moving = update.edited_message is not None
    live = moving or place.live_period is not None
    at = (message.edit_date if moving else None) or message.date
    command = CheckInAtLocation(
        place.latitude, place.longitude, place.horizontal_accuracy, live=live
    )
    # a live location moving is followed quietly: only arriving is worth a message
    await act(update, context, command, at=at, quiet=moving)


async def typed(update: Update, context: RallyContext) -> None:
    """Typed text: a code word on the way, an answer at the stage."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and message.text is not None and chat is not None
    if is_lost_button(context, message.text):
        await lost(update, context)
        return
    user = update.effective_user
    if user is not None and keepsakes.awaits_name(context, user.id):  # after /certificate
        await keepsakes.full_name(update, context)
        return
    if len(message.text) > MAX_TYPED:
        await send(
            context,
            chat.id,
            [Reply(notices.too_long(context.tr))],
        )
        return
    await act(update, context, Typed(message.text), at=message.date)


async def show_clue(update: Update, context: RallyContext) -> None:
    """`/clue`: the clue, the arrival or the question the team is at."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    team = await context.runtime.teams.team_of(user.id)
    if team is None:
        await send(context, chat.id, [Reply(refusal_not_in_team(context))])
        return
    runtime = context.runtime
    step = current_step(context.tr, runtime.rally, team.progress, now=runtime.clock())
    await send(context, chat.id, step)


async def show_team(update: Update, context: RallyContext) -> None:
    """`/team`: the team, its members, its stage and score."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    team = await context.runtime.teams.team_of(user.id)
    if team is None:
        await send(context, chat.id, [Reply(refusal_not_in_team(context))])
        return
    await send(context, chat.id, [Reply(team_status(context.tr, context.runtime.rally, team))])


async def hint(update: Update, context: RallyContext) -> None:
    """`/hint`: what the next hint costs, to confirm with a button."""
    await act(update, context, RequestHint())


def refusal_not_in_team(context: RallyContext) -> str:
    """Why a player without a team cannot play yet."""
    return refusal(context.tr, context.runtime.rally, Refusal.NOT_IN_TEAM, None)


BUTTONS_ELSEWHERE: dict[type, Callable[[Update, RallyContext, Any], Awaitable[None]]] = {
    ChooseLanguage: choose_language,
    ReviewPhoto: review,
    ForgetMe: confirm_forget,
    AcknowledgeNotice: acknowledge,
    Listen: voices.listen,
    ChooseVoice: voices.choose_voice,
    RecordStage: voices.press_record,
    RecordText: voices.press_record,
    RecordIn: voices.press_record,
    PlayRecording: voices.play_recording,
    ErasePlayer: press_erase,
    KeepPlayer: press_erase,
    FinishRally: confirm_finish,
    DashboardLink: dashboard.computer_link,
    AskKeepsake: keepsakes.press,
    SurveyPress: survey.press,
}
"""The buttons that are not moves in the rally, and the handler of each."""


async def button(update: Update, context: RallyContext) -> None:
    """Every inline button: decoded, checked, answered (always), acted on."""
    query = update.callback_query
    assert query is not None
    pressed: Button | None = decode(query.data)
    if pressed is None:
        await answer_press(query, notices.stale_button(context.tr))
        return
    elsewhere = BUTTONS_ELSEWHERE.get(type(pressed))
    if elsewhere is not None:
        await elsewhere(update, context, pressed)
        return
    if isinstance(pressed, DeclineHint):
        await answer_press(query, no_hint_taken(context.tr))
        await _close_buttons(update)
        return
    command: Command
    if isinstance(pressed, ChooseAnswer):
        command = Answer(choice=pressed.choice, question_id=pressed.question_id)
    elif isinstance(pressed, AskHint):
        command = RequestHint(stage_id=pressed.stage_id)
    elif isinstance(pressed, ConfirmHint):
        command = RequestHint(confirmed=True, index=pressed.index, stage_id=pressed.stage_id)
    else:
        assert isinstance(pressed, BeginStage)
        command = BeginQuestions(stage_id=pressed.stage_id)
    user = update.effective_user
    assert user is not None
    outcome = await context.runtime.play.act(user.id, command, update_id=update.update_id)
    if outcome.duplicate:  # redelivered: Telegram may no longer take an answer to it
        await answer_press(query)
        return
    refused = [e for e in outcome.events if isinstance(e, AnswerRefused | Refused)]
    if refused and len(refused) == len(outcome.events):
        # a stale, repeated or forged press: a short notice, nothing in the chat
        notice = refusal(context.tr, context.runtime.rally, refused[0].reason, outcome.progress)
        await answer_press(query, _popup(notice))
        return
    await answer_press(query)
    if not isinstance(pressed, AskHint) and _closes_message(outcome, pressed):
        await _close_buttons(update)
    chat = update.effective_chat
    assert chat is not None
    await tell(context, outcome, chat_id=chat.id)


def _closes_message(outcome: Outcome, pressed: Button) -> bool:
    """Whether the pressed message's buttons are done with (question closed, hint taken)."""
    if isinstance(pressed, ChooseAnswer):
        return any(isinstance(e, AnswerJudged) and e.closed for e in outcome.events)
    return True


async def _close_buttons(update: Update) -> None:
    query = update.callback_query
    assert query is not None
    await remove_buttons(query)


def _popup(text: str) -> str:
    """A callback notice: plain text within Telegram's 200 characters."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    return plain if len(plain) <= 200 else plain[:199] + "…"
