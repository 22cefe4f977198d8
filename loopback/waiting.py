"""Change notification: tests wait for a condition instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable


class ChangeSignal:
    """Wakes every waiter whenever the server's state changes (a call, an update, an answer)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.version = 0
        self.last_change = time.monotonic()

    def notify(self) -> None:
        """Record a change and wake the waiters."""
        self.version += 1
        self.last_change = time.monotonic()
        self._event.set()
        self._event = asyncio.Event()

    def next_change(self) -> asyncio.Event:
        """The event the next change sets: take it *before* checking, so no change is missed."""
        return self._event

    async def wait_for(
        self, predicate: Callable[[], bool], within: float, describe: str = "condition"
    ) -> None:
        """Return once `predicate()` holds; raise TimeoutError after `within` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            changed = self.next_change()
            if predicate():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{describe} not met within {within} s")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await changed.wait()
