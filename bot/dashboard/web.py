"""The organisers' dashboard on the bot's web server: the page, its API, its login links.

Served under `/dashboard` by the Starlette app of the webhook and /healthz
(`bot.telegram.webhook.web_app`) when RALLY_PUBLIC_URL is set:

- `GET /dashboard/` the page (`static/`), Leaflet beside it (`make assets` puts it in
  `static/vendor/`, from the npm registry, pinned; never a CDN);
- `POST /dashboard/api/session`: launch data (`Authorization: tma ...`) for a day session;
- `GET /dashboard/api/texts` and `GET /dashboard/api/state` (`bot.dashboard.state`);
- `POST /dashboard/api/photos/{id}` `{"approve": bool}`, `GET .../photos/{id}/image`;
- `POST /dashboard/api/broadcast` `{"audience", "text", "request_id"}`;
- `GET /dashboard/login?t=...`: a one-time link from `/dashboard` opens a session in a cookie.

Each API call names its viewer (`bot.dashboard.access`: 401 without valid credentials, 403 for
someone who is not staff of that rally) and acts through the same services as the commands, so
a review or a broadcast is audited, role-checked and done once (a broadcast's `request_id` is
claimed like a Telegram update: pressing Send again after a lost answer sends nothing twice).
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from html import escape
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from telegram.error import TelegramError

from bot.dashboard.access import (
    SESSION_COOKIE,
    AccessDeniedError,
    DashboardAccess,
    Viewer,
    cookie_of,
)
from bot.dashboard.state import rally_state
from bot.i18n.catalogs import Translator, negotiate_language
from bot.services.broadcasts import MAX_MESSAGE, BroadcastAudience, BroadcastRefusal, Queued
from bot.settings import DASHBOARD_PATH, Settings
from bot.telegram.context import RallyApplication, Runtime
from bot.telegram.render import play
from bot.telegram.render.broadcast import queued, refused
from bot.telegram.render.dashboard import PAGE_TEXTS, direction, page_texts
from bot.telegram.render.reply import plain

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
LEAFLET = STATIC / "vendor" / "leaflet"
MAX_BODY = 16 * 1024
"""Bytes of an API request's body read at most (a broadcast of 4,000 characters fits)."""
IMAGES_KEPT = 64
"""Photos kept in memory for the queue (Telegram's photos are a few hundred kilobytes)."""


class ReviewBody(BaseModel):
    """`POST api/photos/{id}`."""

    model_config = ConfigDict(extra="forbid")
    approve: bool


class BroadcastBody(BaseModel):
    """`POST api/broadcast`."""

    model_config = ConfigDict(extra="forbid")
    audience: str = Field(min_length=3, max_length=64)
    text: str = Field(default="", max_length=MAX_MESSAGE)
    request_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


def request_number(user_id: int, request_id: str) -> int:
    """A broadcast request as a negative "update id" (Telegram's are positive), so the same
    press claimed twice is sent once."""
    digest = hashlib.sha256(f"{user_id}:{request_id}".encode()).digest()
    return -1 - int.from_bytes(digest[:7], "big")


def audience_of(given: str) -> BroadcastAudience | None:
    """`all`, `team:CODE`, `lang:TAG` or `announcement:KEY`; None for anything else."""
    kind, _, target = given.partition(":")
    if kind == "all" and not target:
        return BroadcastAudience.everyone()
    if not target.strip():
        return None
    if kind == "team":
        return BroadcastAudience.team(target)
    if kind == "lang":
        return BroadcastAudience.language(target)
    if kind == "announcement":
        return BroadcastAudience.announcement(target)
    return None


def security_headers(settings: Settings) -> dict[str, str]:
    """The dashboard's headers: a content security policy with no inline script, framing by
    Telegram only, no referrer leaving with a path, no sniffing."""
    images = ["'self'", "blob:", "data:"]
    tiles = settings.rally_map_tiles
    if tiles:
        parts = urlsplit(tiles.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
        images.append(f"{parts.scheme}://{host}")
    policy = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(images)}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors https://web.telegram.org https://*.telegram.org",
        ]
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
    }


class SecurityHeaders:
    """ASGI middleware: the dashboard's security headers on every answer under it."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


class Dashboard:
    """The dashboard's endpoints, bound to one application."""

    def __init__(self, application: RallyApplication) -> None:
        self.application = application
        settings = application.bot_data.settings
        access = application.bot_data.access
        if settings is None or access is None:
            raise RuntimeError("the application was built without settings")
        self.settings = settings
        self.access: DashboardAccess = access
        self._images: OrderedDict[tuple[str, int], bytes] = OrderedDict()

    # ------------------------------------------------------------ routes

    def routes(self) -> list[BaseRoute]:
        """The dashboard's routes, under `/dashboard`, with its security headers."""
        api = [
            Route("/session", self.session, methods=["POST"]),
            Route("/texts", self.texts, methods=["GET"]),
            Route("/state", self.state, methods=["GET"]),
            Route("/photos/{photo_id:int}", self.review, methods=["POST"]),
            Route("/photos/{photo_id:int}/image", self.image, methods=["GET"]),
            Route("/broadcast", self.broadcast, methods=["POST"]),
        ]
        inner: list[BaseRoute] = [
            Route("/", self.page, methods=["GET"]),
            Route("/login", self.login, methods=["GET"]),
            Mount("/api", routes=api),
            Mount("/", app=StaticFiles(directory=STATIC, check_dir=False)),
        ]
        headers = security_headers(self.settings)
        return [
            Route(DASHBOARD_PATH, self.to_page, methods=["GET"]),
            Mount(DASHBOARD_PATH, app=SecurityHeaders(Router(routes=inner), headers)),
        ]

    # ------------------------------------------------------------ the page

    async def to_page(self, request: Request) -> Response:
        """`/dashboard` without its slash: the page (the fragment, launch data, follows)."""
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{DASHBOARD_PATH}/{query}", status_code=307)

    async def page(self, _request: Request) -> Response:
        """The page itself (no data in it: the API gives them, to the staff only)."""
        if not (LEAFLET / "leaflet.js").exists():
            log.warning("dashboard: Leaflet is missing from %s (run `make assets`)", LEAFLET)
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def login(self, request: Request) -> Response:
        """A one-time link: a session in a cookie, then the page without the token in the URL."""
        try:
            viewer = self.access.redeem(request.query_params.get("t", ""))
        except AccessDeniedError as exc:
            tr = self._default_translator()
            log.info("dashboard: a login link was refused (%s)", exc.reason)
            return Response(
                _message_page(tr, tr.translations.gettext(PAGE_TEXTS["link_refused"])),
                status_code=exc.status,
                media_type="text/html; charset=utf-8",
                headers={"Cache-Control": "no-store"},
            )
        response = RedirectResponse(f"{DASHBOARD_PATH}/", status_code=303)
        self._set_cookie(response, self.access.open_session(viewer), request)
        response.headers["Cache-Control"] = "no-store"
        return response

    # ------------------------------------------------------------ the API

    async def session(self, request: Request) -> Response:
        """Launch data for a day session, in the answer (and a cookie, for a reload)."""
        found = await self._viewer(request, launch_only=True)
        if isinstance(found, Response):
            return found
        viewer, runtime = found
        token = self.access.open_session(viewer)
        expires = runtime.clock() + self.access.sessions.lifetime
        response = _json({"token": token, "expires_at": expires.isoformat()})
        self._set_cookie(response, token, request)
        return response

    async def texts(self, request: Request) -> Response:
        """The page's texts in the viewer's language, and its writing direction."""
        found = await self._viewer(request)
        if isinstance(found, Response):
            return found
        viewer, runtime = found
        tr = await self._translator(runtime, viewer)
        return _json({"language": tr.language, "direction": direction(tr), "texts": page_texts(tr)})

    async def state(self, request: Request) -> Response:
        """The rally at a glance (`bot.dashboard.state`)."""
        found = await self._viewer(request)
        if isinstance(found, Response):
            return found
        viewer, runtime = found
        tr = await self._translator(runtime, viewer)
        settings = self.settings
        data = await rally_state(
            runtime, tr, settings.rally_map_tiles, settings.rally_map_attribution
        )
        return _json(data)

    async def review(self, request: Request) -> Response:
        """Approve or reject a photo: points once, the team told in Telegram (as news)."""
        found = await self._viewer(request)
        if isinstance(found, Response):
            return found
        viewer, runtime = found
        tr = await self._translator(runtime, viewer)
        body = await _body(request, ReviewBody, tr)
        if not isinstance(body, ReviewBody):
            return body
        photo_id = int(request.path_params["photo_id"])
        result = await runtime.photos.review(photo_id, body.approve, viewer.user_id)
        if result is None:
            return _error(tr, "photo_unknown", 404)
        notice = play.photo_reviewed_notice(tr, approved=body.approve, done=result.done)
        return _json({"done": result.done, "message": plain(notice)})

    async def image(self, request: Request) -> Response:
        """A photo of the queue, fetched from Telegram once and kept for a while."""
        found = await self._viewer(request)
        if isinstance(found, Response):
            return found
        viewer, runtime = found
        photo_id = int(request.path_params["photo_id"])
        key = (runtime.rally.id, photo_id)
        content = self._images.get(key)
        if content is None:
            photo = await runtime.photos.get(photo_id)
            if photo is None:
                return _error(await self._translator(runtime, viewer), "photo_unknown", 404)
            try:
                file = await self.application.bot.get_file(photo.file_id)
                content = bytes(await file.download_as_bytearray())
            except TelegramError:
                log.warning("dashboard: photo %s could not be fetched", photo_id, exc_info=True)
                return _error(await self._translator(runtime, viewer), "photo_unavailable", 502)
            self._images[key] = content
            while len(self._images) > IMAGES_KEPT:
                self._images.popitem(last=False)
        self._images.move_to_end(key)
        return Response(
            content,
            media_type="image/jpeg",
            headers={"Cache-Control": "private, max-age=3600"},
        )

    async def broadcast(self, request: Request) -> Response:
        """A message to every player, a team or a language, or a prepared announcement."""
        found = await self._viewer(request)
        if isinstance(found, Response):
            return found
        viewer, runtime = found
        tr = await self._translator(runtime, viewer)
        body = await _body(request, BroadcastBody, tr)
        if not isinstance(body, BroadcastBody):
            return body
        audience = audience_of(body.audience)
        if audience is None:
            return _error(tr, "bad_request", 400)
        member = await runtime.teams.find(viewer.user_id)
        result = await runtime.broadcasts.create(
            viewer.user_id,
            member.chat_id if member is not None else None,  # the delivery report, in Telegram
            audience,
            body.text,
            update_id=request_number(viewer.user_id, body.request_id),
        )
        if result is None:  # the same press again: it was queued once
            text = tr.translations.gettext(PAGE_TEXTS["already_sent"])
            return _json({"recipients": 0, "skipped": 0, "repeated": True, "message": text})
        info = runtime.rally
        if isinstance(result, Queued):
            return _json(
                {
                    "recipients": result.recipients,
                    "skipped": result.skipped,
                    "message": plain(queued(tr, result).text),
                }
            )
        if result.reason is BroadcastRefusal.EMPTY_TEXT:  # the command's usage would not help
            return _error(tr, "empty_message", 422)
        reply = refused(tr, result, info.default_language, info.rally.languages)
        return JSONResponse({"error": plain(reply.text)}, status_code=422, headers=_NO_STORE)

    # ------------------------------------------------------------ helpers

    async def _viewer(
        self, request: Request, *, launch_only: bool = False
    ) -> tuple[Viewer, Runtime] | Response:
        """The viewer and their rally, or the refusal (401, 403)."""
        authorization = request.headers.get("authorization", "")
        if launch_only and not authorization.lower().startswith("tma "):
            return _denied(AccessDeniedError(401, "launch data expected"))
        cookie = None if launch_only else cookie_of(request.cookies)
        try:
            viewer = self.access.viewer(authorization, cookie, request.query_params.get("rally"))
        except AccessDeniedError as exc:
            return _denied(exc)
        runtime = self.application.bot_data.rallies.get(viewer.rally_id)
        if runtime is None:
            return _denied(AccessDeniedError(403, "this rally is not run here"))
        return viewer, runtime

    async def _translator(self, runtime: Runtime, viewer: Viewer) -> Translator:
        member = await runtime.teams.find(viewer.user_id)
        rally = runtime.rally
        language = (
            member.language
            if member is not None
            else negotiate_language(
                viewer.language_code, rally.rally.languages, rally.default_language
            )
        )
        return runtime.catalogs.translator(language)

    def _default_translator(self) -> Translator:
        runtime = self.application.bot_data.default
        return runtime.catalogs.translator(runtime.rally.default_language)

    def _set_cookie(self, response: Response, token: str, request: Request) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(self.access.sessions.lifetime.total_seconds()),
            path=DASHBOARD_PATH,
            secure=request.url.scheme == "https" or self.settings.rally_public_url != "",
            httponly=True,
            samesite="strict",
        )


_NO_STORE = {"Cache-Control": "no-store"}


def _json(data: dict[str, Any]) -> Response:
    return JSONResponse(data, headers=_NO_STORE)


def _denied(exc: AccessDeniedError) -> Response:
    # no language is known before the viewer is: the page shows its own text for 401 and 403
    return JSONResponse({"error": exc.reason}, status_code=exc.status, headers=_NO_STORE)


ErrorKey = Literal["bad_request", "empty_message", "photo_unknown", "photo_unavailable"]


def _error(tr: Translator, key: ErrorKey, status: int) -> Response:
    text = tr.translations.gettext(PAGE_TEXTS[key])
    return JSONResponse({"error": text}, status_code=status, headers=_NO_STORE)


Body = TypeVar("Body", bound=BaseModel)


async def _body(request: Request, model: type[Body], tr: Translator) -> Body | Response:
    """The request's JSON body as `model`, or a 400 saying so in the viewer's language."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return _error(tr, "bad_request", 413)
    if "application/json" not in request.headers.get("content-type", ""):
        return _error(tr, "bad_request", 415)  # a form posted from elsewhere never gets here
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            return _error(tr, "bad_request", 413)
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        return _error(tr, "bad_request", 400)


def _message_page(tr: Translator, text: str) -> str:
    """A page of one sentence (a refused login link), in the rally's default language."""
    lang = tr.language.replace("_", "-")
    return (
        f'<!doctype html><html lang="{lang}" dir="{direction(tr)}"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Rallye</title><p>{escape(text)}</p></html>"
    )
