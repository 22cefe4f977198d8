"""The bot's web side: Telegram's webhook, the health endpoint, and the run loop serving them.

One small Starlette app, served by uvicorn inside the bot's own event loop:

- `POST {path of RALLY_WEBHOOK_URL}` (webhook mode only): Telegram's updates. A request without
  the right `X-Telegram-Bot-Api-Secret-Token` gets 403 and never reaches the application; a
  body that is not an update (or JSON nested past reason) gets 400, one larger than an update
  can be (`MAX_BODY`) 413, unread; an update is stored in the inbox
  (`bot.telegram.intake`), put on `application.update_queue` and answered 200 (the handlers run
  after the answer; one that cannot be stored gets 503, and Telegram posts it again). While the
  application is not running the answer is 503, so Telegram keeps the update and posts it again
  later.
- `/dashboard` (with RALLY_PUBLIC_URL, both modes): the organisers' dashboard
  (`bot.dashboard.web`).
- `GET /healthz` (both modes): 200 with the mode, the rally and its phase when the application
  is running and the database answers (the phase is read from it), else 503 with the reason.
  With `RALLY_HEALTH_PORT` it is served by a second, health-only server on
  `RALLY_HEALTH_LISTEN:RALLY_HEALTH_PORT` (an address the public never reaches), and no longer
  on `RALLY_PORT`; in polling mode nothing listens on `RALLY_PORT` then (`bind_servers`).

`serve` runs the bot in either mode with the same steps, in `run_polling`'s order: initialise,
`post_init`, then `setWebhook` (or start polling), start the application, start the web server;
when asked to stop: the web server (no update comes in any more), the updater if polling,
`Application.stop()` (which handles what was already queued), `post_stop`, `shutdown()`,
`post_shutdown`. The webhook stays registered, so Telegram keeps the updates sent while the bot
is down for its next start.

Why a run loop of our own rather than `run_polling` with a health server started in `post_init`:
`run_polling` owns the event loop and has no place for a web server, so the server would live in
hooks that already hold the rally's lifecycle, and only polling could use them (PTB's
`run_webhook` brings its own tornado server, which cannot answer /healthz). One loop for both
modes keeps the order in one place, and tests drive it in their own event loop with an event
instead of a signal. The socket is bound before anything else (`WebServer.bind`) and listened
on only once the bot is ready, so a port already in use stops the start before the migrations
or any call to Telegram, and nothing connects to a bot that cannot answer yet.
`Application.stop_running()` is not supported by this loop; nothing in the bot calls it.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import json
import logging
import socket

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.error import BadRequest

from bot.dashboard.web import Dashboard
from bot.settings import DASHBOARD_PATH, HEALTH_PATH, Settings
from bot.telegram.app import allowed_updates
from bot.telegram.context import RallyApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, no secret
HEALTH_TIMEOUT = 3.0
"""Seconds the database has to answer a health check before the bot is reported unavailable."""
MAX_BODY = 256 * 1024
"""Bytes a webhook post may have: Telegram's updates are a few kilobytes (a 4,096-character
message with its entities included); anything larger is refused unread."""
MAX_CONNECTIONS = 200
"""Connections and requests the web server takes at once; past it, 503 (uvicorn's limit)."""
KEEP_ALIVE_SECONDS = 5
"""An idle connection is closed after this (uvicorn's keep-alive timeout)."""
MAX_HEADERS = 16 * 1024
"""Bytes of a request's head (request line and headers) before the connection is refused."""
GRACEFUL_SHUTDOWN_SECONDS = 10
"""How long the web server waits for requests in progress when the bot stops."""


class ListenError(Exception):
    """The web server's address cannot be bound (a port in use, an unknown host...)."""


class WebhookError(Exception):
    """Telegram refused RALLY_WEBHOOK_URL, explained in one line."""


def _settings(application: RallyApplication) -> Settings:
    settings = application.bot_data.settings
    if settings is None:
        raise RuntimeError("the application was built without settings")
    return settings


class Endpoints:
    """The web app's two endpoints, bound to one application."""

    def __init__(self, application: RallyApplication) -> None:
        self.application = application
        self.settings = _settings(application)
        self._secret = self.settings.webhook_secret.encode()

    @property
    def mode(self) -> str:
        """How updates reach the bot: "webhook" or "polling"."""
        return "webhook" if self.settings.webhook else "polling"

    async def telegram(self, request: Request) -> Response:
        """Take one update posted by Telegram and queue it for the application."""
        received = request.headers.get(SECRET_HEADER, "").encode()
        if not self._secret or not hmac.compare_digest(received, self._secret):
            client = request.client.host if request.client else "?"
            log.warning("webhook: refused a post from %s without the right secret token", client)
            return PlainTextResponse("forbidden", status_code=403)
        if not self.application.running:
            return PlainTextResponse("the bot is not running", status_code=503)
        body = await _capped_body(request)
        if body is None:
            return PlainTextResponse("the body is too large for an update", status_code=413)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past reason
            return PlainTextResponse("the body is not JSON", status_code=400)
        if not isinstance(data, dict):
            return PlainTextResponse("the body is not an update", status_code=400)
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception:  # PTB raises whatever the malformed object triggers
            # the keys say what was wrong without writing a player's message to the log
            log.warning("webhook: a post is not an update (keys %s)", sorted(data), exc_info=True)
            return PlainTextResponse("the body is not an update", status_code=400)
        self.application.bot.insert_callback_data(update)
        intake = self.application.bot_data.intake
        if intake is not None:
            # stored before the 200 that tells Telegram it arrived (`bot.telegram.intake`)
            try:
                fresh = await intake.store([update])
            except Exception:
                log.exception(
                    "webhook: update %s not stored; Telegram posts it again", update.update_id
                )
                return PlainTextResponse("the update cannot be stored now", status_code=503)
            if not fresh:  # posted again (our 200 was lost): it is stored, and handled once
                return Response(status_code=200)
        await self.application.update_queue.put(update)
        return Response(status_code=200)

    async def health(self, _request: Request) -> Response:
        """200 when the bot runs and its database answers, 503 with the reason otherwise.

        The body names the mode and every rally the bot runs, with its phase when known.
        """
        deployment = self.application.bot_data
        phases: dict[str, str | None] = dict.fromkeys(rally.id for rally in deployment.files)
        about: dict[str, object] = {"mode": self.mode, "rallies": phases}
        if not self.application.running or deployment.engine is None:
            return _unavailable(about, "the bot is not running")
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                for rally_id, runtime in deployment.rallies.items():
                    phases[rally_id] = (await runtime.timeline.phase()).value
        except Exception:  # whatever the failure, the database does not answer
            log.warning("health check: the database does not answer", exc_info=True)
            return _unavailable(
                {**about, "rallies": dict.fromkeys(phases)}, "the database does not answer"
            )
        return JSONResponse({"status": "ok", **about})


def _unavailable(about: dict[str, object], reason: str) -> Response:
    return JSONResponse({"status": "unavailable", **about, "reason": reason}, status_code=503)


def web_app(application: RallyApplication) -> Starlette:
    """The ASGI app on RALLY_PORT: Telegram's webhook path in webhook mode, /healthz unless it
    has a server of its own (`health_app`), and the dashboard with RALLY_PUBLIC_URL
    (`bot.dashboard.web`)."""
    endpoints = Endpoints(application)
    routes: list[BaseRoute] = []
    if not endpoints.settings.health_apart:
        routes.append(Route(HEALTH_PATH, endpoints.health, methods=["GET"]))
    if endpoints.settings.webhook:
        routes.append(Route(endpoints.settings.webhook_path, endpoints.telegram, methods=["POST"]))
    if endpoints.settings.dashboard:
        routes += Dashboard(application).routes()
    return Starlette(routes=routes)


def health_app(application: RallyApplication) -> Starlette:
    """The ASGI app of /healthz's own server (RALLY_HEALTH_PORT): /healthz alone."""
    endpoints = Endpoints(application)
    return Starlette(routes=[Route(HEALTH_PATH, endpoints.health, methods=["GET"])])


class WebServer:
    """uvicorn in the running event loop, on a socket bound beforehand and listened on later."""

    def __init__(self, listener: socket.socket) -> None:
        self._socket = listener
        self._address = listener.getsockname()
        self._server: uvicorn.Server | None = None
        self.serving = asyncio.Event()
        """Set once the server answers requests."""

    @classmethod
    def bind(cls, host: str, port: int, *, variable: str = "RALLY_PORT") -> WebServer:
        """Bind `host:port` (0: any free port), or raise `ListenError` saying why in one line
        (`variable`: the setting of the port, named when it is in use)."""
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )[0]
            listener = socket.socket(family, kind, proto)
        except OSError as exc:
            raise ListenError(f"cannot listen on {host}:{port}: {_reason(exc)}") from exc
        try:
            # a restart must not wait for the last run's connections to leave TIME_WAIT
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)
        except OSError as exc:
            listener.close()
            hint = f" (is the bot already running? set {variable})" if _in_use(exc) else ""
            raise ListenError(f"cannot listen on {host}:{port}: {_reason(exc)}{hint}") from exc
        return cls(listener)

    @property
    def host(self) -> str:
        """The bound address."""
        return str(self._address[0])

    @property
    def port(self) -> int:
        """The bound port (the one chosen, when 0 was asked)."""
        return int(self._address[1])

    @property
    def url(self) -> str:
        """The server's root URL as bound."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self, app: Starlette) -> None:
        """Listen and answer with `app`, in the running event loop."""
        if self._server is not None:
            raise RuntimeError("the web server is already running")
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="off",
            http="h11",
            ws="none",
            limit_concurrency=MAX_CONNECTIONS,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            h11_max_incomplete_event_size=MAX_HEADERS,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        config.load()
        server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)  # set by Server.serve, not used here
        await server.startup(sockets=[self._socket])
        self._server = server
        self.serving.set()

    async def stop(self) -> None:
        """Stop listening, let requests in progress finish, close the socket."""
        server, self._server = self._server, None
        self.serving.clear()
        if server is None:
            self._socket.close()
            return
        await server.shutdown(sockets=[self._socket])

    def close(self) -> None:
        """Release the socket of a server that never started (stop() does it otherwise)."""
        if self._server is None:
            self._socket.close()


def bind_servers(settings: Settings) -> tuple[WebServer | None, WebServer | None]:
    """Bind the servers the settings ask for, or raise `ListenError` (none stays bound).

    The first is the one on RALLY_PORT: the webhook, and /healthz unless RALLY_HEALTH_PORT gives
    it a server of its own, the second (in polling mode the first is then None: it would serve
    nothing).
    """
    public: WebServer | None = None
    if settings.webhook or settings.dashboard or not settings.health_apart:
        public = WebServer.bind(settings.rally_listen, settings.rally_port)
    if settings.rally_health_port is None:
        return public, None
    try:
        health = WebServer.bind(
            settings.rally_health_listen, settings.rally_health_port, variable="RALLY_HEALTH_PORT"
        )
    except ListenError:
        if public is not None:
            public.close()
        raise
    return public, health


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _in_use(exc: OSError) -> bool:
    return exc.errno == errno.EADDRINUSE


async def start_application(application: RallyApplication) -> None:
    """Initialise the bot, register the webhook (or start polling), start handling updates."""
    settings = _settings(application)
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    if settings.webhook:
        try:
            # drop_pending_updates=False: what Telegram kept while the bot was down is handled
            await application.bot.set_webhook(
                settings.rally_webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=allowed_updates(),
                drop_pending_updates=False,
            )
        except BadRequest as exc:
            raise WebhookError(f"RALLY_WEBHOOK_URL: Telegram refused it: {exc.message}") from exc
    else:
        if application.updater is None:
            raise RuntimeError("long polling needs an application built with an Updater")
        await application.updater.start_polling(allowed_updates=allowed_updates())
    await application.start()


async def stop_application(application: RallyApplication) -> None:
    """Stop the bot as `run_polling` does; a registered webhook stays registered."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:  # only after stop(), as run_polling does
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def serve(
    application: RallyApplication,
    server: WebServer | None,
    stopping: asyncio.Event,
    *,
    health: WebServer | None = None,
) -> None:
    """Run the bot and its web servers until `stopping` is set, then stop them in order.

    `server` is the one on RALLY_PORT (`web_app`), `health` /healthz's own (`health_app`), as
    `bind_servers` gives them.
    """
    settings = _settings(application)
    try:
        await start_application(application)
        if server is not None:
            await server.start(web_app(application))
            served = [f"the webhook at {settings.webhook_path}"] if settings.webhook else []
            served += [] if settings.health_apart else [HEALTH_PATH]
            served += [f"the dashboard at {DASHBOARD_PATH}/"] if settings.dashboard else []
            log.info("listening on %s (%s)", server.url, " and ".join(served))
        if health is not None:
            await health.start(health_app(application))
            log.info("listening on %s (%s alone)", health.url, HEALTH_PATH)
        await stopping.wait()
        log.info("stopping")
    finally:
        for running in (server, health):
            if running is not None:
                await running.stop()
        await stop_application(application)


async def _capped_body(request: Request) -> bytes | None:
    """The request's body, or None past `MAX_BODY` (said by Content-Length, or read so far)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
