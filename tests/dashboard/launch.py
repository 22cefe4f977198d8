"""Launch data as Telegram signs them, written here from the specification (not the library).

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app: the fields
but `hash`, sorted and joined as `key=value` lines, HMAC-SHA256 under the key
HMAC-SHA256("WebAppData", bot token), in hex.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from tests.bot.conftest import TOKEN


def data_check_string(fields: Mapping[str, str]) -> str:
    """The fields but `hash`, sorted by key, one `key=value` a line."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def signature(fields: Mapping[str, str], token: str = TOKEN) -> str:
    """The hash Telegram puts in the launch data."""
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def user_field(user_id: int, first_name: str = "Claire", language: str | None = "fr") -> str:
    """The `user` field: a JSON object, as Telegram writes it."""
    user: dict[str, object] = {"id": user_id, "first_name": first_name}
    if language is not None:
        user["language_code"] = language
    return json.dumps(user, ensure_ascii=False, separators=(",", ":"))


def fields_for(
    user_id: int,
    *,
    language: str | None = "fr",
    auth_date: float | None = None,
    start_param: str | None = None,
) -> dict[str, str]:
    """Unsigned launch data fields of a user, issued at `auth_date` (now by default)."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": user_field(user_id, language=language),
        "auth_date": str(int(time.time() if auth_date is None else auth_date)),
    }
    if start_param is not None:
        fields["start_param"] = start_param
    return fields


def encode(fields: Mapping[str, str]) -> str:
    """Launch data as the Mini App receives them (a URL-encoded query string)."""
    return urlencode(dict(fields), quote_via=quote)


def launch_data(
    user_id: int,
    *,
    token: str = TOKEN,
    language: str | None = "fr",
    auth_date: float | None = None,
) -> str:
    """Valid launch data for a user (signed with `token`), issued at `auth_date` (now)."""
    fields = fields_for(user_id, language=language, auth_date=auth_date)
    return encode({**fields, "hash": signature(fields, token)})
