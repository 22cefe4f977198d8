"""One flood budget for the whole bot, spaced evenly, spent on the players' replies first.

Telegram allows a bot about 30 messages a second and counts them in any one second: a burst
over that is answered with 429 and a `retry_after`. PTB's `AIORateLimiter` is a bucket that
lets a whole second's worth through at once and serves waiting calls in the order they came,
so a broadcast of 1,000 messages (or a busy team's news) is served before a player's reply
that came later, and its bursts draw 429s that stop every call for a second.

`PriorityRateLimiter` spaces the calls that Telegram counts (those naming a `chat_id`) at least
1/rate seconds apart, and when several wait, serves the most urgent first:

- `Priority.REPLY`: the answer to the player who just acted (the default);
- `Priority.STAFF`: notes to the organisers: a team asking for help, idle teams, photos;
- `Priority.TEAM`: what the actor's teammates are told about it;
- `Priority.BROADCAST`: the outbox's messages to everyone.

A 429 that still comes (another bot process on the same token, say) pauses every call for its
`retry_after` and the call is tried again, up to `max_retries` times, as `AIORateLimiter` does.
Calls without a chat (answering a button press, getUpdates) are not counted, as in PTB's, but
wait out such a pause. A call passes its priority as PTB's `rate_limit_args`.
"""

from __future__ import annotations

import asyncio
import enum
import heapq
import itertools
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter, ExtBot

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]
RETRY_MARGIN = 0.1
"""Seconds waited past a 429's `retry_after`."""
SPACING_MARGIN = 1.01
"""Calls are spaced 1% more than 1/rate apart: a second window never holds one too many."""


class Priority(enum.IntEnum):
    """Which waiting call goes first (lower first)."""

    REPLY = 0
    STAFF = 1
    TEAM = 2
    BROADCAST = 3


class PriorityRateLimiter(BaseRateLimiter[int]):
    """`per_second` messages a second for the whole bot, most urgent first (see the module)."""

    def __init__(self, per_second: float, max_retries: int = 3) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = SPACING_MARGIN / per_second
        self.max_retries = max_retries
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._timer: asyncio.TimerHandle | None = None

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Let every call still waiting go (the bot is stopping)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._waiting:
            _, _, waiter = heapq.heappop(self._waiting)
            if not waiter.done():
                waiter.set_result(None)

    async def process_request(  # noqa: PLR0917 - PTB's signature
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Wait for the call's turn, make it, and try again after a 429."""
        priority = Priority.REPLY if rate_limit_args is None else Priority(rate_limit_args)
        counted = data.get("chat_id") is not None
        for attempt in range(self.max_retries + 1):
            if counted:
                await self._turn(priority)
            else:
                await self._unpaused()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self.max_retries:
                    raise
                wait = _seconds(exc.retry_after) + RETRY_MARGIN
                log.info("flood limit on %s: every call waits %.1f s", endpoint, wait)
                loop = asyncio.get_running_loop()
                self._paused_until = max(self._paused_until, loop.time() + wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _turn(self, priority: Priority) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), waiter))
        self._plan(loop)
        await waiter

    async def _unpaused(self) -> None:
        delay = self._paused_until - asyncio.get_running_loop().time()
        if delay > 0:  # a call made too early after all meets the 429 again, and waits again
            await asyncio.sleep(delay)

    def _plan(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake at the next free slot if anyone waits and no wake-up is planned."""
        if self._timer is not None or not self._waiting:
            return
        self._timer = loop.call_at(max(self._next_slot, self._paused_until), self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        """Let the most urgent waiting call go, and plan the next."""
        self._timer = None
        now = loop.time()
        if now < max(self._next_slot, self._paused_until):  # a 429 came in meanwhile
            self._plan(loop)
            return
        while self._waiting:
            _, _, waiter = heapq.heappop(self._waiting)
            if not waiter.done():  # a cancelled call gives its turn away
                waiter.set_result(None)
                self._next_slot = now + self.interval
                break
        self._plan(loop)


def priority_args(bot: ExtBot[Any], priority: Priority) -> int | None:
    """PTB's `rate_limit_args` for a call of this priority (None when nothing limits the bot)."""
    return int(priority) if priority and bot.rate_limiter is not None else None


def _seconds(period: int | timedelta) -> float:
    return period.total_seconds() if isinstance(period, timedelta) else float(period)
