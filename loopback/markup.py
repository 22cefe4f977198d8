"""Reply markup (inline and reply keyboards) checked the way Telegram checks it."""

from __future__ import annotations

from typing import Any

from loopback.errors import bad_request

JsonDict = dict[str, Any]

MAX_CALLBACK_DATA_BYTES = 64
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_URL_SCHEMES = ("http://", "https://", "tg://")
_MAX_PLACEHOLDER = 64


def validate_reply_markup(markup: Any, *, inline_only: bool = False) -> JsonDict | None:
    """Check a decoded `reply_markup`; return it, or raise Telegram's Bad Request."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _validate_inline_keyboard(markup["inline_keyboard"])
        return markup
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        _validate_reply_keyboard(markup)
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _rows(keyboard: Any, what: str) -> list[list[Any]]:
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise bad_request(f"can't parse {what} JSON object")
    return keyboard


def _validate_inline_keyboard(keyboard: Any) -> None:
    for row in _rows(keyboard, "inline keyboard"):
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            if not button["text"]:
                raise bad_request("BUTTON_TEXT_INVALID")
            actions = [name for name in _INLINE_ACTIONS if name in button]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if (
                    not isinstance(data, str)
                    or not data
                    or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES
                ):
                    raise bad_request("BUTTON_DATA_INVALID")
            if "web_app" in button:
                check_web_app(button["web_app"], "inline keyboard button")
            if "url" in button:
                url = button["url"]
                if not isinstance(url, str) or not url.startswith(_URL_SCHEMES):
                    raise bad_request("BUTTON_URL_INVALID")


def check_web_app(web_app: Any, where: str) -> None:
    """A WebAppInfo as Telegram takes it: an object with an HTTPS URL (Mini Apps open over
    HTTPS only)."""
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not url:
        raise bad_request(f'can\'t parse {where}: Field "url" must be of type String')
    if not url.startswith("https://"):
        raise bad_request(f"{where} Web App URL '{url}' is invalid: Only HTTPS links are allowed")


def _validate_reply_keyboard(markup: JsonDict) -> None:
    rows = _rows(markup["keyboard"], "keyboard")
    for row in rows:
        for button in row:
            text = button if isinstance(button, str) else None
            if isinstance(button, dict):
                text = button.get("text")
            if not isinstance(text, str) or not text:
                raise bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )
    placeholder = markup.get("input_field_placeholder")
    if placeholder is not None and not (
        isinstance(placeholder, str) and 1 <= len(placeholder) <= _MAX_PLACEHOLDER
    ):
        raise bad_request("input field placeholder is too long")


def inline_keyboard(markup: JsonDict | None) -> list[list[JsonDict]]:
    """The inline buttons of a reply_markup, or [] when it has none."""
    if markup is None or "inline_keyboard" not in markup:
        return []
    return [list(row) for row in markup["inline_keyboard"]]


def reply_keyboard_texts(markup: JsonDict | None) -> list[list[str]]:
    """The button texts of a reply keyboard, or [] when the markup is none."""
    if markup is None or "keyboard" not in markup:
        return []
    return [
        [button if isinstance(button, str) else str(button["text"]) for button in row]
        for row in markup["keyboard"]
    ]
