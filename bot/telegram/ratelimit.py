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
- `Priority.BROADCAST`: the organisers' messages to everyone (the outbox);
- `Priority.FOLLOW_UP`: an update's messages to its chat after its reply
  (`bot.telegram.follow_ups`);
- `Priority.TEAM`: what the actor's teammates are told about it (the outbox, coalesced).

Each private chat also gets about one message a second (`CHAT_RATE`), with short bursts
(`CHAT_BURST`), as Telegram allows a chat: a player whose every message is answered at once
would otherwise meet Telegram's per-chat 429. A call waits for its chat's turn before it takes
a turn of the whole bot's budget, so a chat waiting for its own pace holds nobody else up.

A 429 that still comes for a call to a chat delays that chat only, for its `retry_after`; when
several chats meet one within a second (another bot process on the same token, say), or a call
without a chat does, every call waits. The call is tried again, up to `max_retries` times, as
`AIORateLimiter` does. Calls without a chat (answering a button press, getUpdates) are not
counted, as in PTB's, but wait out a pause of every call. A call passes its priority as PTB's
`rate_limit_args`.
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
CHAT_RATE = 1.0
"""Messages a second to one private chat, on average."""
CHAT_BURST = 3
"""Messages a private chat may get at once before its pace applies."""
SHARED_429_WINDOW = 1.0
"""Seconds within which 429s for two different chats mean the whole bot is over its budget."""


class Priority(enum.IntEnum):
    """Which waiting call goes first (lower first)."""

    REPLY = 0
    STAFF = 1
    BROADCAST = 2
    FOLLOW_UP = 3
    TEAM = 4


class PriorityRateLimiter(BaseRateLimiter[int]):
    """`per_second` messages a second for the whole bot, most urgent first (see the module)."""

    def __init__(
        self,
        per_second: float,
        max_retries: int = 3,
        *,
        chat_rate: float = CHAT_RATE,
        chat_burst: int = CHAT_BURST,
    ) -> None:
        if per_second <= 0 or chat_rate <= 0 or chat_burst < 1:
            raise ValueError("rates must be positive and a chat's burst at least 1")
        self.interval = SPACING_MARGIN / per_second
        self.max_retries = max_retries
        self.chats = ChatPace(chat_rate, chat_burst)
        self._last_429: tuple[float, object] | None = None
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
        chat = data.get("chat_id")
        for attempt in range(self.max_retries + 1):
            if chat is not None:
                await self.chats.turn(chat)
                await self._turn(priority)
            else:
                await self._unpaused()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self.max_retries:
                    raise
                self._flooded(endpoint, chat, _seconds(exc.retry_after) + RETRY_MARGIN)
        raise AssertionError("unreachable")  # pragma: no cover

    def _flooded(self, endpoint: str, chat: object, wait: float) -> None:
        """A 429: that chat waits, or every call when it is the whole bot's budget."""
        now = asyncio.get_running_loop().time()
        shared = chat is None or (
            self._last_429 is not None
            and self._last_429[1] != chat
            and now - self._last_429[0] <= SHARED_429_WINDOW
        )
        self._last_429 = (now, chat)
        if shared:
            log.info("flood limit on %s: every call waits %.1f s", endpoint, wait)
            self._paused_until = max(self._paused_until, now + wait)
        else:
            log.info("flood limit on %s for one chat: it waits %.1f s", endpoint, wait)
            self.chats.pause(chat, now + wait)

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


class ChatPace:
    """About `rate` messages a second to each private chat, `burst` at once (a token bucket).

    Group chats (negative ids) and channels are not paced here: the bot writes to private
    chats only. Callers of one chat wait their turn in the order they came; a chat's state is
    forgotten once its bucket is full again.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._chats: dict[object, _Bucket] = {}
        self._next_sweep = 0.0

    async def turn(self, chat: object) -> None:
        """Wait until `chat` may get one more message, then take it."""
        if not _private(chat):
            return
        bucket = self._chats.get(chat)
        if bucket is None:
            bucket = self._chats[chat] = _Bucket(float(self.burst), 0.0)
        bucket.waiting += 1
        try:
            async with bucket.lock:
                loop = asyncio.get_running_loop()
                while True:
                    now = loop.time()
                    bucket.refill(now, self.rate, self.burst)
                    wait = max(bucket.paused_until - now, (1.0 - bucket.tokens) / self.rate)
                    if bucket.tokens >= 1.0 and now >= bucket.paused_until:
                        bucket.tokens -= 1.0
                        return
                    await asyncio.sleep(max(wait, 0.001))
        finally:
            bucket.waiting -= 1
            self._forget_full(bucket)

    def pause(self, chat: object, until: float) -> None:
        """Telegram said this chat had too many: nothing more to it before `until`."""
        if not _private(chat):
            return
        bucket = self._chats.setdefault(chat, _Bucket(0.0, 0.0))
        bucket.paused_until = max(bucket.paused_until, until)
        bucket.tokens = 0.0

    def _forget_full(self, bucket: _Bucket) -> None:
        """Forget the chats whose bucket is full again, once a second at most (not per call)."""
        if bucket.waiting or len(self._chats) < CHATS_REMEMBERED:
            return
        now = asyncio.get_running_loop().time()
        if now < self._next_sweep:
            return
        self._next_sweep = now + 1.0
        for key, other in list(self._chats.items()):
            other.refill(now, self.rate, self.burst)
            if not other.waiting and other.tokens >= self.burst and now >= other.paused_until:
                del self._chats[key]


CHATS_REMEMBERED = 4096
"""Chats whose pace is kept before those with a full bucket are forgotten."""


class _Bucket:
    """One chat's tokens, when they were counted, and a 429's pause."""

    def __init__(self, tokens: float, paused_until: float) -> None:
        self.tokens = tokens
        self.counted_at: float | None = None
        self.paused_until = paused_until
        self.waiting = 0
        self.lock = asyncio.Lock()

    def refill(self, now: float, rate: float, burst: int) -> None:
        """Add the tokens earned since the last count, up to the burst."""
        if self.counted_at is not None:
            self.tokens = min(float(burst), self.tokens + (now - self.counted_at) * rate)
        self.counted_at = now


def _private(chat: object) -> bool:
    """Whether a chat id names a private chat (a user's: a positive number)."""
    try:
        return int(str(chat)) > 0
    except ValueError:  # "@channelusername"
        return False
