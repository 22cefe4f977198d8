"""Fixtures for the loopback Bot API server's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from loopback import LoopbackBotApi

from .harness import StepClock


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading Location.live_period warns (an error here) unless PTB_TIMEDELTA is set."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
async def api(clock: StepClock) -> AsyncIterator[LoopbackBotApi]:
    async with LoopbackBotApi(token="123456:TEST", clock=clock) as server:
        yield server
