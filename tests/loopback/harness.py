"""Helpers for the loopback server's tests: a step clock and a polling Application."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from loopback import LoopbackBotApi

App = Application[Any, Any, Any, Any, Any, Any]


class StepClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def build_app(api: LoopbackBotApi, **timeouts: float) -> App:
    """A python-telegram-bot Application talking to the loopback server."""
    builder = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
    )
    if "get_updates_read_timeout" in timeouts:
        builder = builder.get_updates_read_timeout(timeouts["get_updates_read_timeout"])
    if "read_timeout" in timeouts:
        builder = builder.read_timeout(timeouts["read_timeout"])
    return builder.build()


@contextlib.asynccontextmanager
async def polling(app: App, *, poll_timeout: int = 5) -> AsyncIterator[App]:
    """Run the application like run_polling does, inside the test's event loop."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=poll_timeout)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
