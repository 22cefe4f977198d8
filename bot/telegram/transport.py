"""The HTTP client the bot talks to the Bot API with: aiohttp behind PTB's `BaseRequest`.

PTB's default client (httpx over httpcore) spends about 2 ms of CPU per Bot API call on a
small machine, most of it in httpcore's connection pool; an update of the rally makes about
six calls (the reply, the news to each teammate, the button's answer and its removal), so the
client was most of the bot's CPU (`bench/RESULTS.md`). aiohttp's client does the same work
in a fraction of that. PTB documents `BaseRequest` as the place for another HTTP library; this
class keeps PTB's contract: timeouts per call, `TimedOut` for a timeout, `NetworkError` for a
failed connection, and the status and body for everything Telegram answered.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

POOL_SIZE = 32
"""Connections kept open to the Bot API: enough for the flood limit's 30 messages a second at
Telegram's latency; a larger pool costs CPU on every call and buys nothing."""


@dataclass(frozen=True)
class BotApiTimeouts:
    """Seconds a Bot API call (getUpdates aside) may take before it fails and is tried again."""

    connect: float = 5.0
    read: float = 10.0
    """PTB's 5 s default is short for a busy Telegram; `bot.telegram.delivery` retries past it."""
    write: float = 10.0
    pool: float = 5.0
    """Waiting for a free connection; PTB's 1 s fails calls that only queued behind others."""


class AiohttpRequest(BaseRequest):
    """PTB's requests to the Bot API, made with one aiohttp session and its pool."""

    __slots__ = ("_pool_size", "_session", "_timeouts")

    def __init__(self, timeouts: BotApiTimeouts, pool_size: int = POOL_SIZE) -> None:
        self._timeouts = timeouts
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts.read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            headers = {"User-Agent": self.USER_AGENT}
            self._session = aiohttp.ClientSession(connector=connector, headers=headers)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(  # noqa: PLR0917 - the signature of PTB's BaseRequest.do_request
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout)
        body: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None and request_data.contains_files:
            body = _form(request_data)  # multipart: a photo, a CSV export
        elif request_data is not None:
            body = request_data.json_parameters  # form-encoded, as PTB's own client sends it
        try:
            async with session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _timeout(
        self,
        read: ODVInput[float],
        write: ODVInput[float],
        connect: ODVInput[float],
        pool: ODVInput[float],
    ) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for one call: its `connect` covers the wait for a pooled connection.

        aiohttp has no write timeout of its own: the call's writing and reading are bounded
        together by their sum (`sock_read` alone bounds the wait for Telegram's answer).
        """
        defaults = self._timeouts
        read_s = defaults.read if isinstance(read, DefaultValue) else read
        write_s = defaults.write if isinstance(write, DefaultValue) else write
        connect_s = defaults.connect if isinstance(connect, DefaultValue) else connect
        pool_s = defaults.pool if isinstance(pool, DefaultValue) else pool
        waiting = None if connect_s is None or pool_s is None else connect_s + pool_s
        whole = None
        if read_s is not None and write_s is not None and waiting is not None:
            whole = waiting + read_s + write_s
        return aiohttp.ClientTimeout(
            total=whole, connect=waiting, sock_connect=connect_s, sock_read=read_s
        )


def _form(request_data: RequestData) -> aiohttp.FormData:
    """A multipart body: the call's parameters and its files (a photo, a CSV export)."""
    form = aiohttp.FormData(request_data.json_parameters)
    for name, field in request_data.multipart_data.items():
        filename, content, mimetype = field[0], field[1], field[2]
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
