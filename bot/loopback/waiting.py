"""Change notification: tests wait for a condition instead of sleeping."""

from __future__ import annotations

import asyncio
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

    async def wait_change(self, within: float | None) -> bool:
        """Wait for the next change; False when the timeout passed first."""
        event = self._event
        try:
            async with asyncio.timeout(within):
                await event.wait()
        except TimeoutError:
            return False
        return True

    async def wait_for(
        self, predicate: Callable[[], bool], within: float, describe: str = "condition"
    ) -> None:
        """Return once `predicate()` holds; raise TimeoutError after `within` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self.wait_change(remaining):
                if predicate():
                    return
                raise TimeoutError(f"{describe} not met within {within} s")
