"""The composition root: the PTB `Application`, its lifecycle hooks, and every rally's runtime.

`build_application` builds the application and registers the handlers (the one place `bot`
calls `handlers`); `post_init` opens the database and builds each rally's `Runtime` complete,
with every service, then plans its day and starts its outbox.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import cast

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.ext import ApplicationBuilder, ContextTypes

from bot import logs
from bot.core.content import Rally
from bot.core.roles import Role, role_of
from bot.core.throttle import WRONG_JOIN_CODES, Throttle
from bot.dashboard.access import DashboardAccess
from bot.i18n.catalogs import Catalogs
from bot.services.base import Clock, Services, utc_now
from bot.settings import Settings
from bot.storage.database import create_engine, migrate, session_factory
from bot.storage.uow import SqlUnitOfWork
from bot.telegram.context import Deployment, RallyApplication, RallyContext, Runtime
from bot.telegram.delivery import set_commands, set_menu_button
from bot.telegram.intake import Intake, IntakeBot
from bot.telegram.ratelimit import PriorityRateLimiter
from bot.telegram.render.dashboard import menu_button_text
from bot.telegram.render.onboarding import command_menu
from bot.telegram.transport import AiohttpRequest, BotApiTimeouts
from bot.telegram.update_kinds import ALLOWED_UPDATES
from bot.telegram.update_order import ChatOrderedUpdates
from handlers import DayPlanner, register

log = logging.getLogger(__name__)

CONCURRENT_UPDATES = 32
"""Updates handled at once, each chat's in order (`bot.telegram.update_order`); the database keeps
teammates on different phones consistent."""


BOT_API_TIMEOUTS = BotApiTimeouts()
"""Read when the application is built (tests shorten them to provoke timeouts quickly)."""


def telegram_language(tag: str) -> str:
    """The two-letter code Telegram uses for a rally language (fa_AF is "fa")."""
    return tag.split("_", maxsplit=1)[0].lower()


async def set_command_menus(application: RallyApplication) -> None:
    """One command menu per language of the rallies, the default language's for everyone else.

    Telegram keeps one menu per language for the whole bot: a language several rallies offer
    takes its words from the first of them (the menu's commands are the same in every rally).
    """
    deployment = application.bot_data
    first = deployment.default
    default = first.catalogs.translator(first.rally.default_language)
    await set_commands(application.bot, command_menu(default), scope=BotCommandScopeDefault())
    done: set[str] = set()
    for runtime in deployment.runtimes():
        for tag in runtime.rally.rally.languages:
            code = telegram_language(tag)
            if code in done:
                continue
            done.add(code)
            menu = command_menu(runtime.catalogs.translator(tag))
            await set_commands(application.bot, menu, language_code=code)
    await set_staff_menus(application)


async def set_staff_menus(application: RallyApplication) -> None:
    """Organisers and admins get their own menus, in their language, in their own chat.

    Someone on the staff of several rallies gets the menu of their highest role among them.
    """
    menus: dict[int, tuple[Role, int, list[BotCommand]]] = {}
    languages: dict[int, str] = {}
    for runtime in application.bot_data.runtimes():
        for user_id in sorted(runtime.staff_ids(Role.ORGANISER)):
            role = role_of(runtime.settings, runtime.rally, user_id)
            if user_id in menus and menus[user_id][0].rank >= role.rank:
                continue
            member = await runtime.teams.find(user_id)
            if member is None:  # never opened the bot: Telegram knows no chat yet; at /start
                continue
            menu = command_menu(runtime.catalogs.translator(member.language), role)
            menus[user_id] = (role, member.chat_id, menu)
            languages[user_id] = member.language
    for user_id in sorted(menus):
        _, chat_id, menu = menus[user_id]
        await set_commands(application.bot, menu, scope=BotCommandScopeChat(chat_id))
    settings = application.bot_data.settings
    if settings is not None and settings.dashboard:  # the dashboard under the menu button
        for user_id in sorted(menus):
            runtime = application.bot_data.staffed_by(user_id)[0]
            tr = runtime.catalogs.translator(languages[user_id])
            await set_menu_button(
                application.bot, menus[user_id][1], menu_button_text(tr), runtime.dashboard_url
            )


async def _post_init(application: RallyApplication, *, plan_day: DayPlanner) -> None:
    """The composition root: the database, then each rally's complete runtime, then its day."""
    deployment = application.bot_data
    settings = deployment.settings
    assert settings is not None  # set by build_application, before PTB can call this
    engine = create_engine(settings.database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    runtimes = []
    wrong_codes: Throttle[int] = Throttle(WRONG_JOIN_CODES)
    for rally in deployment.files:
        info = rally.rally
        catalogs = Catalogs(info.languages, rally.default_language, info.timezone)
        services = Services(rally, lambda: SqlUnitOfWork(sessions), deployment.clock)
        runtime = Runtime.build(settings, services, catalogs, application.bot, wrong_codes)
        runtimes.append(runtime)
    intake = Intake(lambda: SqlUnitOfWork(sessions), application.bot.id, deployment.clock)
    deployment.open(engine, runtimes, intake)
    if isinstance(application.bot, IntakeBot):
        application.bot.attach(intake)
    processor = application.update_processor
    if isinstance(processor, ChatOrderedUpdates):
        processor.intake = intake
        processor.trusted = frozenset().union(
            *(runtime.staff_ids(Role.ORGANISER) for runtime in runtimes)
        )
    for update in await intake.resume(application.bot):  # before any new one: chats' order
        await application.update_queue.put(update)
    intake.start()
    # a random join code never takes a code another rally file gives, stored or not yet
    file_codes = {team.code for rally in deployment.files for team in rally.teams if team.code}
    for runtime in runtimes:
        added = await runtime.teams.sync_from_file(reserved=file_codes)
        voices = await runtime.voices.load()
        log.info(
            "rally %s ready: %d stages, %d team(s) added from the file, %d voice(s)",
            runtime.rally.id,
            len(runtime.rally.stages),
            added,
            voices,
        )
    await set_command_menus(application)
    for runtime in runtimes:
        plan_day(application, runtime, runtime.clock(), await runtime.timeline.phase())
        runtime.outbox.start()  # resumes what a previous process left pending


async def _stop_outboxes(application: RallyApplication) -> None:
    for runtime in application.bot_data.runtimes():
        await runtime.outbox.stop()  # a worker already stopped returns at once


async def _post_stop(application: RallyApplication) -> None:
    # run_polling calls post_stop after Application.stop() and before shutdown() closes the
    # bot's HTTP client: the sends in flight can still finish and be recorded here
    await _stop_outboxes(application)
    await _stop_intake(application)


async def _stop_intake(application: RallyApplication) -> None:
    # after Application.stop(): every queued update was handled; its marks are written now
    intake = application.bot_data.intake
    if intake is not None:
        await intake.stop()


async def _post_shutdown(application: RallyApplication) -> None:
    await _stop_outboxes(application)  # if post_stop was not called; else already stopped
    await _stop_intake(application)
    deployment = application.bot_data
    engine, deployment.engine = deployment.engine, None
    if engine is not None:
        await engine.dispose()


def build_application(
    settings: Settings,
    rallies: Rally | Sequence[Rally],
    *,
    clock: Clock = utc_now,
    polling: bool = True,
) -> RallyApplication:
    """The bot for one rally or several, ready to run (or for tests): handlers registered.

    The first rally is the default one, for readers who belong to no rally yet.

    With `polling=False` it has no Updater: a web server puts Telegram's posts (webhook
    mode) on `application.update_queue` instead.
    """
    token = settings.token
    logs.protect([token, settings.webhook_secret])  # never in a log line, at any level
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is needed to build the application")
    context_types = ContextTypes(context=RallyContext, bot_data=Deployment)
    limiter = None
    if settings.rally_flood_limit:
        # one budget for all: replies first, then staff notes, teammates' news, broadcasts
        limiter = PriorityRateLimiter(
            settings.rally_flood_limit, max_retries=3, chat_rate=settings.rally_chat_flood_limit
        )
    # the bot stores every getUpdates batch before it is confirmed (`bot.telegram.intake`)
    bot = IntakeBot(
        token,
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_url,
        request=AiohttpRequest(BOT_API_TIMEOUTS),
        get_updates_request=AiohttpRequest(BOT_API_TIMEOUTS, pool_size=1),
        rate_limiter=limiter,
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(context_types)
        .concurrent_updates(
            ChatOrderedUpdates(CONCURRENT_UPDATES, flood_burst=settings.rally_chat_update_burst)
        )
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if not polling:
        builder = builder.updater(None)
    # typed for the limiter's priorities (ints); without a limiter, `priority_args` gives None
    application = cast("RallyApplication", builder.build())
    deployment = application.bot_data
    deployment.settings = settings
    deployment.clock = clock
    deployment.access = DashboardAccess(token, deployment)
    for rally in [rallies] if isinstance(rallies, Rally) else rallies:
        deployment.add(rally)
    # the one call into `handlers`: it registers them and gives the day's planner
    plan_day = register(application)
    application.post_init = functools.partial(_post_init, plan_day=plan_day)
    return application


def allowed_updates() -> list[str]:
    """The update types the bot listens to."""
    return list(ALLOWED_UPDATES)
