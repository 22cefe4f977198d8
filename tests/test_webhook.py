"""Webhook mode and /healthz: the real Application without an Updater, fed by our web app.

Telegram is the loopback Bot API; the web app is reached through httpx's ASGI transport, or
through a real uvicorn server on 127.0.0.1, or through a real `python -m bot` process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.settings import Settings
from bot.telegram.app import allowed_updates, build_application
from bot.telegram.context import RallyApplication
from bot.telegram.webhook import (
    MAX_BODY,
    SECRET_HEADER,
    ListenError,
    WebhookError,
    WebServer,
    bind_servers,
    serve,
    start_application,
    stop_application,
    web_app,
)
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, DEFAULT_RALLY, FAST, TOKEN
from tests.databases import BACKENDS, database_url, reset

ROOT = Path(__file__).parents[1]
WEBHOOK_URL = "https://rallye.example.org/telegram/updates"
WEBHOOK_PATH = "/telegram/updates"
SECRET = "s3cret_Webhook-token"
WELCOME = "👋 Welcome to Citizen integration rally"
JsonDict = dict[str, Any]


def bot_settings(
    api: LoopbackBotApi, database: str, *, webhook: bool = True, **more: Any
) -> Settings:
    """Settings for a bot on the loopback Telegram, in webhook mode or polling (`more`: other
    settings)."""
    return Settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=api.base_url,
        database_url=database,
        rally_admins=frozenset({ADMIN_ID}),
        rally_flood_limit=FAST,
        rally_webhook_url=WEBHOOK_URL if webhook else "",
        rally_webhook_secret=SECRET if webhook else None,
        _env_file=None,
        **{"rally_listen": "127.0.0.1", "rally_port": 0, **more},
    )


@dataclass
class Hooked:
    """A bot in webhook mode, its loopback Telegram, and an HTTP client for its web app."""

    api: LoopbackBotApi
    application: RallyApplication
    web: httpx.AsyncClient

    async def post(self, body: JsonDict | bytes, headers: dict[str, str] | None = None) -> Any:
        """POST to the webhook as Telegram would (with the secret unless `headers` say else)."""
        sent = {SECRET_HEADER: SECRET} if headers is None else headers
        if isinstance(body, bytes):
            return await self.web.post(WEBHOOK_PATH, content=body, headers=sent)
        return await self.web.post(WEBHOOK_PATH, json=body, headers=sent)

    async def deliver(self, update: JsonDict) -> None:
        """Post an update with the secret and wait until the bot has handled it."""
        response = await self.post(update)
        assert response.status_code == 200, response.text
        await self.application.update_queue.join()

    async def handled(self) -> None:
        """Wait until everything queued for the application is handled."""
        await self.application.update_queue.join()

    def texts(self, user: SimulatedUser) -> list[str]:
        """What the bot said to a user."""
        return [message.text or "" for message in self.api.transcript(user.chat_id)]


@pytest.fixture
async def api() -> AsyncIterator[LoopbackBotApi]:
    async with LoopbackBotApi(TOKEN, overall_per_second=FAST) as running:
        yield running


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = database_url(request.param, tmp_path)
    await reset(url)
    return url


@contextlib.asynccontextmanager
async def hooked_bot(api: LoopbackBotApi, database: str) -> AsyncIterator[Hooked]:
    """A bot in webhook mode on this database, started, with a client for its web app."""
    application = build_application(bot_settings(api, database), DEFAULT_RALLY, polling=False)
    await start_application(application)
    transport = httpx.ASGITransport(app=web_app(application))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://rallye.test") as web:
            yield Hooked(api, application, web)
    finally:
        await stop_application(application)


@pytest.fixture
async def hooked(api: LoopbackBotApi, database: str) -> AsyncIterator[Hooked]:
    async with hooked_bot(api, database) as running:
        yield running


@contextlib.asynccontextmanager
async def database_gone(hooked: Hooked, url: str) -> AsyncIterator[None]:
    """The bot's SQLite database unreachable for the block (a directory in its place)."""
    engine = hooked.application.bot_data.engine
    assert engine is not None
    await engine.dispose()  # the pool's connections close: the next one opens the path
    with a_directory_instead_of(Path(url.removeprefix("sqlite+aiosqlite:///"))):
        yield


# --- the webhook ----------------------------------------------------------------------------


async def test_the_start_registers_the_webhook_with_its_secret(hooked: Hooked) -> None:
    api = hooked.api
    assert hooked.application.updater is None
    assert api.state.webhook.url == WEBHOOK_URL
    assert api.state.webhook.secret_token == SECRET
    assert api.state.webhook.allowed_updates == allowed_updates()
    (call,) = api.calls_of("setWebhook")
    assert json.loads(call.params["drop_pending_updates"]) is False  # kept for this start
    assert not api.calls_of("getUpdates")
    assert not api.calls_of("deleteWebhook")


async def test_a_webhook_telegram_refuses_stops_the_start_in_one_line(
    api: LoopbackBotApi, database: str
) -> None:
    application = build_application(bot_settings(api, database), DEFAULT_RALLY, polling=False)
    api.faults.fail(
        "setWebhook", status=400, description="Bad Request: bad webhook: Failed to resolve host"
    )
    with pytest.raises(WebhookError) as error:
        await start_application(application)
    await stop_application(application)
    assert str(error.value) == (
        "RALLY_WEBHOOK_URL: Telegram refused it: Bad webhook: failed to resolve host"
    )
    assert not application.running


async def test_an_update_posted_with_the_secret_is_answered(hooked: Hooked) -> None:
    amina = hooked.api.create_user("Amina", language_code="en")
    await hooked.deliver(amina.start())
    said = hooked.texts(amina)
    assert said
    assert said[0].startswith(WELCOME)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({SECRET_HEADER: ""}, id="empty"),
        pytest.param({SECRET_HEADER: "wrong"}, id="wrong"),
        pytest.param({SECRET_HEADER: SECRET[:-1]}, id="prefix"),
        pytest.param({SECRET_HEADER: SECRET + "x"}, id="longer"),
        pytest.param({SECRET_HEADER: SECRET.lower()}, id="case"),
    ],
)
async def test_a_post_without_the_right_secret_is_refused(
    hooked: Hooked, headers: dict[str, str]
) -> None:
    mallory = hooked.api.create_user("Mallory", language_code="en")
    sends_before = len(hooked.api.calls_of("sendMessage"))
    response = await hooked.post(mallory.start(), headers=headers)
    assert response.status_code == 403
    await hooked.handled()
    assert hooked.texts(mallory) == []
    assert len(hooked.api.calls_of("sendMessage")) == sends_before


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[1, 2]", id="a-list"),
        pytest.param(b'{"message": {"text": "hi"}}', id="no-update-id"),
        pytest.param(b'{"update_id": 7, "message": "hello"}', id="message-not-an-object"),
    ],
)
async def test_a_malformed_body_is_refused(hooked: Hooked, body: bytes) -> None:
    response = await hooked.post(body)
    assert response.status_code == 400
    await hooked.handled()
    assert not hooked.api.calls_of("sendMessage")


async def test_a_body_larger_than_any_update_is_refused_unread(hooked: Hooked) -> None:
    amina = hooked.api.create_user("Amina", language_code="en")
    update = amina.start()
    padded = json.dumps({**update, "padding": "x" * MAX_BODY}).encode()
    response = await hooked.post(padded)
    assert response.status_code == 413
    await hooked.handled()
    assert not hooked.api.calls_of("sendMessage")


async def test_json_nested_past_reason_is_refused_not_crashed_on(hooked: Hooked) -> None:
    for deep in (b"[" * 50_000 + b"]" * 50_000, b'{"a": ' * 20_000 + b"1" + b"}" * 20_000):
        response = await hooked.post(deep)  # Python's parser gives up: RecursionError
        assert response.status_code == 400
    await hooked.handled()
    assert not hooked.api.calls_of("sendMessage")


async def test_an_update_posted_twice_is_handled_once(hooked: Hooked) -> None:
    amina = hooked.api.create_user("Amina", language_code="en")
    update = amina.start()
    await hooked.deliver(update)
    said = hooked.texts(amina)
    await hooked.deliver(update)  # our first 200 was lost: Telegram posts it again
    assert hooked.texts(amina) == said


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_an_update_that_cannot_be_stored_gets_503_and_is_taken_when_posted_again(
    api: LoopbackBotApi, tmp_path: Path, backend: str
) -> None:
    url = database_url(backend, tmp_path)
    async with hooked_bot(api, url) as hooked:
        amina = api.create_user("Amina", language_code="en")
        update = amina.start()
        async with database_gone(hooked, url):
            refused = await hooked.post(update)
            await hooked.handled()
            assert not hooked.texts(amina)  # not handled: Telegram keeps it
        await hooked.deliver(update)  # Telegram posts it again once the database is back
        said = hooked.texts(amina)
    assert refused.status_code == 503
    assert said and said[0].startswith(WELCOME)


async def test_a_post_while_the_bot_is_not_running_is_left_for_telegram_to_repeat(
    api: LoopbackBotApi, database: str
) -> None:
    application = build_application(bot_settings(api, database), DEFAULT_RALLY, polling=False)
    amina = api.create_user("Amina", language_code="en")
    transport = httpx.ASGITransport(app=web_app(application))
    async with httpx.AsyncClient(transport=transport, base_url="http://rallye.test") as web:
        response = await web.post(WEBHOOK_PATH, json=amina.start(), headers={SECRET_HEADER: SECRET})
    assert response.status_code == 503
    assert application.update_queue.empty()


async def test_the_polling_web_app_has_no_webhook(api: LoopbackBotApi, database: str) -> None:
    application = build_application(bot_settings(api, database, webhook=False), DEFAULT_RALLY)
    transport = httpx.ASGITransport(app=web_app(application))
    async with httpx.AsyncClient(transport=transport, base_url="http://rallye.test") as web:
        response = await web.post(WEBHOOK_PATH, json={"update_id": 1}, headers={SECRET_HEADER: ""})
    assert response.status_code in {404, 405}
    assert application.update_queue.empty()


# --- /healthz -------------------------------------------------------------------------------


async def test_health_reports_the_mode_and_each_rallys_phase(hooked: Hooked) -> None:
    response = await hooked.web.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "mode": "webhook",
        "rallies": {DEFAULT_RALLY.id: "draft"},
    }
    admin = hooked.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    await hooked.deliver(admin.send_command("open"))
    assert hooked.texts(admin)[-1] == "Done: the rally is now open for joining."
    response = await hooked.web.get("/healthz")
    assert response.json()["rallies"] == {DEFAULT_RALLY.id: "open"}


async def test_health_is_unavailable_before_the_start_and_after_the_stop(
    api: LoopbackBotApi, database: str
) -> None:
    application = build_application(bot_settings(api, database), DEFAULT_RALLY, polling=False)
    transport = httpx.ASGITransport(app=web_app(application))
    async with httpx.AsyncClient(transport=transport, base_url="http://rallye.test") as web:
        before = await web.get("/healthz")
        await start_application(application)
        try:
            running = await web.get("/healthz")
        finally:
            await stop_application(application)
        after = await web.get("/healthz")
    assert running.status_code == 200
    for response in (before, after):
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "mode": "webhook",
            "rallies": {DEFAULT_RALLY.id: None},
            "reason": "the bot is not running",
        }


@contextlib.contextmanager
def a_directory_instead_of(database: Path) -> Iterator[None]:
    """Move a SQLite database (and its journal files) aside, leaving a directory in its place."""
    aside = database.parent / "aside"
    aside.mkdir()
    moved = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    for path in moved:
        path.rename(aside / path.name)
    database.mkdir()  # SQLite cannot open a directory
    try:
        yield
    finally:
        database.rmdir()
        for path in moved:
            (aside / path.name).rename(path)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_health_is_unavailable_while_the_database_is_gone(
    api: LoopbackBotApi, tmp_path: Path, backend: str
) -> None:
    url = database_url(backend, tmp_path)
    async with hooked_bot(api, url) as hooked:
        assert (await hooked.web.get("/healthz")).status_code == 200
        async with database_gone(hooked, url):
            gone = await hooked.web.get("/healthz")
        back = await hooked.web.get("/healthz")
    assert gone.status_code == 503
    assert gone.json()["reason"] == "the database does not answer"
    assert gone.json()["mode"] == "webhook"
    assert back.status_code == 200


# --- through real sockets -------------------------------------------------------------------


async def serving(server: WebServer, task: asyncio.Task[None]) -> None:
    """Wait until the server answers, or fail with the error that ended `serve`."""
    ready = asyncio.ensure_future(server.serving.wait())
    async with asyncio.timeout(30):
        await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()
        raise AssertionError("serve() ended before the web server started")


async def test_a_real_server_takes_updates_and_stops_keeping_the_webhook(
    api: LoopbackBotApi, database: str
) -> None:
    application = build_application(bot_settings(api, database), DEFAULT_RALLY, polling=False)
    server = WebServer.bind("127.0.0.1", 0)
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(application, server, stopping))
    await serving(server, task)
    url = server.url
    amina = api.create_user("Amina", language_code="en")
    async with httpx.AsyncClient(base_url=url) as web:
        health = await web.get("/healthz")
        refused = await web.post(WEBHOOK_PATH, json=amina.start(), headers={SECRET_HEADER: "no"})
        taken = await web.post(WEBHOOK_PATH, json=amina.start(), headers={SECRET_HEADER: SECRET})
    await api.wait_for(lambda: bool(api.transcript(amina.chat_id)), timeout=20)
    stopping.set()
    async with asyncio.timeout(30):
        await task
    assert health.status_code == 200
    assert health.json()["mode"] == "webhook"
    assert refused.status_code == 403
    assert taken.status_code == 200
    said = [m.text or "" for m in api.transcript(amina.chat_id)]
    assert len([text for text in said if text.startswith(WELCOME)]) == 1  # the refused one: none
    assert not application.running
    assert api.state.webhook.url == WEBHOOK_URL  # Telegram keeps updates for the next start
    assert not api.calls_of("deleteWebhook")
    async with httpx.AsyncClient(base_url=url) as web:
        with pytest.raises(httpx.ConnectError):
            await web.get("/healthz")


async def test_polling_also_serves_health(api: LoopbackBotApi, database: str) -> None:
    application = build_application(bot_settings(api, database, webhook=False), DEFAULT_RALLY)
    server = WebServer.bind("127.0.0.1", 0)
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(application, server, stopping))
    await serving(server, task)
    amina = api.create_user("Amina", language_code="en")
    amina.start()
    await api.wait_idle(application, timeout=20)
    async with httpx.AsyncClient(base_url=server.url) as web:
        health = await web.get("/healthz")
    stopping.set()
    async with asyncio.timeout(30):
        await task
    assert health.status_code == 200
    assert health.json() == {
        "status": "ok",
        "mode": "polling",
        "rallies": {DEFAULT_RALLY.id: "draft"},
    }
    assert api.transcript(amina.chat_id)[0].text.startswith(WELCOME)
    assert not api.calls_of("setWebhook")
    assert api.calls_of("deleteWebhook")  # polling clears a webhook left by webhook mode
    assert application.updater is not None
    assert not application.updater.running
    assert not application.running


def dockerfile_healthcheck() -> list[str]:
    """The command of the Dockerfile's HEALTHCHECK (exec form), run with this Python."""
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = re.search(r"^HEALTHCHECK .*?\bCMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert found, "the Dockerfile has no HEALTHCHECK in exec form"
    command: list[str] = json.loads(found[1])
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


async def healthcheck_passes(port: int, **variables: str) -> bool:
    process = await asyncio.create_subprocess_exec(
        *dockerfile_healthcheck(),
        env={"RALLY_PORT": str(port), "PATH": os.environ.get("PATH", ""), **variables},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    async with asyncio.timeout(30):
        return await process.wait() == 0


async def test_the_docker_healthcheck_follows_healthz(api: LoopbackBotApi, database: str) -> None:
    application = build_application(bot_settings(api, database, webhook=False), DEFAULT_RALLY)
    server = WebServer.bind("127.0.0.1", 0)
    await server.start(web_app(application))
    try:
        not_started = await healthcheck_passes(server.port)  # /healthz answers 503
        await start_application(application)
        try:
            running = await healthcheck_passes(server.port)
        finally:
            await stop_application(application)
    finally:
        await server.stop()
    refused = await healthcheck_passes(server.port)  # nothing listens any more
    assert (not_started, running, refused) == (False, True, False)


# --- /healthz on an address of its own (RALLY_HEALTH_PORT) ---------------------------------

HEALTH_HOST = "127.0.0.2"  # another loopback address than the webhook's 127.0.0.1


def free_port() -> int:
    """A port nothing listens on (free a moment ago)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


async def refused(url: str) -> bool:
    """Whether nothing listens at this URL."""
    async with httpx.AsyncClient() as web:
        try:
            await web.get(url)
        except httpx.ConnectError:
            return True
    return False


async def test_health_apart_leaves_the_webhook_address_to_telegram(
    api: LoopbackBotApi, database: str
) -> None:
    settings = bot_settings(api, database, rally_health_listen=HEALTH_HOST, rally_health_port=0)
    application = build_application(settings, DEFAULT_RALLY, polling=False)
    server, health = bind_servers(settings)
    assert server is not None
    assert health is not None
    assert health.host == HEALTH_HOST
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(application, server, stopping, health=health))
    await serving(server, task)
    await serving(health, task)
    amina = api.create_user("Amina", language_code="en")
    async with httpx.AsyncClient() as web:
        public_health = await web.get(f"{server.url}/healthz")
        own_health = await web.get(f"{health.url}/healthz")
        hook_on_health = await web.post(
            f"{health.url}{WEBHOOK_PATH}", json=amina.start(), headers={SECRET_HEADER: SECRET}
        )
        taken = await web.post(
            f"{server.url}{WEBHOOK_PATH}", json=amina.start(), headers={SECRET_HEADER: SECRET}
        )
    await api.wait_for(lambda: bool(api.transcript(amina.chat_id)), timeout=20)
    stopping.set()
    async with asyncio.timeout(30):
        await task
    assert public_health.status_code == 404  # the public side no longer says how the bot is
    assert own_health.status_code == 200
    assert own_health.json() == {
        "status": "ok",
        "mode": "webhook",
        "rallies": {DEFAULT_RALLY.id: "draft"},
    }
    assert hook_on_health.status_code in {404, 405}  # Telegram's posts only on RALLY_PORT
    assert taken.status_code == 200
    assert api.transcript(amina.chat_id)[0].text.startswith(WELCOME)
    assert await refused(f"{health.url}/healthz")
    assert await refused(f"{server.url}/healthz")


async def test_health_apart_in_polling_mode_leaves_rally_port_closed(
    api: LoopbackBotApi, database: str
) -> None:
    port = free_port()
    settings = bot_settings(api, database, webhook=False, rally_port=port, rally_health_port=0)
    application = build_application(settings, DEFAULT_RALLY)
    server, health = bind_servers(settings)
    assert server is None  # it would serve nothing
    assert health is not None
    assert health.host == "127.0.0.1"  # the default: this machine only
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(application, server, stopping, health=health))
    await serving(health, task)
    async with httpx.AsyncClient() as web:
        own_health = await web.get(f"{health.url}/healthz")
    nothing_on_rally_port = await refused(f"http://127.0.0.1:{port}/healthz")
    stopping.set()
    async with asyncio.timeout(30):
        await task
    assert own_health.status_code == 200
    assert own_health.json()["mode"] == "polling"
    assert nothing_on_rally_port
    assert not application.running


async def test_without_a_health_port_healthz_stays_on_rally_port(
    api: LoopbackBotApi, database: str
) -> None:
    server, health = bind_servers(bot_settings(api, database))
    assert server is not None
    server.close()
    assert health is None


async def test_a_health_port_in_use_stops_the_start_releasing_rally_port(
    api: LoopbackBotApi, tmp_path: Path
) -> None:
    port = free_port()
    with socket.create_server((HEALTH_HOST, 0)) as busy:
        busy_port = busy.getsockname()[1]
        settings = bot_settings(
            api,
            "sqlite+aiosqlite:///unused.sqlite3",
            rally_port=port,
            rally_health_listen=HEALTH_HOST,
            rally_health_port=busy_port,
        )
        with pytest.raises(ListenError) as error:
            bind_servers(settings)
    assert str(error.value) == (
        f"cannot listen on {HEALTH_HOST}:{busy_port}: Address already in use "
        "(is the bot already running? set RALLY_HEALTH_PORT)"
    )
    with socket.create_server(("127.0.0.1", port)):  # RALLY_PORT was let go
        pass


async def test_the_docker_healthcheck_follows_the_health_port(
    api: LoopbackBotApi, database: str
) -> None:
    settings = bot_settings(api, database, webhook=False, rally_health_port=0)
    application = build_application(settings, DEFAULT_RALLY)
    server, health = bind_servers(settings)
    assert server is None
    assert health is not None
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(application, server, stopping, health=health))
    await serving(health, task)
    try:
        closed = str(free_port())
        followed = await healthcheck_passes(int(closed), RALLY_HEALTH_PORT=str(health.port))
        without = await healthcheck_passes(int(closed))
    finally:
        stopping.set()
        async with asyncio.timeout(30):
            await task
    assert (followed, without) == (True, False)


# --- python -m bot --------------------------------------------------------------------------


def bot_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """A clean environment for `python -m bot` (run in tmp_path: no .env is read)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PTB_TIMEDELTA": "1",
        "RALLY_FILE": str(ROOT / "data" / "stages.yaml"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'rallye.sqlite3'}",
        **variables,
    }


def run_bot_process(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=bot_environment(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_webhook_without_a_secret_stops_the_start_in_one_line(tmp_path: Path) -> None:
    result = run_bot_process(
        tmp_path, TELEGRAM_BOT_TOKEN="123456:ABC-def", RALLY_WEBHOOK_URL=WEBHOOK_URL
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("rallye: RALLY_WEBHOOK_SECRET: required when RALLY_WEBHOOK_URL is set")


def test_a_port_in_use_stops_the_start_in_one_line(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = run_bot_process(
            tmp_path,
            TELEGRAM_BOT_TOKEN="123456:ABC-def",
            TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",  # never reached
            RALLY_LISTEN="127.0.0.1",
            RALLY_PORT=str(port),
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"rallye: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(is the bot already running? set RALLY_PORT)"
    ]
    assert not (tmp_path / "rallye.sqlite3").exists()  # stopped before touching the database


def test_a_health_port_in_use_stops_the_process_in_one_line(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = run_bot_process(
            tmp_path,
            TELEGRAM_BOT_TOKEN="123456:ABC-def",
            TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",  # never reached
            RALLY_LISTEN="127.0.0.1",
            RALLY_PORT="0",
            RALLY_HEALTH_PORT=str(port),
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"rallye: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(is the bot already running? set RALLY_HEALTH_PORT)"
    ]
    assert not (tmp_path / "rallye.sqlite3").exists()  # stopped before touching the database


class ProcessLog:
    """A process's stderr, read line by line as it comes (so the pipe never fills)."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.lines: list[str] = []
        self._stream = stream
        self._changed = asyncio.Condition()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while line := await self._stream.readline():
            async with self._changed:
                self.lines.append(line.decode(errors="replace").rstrip())
                self._changed.notify_all()
        async with self._changed:
            self.lines.append("")  # end of output
            self._changed.notify_all()

    async def wait_for(self, pattern: str) -> re.Match[str]:
        """The first line matching `pattern`, once written; AssertionError if output ended."""
        found: list[re.Match[str]] = []

        def seen() -> bool:
            found[:] = [m for line in self.lines if (m := re.search(pattern, line))]
            return bool(found) or self.reader.done()

        async with self._changed:
            await self._changed.wait_for(seen)
        assert found, f"no line matching {pattern!r} in:\n" + "\n".join(self.lines)
        return found[0]


async def test_the_process_serves_the_webhook_and_stops_on_sigterm(
    api: LoopbackBotApi, tmp_path: Path
) -> None:
    env = bot_environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        RALLY_WEBHOOK_URL=WEBHOOK_URL,
        RALLY_WEBHOOK_SECRET=SECRET,
        RALLY_LISTEN="127.0.0.1",
        RALLY_PORT="0",
        RALLY_FLOOD_LIMIT="0",
        LOG_LEVEL="INFO",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    log = ProcessLog(process.stderr)
    try:
        async with asyncio.timeout(60):
            listening = await log.wait_for(r"listening on (http://127\.0\.0\.1:\d+) ")
        amina = api.create_user("Amina", language_code="en")
        async with httpx.AsyncClient(base_url=listening[1]) as web:
            health = await web.get("/healthz")
            taken = await web.post(
                WEBHOOK_PATH, json=amina.start(), headers={SECRET_HEADER: SECRET}
            )
        await api.wait_for(lambda: bool(api.transcript(amina.chat_id)), timeout=20)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            code = await process.wait()
            await log.reader
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = "\n".join(log.lines)
    assert code == 0, output
    assert "Traceback" not in output
    assert health.json()["status"] == "ok"
    assert taken.status_code == 200
    assert api.transcript(amina.chat_id)[0].text.startswith(WELCOME)
    assert api.state.webhook.secret_token == SECRET
    assert api.state.webhook.url == WEBHOOK_URL
    assert not api.calls_of("deleteWebhook")
