"""Where a team is, as a message: what /clue shows and what a new member sees."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.content import Rally
from bot.core.engine import Progress, TeamState
from bot.i18n.catalogs import Translator
from bot.telegram.buttons import BeginStage, encode
from bot.telegram.render.play import Reply, clue, question, stage_name


def current_step(tr: Translator, rally: Rally, progress: Progress) -> list[Reply]:
    """The clue, the arrival or the question the team is at now."""
    if progress.state is TeamState.WAITING:
        return [
            Reply(
                tr._(
                    "The rally has not started yet. You will get your first clue here "
                    "when it starts."
                )
            )
        ]
    if progress.state is TeamState.FINISHED:
        return [
            Reply(
                tr._("🎉 Your team has finished the rally! Score: {score}.", score=progress.score)
            )
        ]
    stage_id = progress.stage_id
    assert stage_id is not None
    number, total = progress.stage_index + 1, len(progress.route)
    if progress.state is TeamState.EN_ROUTE:
        return [clue(tr, rally, stage_id, number, total)]
    if progress.state is TeamState.CHECKED_IN:
        begin = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        tr._("▶️ Start the questions"), callback_data=encode(BeginStage(stage_id))
                    )
                ]
            ]
        )
        return [
            Reply(tr._("✅ Your team is at {stage}.", stage=stage_name(tr, rally, stage_id)), begin)
        ]
    stage = rally.stage(stage_id)
    current = stage.questions[progress.question_index]
    return [
        question(
            tr,
            rally,
            stage_id=stage_id,
            question_id=current.id,
            number=progress.question_index + 1,
            total=len(stage.questions),
        )
    ]
