"""Logs without personal data or secrets, at every level.

The players are refugees; a log is read by whoever runs the server, copied to log collectors and
kept for months. So no log line may hold a player's name, what they typed, where they were, or
the bot's token, whatever the level (GDPR art. 5 and 32; `docs/privacy.md`).

Our own log calls name chats and updates by their ids only. What other libraries log is
rewritten as each record is made (`logging.setLogRecordFactory`, so every handler, the test
capture included, sees the rewritten record):

- the bot token, and a password in a database URL, are masked in every message: PTB logs the
  Bot API URL (which holds the token) at DEBUG, and a driver may echo a URL in an error;
- the DEBUG records of python-telegram-bot, httpx, httpcore, aiohttp and uvicorn keep their
  template and the arguments that are Bot API method names or numbers; every other argument
  (a whole update, a request's parameters, a response: names, texts, coordinates) becomes
  `<redacted>`. PTB's "Processing update %s" becomes "Processing update <redacted>".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

THIRD_PARTY = ("telegram", "httpx", "httpcore", "aiohttp", "uvicorn", "apscheduler")
"""Loggers whose records may carry whole updates or requests."""
REDACTED = "<redacted>"
TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
"""A bot token from @BotFather: the bot's id, a colon, 35 letters, digits, - and _."""
URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]+:)[^@\s/]+@")
"""The password of `scheme://user:password@host`."""
METHOD_NAME = re.compile(r"[a-z]+(?:[A-Z][a-z0-9]*)+")
"""A Bot API method name (`sendMessage`): kept in third-party debug records."""

_secrets: set[str] = set()
_installed = False


def mask(text: str) -> str:
    """The text with any bot token (and the secrets named to `protect`) and any database
    password masked."""
    for secret in _secrets:
        text = text.replace(secret, "<token>")
    text = TOKEN_SHAPE.sub("<token>", text)
    return URL_PASSWORD.sub(r"\g<head>***@", text)


def protect(secrets: Iterable[str | None]) -> None:
    """Mask these values (the token, the webhook secret) in every record from now on, and
    install the record rewriting if it is not yet."""
    _secrets.update(secret for secret in secrets if secret)
    install()


def install() -> None:
    """Rewrite every log record as it is made (once per process)."""
    global _installed  # noqa: PLW0603 - one record factory for the whole process
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()
    logging.setLogRecordFactory(_rewriting(make))


def _rewriting(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            _rewrite(record)
        except Exception:  # a record that cannot be rewritten keeps its template only
            record.args = ()
        return record

    return factory


def _rewrite(record: logging.LogRecord) -> None:
    """Redact a third-party debug record's arguments, then mask secrets in the message."""
    if record.levelno <= logging.DEBUG and record.name.startswith(THIRD_PARTY) and record.args:
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        record.args = tuple(_kept(arg) for arg in args)
    message = record.getMessage()
    masked = mask(message)
    if masked != message or record.args:
        record.msg, record.args = masked, ()
    if record.exc_info and record.exc_info[1] is not None:
        # a traceback's last line is the error's message: a driver's may hold the URL
        error = record.exc_info[1]
        if mask(str(error)) != str(error):
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))


def _kept(arg: object) -> object:
    if isinstance(arg, bool | int | float):
        return arg
    if isinstance(arg, str) and len(arg) <= 40 and METHOD_NAME.fullmatch(arg):
        return arg
    return REDACTED


def configure(level: str) -> None:
    """Log to stderr, without personal data or secrets, at `level`.

    httpx logs every Bot API request at INFO, which would drown the rally's own log.
    """
    install()
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level)))
