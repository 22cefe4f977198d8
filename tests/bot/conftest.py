"""The real `Application` over HTTP against the loopback Bot API, on a fresh database."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.core.content import Rally
from bot.core.rally_file import load_rally
from bot.i18n.direction import RLM
from bot.services.base import Clock, utc_now
from bot.services.broadcasts import OutboxStatus
from bot.settings import Settings
from bot.storage.models import OutboxRow
from bot.telegram.app import allowed_updates, build_application
from bot.telegram.context import RallyApplication
from loopback.records import ChatMessage
from loopback.server import Clock as ApiClock
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedUser
from tests.databases import BACKENDS, database_url, reset

TOKEN = "123456:LOOPBACK-token"
ADMIN_ID = 9001
ORGANISER_ID = 9002
DEFAULT_RALLY = load_rally(Path(__file__).parents[2] / "data" / "stages.yaml")
FAST = 10_000
"""Tests lift the flood limits (the limiter's own setting) so they run quickly."""


def unmarked(text: str) -> str:
    """A text without the right-to-left mark the bot puts at the start of its lines."""
    return "\n".join(line.removeprefix(RLM) for line in text.split("\n"))


@dataclass
class World:
    """A running bot, its loopback Telegram and the people in it."""

    api: LoopbackBotApi
    settings: Settings
    rally: Rally
    clock: Clock = utc_now
    application: RallyApplication | None = None
    more_rallies: tuple[Rally, ...] = ()
    """Other rallies the same bot runs (`rally` is the first, the default)."""
    users: dict[str, SimulatedUser] = field(default_factory=dict)

    async def start(self) -> None:
        """Start the bot (again, after a restart) with long polling."""
        application = build_application(
            self.settings, [self.rally, *self.more_rallies], clock=self.clock
        )
        await application.initialize()
        assert application.post_init is not None
        await application.post_init(application)  # as run_polling does after initialize
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=allowed_updates()
        )
        self.application = application

    async def stop(self) -> None:
        """Stop the bot as `run_polling` would on SIGTERM."""
        application = self.application
        if application is None:
            return
        assert application.updater is not None
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
        self.application = None

    async def restart(self) -> None:
        """A new process: nothing kept but the database."""
        await self.settle()
        await self.stop()
        await self.start()

    async def settle(self, within: float = 20.0) -> None:
        """Wait until every update is handled, the outbox is empty and the bot has gone quiet.

        Teammates' news and broadcasts leave through the outbox after the updates that made
        them: an update handled is not yet everyone told.
        """
        deadline = time.monotonic() + within
        while True:
            await self.api.wait_idle(self.application, timeout=max(deadline - time.monotonic(), 1))
            if not await self.outbox_pending() or time.monotonic() >= deadline:
                return
            await asyncio.sleep(0.02)

    async def outbox_pending(self) -> int:
        """Messages waiting in the outbox (every rally's)."""
        application = self.application
        if application is None or application.bot_data.engine is None:
            return 0
        async with application.bot_data.engine.connect() as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.status == OutboxStatus.PENDING)
            )
        return int(count or 0)

    def user(self, name: str, language: str | None = "fr") -> SimulatedUser:
        """A Telegram user (created once per name)."""
        if name not in self.users:
            self.users[name] = self.api.create_user(name, language_code=language)
        return self.users[name]

    def texts(self, user: SimulatedUser) -> list[str]:
        """Every text the bot showed this user, oldest first, as they read it: without the
        invisible mark that starts each line of a right-to-left reader's message right to left
        (`bot.i18n.direction`; `tests/bot/test_rtl.py` reads the transcript as sent)."""
        return [unmarked(m.text or "") for m in self.api.transcript(user.chat_id)]

    def last(self, user: SimulatedUser) -> ChatMessage:
        """The bot's latest message to this user."""
        return self.api.last_message(user.chat_id)

    def says(self, language: str, message: str, **values: object) -> str:
        """What the bot says in a language for an interface message, as a player reads it."""
        assert self.application is not None
        catalogs = self.application.bot_data.default.catalogs
        assert catalogs is not None
        return html.unescape(catalogs.translator(language)._(message, **values))

    def new_texts(self, user: SimulatedUser, since: int) -> list[str]:
        """The texts sent to this user after the first `since` messages."""
        return self.texts(user)[since:]


async def open_world(
    tmp_path: Path,
    backend: str,
    rally: Rally,
    clock: Clock = utc_now,
    more_rallies: tuple[Rally, ...] = (),
    *,
    flood_limit: int = FAST,
    server_per_second: int | None = FAST,
    api_clock: ApiClock = time.monotonic,
    chat_flood_limit: float = FAST,
    chat_update_burst: int = 20,
    settings: Mapping[str, Any] | None = None,
) -> AsyncIterator[World]:
    """A running bot on a fresh database: its limiter at `flood_limit` (0: none) and
    `chat_flood_limit` a chat, the loopback Telegram refusing more than `server_per_second`
    (None: no limit); `settings`: more of them (by field name)."""
    url = database_url(backend, tmp_path)
    await reset(url)
    async with LoopbackBotApi(TOKEN, overall_per_second=server_per_second, clock=api_clock) as api:
        bot_settings = Settings(
            telegram_bot_token=TOKEN,
            telegram_api_base_url=api.base_url,
            database_url=url,
            rally_admins=frozenset({ADMIN_ID}),
            rally_organisers=frozenset({ORGANISER_ID}),
            rally_flood_limit=flood_limit,
            rally_chat_flood_limit=chat_flood_limit,
            rally_chat_update_burst=chat_update_burst,
            _env_file=None,
            **(settings or {}),
        )
        world = World(api, bot_settings, rally, clock, more_rallies=more_rallies)
        await world.start()
        try:
            yield world
        finally:
            await world.stop()


@pytest.fixture(params=BACKENDS)
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    async for running in open_world(tmp_path, request.param, DEFAULT_RALLY):
        yield running
