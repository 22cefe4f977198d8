"""/join CODE: a player joins their team."""

from __future__ import annotations

import re

from telegram import Update

from bot.services.teams import JoinStatus
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send, tell_staff
from bot.telegram.render import onboarding, privacy, staff
from bot.telegram.render.onboarding import greeted, with_languages
from bot.telegram.render.play import current_step
from bot.telegram.render.reply import Reply

CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{3,32}")


async def join(update: Update, context: RallyContext) -> None:
    """`/join CODE`."""
    chat = update.effective_chat
    assert chat is not None
    if not context.args or len(context.args) != 1:
        await send(
            context,
            chat.id,
            [onboarding.join_usage(context.tr)],
        )
        return
    await join_team(update, context, context.args[0])


async def join_team(
    update: Update, context: RallyContext, code: str, *, greeting: str | None = None
) -> None:
    """Join the team with this code, and show the team where it is.

    `greeting`: the welcome's line, over the first message of a deep-link join (its language
    picker then follows the confirmation).
    """
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    runtime = context.runtime
    tr = context.tr

    async def answer(reply: Reply) -> None:
        """The join's reply; after a deep link, the language picker follows it."""
        await send(context, chat.id, [greeted(greeting, reply)])
        if greeting is not None:
            languages = runtime.rally.rally.languages
            await send(context, chat.id, [onboarding.choose_language(context.tr, languages)])

    if not CODE_SHAPE.fullmatch(code):
        await answer(onboarding.not_a_code(tr, code))
        return
    # after too many wrong codes, a code is not looked up at all: the join says how long to wait
    waiting = runtime.teams.join_wait(user.id) is not None
    target = None if waiting else await context.bot_data.rally_of_code(code)
    if target is not None and target is not runtime:
        # the code is a team's of another rally on this bot: the player moves to that rally
        kept = await runtime.teams.leave_for_another_rally(user.id)
        if kept is not None:
            await answer(onboarding.switch_refused(tr, kept.name))
            return
        context.use(target)
        runtime = target
    language = context.player.language if context.player else user.language_code
    result = await runtime.teams.join(user.id, chat.id, user.first_name, language, code)
    context.player = result.player
    tr = context.tr = runtime.catalogs.translator(result.player.language)
    team = result.team
    if result.status is JoinStatus.THROTTLED and result.wait is not None:
        await answer(onboarding.too_many_wrong_codes(tr, result.wait))
        return
    if result.status is JoinStatus.UNKNOWN_CODE or team is None:
        await answer(onboarding.unknown_code(tr, code))
        return
    if result.status is JoinStatus.TEAM_FULL:  # nothing changed
        await answer(onboarding.team_full(tr, team.name, runtime.rally.rally.max_team_size))
        return
    if result.status is JoinStatus.SWITCH_REFUSED:
        await answer(onboarding.switch_refused(tr, team.name))
        return
    if result.status is JoinStatus.NOTICE_PENDING:  # joined once the notice is acknowledged
        notice = privacy.notice(tr, runtime.rally, ask=True)
        if greeting is None:
            await answer(notice)
            return
        # a scan answers in one message: the welcome's line, the notice with its button and the
        # languages to read it in (a picker after it would hold the chat's next update back)
        languages = runtime.rally.rally.languages
        await send(context, chat.id, [greeted(greeting, with_languages(notice, languages))])
        return
    # teammates hear who joined (and the first clue if the team just started) as news,
    # queued with the join (TeamService.join)
    await answer(onboarding.joined(tr, result, team))
    step = current_step(tr, runtime.rally, team.progress, now=runtime.clock())
    if step:
        await send(context, chat.id, step)
    if result.while_running:  # someone new in a team out in the city: the organisers know who
        player = result.player
        await tell_staff(
            context,
            lambda staff_tr: Reply(staff.joined_while_running(staff_tr, player, team)),
            only_met=True,
        )
