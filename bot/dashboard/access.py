"""Who may read the dashboard: Telegram's launch data, the day's sessions, one-time login links.

Three ways in, all ending in a `Viewer` (a staff member of one rally):

- **Launch data** (`Authorization: tma <initData>`): what Telegram gives the Mini App when it
  opens, signed with a key derived from the bot token. Checked by `telegram-webapp-auth` exactly
  as Telegram specifies (HMAC-SHA256 over the sorted fields, key HMAC("WebAppData", token));
  a bad or missing hash, or an `auth_date` older than `LAUNCH_DATA_LIFETIME`, is refused.
- **A session** (`Authorization: Bearer <token>`, or the `rallye_session` cookie): launch data
  are fixed when the Mini App opens, so the page exchanges them once for a session signed by the
  bot (itsdangerous, a key derived from the token), valid `SESSION_LIFETIME`: a dashboard left
  open all day keeps working.
- **A login link** (`/dashboard/login?t=...`): for a laptop on the organisers' table, one use,
  valid `LOGIN_LINK_LIFETIME`, bound to the organiser who asked for it; it opens a session in a
  cookie. Links are kept in memory: a restart forgets the unused ones (ask for another).

Roles are read again at every request (`Runtime.is_staff`): someone removed from the staff
loses the dashboard at once, whatever session they hold.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from telegram_webapp_auth.auth import TelegramAuthenticator, generate_secret_key
from telegram_webapp_auth.errors import ExpiredInitDataError, InvalidInitDataError

LAUNCH_DATA_LIFETIME = timedelta(hours=24)
"""Launch data older than this are refused (Telegram's advice: check `auth_date`)."""
SESSION_LIFETIME = timedelta(hours=16)
"""A session opened in the morning lasts the whole day."""
LOGIN_LINK_LIFETIME = timedelta(minutes=10)
SESSION_COOKIE = "rallye_session"
MAX_LAUNCH_DATA = 8 * 1024
"""Characters of launch data read at most (Telegram's are well under 1 KB)."""
MAX_LINKS = 1_000
"""Unused login links kept at most; the oldest go first."""


class AccessDeniedError(Exception):
    """No access: `status` 401 (no valid credentials) or 403 (valid, but not staff there)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Viewer:
    """A staff member reading the dashboard of one rally."""

    user_id: int
    rally_id: str
    language_code: str | None = None
    """The language Telegram reports for them, if it came with launch data."""


@dataclass(frozen=True)
class LaunchUser:
    """The Telegram user named by valid launch data."""

    user_id: int
    language_code: str | None
    start_param: str | None


class StaffCheck(Protocol):
    """Whether a user is staff of a rally (organiser or admin), and which rallies exist."""

    def rallies_of(self, user_id: int) -> list[str]:
        """The ids of the rallies the user organises or runs, in file order."""


class LaunchData:
    """Checks the Mini App's launch data against the bot token."""

    def __init__(self, token: str, lifetime: timedelta = LAUNCH_DATA_LIFETIME) -> None:
        self._authenticator = TelegramAuthenticator(generate_secret_key(token))
        self._lifetime = lifetime

    def user(self, init_data: str) -> LaunchUser:
        """The user the launch data were issued to, or `AccessDeniedError(401)`."""
        if not init_data or len(init_data) > MAX_LAUNCH_DATA:
            raise AccessDeniedError(401, "no launch data")
        try:
            data = self._authenticator.validate(init_data, expr_in=self._lifetime)
        except ExpiredInitDataError:
            raise AccessDeniedError(401, "the launch data have expired") from None
        except (InvalidInitDataError, ValueError, TypeError):
            raise AccessDeniedError(401, "the launch data are not Telegram's") from None
        if data.user is None:
            raise AccessDeniedError(401, "the launch data name no user")
        return LaunchUser(int(data.user.id), data.user.language_code, data.start_param)


class Sessions:
    """Day sessions: a signed (user, rally) pair with its time of issue."""

    def __init__(self, token: str, lifetime: timedelta = SESSION_LIFETIME) -> None:
        key = hmac.new(token.encode(), b"rallye dashboard session", hashlib.sha256).hexdigest()
        self._serializer = URLSafeTimedSerializer(key, salt="dashboard-session")
        self.lifetime = lifetime

    def issue(self, viewer: Viewer) -> str:
        """A session token for the viewer (it holds no name: a user id and a rally id)."""
        return str(self._serializer.dumps([viewer.user_id, viewer.rally_id, viewer.language_code]))

    def read(self, token: str) -> Viewer:
        """The viewer of a valid session, or `AccessDeniedError(401)`."""
        try:
            user_id, rally_id, language = self._serializer.loads(
                token, max_age=int(self.lifetime.total_seconds())
            )
        except SignatureExpired:
            raise AccessDeniedError(401, "the session has ended") from None
        except (BadSignature, ValueError, TypeError):
            raise AccessDeniedError(401, "not a session of this bot") from None
        if not isinstance(user_id, int) or not isinstance(rally_id, str):
            raise AccessDeniedError(401, "not a session of this bot")
        return Viewer(user_id, rally_id, language if isinstance(language, str) else None)


class LoginLinks:
    """One-time links for a laptop: a random token bound to a viewer, for a few minutes."""

    def __init__(
        self,
        lifetime: timedelta = LOGIN_LINK_LIFETIME,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lifetime = lifetime.total_seconds()
        self._monotonic = monotonic
        self._links: dict[str, tuple[Viewer, float]] = {}

    def issue(self, viewer: Viewer) -> str:
        """A fresh token for `viewer`, valid once within the lifetime."""
        self._forget_expired()
        while len(self._links) >= MAX_LINKS:
            self._links.pop(next(iter(self._links)))
        token = secrets.token_urlsafe(24)
        self._links[token] = (viewer, self._monotonic() + self._lifetime)
        return token

    def redeem(self, token: str) -> Viewer:
        """The viewer a link was made for, once; `AccessDeniedError(401)` if unknown, used or
        expired."""
        found = self._links.pop(token, None)
        if found is None:
            raise AccessDeniedError(401, "this link is unknown or was already used")
        viewer, until = found
        if self._monotonic() > until:
            raise AccessDeniedError(401, "this link has expired")
        return viewer

    def _forget_expired(self) -> None:
        now = self._monotonic()
        for token in [t for t, (_, until) in self._links.items() if until < now]:
            del self._links[token]


class DashboardAccess:
    """Turns a request's credentials into a `Viewer`, checking the role every time."""

    def __init__(self, token: str, staff: StaffCheck) -> None:
        self.launch = LaunchData(token)
        self.sessions = Sessions(token)
        self.links = LoginLinks()
        self._staff = staff

    def viewer(self, authorization: str, cookie: str | None, rally_id: str | None) -> Viewer:
        """The viewer of a request: its Authorization header (`tma` launch data, or a `Bearer`
        session), else its session cookie. 401 without valid credentials, 403 for a user who
        is not staff of the rally (`rally_id`, or the first they work on)."""
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.casefold() == "tma":
            user = self.launch.user(credentials)
            return self._staff_viewer(
                user.user_id, rally_id or user.start_param, user.language_code
            )
        if scheme.casefold() == "bearer":
            return self._checked(self.sessions.read(credentials))
        if authorization.strip():
            raise AccessDeniedError(401, "unknown authorization scheme")
        if cookie:
            return self._checked(self.sessions.read(cookie))
        raise AccessDeniedError(401, "no credentials")

    def redeem(self, token: str) -> Viewer:
        """The viewer of a one-time login link, if still staff of its rally (401, 403)."""
        return self._checked(self.links.redeem(token))

    def open_session(self, viewer: Viewer) -> str:
        """A day session for a viewer just checked."""
        return self.sessions.issue(viewer)

    def _staff_viewer(self, user_id: int, rally_id: str | None, language: str | None) -> Viewer:
        rallies = self._staff.rallies_of(user_id)
        if not rallies:
            raise AccessDeniedError(403, "not staff of any rally")
        chosen = rally_id if rally_id in rallies else None
        if rally_id and chosen is None:
            raise AccessDeniedError(403, "not staff of this rally")
        return Viewer(user_id, chosen or rallies[0], language)

    def _checked(self, viewer: Viewer) -> Viewer:
        if viewer.rally_id not in self._staff.rallies_of(viewer.user_id):
            raise AccessDeniedError(403, "no longer staff of this rally")
        return viewer


def cookie_of(cookies: Mapping[str, str]) -> str | None:
    """The session cookie of a request, if any."""
    return cookies.get(SESSION_COOKIE) or None
