"""The loopback Bot API server: a fake Telegram over real HTTP, inside the current event loop.

async with LoopbackBotApi(token="123456:TEST") as api:
    app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
    amina = api.create_user("Amina", language_code="ar")
    amina.start()
    ...
    await api.wait_idle(app)
    assert api.last_message(amina.chat_id).text == "..."
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol, Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from loopback.errors import ApiError, not_found, unauthorized
from loopback.faults import Fault, FaultInjector, FaultKind
from loopback.flood import FloodControl
from loopback.methods import BotApiMethods, MethodSpec, find_method
from loopback.params import RequestBody, RequestParams, parse_body
from loopback.records import CallbackQueryRecord, CallRecord, ChatMessage
from loopback.state import MessageListener, TelegramState
from loopback.updates import make_group_chat, make_user
from loopback.users import SimulatedGroup, SimulatedUser

JsonDict = dict[str, Any]
Clock = Callable[[], float]

_LOGGER = logging.getLogger(__name__)
_SHUTDOWN_GRACE_SECONDS = 2.0
_FIRST_USER_ID = 1000
_FIRST_GROUP_ID = -1001


class HasUpdateQueue(Protocol):
    """What wait_idle needs of a python-telegram-bot Application."""

    @property
    def update_queue(self) -> asyncio.Queue[object]:
        """Updates fetched by the Updater and not yet processed."""
        ...


class LoopbackBotApi:
    """A Bot API server on 127.0.0.1 that records, refuses and simulates like Telegram."""

    def __init__(
        self,
        token: str = "123456:TEST",  # noqa: S107 - a fake token for a fake server
        *,
        bot_username: str = "rallye_test_bot",
        bot_first_name: str = "Rallye",
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        overall_per_second: int | None = 30,
        per_chat_per_second: int | None = None,
        quiet_period: float = 0.05,
        strict_html: bool = True,
        raise_server_errors: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("a bot token looks like '123456:ABC'")
        self.token = token
        self.clock = clock
        self.quiet_period = quiet_period
        self.raise_server_errors = raise_server_errors
        self.state = TelegramState(
            bot_id=int(bot_id),
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            wall_clock=wall_clock,
        )
        self.flood = FloodControl(
            clock, overall_per_second=overall_per_second, per_chat_per_second=per_chat_per_second
        )
        self.faults = FaultInjector()
        self.methods = BotApiMethods(self.state, self.flood, strict_html=strict_html)
        self.server_errors: list[BaseException] = []
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._gone_events: set[asyncio.Event] = set()
        self._closing = asyncio.Event()
        self._in_flight = 0
        self._next_user_id = _FIRST_USER_ID
        self._next_group_id = _FIRST_GROUP_ID
        self._app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api_endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._file_endpoint, methods=["GET"]),
            ]
        )

    # --- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
        if exc is None and self.raise_server_errors and self.server_errors:
            raise RuntimeError("the loopback server failed") from self.server_errors[0]

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1 within the running event loop."""
        if self._server is not None:
            raise RuntimeError("the loopback server is already running")
        config = uvicorn.Config(
            self._app,
            host=self._host,
            port=self._port,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            ws="none",
        )
        config.load()
        server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)
        try:
            await server.startup()
        except SystemExit as exc:
            raise RuntimeError(f"the loopback server could not listen on {self._host}") from exc
        self._server = server
        self._closing = asyncio.Event()
        self._port = int(server.servers[0].sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Close every connection (ending long polls and hangs) and stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        self._closing.set()
        for event in self._gone_events:
            event.set()
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()
        tasks = set(server.server_state.tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=_SHUTDOWN_GRACE_SECONDS)
        for task in server.server_state.tasks:
            task.cancel()
        for connection in list(server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()
        # Let the transports run their connection_lost callbacks before the loop moves on.
        for _ in range(3):
            await asyncio.sleep(0)
        for listener in server.servers:
            await listener.wait_closed()

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The TCP port (known once started)."""
        return self._port

    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder().base_url(...)`: the token is appended by PTB."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For `ApplicationBuilder().base_file_url(...)`."""
        return f"{self.url}/file/bot"

    # --- HTTP -------------------------------------------------------------------------------

    def _touch(self) -> None:
        self.state.signal.notify()

    async def _api_endpoint(self, request: Request) -> Response:
        method_name = str(request.path_params["method"])
        try:
            raw = await request.body()
        except ClientDisconnect:
            # the client died while sending (a killed bot): Telegram never got the request
            return Response(status_code=400)
        body = parse_body(request.headers.get("content-type"), raw, request.url.query)
        spec = find_method(method_name)
        record = CallRecord(
            method=spec.name if spec is not None else method_name,
            params=dict(body.values),
            files=dict(body.files),
            time=self.clock(),
        )
        self.state.calls.append(record)
        long_poll = spec is not None and spec.name == "getUpdates"
        if not long_poll:
            self._in_flight += 1
        self._touch()
        gone = asyncio.Event()
        self._gone_events.add(gone)
        watcher = asyncio.ensure_future(_watch_disconnect(request, gone))
        try:
            status, payload = await self._answer(request, spec, body, record, gone)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self._gone_events.discard(gone)
            if not long_poll:
                self._in_flight -= 1
        record.status, record.response = status, payload
        self._touch()
        return JSONResponse(payload, status_code=status)

    async def _answer(
        self,
        request: Request,
        spec: MethodSpec | None,
        body: RequestBody,
        record: CallRecord,
        gone: asyncio.Event,
    ) -> tuple[int, JsonDict]:
        try:
            spec = self._authorize(request, spec)
            fault = self.faults.take(spec.name, body.values)
            if fault is not None:
                record.fault = fault.kind.value
                early = await self._apply_fault(fault, request, gone)
                if early is not None:
                    return early
            params = RequestParams(spec.name, body, spec.params, gone)
            result = await self.methods.call(spec, params)
        except ApiError as exc:
            return exc.error_code, exc.to_json()
        except Exception as exc:
            _LOGGER.exception("loopback server bug in %s", record.method)
            self.server_errors.append(exc)
            return 500, ApiError(500, f"Internal Server Error: {exc!r}").to_json()
        return 200, {"ok": True, "result": result}

    def _authorize(self, request: Request, spec: MethodSpec | None) -> MethodSpec:
        if request.path_params["token"] != self.token:
            raise unauthorized()
        if spec is None:
            raise not_found()
        return spec

    async def _apply_fault(
        self, fault: Fault, request: Request, gone: asyncio.Event
    ) -> tuple[int, JsonDict] | None:
        """Carry out a fault; None means: go on and answer normally."""
        if fault.kind is FaultKind.STATUS:
            return fault.status, ApiError(fault.status, fault.description).to_json()
        if fault.kind is FaultKind.HANG:
            # With seconds: answer late, even to a client that gave up (Telegram still acts).
            # Without: hold the request until the client hangs up or the server closes.
            awaited = gone if fault.hang_seconds is None else self._closing
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(fault.hang_seconds):
                    await awaited.wait()
            if not self._closing.is_set() and fault.hang_seconds is not None:
                return None
        self._drop_connection(request)
        return 502, ApiError(502, "Bad Gateway").to_json()

    def _drop_connection(self, request: Request) -> None:
        if self._server is None:
            return
        client = request.scope.get("client")
        for connection in list(self._server.server_state.connections):
            if getattr(connection, "client", None) == client:
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.close()

    async def _file_endpoint(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse(unauthorized().to_json(), status_code=401)
        stored = self.state.file_by_path(str(request.path_params["path"]))
        if stored is None:
            return JSONResponse(not_found().to_json(), status_code=404)
        return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")

    # --- simulated users and updates --------------------------------------------------------

    def create_user(
        self,
        first_name: str = "Test",
        *,
        user_id: int | None = None,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
        started: bool = False,
    ) -> SimulatedUser:
        """A user with a private chat; `started=True` as if they had pressed Start earlier."""
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        user = make_user(
            user_id,
            first_name,
            language_code=language_code,
            username=username,
            last_name=last_name,
        )
        self.state.add_user(user, started=started)
        return SimulatedUser(self.state, user)

    def create_group(
        self, title: str, *, chat_id: int | None = None, supergroup: bool = False
    ) -> SimulatedGroup:
        """A group chat the bot is a member of."""
        if chat_id is None:
            chat_id = self._next_group_id
            self._next_group_id -= 1
        chat = self.state.add_chat(make_group_chat(chat_id, title, supergroup=supergroup))
        return SimulatedGroup(self.state, chat)

    def inject(self, update: JsonDict, *, predates_filter: bool = False) -> JsonDict:
        """Queue a raw update; the same dict twice (same update_id) is a redelivery.

        `predates_filter=True`: created before the bot set allowed_updates, so delivered
        whatever its kind, as Telegram warns it may be.
        """
        return self.state.updates.push(update, predates_filter=predates_filter)

    def next_update_id(self) -> int:
        """A fresh update id for a hand-made update."""
        return self.state.updates.next_update_id()

    @property
    def is_polling(self) -> bool:
        """Whether a getUpdates call is waiting for updates right now."""
        return self.state.updates.polling

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by getUpdates' offset."""
        return self.state.updates.pending

    @property
    def bot_user(self) -> JsonDict:
        """The bot's User object."""
        return dict(self.state.bot_user)

    # --- what happened ----------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """Every call received, in order."""
        return list(self.state.calls)

    def calls_of(self, method: str) -> list[CallRecord]:
        """The calls of one method (case-insensitive)."""
        return [call for call in self.state.calls if call.method.lower() == method.lower()]

    @property
    def too_many_requests_sent(self) -> int:
        """How many 429 answers the flood control gave."""
        return self.flood.rejections

    def set_flood_limits(
        self, *, overall_per_second: int | None = 30, per_chat_per_second: int | None = None
    ) -> None:
        """Change the flood limits at runtime (None switches one off)."""
        self.flood.set_limits(
            overall_per_second=overall_per_second, per_chat_per_second=per_chat_per_second
        )

    def transcript(
        self, chat_id: int, *, include_user: bool = False, include_deleted: bool = False
    ) -> list[ChatMessage]:
        """The chat's messages as the user sees them: the bot's, optionally theirs too."""
        chat = self.state.find_chat(chat_id)
        return [
            message
            for message in chat.messages.values()
            if (include_user or message.from_bot) and (include_deleted or not message.deleted)
        ]

    def last_message(self, chat_id: int) -> ChatMessage:
        """The bot's latest visible message in a chat."""
        messages = self.transcript(chat_id)
        if not messages:
            raise LookupError(f"the bot sent nothing visible to chat {chat_id}")
        return messages[-1]

    def message(self, chat_id: int, message_id: int) -> ChatMessage:
        """Any message of a chat by id (deleted ones included)."""
        return self.state.find_chat(chat_id).messages[message_id]

    def inline_buttons(self, chat_id: int, message_id: int | None = None) -> list[list[JsonDict]]:
        """The inline keyboard of a message (default: the bot's latest message)."""
        message = (
            self.last_message(chat_id) if message_id is None else self.message(chat_id, message_id)
        )
        return message.inline_keyboard

    def reply_keyboard(self, chat_id: int) -> list[list[str]]:
        """The reply keyboard the user currently sees in a chat ([] if none)."""
        keyboard = self.state.find_chat(chat_id).reply_keyboard
        if keyboard is None:
            return []
        return [
            [button if isinstance(button, str) else str(button["text"]) for button in row]
            for row in keyboard["keyboard"]
        ]

    def commands(self, *, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """The command menu set for a scope (default scope if None) and language."""
        import json  # noqa: PLC0415 - only this helper needs the canonical key

        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return list(self.state.commands.menus.get(key, []))

    def callback_query(self, query_id: str) -> CallbackQueryRecord:
        """A button press and the bot's answer to it."""
        return self.state.callback_queries[query_id]

    def add_message_listener(self, listener: MessageListener) -> None:
        """Call `listener(event, message)` on every message sent, edited or deleted."""
        self.state.message_listeners.append(listener)

    # --- waiting ----------------------------------------------------------------------------

    # ASYNC109: `timeout=` is this test API's spelling; the helpers need the deadline themselves
    # (wait_idle spreads it over several waits) and raise a TimeoutError that says what failed.
    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        describe: str = "condition",
    ) -> None:
        """Return once `predicate()` holds (re-checked on every change); TimeoutError after."""
        await self.state.signal.wait_for(predicate, timeout, describe)

    async def wait_for_call(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallRecord:
        """The `count`-th call of `method`, once it has been answered."""

        def answered() -> list[CallRecord]:
            return [call for call in self.calls_of(method) if call.status is not None]

        await self.wait_for(lambda: len(answered()) >= count, timeout, f"{count} x {method}")
        return answered()[count - 1]

    async def wait_disconnected(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until no client is connected and every request received has been answered.

        After a client process is killed, this is when what its last requests did (a poll's
        offset confirming updates, a message sent) is settled, as it is at Telegram once the
        connection is gone.
        """
        server = self._server
        if server is None:
            return
        state = server.server_state
        deadline = time.monotonic() + timeout
        # connections and request tasks change without a signal: look again shortly
        while state.connections or state.tasks:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"clients still connected after {timeout} s")
            await asyncio.sleep(0.01)

    async def wait_idle(
        self,
        application: HasUpdateQueue | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        quiet: float | None = None,
    ) -> None:
        """Wait until all updates were fetched, the app's queue drained and calls went quiet.

        "Fetched" means the client polled again after the last delivery: python-telegram-bot
        queues a batch before asking for the next one, so the application's queue then holds
        it and `application.update_queue.join()` covers its processing.
        """
        deadline = time.monotonic() + timeout
        quiet_for = self.quiet_period if quiet is None else quiet
        updates = self.state.updates

        def settled() -> bool:
            return updates.handed_over and self._in_flight == 0

        while True:
            await self.wait_for(
                settled,
                max(deadline - time.monotonic(), 0.0),
                "every update fetched and no call in flight",
            )
            if application is not None:
                async with asyncio.timeout(max(deadline - time.monotonic(), 0.0)):
                    await application.update_queue.join()
            idle_for = time.monotonic() - self.state.signal.last_change
            if idle_for >= quiet_for and settled():
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the bot did not go idle within {timeout} s")
            # The one sleep of the test tooling: a quiet period shows nothing else is coming.
            await asyncio.sleep(min(quiet_for - idle_for, max(deadline - time.monotonic(), 0.0)))


async def _watch_disconnect(request: Request, gone: asyncio.Event) -> None:
    """Set `gone` when the client hangs up (ends long polls and hangs early)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return
