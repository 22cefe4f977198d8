"""Application wiring: the PTB `Application`, its lifecycle hooks and the typed context."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    ContextTypes,
)

from bot.content import Rally
from bot.context import RallyApplication, RallyContext, Runtime
from bot.i18n import Catalogs
from bot.outbox import OutboxWorker
from bot.replies import command_menu
from bot.roles import organisers, role_of
from bot.services.base import Clock, Services, utc_now
from bot.settings import Settings
from bot.storage.database import create_engine, migrate, session_factory
from bot.storage.uow import SqlUnitOfWork
from handlers import register
from handlers.day import schedule_day

log = logging.getLogger(__name__)

CONCURRENT_UPDATES = 32
"""Updates handled at once; the database, not the order of arrival, keeps teams consistent."""


@dataclass(frozen=True)
class BotApiTimeouts:
    """Seconds a Bot API call (getUpdates aside) may take before it fails and is tried again."""

    connect: float = 5.0
    read: float = 10.0
    """PTB's 5 s default is short for a busy Telegram; `handlers.sending` retries past it."""
    write: float = 10.0
    pool: float = 5.0
    """Waiting for a free connection; PTB's 1 s fails calls that only queued behind others."""


BOT_API_TIMEOUTS = BotApiTimeouts()
"""Read when the application is built (tests shorten them to provoke timeouts quickly)."""


def telegram_language(tag: str) -> str:
    """The two-letter code Telegram uses for a rally language (fa_AF is "fa")."""
    return tag.split("_", maxsplit=1)[0].lower()


async def set_command_menus(application: RallyApplication) -> None:
    """One command menu per rally language, the default language's for everyone else."""
    runtime = application.bot_data
    assert runtime.catalogs is not None and runtime.rally is not None
    default = runtime.catalogs.translator(runtime.rally.default_language)
    await application.bot.set_my_commands(command_menu(default), scope=BotCommandScopeDefault())
    done: set[str] = set()
    for tag in runtime.rally.rally.languages:
        code = telegram_language(tag)
        if code in done:
            continue
        done.add(code)
        menu = command_menu(runtime.catalogs.translator(tag))
        await application.bot.set_my_commands(menu, language_code=code)
    await set_staff_menus(application)


async def set_staff_menus(application: RallyApplication) -> None:
    """Organisers and admins get their own menus, in their language, in their own chat."""
    runtime = application.bot_data
    settings, rally, catalogs = runtime.settings, runtime.rally, runtime.catalogs
    assert settings is not None
    assert rally is not None
    assert catalogs is not None
    for user_id in sorted(organisers(settings, rally)):
        member = await runtime.teams.find(user_id)
        if member is None:  # never opened the bot: Telegram knows no chat yet; done at /start
            continue
        menu = command_menu(catalogs.translator(member.language), role_of(settings, rally, user_id))
        try:
            await application.bot.set_my_commands(menu, scope=BotCommandScopeChat(member.chat_id))
        except TelegramError as exc:
            log.info("no staff menu for %s: %s", user_id, exc)


async def _post_init(application: RallyApplication) -> None:
    runtime = application.bot_data
    settings, rally = runtime.settings, runtime.rally
    assert settings is not None and rally is not None
    runtime.catalogs = Catalogs(rally.rally.languages, rally.default_language, rally.rally.timezone)
    engine = create_engine(settings.database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    runtime.extra["engine"] = engine
    runtime.services = Services(rally, lambda: SqlUnitOfWork(sessions), runtime.clock)
    added = await runtime.teams.sync_from_file()
    log.info(
        "rally %s ready: %d stages, %d team(s) added from the file",
        rally.id,
        len(rally.stages),
        added,
    )
    await set_command_menus(application)
    schedule_day(application, runtime.clock(), await runtime.timeline.phase())
    # broadcasts go through application.bot, so its rate limiter paces them with the replies
    runtime.outbox = OutboxWorker(application.bot, runtime.services, runtime.catalogs)
    runtime.outbox.start()  # resumes what a previous process left pending


async def _stop_outbox(application: RallyApplication) -> None:
    outbox, application.bot_data.outbox = application.bot_data.outbox, None
    if outbox is not None:
        await outbox.stop()


async def _post_stop(application: RallyApplication) -> None:
    # run_polling calls post_stop after Application.stop() and before shutdown() closes the
    # bot's HTTP client: the sends in flight can still finish and be recorded here
    await _stop_outbox(application)


async def _post_shutdown(application: RallyApplication) -> None:
    await _stop_outbox(application)  # if post_stop was not called; else already stopped
    engine = application.bot_data.extra.pop("engine", None)
    if engine is not None:
        await engine.dispose()


def build_application(
    settings: Settings,
    rally: Rally,
    *,
    clock: Clock = utc_now,
    polling: bool = True,
) -> RallyApplication:
    """The bot, ready to run (or for tests): handlers registered, hooks set.

    With `polling=False` it has no Updater: a web server puts Telegram's posts (webhook
    mode) on `application.update_queue` instead.
    """
    token = settings.token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is needed to build the application")
    context_types = ContextTypes(context=RallyContext, bot_data=Runtime)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .context_types(context_types)
        .concurrent_updates(CONCURRENT_UPDATES)
        .connect_timeout(BOT_API_TIMEOUTS.connect)
        .read_timeout(BOT_API_TIMEOUTS.read)
        .write_timeout(BOT_API_TIMEOUTS.write)
        .pool_timeout(BOT_API_TIMEOUTS.pool)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if not polling:
        builder = builder.updater(None)
    if settings.rally_flood_limit:
        limiter = AIORateLimiter(
            overall_max_rate=settings.rally_flood_limit, overall_time_period=1, max_retries=3
        )
        # PTB types the builder by the limiter's own argument type; any limiter fits at runtime
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application: RallyApplication = builder.build()
    application.bot_data.settings = settings
    application.bot_data.rally = rally
    application.bot_data.clock = clock
    register(application)
    return application


def allowed_updates() -> list[str]:
    """The update types the bot listens to."""
    return [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
