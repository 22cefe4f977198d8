"""The bot's flood budget: calls spaced to the rate, players' replies before broadcasts, 429s
waited out. Times are only ever checked from below: a loaded machine makes calls later, never
earlier."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.telegram.ratelimit import SPACING_MARGIN, Priority, PriorityRateLimiter


class Recorder:
    """A Bot API call that notes when, and for whom, it was made."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []
        self.refuse_first = 0

    def call(self, name: str) -> Any:
        async def callback() -> bool:
            if self.refuse_first:
                self.refuse_first -= 1
                raise RetryAfter(timedelta(seconds=1))
            self.calls.append((name, asyncio.get_running_loop().time()))
            return True

        return callback

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


async def send(
    limiter: PriorityRateLimiter,
    recorder: Recorder,
    name: str,
    priority: Priority | None = None,
    *,
    chat_id: int | None = 1,
) -> object:
    data = {"chat_id": chat_id} if chat_id is not None else {}
    return await limiter.process_request(
        recorder.call(name),
        (),
        {},
        "sendMessage" if chat_id is not None else "answerCallbackQuery",
        data,
        None if priority is None else int(priority),
    )


async def test_messages_are_spaced_to_the_rate_never_in_a_burst() -> None:
    limiter, recorder = PriorityRateLimiter(per_second=50), Recorder()
    await asyncio.gather(*(send(limiter, recorder, f"m{i}") for i in range(11)))
    times = [at for _, at in recorder.calls]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(times) == 11
    assert min(gaps) >= SPACING_MARGIN / 50 - 0.001  # the event loop's clock granularity
    assert times[-1] - times[0] >= 10 * SPACING_MARGIN / 50 - 0.001


async def test_a_players_reply_goes_before_the_broadcast_and_the_teams_news() -> None:
    limiter, recorder = PriorityRateLimiter(per_second=100), Recorder()
    calls = [send(limiter, recorder, f"broadcast{i}", Priority.BROADCAST) for i in range(4)]
    calls.append(send(limiter, recorder, "teammate", Priority.TEAM))
    calls.append(send(limiter, recorder, "reply"))  # queued last, sent first
    await asyncio.gather(*calls)
    assert recorder.names == [
        "reply",
        "teammate",
        "broadcast0",
        "broadcast1",
        "broadcast2",
        "broadcast3",
    ]


async def test_a_429_pauses_every_message_then_the_call_is_made_again() -> None:
    limiter, recorder = PriorityRateLimiter(per_second=100, max_retries=2), Recorder()
    recorder.refuse_first = 1
    started = asyncio.get_running_loop().time()
    first = asyncio.create_task(send(limiter, recorder, "refused once"))
    await asyncio.sleep(0.05)  # the 429 has come back
    second = asyncio.create_task(send(limiter, recorder, "after it"))
    assert await first is True
    assert await second is True
    assert sorted(recorder.names) == ["after it", "refused once"]
    assert all(at - started >= 1.0 for _, at in recorder.calls)  # retry_after is 1 s


async def test_a_call_refused_more_often_than_its_retries_raises() -> None:
    limiter, recorder = PriorityRateLimiter(per_second=100, max_retries=1), Recorder()
    recorder.refuse_first = 2
    with pytest.raises(RetryAfter):
        await send(limiter, recorder, "never")
    assert recorder.calls == []


async def test_calls_without_a_chat_are_not_counted() -> None:
    limiter, recorder = PriorityRateLimiter(per_second=1), Recorder()
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(send(limiter, recorder, f"a{i}", chat_id=None) for i in range(20)))
    assert len(recorder.calls) == 20
    assert asyncio.get_running_loop().time() - started < 1.0  # 1 message/s would take 20 s
