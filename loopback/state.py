"""The simulated Telegram: the bot, users, chats, messages, files and pending updates."""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loopback.errors import bad_request, forbidden
from loopback.polling import UpdateQueue
from loopback.records import (
    CallbackQueryRecord,
    CallRecord,
    ChatMessage,
    ChatState,
    StoredFile,
)
from loopback.waiting import ChangeSignal

JsonDict = dict[str, Any]
VOICE_FOLDER = "voice"
VOICE_MIME_TYPE = "audio/ogg"
WallClock = Callable[[], float]
MessageListener = Callable[[str, ChatMessage], None]


@dataclass
class WebhookState:
    """What setWebhook stored."""

    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None


@dataclass
class CommandMenus:
    """Command lists by (scope, language_code), as setMyCommands stored them."""

    menus: dict[tuple[str, str], list[JsonDict]] = field(default_factory=dict)


class TelegramState:
    """Everything the loopback Telegram knows, shared by the HTTP methods and simulated users."""

    def __init__(
        self,
        *,
        bot_id: int,
        bot_username: str,
        bot_first_name: str,
        wall_clock: WallClock = time.time,
    ) -> None:
        self.signal = ChangeSignal()
        self.updates = UpdateQueue(self.signal)
        self.wall_clock = wall_clock
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.users: dict[int, JsonDict] = {}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.calls: list[CallRecord] = []
        self.commands = CommandMenus()
        self.webhook = WebhookState()
        self.default_menu_button: JsonDict = {"type": "commands"}
        self.message_listeners: list[MessageListener] = []
        self._ids = itertools.count(1)

    @property
    def bot_username(self) -> str:
        """The bot's @username without the @."""
        return str(self.bot_user["username"])

    def now(self) -> int:
        """The current Unix time, as message dates carry it."""
        return int(self.wall_clock())

    def fresh_id(self) -> int:
        """A fresh number for ids the server invents (files, queries, users)."""
        return next(self._ids)

    # --- chats --------------------------------------------------------------------------

    def add_chat(self, chat: JsonDict) -> ChatState:
        """Register a chat (private, group, supergroup, channel)."""
        state = ChatState(chat=chat)
        self.chats[state.chat_id] = state
        self.signal.notify()
        return state

    def find_chat(self, chat_id: int | str) -> ChatState:
        """A chat by id or @username; `Bad Request: chat not found` otherwise."""
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            for candidate in self.chats.values():
                if str(candidate.chat.get("username", "")).lower() == name:
                    return candidate
            raise bad_request("chat not found")
        found = self.chats.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        return found

    def writable_chat(self, chat_id: int | str) -> ChatState:
        """A chat the bot may post in now, else Telegram's 400/403."""
        state = self.find_chat(chat_id)
        if state.is_private:
            if state.blocked:
                raise forbidden("bot was blocked by the user")
            if not state.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif not state.bot_is_member:
            kind = "group" if state.chat["type"] == "group" else "supergroup"
            raise forbidden(f"bot was kicked from the {kind} chat")
        return state

    # --- messages -----------------------------------------------------------------------

    def add_message(
        self,
        chat: ChatState,
        *,
        sender: JsonDict,
        from_bot: bool,
        content: JsonDict,
        date: int | None = None,
        message_id: int | None = None,
        **fields: Any,
    ) -> ChatMessage:
        """Store a new message in `chat` with the chat's next message id."""
        if message_id is None:
            message_id = chat.allocate_message_id()
        else:
            chat.next_message_id = max(chat.next_message_id, message_id + 1)
        message = ChatMessage(
            chat=chat.chat,
            message_id=message_id,
            date=self.now() if date is None else date,
            sender=sender,
            from_bot=from_bot,
            content=content,
            **fields,
        )
        chat.messages[message_id] = message
        self.emit("sent", message)
        return message

    def emit(self, event: str, message: ChatMessage) -> None:
        """Tell listeners (e.g. the demo's terminal) a message was sent, edited or deleted."""
        for listener in list(self.message_listeners):
            listener(event, message)
        self.signal.notify()

    def find_message(self, chat: ChatState, message_id: int, missing: str) -> ChatMessage:
        """A live message, else `Bad Request: {missing}`."""
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request(missing)
        return message

    # --- files --------------------------------------------------------------------------

    def store_file(
        self,
        data: bytes,
        *,
        file_name: str | None,
        mime_type: str | None,
        folder: str,
        suffix: str | None = None,
        duration: int | None = None,
    ) -> StoredFile:
        """Keep a file's bytes and give it a file_id, as Telegram's storage does.

        `suffix`: the download path's extension (default: the file name's), e.g. `.oga` for
        voices as Telegram names them; `duration`: a voice's seconds.
        """
        number = self.fresh_id()
        digest = hashlib.sha256(data).hexdigest()[:16]
        if suffix is None:
            suffix = ""
            if file_name and "." in file_name:
                suffix = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"loopback-{folder}-{number}-{digest}",
            file_unique_id=f"u{digest}",
            file_name=file_name,
            mime_type=mime_type,
            data=data,
            file_path=f"{folder}/file_{number}{suffix}",
            duration=duration,
        )
        self.files[stored.file_id] = stored
        return stored

    def store_voice(self, data: bytes, *, duration: int) -> StoredFile:
        """Keep an Ogg/Opus voice as Telegram does: `voice/file_N.oga`, audio/ogg."""
        return self.store_file(
            data,
            file_name=None,
            mime_type=VOICE_MIME_TYPE,
            folder=VOICE_FOLDER,
            suffix=".oga",
            duration=duration,
        )

    def file_by_path(self, path: str) -> StoredFile | None:
        """A stored file by its download path."""
        return next((f for f in self.files.values() if f.file_path == path), None)

    # --- users --------------------------------------------------------------------------

    def add_user(self, user: JsonDict, *, started: bool) -> ChatState:
        """Register a user and its private chat with the bot."""
        self.users[int(user["id"])] = user
        chat: JsonDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for optional in ("last_name", "username"):
            if optional in user:
                chat[optional] = user[optional]
        state = self.add_chat(chat)
        state.started = started
        return state
