"""Fault injection: failures, hangs and dropped connections as python-telegram-bot sees them."""

from __future__ import annotations

import pytest
from telegram.error import NetworkError, TimedOut

from loopback import FaultKind, LoopbackBotApi

from .harness import build_app


async def test_next_calls_fail_with_a_5xx(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    api.faults.fail("sendMessage", times=2, status=502)
    async with build_app(api) as app:
        for _ in range(2):
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await app.bot.send_message(user.chat_id, "lost")
        await app.bot.send_message(user.chat_id, "delivered")
    assert [m.text for m in api.transcript(user.chat_id)] == ["delivered"]
    assert [c.fault for c in api.calls_of("sendMessage")] == ["status", "status", None]


async def test_a_fault_for_any_method(api: LoopbackBotApi) -> None:
    async with build_app(api) as app:
        api.faults.fail(times=1, status=500)
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await app.bot.get_webhook_info()
        await app.bot.get_webhook_info()


async def test_dropped_connection_is_a_network_error(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    async with build_app(api) as app:
        api.faults.drop("sendMessage")
        with pytest.raises(NetworkError):
            await app.bot.send_message(user.chat_id, "into the void")
        await app.bot.send_message(user.chat_id, "next one works")
    assert [m.text for m in api.transcript(user.chat_id)] == ["next one works"]


async def test_hang_until_the_client_gives_up(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    fault = api.faults.hang("sendMessage")
    async with build_app(api, read_timeout=0.1) as app:
        with pytest.raises(TimedOut):
            await app.bot.send_message(user.chat_id, "never answered")
    assert fault.kind is FaultKind.HANG
    assert fault.triggered == 1
    assert api.transcript(user.chat_id) == []


async def test_slow_answer_still_sends_the_message(api: LoopbackBotApi) -> None:
    """The classic duplicate: the client times out, yet Telegram delivered the message."""
    user = api.create_user(started=True)
    api.faults.hang("sendMessage", seconds=0.3)
    async with build_app(api, read_timeout=0.05) as app:
        with pytest.raises(TimedOut):
            await app.bot.send_message(user.chat_id, "sent twice?")
        await api.wait_for(lambda: len(api.transcript(user.chat_id)) == 1)
    assert api.last_message(user.chat_id).text == "sent twice?"


def test_fault_arguments_are_checked() -> None:
    api = LoopbackBotApi()
    with pytest.raises(ValueError, match="HTTP error"):
        api.faults.fail(status=200)
    with pytest.raises(ValueError, match="at least one"):
        api.faults.drop(times=0)
