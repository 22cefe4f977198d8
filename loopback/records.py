"""What the loopback server remembers: calls, chats, messages as the user sees them, files."""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass, field
from typing import Any

from loopback.markup import inline_keyboard, reply_keyboard_texts
from loopback.params import UploadedFile

JsonDict = dict[str, Any]

_CONTENT_KINDS = (
    "text",
    "document",
    "photo",
    "location",
    "sticker",
    "voice",
    "contact",
    "poll",
    "video",
    "audio",
    "animation",
    "venue",
)


@dataclass
class CallRecord:
    """One HTTP call of the Bot API, as it arrived and as it was answered."""

    method: str
    params: dict[str, str]
    files: dict[str, UploadedFile]
    time: float
    status: int | None = None
    response: JsonDict | None = None
    fault: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the call was answered with `ok: true`."""
        return self.status == 200

    @property
    def description(self) -> str | None:
        """The error description, when the call was refused."""
        if self.response is None or self.response.get("ok"):
            return None
        return str(self.response.get("description"))

    def json_param(self, name: str) -> Any:
        """A JSON-encoded parameter, decoded (None when absent)."""
        import json  # noqa: PLC0415 - only tests read this

        raw = self.params.get(name)
        return None if raw is None else json.loads(raw)


class FileSource(enum.Enum):
    """How a bot's media message got its file."""

    UPLOAD = "upload"  # the bytes came in the request (multipart/form-data)
    FILE_ID = "file_id"  # a file Telegram already had, named by its file_id
    URL = "url"  # an HTTP URL Telegram was asked to fetch


@dataclass(frozen=True)
class StoredFile:
    """A file the server knows: uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    data: bytes
    file_path: str
    duration: int | None = None  # seconds, for voices: what their first message showed

    @property
    def size(self) -> int:
        """The file size in bytes."""
        return len(self.data)

    @property
    def folder(self) -> str:
        """Telegram's storage folder, which is the file's kind: photos, documents, voice."""
        return self.file_path.partition("/")[0]


@dataclass(frozen=True)
class MessageVersion:
    """A message's content before an edit."""

    content: JsonDict
    reply_markup: JsonDict | None
    parse_mode: str | None
    edit_date: int | None


@dataclass
class ChatMessage:
    """A message in a chat as the user sees it, edits applied in place."""

    chat: JsonDict
    message_id: int
    date: int
    sender: JsonDict
    from_bot: bool
    content: JsonDict
    parse_mode: str | None = None
    reply_markup: JsonDict | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    file: StoredFile | None = None
    # How the bot's send got the file; None for users' messages, copies, forwards and texts.
    file_source: FileSource | None = None
    history: list[MessageVersion] = field(default_factory=list)
    extra: JsonDict = field(default_factory=dict)

    @property
    def chat_id(self) -> int:
        """The chat the message is in."""
        return int(self.chat["id"])

    @property
    def kind(self) -> str:
        """What the message carries: text, document, photo, location, ..."""
        return next((name for name in _CONTENT_KINDS if name in self.content), "other")

    @property
    def text(self) -> str | None:
        """The text (after entity parsing), or None for media."""
        value = self.content.get("text")
        return None if value is None else str(value)

    @property
    def caption(self) -> str | None:
        """The caption of a media message, if any."""
        value = self.content.get("caption")
        return None if value is None else str(value)

    @property
    def uploaded(self) -> bool:
        """Whether the bot uploaded the file's bytes with this send (not a file_id, not a URL)."""
        return self.file_source is FileSource.UPLOAD

    @property
    def voice_file_id(self) -> str | None:
        """The voice's file_id, or None when the message is no voice."""
        voice = self.content.get("voice")
        return None if voice is None else str(voice["file_id"])

    @property
    def voice_duration(self) -> int | None:
        """The voice's duration in seconds as the message shows it, or None for no voice."""
        voice = self.content.get("voice")
        return None if voice is None else int(voice["duration"])

    @property
    def entities(self) -> list[JsonDict]:
        """The text or caption entities."""
        return list(self.content.get("entities") or self.content.get("caption_entities") or [])

    @property
    def inline_keyboard(self) -> list[list[JsonDict]]:
        """The inline buttons, rows of button dicts ([] without an inline keyboard)."""
        return inline_keyboard(self.reply_markup)

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """The reply keyboard's button texts sent with this message ([] without one)."""
        return reply_keyboard_texts(self.reply_markup)

    @property
    def edited(self) -> bool:
        """Whether the message was edited at least once."""
        return bool(self.history)

    def button(self, text: str | None = None, index: int | None = None) -> JsonDict:
        """An inline button by its text or by its position (row-major, from 0)."""
        buttons = [button for row in self.inline_keyboard for button in row]
        if text is not None:
            for button in buttons:
                if button["text"] == text:
                    return button
            labels = [button["text"] for button in buttons]
            raise LookupError(f"no button {text!r} in message {self.message_id}: {labels}")
        if index is not None:
            if not 0 <= index < len(buttons):
                raise LookupError(f"message {self.message_id} has {len(buttons)} buttons")
            return buttons[index]
        raise ValueError("give a button text or index")

    def to_api(self, *, with_reply: ChatMessage | None = None) -> JsonDict:
        """The Message object Telegram would send for this message now."""
        message: JsonDict = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        message.update(copy.deepcopy(self.extra))
        message.update(copy.deepcopy(self.content))
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = copy.deepcopy(self.reply_markup)
        if with_reply is not None:
            message["reply_to_message"] = with_reply.to_api()
        return message


@dataclass
class CallbackQueryRecord:
    """A button press by a simulated user and the bot's answer to it."""

    query_id: str
    user_id: int
    data: str | None
    chat_id: int | None
    message_id: int | None
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False
    answer_url: str | None = None


@dataclass
class ChatState:
    """One chat the simulated Telegram knows."""

    chat: JsonDict
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    started: bool = False
    blocked: bool = False
    bot_is_member: bool = True
    reply_keyboard: JsonDict | None = None
    menu_button: JsonDict | None = None

    @property
    def chat_id(self) -> int:
        """The chat id."""
        return int(self.chat["id"])

    @property
    def is_private(self) -> bool:
        """Whether it is a private chat with one user."""
        return bool(self.chat["type"] == "private")

    def allocate_message_id(self) -> int:
        """The next message id in this chat (shared by bot and user messages)."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id
