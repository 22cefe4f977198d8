"""The day's clock: scheduled start and end, the reminder before the end, idle-team alerts,
and the final ranking sent to everyone at the finish.

PTB's job queue keeps jobs in memory only, so they are rebuilt from the rally file and the
stored phase at every start (`schedule_day`, called in `post_init`); each job checks the phase
again when it runs, so a job rebuilt after a restart never starts or ends the rally twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core.engine import RallyPhase
from bot.core.roles import Role
from bot.i18n.catalogs import Translator
from bot.services.broadcasts import BroadcastService
from bot.services.monitoring import MonitoringService, TeamWatch
from bot.services.timeline import Move
from bot.services.views import Member
from bot.telegram.context import RallyApplication, RallyContext, Runtime
from bot.telegram.delivery import tell
from bot.telegram.ratelimit import Priority, priority_args
from bot.telegram.render.play import b
from bot.telegram.render.staff import stuck_alert
from handlers.roles import staff_ids

log = logging.getLogger(__name__)

IDLE_CHECK_EVERY = timedelta(minutes=1)
SYSTEM_ACTOR = 0
"""The actor the audit log records for what the schedule does by itself."""


def schedule_day(
    application: RallyApplication, runtime: Runtime, now: datetime, phase: RallyPhase
) -> list[str]:
    """Plan one rally's jobs from its file and stored phase; returns their names.

    Each job carries its rally's id (`job.data`), so `context.runtime` is that rally's when it
    runs; its name starts with the id ("clermont-2026:start"). The rally's earlier jobs go.
    """
    rally = runtime.rally
    queue = application.job_queue
    assert rally is not None
    if queue is None:
        raise RuntimeError("the job queue is missing: install python-telegram-bot[job-queue]")
    for job in queue.jobs():
        if job.data == rally.id:
            job.schedule_removal()

    def name(what: str) -> str:
        return f"{rally.id}:{what}"

    queue.run_repeating(
        check_idle_teams,
        interval=IDLE_CHECK_EVERY,
        first=IDLE_CHECK_EVERY,
        name=name("idle-teams"),
        data=rally.id,
    )
    planned = [name("idle-teams")]
    info = rally.rally
    if info.starts_at is not None and phase in (RallyPhase.DRAFT, RallyPhase.OPEN):
        when = max(info.aware(info.starts_at), now)
        queue.run_once(auto_start, when=when, name=name("start"), data=rally.id)
        planned.append(name("start"))
    if info.ends_at is not None and phase is not RallyPhase.FINISHED:
        ends = info.aware(info.ends_at)
        reminder = ends - timedelta(minutes=info.end_reminder_minutes)
        if reminder > now:
            queue.run_once(end_reminder, when=reminder, name=name("end-reminder"), data=rally.id)
            planned.append(name("end-reminder"))
        queue.run_once(auto_finish, when=max(ends, now), name=name("finish"), data=rally.id)
        planned.append(name("finish"))
    log.info("day scheduled: %s", ", ".join(planned))
    return planned


async def tell_organisers(context: RallyContext, render: Callable[[Translator], str]) -> None:
    """A short message to every organiser, in their language (those who opened the bot)."""
    runtime = context.runtime
    assert runtime.catalogs is not None
    assert runtime.rally is not None
    for user_id in sorted(staff_ids(context, Role.ORGANISER)):
        member = await runtime.teams.find(user_id)
        tr = runtime.catalogs.translator(
            member.language if member else runtime.rally.default_language
        )
        try:
            text = context.for_staff(render(tr))
            await context.bot.send_message(
                user_id,
                text,
                parse_mode=ParseMode.HTML,
                rate_limit_args=priority_args(context.bot, Priority.TEAM),
            )
        except TelegramError as exc:
            log.info("organiser %s not reachable: %s", user_id, exc)


async def tell_every_player(
    context: RallyContext,
    kind: str,
    render: Callable[[Translator, Member], str],
    actor_user_id: int = SYSTEM_ACTOR,
    actor_chat_id: int | None = None,
) -> int:
    """One personal message to every reachable player, through the outbox (flood-safe)."""
    runtime = context.runtime
    assert runtime.catalogs is not None
    players = await runtime.teams.all_players()
    messages = [
        (
            player.chat_id,
            player.player_id,
            render(runtime.catalogs.translator(player.language), player),
        )
        for player in players
        if player.reachable
    ]
    if not messages:
        return 0
    await BroadcastService(runtime.ready()).enqueue(
        actor_user_id=actor_user_id, actor_chat_id=actor_chat_id, kind=kind, messages=messages
    )
    return len(messages)


async def send_final_ranking(
    context: RallyContext, actor_user_id: int = SYSTEM_ACTOR, actor_chat_id: int | None = None
) -> int:
    """Everyone gets the final ranking in their language, with their team's place."""
    ranking = await context.runtime.leaderboard.ranking()
    places = {entry.standing.team_id: entry.rank for entry in ranking}

    def render(tr: Translator, player: Member) -> str:
        lines = [b(tr._("🏁 The rally is over! Final ranking:"))]
        lines += [
            tr._(
                "{rank}. {team}: {points} points",
                rank=entry.rank,
                team=entry.standing.name,
                points=entry.standing.score,
            )
            for entry in ranking
        ]
        if player.team_id in places:
            lines += [
                "",
                tr._(
                    "Your team's place: {rank} of {teams}. Thank you for playing!",
                    rank=places[player.team_id],
                    teams=len(ranking),
                ),
            ]
        return "\n".join(lines)

    return await tell_every_player(context, "ranking", render, actor_user_id, actor_chat_id)


async def auto_start(context: RallyContext) -> None:
    """The rally file's start time has come."""
    change = await context.runtime.timeline.move(Move.START, SYSTEM_ACTOR)
    if not change.done:
        return
    for outcome in change.team_outcomes:
        await tell(context, outcome, chat_id=None)
    await tell_organisers(context, lambda tr: tr._("▶️ The rally has started (scheduled)."))


async def end_reminder(context: RallyContext) -> None:
    """A reminder to every player shortly before the scheduled end."""
    if await context.runtime.timeline.phase() is not RallyPhase.RUNNING:
        return
    rally = context.rally
    minutes = rally.rally.end_reminder_minutes
    await tell_every_player(
        context,
        "reminder",
        lambda tr, _player: tr.n_(
            "⏳ The rally ends in {count} minute. Finish your stage and go to the meeting point.",
            "⏳ The rally ends in {count} minutes. Finish your stage and go to the meeting point.",
            minutes,
        ),
    )


async def auto_finish(context: RallyContext) -> None:
    """The rally file's end time has come: answers close, everyone gets the ranking."""
    change = await context.runtime.timeline.move(Move.FINISH, SYSTEM_ACTOR)
    if not change.done:
        return
    await send_final_ranking(context)
    await tell_organisers(context, lambda tr: tr._("🏁 The rally has finished (scheduled)."))


async def check_idle_teams(context: RallyContext) -> None:
    """Tell organisers, once per idle spell, about teams that have not moved for a while."""
    services = context.runtime.services
    if services is None:
        return
    for watch in await MonitoringService(services).newly_stuck():

        def alert(tr: Translator, stuck: TeamWatch = watch) -> str:
            return stuck_alert(tr, context.rally, stuck)

        await tell_organisers(context, alert)
