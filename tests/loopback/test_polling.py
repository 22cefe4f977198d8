"""getUpdates as Telegram does it: offsets, redelivery, long polling, conflicts, webhooks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from loopback import LoopbackBotApi


@pytest.fixture
async def client(api: LoopbackBotApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{api.base_url}{api.token}/") as http:
        yield http


async def get_updates(client: httpx.AsyncClient, **params: object) -> list[dict[str, Any]]:
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    response = await client.post("getUpdates", data=form)
    body = response.json()
    assert body["ok"], body
    result: list[dict[str, Any]] = body["result"]
    return result


def ids(batch: list[dict[str, Any]]) -> list[int]:
    return [update["update_id"] for update in batch]


async def test_unconfirmed_updates_are_delivered_again(
    api: LoopbackBotApi, client: httpx.AsyncClient
) -> None:
    user = api.create_user()
    first, second = user.send_text("one"), user.send_text("two")
    assert ids(await get_updates(client)) == [first["update_id"], second["update_id"]]
    assert ids(await get_updates(client)) == [first["update_id"], second["update_id"]]
    assert ids(await get_updates(client, offset=second["update_id"])) == [second["update_id"]]
    assert await get_updates(client, offset=second["update_id"] + 1) == []
    assert api.pending_updates == []


async def test_limit_and_negative_offset(api: LoopbackBotApi, client: httpx.AsyncClient) -> None:
    user = api.create_user()
    sent = [user.send_text(str(n))["update_id"] for n in range(5)]
    assert ids(await get_updates(client, limit=2)) == sent[:2]
    assert ids(await get_updates(client, offset=-1)) == sent[-1:]
    assert api.pending_updates == [api.pending_updates[0]]


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    api: LoopbackBotApi, client: httpx.AsyncClient
) -> None:
    user = api.create_user()
    poll = asyncio.create_task(get_updates(client, timeout=30))
    await api.wait_for(lambda: api.is_polling)
    update = user.send_text("hello")
    assert ids(await asyncio.wait_for(poll, 5)) == [update["update_id"]]


async def test_long_poll_times_out_with_an_empty_list(
    api: LoopbackBotApi, client: httpx.AsyncClient
) -> None:
    assert await get_updates(client, timeout=0.05) == []


async def test_a_second_poller_terminates_the_first_with_conflict(
    api: LoopbackBotApi, client: httpx.AsyncClient
) -> None:
    first = asyncio.create_task(client.post("getUpdates", data={"timeout": "30"}))
    await api.wait_for(lambda: api.is_polling)
    async with httpx.AsyncClient(base_url=client.base_url) as other:
        second = asyncio.create_task(other.post("getUpdates", data={"timeout": "0.05"}))
        refused = await asyncio.wait_for(first, 5)
        assert (await second).json() == {"ok": True, "result": []}
    assert refused.status_code == 409
    assert refused.json() == {
        "ok": False,
        "error_code": 409,
        "description": "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    }


async def test_allowed_updates_filter_and_persist(
    api: LoopbackBotApi, client: httpx.AsyncClient
) -> None:
    user = api.create_user()
    user.send_text("a message")
    query = user.send_callback_data("forged")
    batch = await get_updates(client, allowed_updates=["callback_query"])
    assert [u["callback_query"]["id"] for u in batch] == [query.query_id]
    user.send_text("dropped too")
    assert await get_updates(client, offset=batch[-1]["update_id"] + 1) == []


async def test_webhook_blocks_get_updates_until_deleted(
    api: LoopbackBotApi, client: httpx.AsyncClient
) -> None:
    api.create_user().send_text("pending")
    assert (await client.post("setWebhook", data={"url": "https://example.org/hook"})).json()["ok"]
    refused = await client.post("getUpdates")
    assert refused.status_code == 409
    assert "webhook is active" in refused.json()["description"]
    info = (await client.get("getWebhookInfo")).json()["result"]
    assert info == {
        "url": "https://example.org/hook",
        "has_custom_certificate": False,
        "pending_update_count": 1,
    }
    await client.post("deleteWebhook", data={"drop_pending_updates": "true"})
    assert await get_updates(client) == []


async def test_bodies_as_query_string_json_and_multipart(
    api: LoopbackBotApi, client: httpx.AsyncClient
) -> None:
    user = api.create_user(started=True)
    by_query = await client.get("sendMessage", params={"chat_id": user.chat_id, "text": "q"})
    by_json = await client.post("sendMessage", json={"chat_id": user.chat_id, "text": "j"})
    by_multipart = await client.post(
        "sendPhoto",
        data={"chat_id": str(user.chat_id), "caption": "m"},
        files={"photo": ("p.jpg", b"\xff\xd8binary\x00\r\n", "image/jpeg")},
    )
    assert [r.status_code for r in (by_query, by_json, by_multipart)] == [200, 200, 200]
    texts = [m.text or m.caption for m in api.transcript(user.chat_id)]
    assert texts == ["q", "j", "m"]
    assert api.last_message(user.chat_id).file.data == b"\xff\xd8binary\x00\r\n"


async def test_method_names_are_case_insensitive(client: httpx.AsyncClient) -> None:
    assert (await client.post("GETME")).json()["result"]["username"] == "rallye_test_bot"


async def test_server_stops_cleanly_during_a_long_poll() -> None:
    api = LoopbackBotApi()
    async with api, httpx.AsyncClient(base_url=f"{api.base_url}{api.token}/") as client:
        poll = asyncio.create_task(client.post("getUpdates", data={"timeout": "30"}))
        await api.wait_for(lambda: api.is_polling)
        await api.stop()
        response = await asyncio.wait_for(poll, 5)
    assert response.json() == {"ok": True, "result": []}
