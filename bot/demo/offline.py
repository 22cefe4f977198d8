"""The bot offline: the real `Application` against a loopback Bot API inside this process.

The database is a throwaway SQLite file; nothing touches the network. Both seats of the demo
(`bot.demo.player`, `bot.demo.staff`) run the bot this way.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.core.content import Rally
from bot.settings import Settings
from bot.telegram.app import allowed_updates, build_application
from bot.telegram.context import RallyApplication
from loopback.server import LoopbackBotApi

DEMO_TOKEN = "4242:DEMO-offline"  # noqa: S105 - the loopback server's own fake token
BOT_USERNAME = "rallye_demo_bot"
SETTLE_SECONDS = 30.0
"""How long the demo waits at most for the bot to answer and go quiet."""


class OfflineBot:
    """The loopback Telegram and the bot polling it."""

    def __init__(self, api: LoopbackBotApi, application: RallyApplication) -> None:
        self.api = api
        self.application = application

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The bot started (as `run_polling` starts it) for the block, stopped after it."""
        application = self.application
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        await application.start()
        assert application.updater is not None  # built for long polling
        await application.updater.start_polling(
            poll_interval=0, timeout=5, allowed_updates=allowed_updates()
        )
        try:
            yield
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            if application.post_shutdown:
                await application.post_shutdown(application)

    async def settle(self, timeout: float = SETTLE_SECONDS) -> None:  # noqa: ASYNC109
        """Wait until every update is handled and the bot has gone quiet."""
        await self.api.wait_idle(self.application, timeout=timeout)


@asynccontextmanager
async def offline_bot(
    settings: Settings,
    rally: Rally,
    *,
    admins: frozenset[int],
    organisers: frozenset[int] | None = None,
) -> AsyncIterator[OfflineBot]:
    """The bot built for `rally` against a fresh loopback Telegram and database (not started:
    create its users first, then `running()`). `admins`, `organisers` (None: the settings'):
    the demo's staff, whatever the environment says."""
    with tempfile.TemporaryDirectory(prefix="rallye-demo-") as tmp:
        async with LoopbackBotApi(DEMO_TOKEN, bot_username=BOT_USERNAME) as api:
            update: dict[str, object] = {
                "telegram_bot_token": SecretStr(DEMO_TOKEN),
                "telegram_api_base_url": api.base_url,
                "database_url": f"sqlite+aiosqlite:///{Path(tmp) / 'demo.sqlite3'}",
                "rally_admins": admins,
                # the dashboard is served on this machine (`bot.demo.staff`), never in public
                "rally_public_url": "",
            }
            if organisers is not None:
                update["rally_organisers"] = organisers
            application = build_application(settings.model_copy(update=update), rally)
            yield OfflineBot(api, application)


async def read_line(stream: TextIO) -> str | None:
    """The next line typed, None at the end of the input (Ctrl-D)."""
    line = await asyncio.get_running_loop().run_in_executor(None, stream.readline)
    return line if line else None
