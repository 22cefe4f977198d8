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


CHATS = itertools.count(1)
EVERY_CHAT = -1
"""`send`'s default: a chat of its own for each call (a chat's own pace then never applies)."""


async def send(
    limiter: PriorityRateLimiter,
    recorder: Recorder,
    name: str,
    priority: Priority | None = None,
    *,
    chat_id: int | None = EVERY_CHAT,
) -> object:
    if chat_id == EVERY_CHAT:
        chat_id = next(CHATS)
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


async def test_a_players_reply_goes_first_then_the_broadcast_then_the_teams_news() -> None:
    limiter, recorder = PriorityRateLimiter(per_second=100), Recorder()
    calls = [send(limiter, recorder, f"broadcast{i}", Priority.BROADCAST) for i in range(4)]
    calls.append(send(limiter, recorder, "teammate", Priority.TEAM))
    calls.append(send(limiter, recorder, "reply"))  # queued last, sent first
    await asyncio.gather(*calls)
    assert recorder.names == [
        "reply",
        "broadcast0",
        "broadcast1",
        "broadcast2",
        "broadcast3",
        "teammate",
    ]


async def test_a_429_for_one_chat_delays_that_chat_only() -> None:
    limiter, recorder = PriorityRateLimiter(per_second=100, max_retries=2), Recorder()
    recorder.refuse_first = 1
    started = asyncio.get_running_loop().time()
    first = asyncio.create_task(send(limiter, recorder, "refused once", chat_id=7))
    await asyncio.sleep(0.05)  # the 429 has come back
    same_chat = asyncio.create_task(send(limiter, recorder, "same chat", chat_id=7))
    other_chat = asyncio.create_task(send(limiter, recorder, "other chat", chat_id=8))
    assert await other_chat is True
    assert asyncio.get_running_loop().time() - started < 0.9  # not held by chat 7's 429
    assert await first is True
    assert await same_chat is True
    waited = {name: at - started for name, at in recorder.calls}
    assert waited["refused once"] >= 1.0  # retry_after is 1 s
    assert waited["same chat"] >= 1.0


async def test_429s_for_two_chats_within_a_second_pause_every_call() -> None:
    limiter, recorder = PriorityRateLimiter(per_second=100, max_retries=2), Recorder()
    recorder.refuse_first = 2  # the whole bot is over Telegram's budget (another process)
    started = asyncio.get_running_loop().time()
    first = asyncio.create_task(send(limiter, recorder, "a", chat_id=7))
    second = asyncio.create_task(send(limiter, recorder, "b", chat_id=8))
    await asyncio.sleep(0.05)
    third = asyncio.create_task(send(limiter, recorder, "c", chat_id=9))
    assert list(await asyncio.gather(first, second, third)) == [True, True, True]
    assert all(at - started >= 1.0 for _, at in recorder.calls)


async def test_a_429_without_a_chat_pauses_every_call() -> None:
    limiter, recorder = PriorityRateLimiter(per_second=100, max_retries=2), Recorder()
    recorder.refuse_first = 1
    started = asyncio.get_running_loop().time()
    first = asyncio.create_task(send(limiter, recorder, "no chat", chat_id=None))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(send(limiter, recorder, "a chat", chat_id=8))
    assert await first is True
    assert await second is True
    assert all(at - started >= 1.0 for _, at in recorder.calls)


async def test_one_chat_gets_a_short_burst_then_its_own_pace() -> None:
    limiter = PriorityRateLimiter(per_second=1000, chat_rate=10, chat_burst=3)
    recorder = Recorder()
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(send(limiter, recorder, f"m{i}", chat_id=5) for i in range(6)))
    await send(limiter, recorder, "another chat", chat_id=6)
    times = {name: at - started for name, at in recorder.calls}
    assert [name for name, _ in recorder.calls][:6] == [f"m{i}" for i in range(6)]  # in order
    assert times["m2"] < 0.09  # the burst: three at once
    assert times["m3"] >= 0.1 - 0.005  # then 10 a second
    assert times["m5"] >= 0.3 - 0.005
    assert times["another chat"] - times["m5"] < 0.09  # another chat does not wait for it


async def test_group_chats_are_not_paced_as_a_player() -> None:
    limiter, recorder = PriorityRateLimiter(per_second=1000, chat_rate=1), Recorder()
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(send(limiter, recorder, f"g{i}", chat_id=-100) for i in range(6)))
    assert asyncio.get_running_loop().time() - started < 0.5


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
