"""The end-of-rally survey: `/survey` and the presses on its buttons.

A team that finishes its route is invited under its finish (`bot.telegram.render.play`); when
the rally finishes, the final ranking offers it to those who were not asked yet
(`handlers.day.send_final_ranking`)."""

from __future__ import annotations

from telegram import Update

from bot.core.survey import AnswerSurvey, OpenSurvey, SurveyCommand
from bot.telegram.buttons import SurveyPress
from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, remove_buttons, send
from bot.telegram.render.reply import plain
from bot.telegram.render.survey import told

MAX_NOTICE = 200
"""Telegram's limit for a button press's notice."""


async def open_survey(update: Update, context: RallyContext) -> None:
    """`/survey`: start it, or the question the player is at, or why there is none."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    runtime = context.runtime
    outcome = await runtime.survey.act(user.id, OpenSurvey(), update_id=update.update_id)
    if outcome.event is None:  # redelivered: its reply was sent
        return
    await send(context, chat.id, [told(context.tr, runtime.rally.survey, outcome.event)])


async def press(update: Update, context: RallyContext, pressed: SurveyPress) -> None:
    """A survey button: counted once; a press that changes nothing (twice, an old question,
    after the end) gets a short notice, the others get the next step (a question's buttons
    close)."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    runtime = context.runtime
    outcome = await runtime.survey.act(user.id, _command(pressed), update_id=update.update_id)
    intake = context.bot_data.intake
    if intake is not None:  # the press as it came names its sender and says what they chose
        await intake.redact(update.update_id)
    if outcome.event is None:  # redelivered: Telegram may no longer take an answer to it
        await answer_press(query)
        return
    reply = told(context.tr, runtime.rally.survey, outcome.event)
    if not outcome.changed:
        await answer_press(query, _notice(reply.text))
        return
    await answer_press(query)
    if pressed.question_id is not None:  # a question's buttons (the finish's keep theirs)
        await remove_buttons(query)
    await send(context, chat.id, [reply])


def _command(pressed: SurveyPress) -> SurveyCommand:
    """The survey command a button stands for."""
    if pressed.question_id is None:
        return OpenSurvey(pressed=True)
    return AnswerSurvey(pressed.question_id, pressed.choice or None)


def _notice(text: str) -> str:
    """A press's notice: plain text within Telegram's 200 characters."""
    shown = plain(text)
    return shown if len(shown) <= MAX_NOTICE else shown[: MAX_NOTICE - 1] + "…"
