"""Flood control on a step clock: no sleeping."""

from __future__ import annotations

import pytest

from loopback.errors import ApiError
from loopback.flood import FloodControl

from .harness import StepClock


def retry_after(flood: FloodControl, chat: int) -> int | None:
    """Send one message through flood control: None if it passed, else its retry_after."""
    refusal: ApiError | None = None
    try:
        flood.check(chat)
    except ApiError as refused:
        refusal = refused
    if refusal is None:
        flood.record(chat)
        return None
    assert refusal.error_code == 429
    assert refusal.parameters is not None
    seconds = int(refusal.parameters["retry_after"])
    assert refusal.description == f"Too Many Requests: retry after {seconds}"
    return seconds


def test_overall_limit_over_a_sliding_second(clock: StepClock) -> None:
    flood = FloodControl(clock, overall_per_second=3)
    assert [retry_after(flood, chat) for chat in (1, 2, 3)] == [None, None, None]
    assert retry_after(flood, 4) == 1
    clock.advance(0.999)
    assert retry_after(flood, 4) == 1
    clock.advance(0.002)
    assert retry_after(flood, 4) is None
    assert flood.rejections == 2


def test_per_chat_limit_leaves_other_chats_alone(clock: StepClock) -> None:
    flood = FloodControl(clock, overall_per_second=None, per_chat_per_second=1)
    assert retry_after(flood, 1) is None
    assert retry_after(flood, 1) == 1
    assert retry_after(flood, 2) is None


def test_retry_after_is_a_whole_number_of_seconds_at_least_one(clock: StepClock) -> None:
    flood = FloodControl(clock, overall_per_second=2, window_seconds=60)
    retry_after(flood, 1)
    clock.advance(10)
    retry_after(flood, 1)
    clock.advance(0.5)
    assert retry_after(flood, 1) == 50  # ceil(60 - 10.5)


def test_limits_change_at_runtime(clock: StepClock) -> None:
    flood = FloodControl(clock)
    for chat in range(30):
        assert retry_after(flood, chat) is None
    assert retry_after(flood, 99) == 1
    flood.set_limits(overall_per_second=None)
    assert retry_after(flood, 99) is None
    flood.reset()
    assert flood.rejections == 0


@pytest.mark.parametrize("limit", [1, 5, 30])
def test_exactly_the_limit_passes(clock: StepClock, limit: int) -> None:
    flood = FloodControl(clock, overall_per_second=limit)
    outcomes = [retry_after(flood, 1) for _ in range(limit + 1)]
    assert outcomes[:limit] == [None] * limit
    assert outcomes[limit] == 1
