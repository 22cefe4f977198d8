"""The day's clock: scheduled start and end, the reminder before the end, idle-team alerts,
the final ranking sent to everyone at the finish, and the purge of the players' personal data
once the rally's retention period is over.

PTB's job queue keeps jobs in memory only, so they are rebuilt from the rally file and the
stored phase at every start (`schedule_day`, called in `post_init`); each job checks the phase
again when it runs, so a job rebuilt after a restart never starts or ends the rally twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.phase import Move, RallyPhase
from bot.core.voices import FINAL_KEY, VoiceKey
from bot.i18n.catalogs import Translator
from bot.services.monitoring import TeamWatch
from bot.services.privacy import PurgeStatus
from bot.services.views import Member
from bot.telegram.context import RallyApplication, RallyContext, Runtime
from bot.telegram.delivery import tell_staff
from bot.telegram.render import staff
from bot.telegram.render.keepsakes import keepsake_commands
from bot.telegram.render.play import final_words
from bot.telegram.render.reply import Reply
from bot.telegram.render.staff import end_reminder_text, final_ranking, stuck_alert
from bot.telegram.render.survey import survey_offer

log = logging.getLogger(__name__)

IDLE_CHECK_EVERY = timedelta(minutes=1)
PURGE_CHECK_EVERY = timedelta(hours=1)
"""How often the bot looks whether a rally's retention period is over (`purge_when_due`)."""
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
    if queue is None:
        raise RuntimeError("the job queue is missing: install python-telegram-bot[job-queue]")
    for job in queue.jobs():
        if job.data == rally.id:
            job.schedule_removal()

    def name(what: str) -> str:
        return f"{rally.id}:{what}"

    planned = []
    for what, check, every in (
        ("idle-teams", check_idle_teams, IDLE_CHECK_EVERY),
        ("purge", purge_when_due, PURGE_CHECK_EVERY),
    ):
        queue.run_repeating(
            check, interval=every, first=IDLE_CHECK_EVERY, name=name(what), data=rally.id
        )
        planned.append(name(what))
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


async def tell_organisers(context: RallyContext, render_for: Callable[[Translator], str]) -> None:
    """A short note to every organiser, in their language (those who opened the bot)."""
    await tell_staff(context, lambda tr: Reply(render_for(tr)))


async def tell_every_player(
    context: RallyContext,
    kind: str,
    render: Callable[[Translator, Member], str],
    actor_user_id: int = SYSTEM_ACTOR,
    actor_chat_id: int | None = None,
    *,
    voice: VoiceKey | None = None,
) -> int:
    """One personal message to every reachable player, through the outbox (flood-safe);
    followed by the voice of `voice` for those who listen (🔊), in their language."""
    runtime = context.runtime
    players = await runtime.teams.all_players()
    voices = {
        player.chat_id: voice.slug
        for player in players
        if voice is not None and player.voice and runtime.voices.has(voice, player.language)
    }
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
    await runtime.broadcasts.enqueue(
        actor_user_id=actor_user_id,
        actor_chat_id=actor_chat_id,
        kind=kind,
        messages=messages,
        voices=voices,
    )
    return len(messages)


async def send_final_ranking(
    context: RallyContext, actor_user_id: int = SYSTEM_ACTOR, actor_chat_id: int | None = None
) -> int:
    """Everyone gets the final ranking in their language, with their team's place."""
    ranking = await context.runtime.leaderboard.ranking()
    unasked = await context.runtime.survey.unasked()  # the survey offered to them below

    def render(tr: Translator, player: Member) -> str:
        ranked = final_ranking(tr, ranking, player.team_id)
        offer = survey_offer(tr, context.rally) if player.player_id in unasked else ""
        return f"{ranked}\n\n{final_words(tr)}\n\n{keepsake_commands(tr)}{offer}"

    return await tell_every_player(
        context, "ranking", render, actor_user_id, actor_chat_id, voice=FINAL_KEY
    )


async def auto_start(context: RallyContext) -> None:
    """The rally file's start time has come."""
    change = await context.runtime.timeline.move(Move.START, SYSTEM_ACTOR)
    if not change.done:
        return  # the teams' first clues are queued with the move (TimelineService)
    await tell_organisers(context, staff.started_on_schedule)


async def end_reminder(context: RallyContext) -> None:
    """A reminder to every player shortly before the scheduled end."""
    if await context.runtime.timeline.phase() is not RallyPhase.RUNNING:
        return
    rally = context.rally
    minutes = rally.rally.end_reminder_minutes
    await tell_every_player(context, "reminder", lambda tr, _player: end_reminder_text(tr, minutes))


async def auto_finish(context: RallyContext) -> None:
    """The rally file's end time has come: answers close, everyone gets the ranking."""
    change = await context.runtime.timeline.move(Move.FINISH, SYSTEM_ACTOR)
    if not change.done:
        return
    await send_final_ranking(context)
    await tell_organisers(context, staff.finished_on_schedule)


async def purge_when_due(context: RallyContext) -> None:
    """Erase the rally's personal data once its retention period is over (then nothing more)."""
    done = await context.runtime.privacy.purge()
    if done.status is PurgeStatus.PURGED and done.counts is not None:
        log.info(
            "rally %s: retention period over, personal data purged (%d rows)",
            context.rally.rally.id,
            done.counts.total,
        )


async def check_idle_teams(context: RallyContext) -> None:
    """Tell organisers, once per idle spell, about teams that have not moved for a while."""
    for watch in await context.runtime.monitoring.newly_stuck():

        def alert(tr: Translator, stuck: TeamWatch = watch) -> str:
            return stuck_alert(tr, context.rally, stuck)

        await tell_organisers(context, alert)
