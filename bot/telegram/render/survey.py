"""What a player reads of the end-of-rally survey: its button under a team's finish, its offer
in the final ranking, each question with a numbered button per choice, and every answer to a
command (`bot.core.survey.SurveyEvent`).

Buttons carry a number and the choice's emoji before its words, so a player who reads little
can answer by the picture or the number. Rally texts come from the rally file in the reader's
language (`tr.text`, `tr.plain` on buttons); the interface's words from the catalogs.
"""

from __future__ import annotations

from typing import assert_never

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.content import Rally, Survey, SurveyChoice
from bot.core.survey import (
    NoSurvey,
    SurveyAlreadyAnswered,
    SurveyEvent,
    SurveyNotOpen,
    SurveyQuestionShown,
    SurveyStalePress,
    SurveyThanks,
    SurveyUnderWay,
)
from bot.i18n.catalogs import Escaped, Translator
from bot.telegram.buttons import SurveyPress, encode
from bot.telegram.render.reply import Reply, b

MAX_LABEL = 60


def with_survey_button(tr: Translator, rally: Rally, finish: Reply) -> Reply:
    """A team's finish with the survey's button under its own (as it is, without a survey)."""
    if rally.survey is None:
        return finish
    count = len(rally.survey.questions)
    label = tr.n_(
        "📝 {count} quick question about the day",
        "📝 {count} quick questions about the day",
        count,
    )
    row = [InlineKeyboardButton(label, callback_data=encode(SurveyPress()))]
    markup = finish.markup
    rows = list(markup.inline_keyboard) if isinstance(markup, InlineKeyboardMarkup) else []
    return Reply(finish.text, InlineKeyboardMarkup([*rows, row]), finish.voices)


def survey_offer(tr: Translator, rally: Rally) -> str:
    """The survey offered at the end of the final ranking, with `/survey` to start it (empty
    without a survey; starts with its paragraph break)."""
    if rally.survey is None:
        return ""
    count = len(rally.survey.questions)
    offer = tr.n_(
        "📝 {count} quick question about the day, optional and anonymous: /survey",
        "📝 {count} quick questions about the day, optional and anonymous: /survey",
        count,
    )
    return f"\n\n{offer}"


def question(tr: Translator, survey: Survey, index: int) -> Reply:
    """Question `index` of the survey, one numbered button per choice and a Skip button."""
    asked = survey.questions[index]
    head = b(tr._("Question {number} of {total}", number=index + 1, total=len(survey.questions)))
    rows = [
        [
            InlineKeyboardButton(
                _choice_label(tr, number, choice),
                callback_data=encode(SurveyPress(asked.id, number)),
            )
        ]
        for number, choice in enumerate(asked.choices, start=1)
    ]
    rows.append(
        [InlineKeyboardButton(tr._("⏭ Skip"), callback_data=encode(SurveyPress(asked.id, 0)))]
    )
    text = f"📝 {head}\n{tr.text(asked.text)}"
    if index == 0:  # said before the first answer
        anonymous = tr._(
            "Optional and anonymous: your answers are counted without your name or your team."
        )
        text = f"{anonymous}\n\n{text}"
    return Reply(text, InlineKeyboardMarkup(rows))


def _choice_label(tr: Translator, number: int, choice: SurveyChoice) -> str:
    """ "1 😀 Very good": the number and the emoji first, for those who read little."""
    parts = [str(number), choice.emoji or "", tr.plain(choice.text)]
    label = " ".join(part for part in parts if part)
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def told(tr: Translator, survey: Survey | None, event: SurveyEvent) -> Reply:
    """What a survey command's event says to the player."""
    match event:
        case SurveyQuestionShown():
            assert survey is not None  # a question is shown only from a survey
            return question(tr, survey, event.index)
        case SurveyThanks():
            return Reply(tr._("🙏 Thank you! Your answers are counted without your name."))
        case SurveyAlreadyAnswered():
            return Reply(already_answered(tr))
        case SurveyUnderWay():
            return Reply(tr._("The survey has started: its question is just above."))
        case SurveyStalePress():
            return Reply(tr._("This question is already answered."))
        case SurveyNotOpen():
            return Reply(tr._("The survey opens when your team has finished the rally."))
        case NoSurvey():
            return Reply(tr._("This rally has no survey."))
        case _:
            assert_never(event)


def already_answered(tr: Translator) -> Escaped:
    """The survey is answered once: said to a player who did."""
    return tr._("You have already answered the survey. Thank you!")
