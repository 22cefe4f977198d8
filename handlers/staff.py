"""Organiser and admin commands: scores, progress, exports, corrections, teams."""

from __future__ import annotations

import re

from telegram import Update
from telegram.helpers import create_deep_linked_url

from bot.core.engine import (
    AdjustScore,
    AnswerRefused,
    CheckInByOrganiser,
    CheckInRefused,
    Command,
    Refused,
    SkipStage,
)
from bot.core.roles import Role
from bot.services.exports import ExportKind
from bot.services.teams import NameTaken
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send, send_document
from bot.telegram.render import staff
from bot.telegram.render.play import refusal
from bot.telegram.render.reply import Reply
from bot.telegram.render.staff import progress_report, scoreboard
from handlers.roles import requires

MAX_AWARD = 1000
TEAM_NAME = re.compile(r"^[^\n<>]{2,64}$")
EXPORT_KINDS = {
    "": ExportKind.FULL,
    **dict.fromkeys(
        ("pseudo", "pseudonymised", "pseudonymized", "anonymous", "anon"),
        ExportKind.PSEUDONYMISED,
    ),
}
"""What may follow /export: nothing for the full files, `pseudo` (or a word like it) for the
pseudonymised ones (which are not anonymous: "anonymous" is taken for the word organisers use)."""


async def _say(update: Update, context: RallyContext, text: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, [Reply(text)])


@requires(Role.ADMIN)
async def scores(update: Update, context: RallyContext) -> None:
    """`/scores`: the leaderboard, in the admin's language."""
    ranking = await context.runtime.leaderboard.ranking()
    await _say(update, context, scoreboard(context.tr, ranking, len(context.rally.stages)))


@requires(Role.ORGANISER)
async def progress(update: Update, context: RallyContext) -> None:
    """`/progress`: every team's stage and state, last activity, stuck teams flagged."""
    watches = await context.runtime.monitoring.overview()
    report = progress_report(context.tr, context.rally, watches, context.runtime.clock())
    await _say(update, context, report)


async def _team_command(
    update: Update, context: RallyContext, *, usage: str, command: Command, code: str, action: str
) -> None:
    """Apply an organiser's command to the team with this join code, and tell the team."""
    team = await context.runtime.teams.team_by_code(code)
    if team is None:
        await _say(
            update,
            context,
            staff.no_team_with_code(context.tr, code, usage),
        )
        return
    user = update.effective_user
    assert user is not None
    outcome = await context.runtime.play.act_for_team(
        team.id, command, actor_user_id=user.id, action=action, update_id=update.update_id
    )
    if outcome.duplicate:  # applied before a crash: once is enough
        return
    if not outcome.changed:
        reasons = [
            refusal(
                context.tr,
                context.rally,
                e.reason,
                outcome.progress,
                e.stage_id if isinstance(e, CheckInRefused) else None,
            )
            for e in outcome.events
            if isinstance(e, Refused | CheckInRefused | AnswerRefused)
        ]
        await _say(
            update,
            context,
            staff.correction_refused(context.tr, team.name, reasons),
        )
        return
    await _say(
        update,
        context,
        staff.correction_done(
            context.tr, team.name, outcome.progress.score if outcome.progress else 0
        ),
    )


@requires(Role.ORGANISER)
async def checkin(update: Update, context: RallyContext) -> None:
    """`/checkin TEAM STAGE`: a staffed check-in at the team's current stage."""
    usage = staff.Usage.checkin(context.tr)
    if not context.args or len(context.args) != 2:
        await _say(update, context, usage)
        return
    code, stage_id = context.args
    if not context.rally.has_stage(stage_id):
        await _say(
            update,
            context,
            staff.no_such_stage(context.tr, stage_id, context.rally),
        )
        return
    await _team_command(
        update,
        context,
        usage=usage,
        command=CheckInByOrganiser(stage_id),
        code=code,
        action="checkin",
    )


@requires(Role.ADMIN)
async def skip(update: Update, context: RallyContext) -> None:
    """`/skip TEAM`: move a stuck team on to its next stage, without points."""
    usage = staff.Usage.skip(context.tr)
    if not context.args or len(context.args) != 1:
        await _say(update, context, usage)
        return
    await _team_command(
        update, context, usage=usage, command=SkipStage(), code=context.args[0], action="skip"
    )


@requires(Role.ADMIN)
async def award(update: Update, context: RallyContext) -> None:
    """`/award TEAM POINTS REASON`: a correction, which may be negative."""
    usage = staff.Usage.award(context.tr)
    args = context.args or []
    if len(args) < 3:
        await _say(update, context, usage)
        return
    code, points_text, *reason_words = args
    try:
        points = int(points_text.replace("+", "", 1))
    except ValueError:
        await _say(update, context, usage)
        return
    if not -MAX_AWARD <= points <= MAX_AWARD or points == 0:
        await _say(
            update,
            context,
            staff.points_out_of_range(context.tr, MAX_AWARD),
        )
        return
    reason = " ".join(reason_words)[:200]
    await _team_command(
        update, context, usage=usage, command=AdjustScore(points, reason), code=code, action="award"
    )


@requires(Role.ADMIN)
async def newteam(update: Update, context: RallyContext) -> None:
    """`/newteam NAME`: a new team, with its join code and deep link."""
    message = update.effective_message
    assert message is not None
    name = " ".join(context.args or []).strip()
    if not TEAM_NAME.fullmatch(name):
        await _say(
            update,
            context,
            staff.Usage.newteam(context.tr),
        )
        return
    user = update.effective_user
    assert user is not None
    team = await context.runtime.teams.create_team(name, actor_user_id=user.id)
    if isinstance(team, NameTaken):  # the same name, or one that looks the same
        await _say(update, context, staff.name_taken(context.tr, name, team.existing))
        return
    link = create_deep_linked_url(context.bot.username, team.code)
    await _say(
        update,
        context,
        staff.team_created(context.tr, team.name, team.code, link),
    )


@requires(Role.ADMIN)
async def export(update: Update, context: RallyContext) -> None:
    """`/export`: scores, check-ins and answers as CSV documents; `/export pseudo`: the same
    without names, Telegram ids, positions or typed answers."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    assert user is not None
    kind = EXPORT_KINDS.get(" ".join(context.args or []).casefold())
    if kind is None:
        await _say(update, context, staff.Usage.export(context.tr))
        return
    files = await context.runtime.exports.files(kind)
    for file in files:
        caption = staff.export_caption(context.tr, file.name, file.rows, kind)
        if not await send_document(context, chat.id, file.data, file.name, caption):
            await _say(update, context, staff.export_failed(context.tr, file.name))
            return
    await context.runtime.exports.record_export(user.id, files)
