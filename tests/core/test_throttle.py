"""Wrong join codes throttled: five a minute, then a wait until the oldest leaves the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.throttle import WRONG_JOIN_CODES, SlidingWindow, Throttle

T0 = datetime(2026, 5, 16, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("failures", "now", "wait"),
    [
        pytest.param([], 0, None, id="none"),
        pytest.param([0, 1, 2, 3], 4, None, id="four"),
        pytest.param([0, 1, 2, 3, 4], 5, 55, id="five-wait-for-the-oldest"),
        pytest.param([0, 10, 20, 30, 40], 59, 1, id="almost-out"),
        pytest.param([0, 10, 20, 30, 40], 60, None, id="oldest-left"),
        pytest.param([0, 10, 20, 30, 40, 50], 60, 10, id="next-oldest"),
        pytest.param([40, 30, 20, 10, 0], 30, 30, id="any-order"),
        pytest.param([0, 1, 2, 3, 70], 71, None, id="spread-out"),
    ],
)
def test_the_wait_after_wrong_codes(failures: list[int], now: int, wait: int | None) -> None:
    expected = None if wait is None else timedelta(seconds=wait)
    assert WRONG_JOIN_CODES.wait([at(s) for s in failures], at(now)) == expected


@pytest.mark.parametrize(("limit", "span"), [(0, 60), (5, 0), (5, -1)])
def test_a_window_must_allow_something(limit: int, span: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        SlidingWindow(limit, timedelta(seconds=span))


def test_each_user_has_their_own_count_and_waiting_is_enough() -> None:
    throttle: Throttle[int] = Throttle(WRONG_JOIN_CODES)
    for second in range(5):
        assert throttle.wait(1, at(second)) is None
        throttle.failed(1, at(second))
    assert throttle.wait(1, at(5)) == timedelta(seconds=55)
    assert throttle.wait(2, at(5)) is None  # another user tries freely
    assert throttle.wait(1, at(60)) is None  # the first failure left the window
    throttle.failed(1, at(60))
    assert throttle.wait(1, at(60)) == timedelta(seconds=1)  # the second leaves at 61


def test_users_who_stopped_failing_are_forgotten() -> None:
    throttle: Throttle[int] = Throttle(WRONG_JOIN_CODES)
    for user in range(100):
        throttle.failed(user, at(0))
    throttle.failed(1000, at(61))
    assert throttle.wait(5, at(61)) is None
    assert len(throttle._failures) == 1  # memory holds only the last minute's failures
