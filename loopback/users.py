"""Simulated Telegram users and groups: they write to the bot as real clients would."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from loopback import updates
from loopback.ogg import read_ogg_opus, sample_voice
from loopback.records import CallbackQueryRecord, ChatMessage, ChatState
from loopback.state import TelegramState
from loopback.updates import DateLike, unix_date

JsonDict = dict[str, Any]

PLACEHOLDER_JPEG = b"\xff\xd8\xff\xe0loopback-photo\xff\xd9"


class SimulatedGroup:
    """A group chat the bot is a member of."""

    def __init__(self, state: TelegramState, chat: ChatState) -> None:
        self._state = state
        self.chat_state = chat

    @property
    def chat(self) -> JsonDict:
        """The Chat object."""
        return self.chat_state.chat

    @property
    def chat_id(self) -> int:
        """The group's (negative) id."""
        return self.chat_state.chat_id

    def remove_bot(self, by: SimulatedUser) -> JsonDict:
        """An admin removes the bot: sends then fail with 403, a my_chat_member update arrives."""
        self.chat_state.bot_is_member = False
        update = updates.make_my_chat_member_update(
            user=by.user,
            bot_user=self._state.bot_user,
            old_status="member",
            new_status="left",
            chat=self.chat,
            update_id=self._state.updates.next_update_id(),
            date=self._state.now(),
        )
        return self._state.updates.push(update)


class SimulatedUser:
    """A Telegram user with a private chat with the bot; each action injects an update."""

    def __init__(self, state: TelegramState, user: JsonDict) -> None:
        self._state = state
        self.user = user

    @property
    def id(self) -> int:
        """The user id (also their private chat's id)."""
        return int(self.user["id"])

    @property
    def chat_id(self) -> int:
        """The private chat's id."""
        return self.id

    @property
    def chat(self) -> ChatState:
        """The private chat's state."""
        return self._state.chats[self.id]

    @property
    def blocked_bot(self) -> bool:
        """Whether the user has blocked the bot."""
        return self.chat.blocked

    # --- plumbing ---------------------------------------------------------------------------

    def _chat_for(self, group: SimulatedGroup | None) -> ChatState:
        return self.chat if group is None else group.chat_state

    def _send(
        self,
        content: JsonDict,
        *,
        group: SimulatedGroup | None = None,
        date: DateLike = None,
        reply_to: int | None = None,
    ) -> JsonDict:
        """Store the user's message in the chat and inject it as a `message` update."""
        chat = self._chat_for(group)
        if chat.is_private and chat.blocked:
            self.unblock()
        if reply_to is not None:
            target = chat.messages[reply_to]
            content = {**content, "reply_to_message": target.to_api()}
        stored = self._state.add_message(
            chat,
            sender=self.user,
            from_bot=False,
            content={k: v for k, v in content.items() if k != "reply_to_message"},
            date=unix_date(date) if date is not None else None,
            reply_to_message_id=reply_to,
        )
        message = {**stored.to_api(), **content}
        if chat.is_private:
            chat.started = True
        return self.inject(updates.make_message_update(message, update_id=self._next_id()))

    def _next_id(self) -> int:
        return self._state.updates.next_update_id()

    def inject(self, update: JsonDict) -> JsonDict:
        """Inject any update as is (a raw dict); returns it with its update_id."""
        return self._state.updates.push(update)

    # --- text and commands ------------------------------------------------------------------

    def send_text(
        self,
        text: str,
        *,
        group: SimulatedGroup | None = None,
        mention_bot: bool = False,
        date: DateLike = None,
        reply_to: int | None = None,
    ) -> JsonDict:
        """Write a text (in a group, optionally starting with @botname)."""
        if mention_bot:
            text = f"@{self._state.bot_username} {text}"
        content: JsonDict = {"text": text}
        found = updates.text_entities(text)
        if found:
            content["entities"] = found
        return self._send(content, group=group, date=date, reply_to=reply_to)

    def send_command(
        self,
        command: str,
        payload: str | None = None,
        *,
        group: SimulatedGroup | None = None,
        date: DateLike = None,
    ) -> JsonDict:
        """Send `/command [payload]`; in a group it is addressed as `/command@botname`."""
        text = "/" + command.removeprefix("/")
        if group is not None:
            text += "@" + self._state.bot_username
        if payload:
            text += " " + payload
        return self.send_text(text, group=group, date=date)

    def start(self, payload: str | None = None, *, date: DateLike = None) -> JsonDict:
        """Press Start (or open a deep link `t.me/bot?start=PAYLOAD`)."""
        return self.send_command("start", payload, date=date)

    def press_reply_button(self, text: str, *, date: DateLike = None) -> JsonDict:
        """Tap a button of the chat's current reply keyboard (sends its text)."""
        keyboard = self.chat.reply_keyboard
        rows = [] if keyboard is None else keyboard["keyboard"]
        for row in rows:
            for button in row:
                label = button if isinstance(button, str) else button.get("text")
                if label != text:
                    continue
                if isinstance(button, dict) and button.get("request_location"):
                    raise ValueError("a location button sends a location: use send_location")
                if keyboard is not None and keyboard.get("one_time_keyboard"):
                    self.chat.reply_keyboard = None
                return self.send_text(text, date=date)
        raise LookupError(f"no reply keyboard button {text!r}")

    def edit_text(self, message_id: int, text: str, *, date: DateLike = None) -> JsonDict:
        """Edit one of the user's earlier text messages (an `edited_message` update)."""
        stored = self.chat.messages[message_id]
        stored.content = {"text": text}
        stored.edit_date = unix_date(date)
        update = updates.make_edited_text_update(
            text,
            user=self.user,
            message_id=message_id,
            original_date=stored.date,
            chat=self.chat.chat,
            update_id=self._next_id(),
            edit_date=stored.edit_date,
        )
        return self.inject(update)

    # --- locations --------------------------------------------------------------------------

    def send_location(
        self,
        latitude: float,
        longitude: float,
        *,
        horizontal_accuracy: float | None = None,
        live_period: int | None = None,
        group: SimulatedGroup | None = None,
        date: DateLike = None,
    ) -> JsonDict:
        """Share a location: a pin, or a live location when `live_period` is given."""
        location = updates.make_location(
            latitude,
            longitude,
            horizontal_accuracy=horizontal_accuracy,
            live_period=live_period,
        )
        return self._send({"location": location}, group=group, date=date)

    def move_live_location(
        self,
        message_id: int,
        latitude: float,
        longitude: float,
        *,
        horizontal_accuracy: float | None = None,
        heading: int | None = None,
        date: DateLike = None,
    ) -> JsonDict:
        """Move a live location shared earlier (an `edited_message` with the new point)."""
        stored = self.chat.messages[message_id]
        live_period = stored.content.get("location", {}).get("live_period")
        if live_period is None:
            raise ValueError(f"message {message_id} is not a live location")
        location = updates.make_location(
            latitude,
            longitude,
            horizontal_accuracy=horizontal_accuracy,
            live_period=live_period,
            heading=heading,
        )
        stored.content = {"location": location}
        stored.edit_date = unix_date(date)
        update = updates.make_live_location_edit_update(
            latitude,
            longitude,
            user=self.user,
            message_id=message_id,
            original_date=stored.date,
            live_period=live_period,
            chat=self.chat.chat,
            horizontal_accuracy=horizontal_accuracy,
            heading=heading,
            update_id=self._next_id(),
            edit_date=stored.edit_date,
        )
        return self.inject(update)

    # --- buttons ----------------------------------------------------------------------------

    def _target_message(
        self, message: ChatMessage | int | None, group: SimulatedGroup | None
    ) -> ChatMessage:
        chat = self._chat_for(group)
        if isinstance(message, ChatMessage):
            return message
        if isinstance(message, int):
            found = chat.messages.get(message)
            if found is None or found.deleted:
                raise LookupError(f"no message {message} in chat {chat.chat_id}")
            return found
        for candidate in reversed(list(chat.messages.values())):
            if candidate.from_bot and not candidate.deleted and candidate.inline_keyboard:
                return candidate
        raise LookupError(f"no bot message with inline buttons in chat {chat.chat_id}")

    def press_button(
        self,
        text: str | None = None,
        *,
        index: int | None = None,
        message: ChatMessage | int | None = None,
        group: SimulatedGroup | None = None,
    ) -> CallbackQueryRecord:
        """Press an inline button (by text or index) of a bot message (default: the latest)."""
        target = self._target_message(message, group)
        if target.deleted:
            raise LookupError(f"message {target.message_id} was deleted")
        button = target.button(text, index)
        if "callback_data" not in button:
            raise ValueError(f"button {button['text']!r} sends no callback query")
        return self.send_callback_data(str(button["callback_data"]), message=target)

    def send_callback_data(
        self,
        data: str | None,
        *,
        message: ChatMessage | int | None = None,
        group: SimulatedGroup | None = None,
    ) -> CallbackQueryRecord:
        """A callback query with arbitrary (possibly forged) data on a bot message."""
        target = self._target_message(message, group) if message is not None else None
        if target is None:
            target = next(
                (
                    m
                    for m in reversed(list(self._chat_for(group).messages.values()))
                    if m.from_bot and not m.deleted
                ),
                None,
            )
        query_id = str(self._state.fresh_id() * 7919 + 100000)
        record = CallbackQueryRecord(
            query_id=query_id,
            user_id=self.id,
            data=data,
            chat_id=None if target is None else target.chat_id,
            message_id=None if target is None else target.message_id,
        )
        self._state.callback_queries[query_id] = record
        update = updates.make_callback_update(
            data,
            user=self.user,
            message=None if target is None else target.to_api(),
            query_id=query_id,
            chat_instance=f"ci{self._chat_for(group).chat_id}",
            update_id=self._next_id(),
        )
        self.inject(update)
        return record

    # --- media and other messages -----------------------------------------------------------

    def send_photo(
        self,
        data: bytes = PLACEHOLDER_JPEG,
        *,
        caption: str | None = None,
        group: SimulatedGroup | None = None,
        date: DateLike = None,
    ) -> JsonDict:
        """Send a photo; its bytes are downloadable by the bot through getFile."""
        stored = self._state.store_file(
            data, file_name=None, mime_type="image/jpeg", folder="photos"
        )
        content: JsonDict = {
            "photo": updates.make_photo_sizes(stored.file_id, stored.file_unique_id, stored.size)
        }
        if caption is not None:
            content["caption"] = caption
        return self._send(content, group=group, date=date)

    def send_document(
        self,
        file_name: str,
        data: bytes,
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        date: DateLike = None,
    ) -> JsonDict:
        """Send a file as a document."""
        stored = self._state.store_file(
            data, file_name=file_name, mime_type=mime_type, folder="documents"
        )
        content: JsonDict = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": stored.size,
            }
        }
        if caption is not None:
            content["caption"] = caption
        return self._send(content, date=date)

    def send_sticker(self, emoji: str = "👍", *, date: DateLike = None) -> JsonDict:
        """Send a sticker."""
        return self._send({"sticker": updates.make_sticker(emoji)}, date=date)

    def send_voice(
        self,
        duration: int | None = None,
        *,
        data: bytes | None = None,
        caption: str | None = None,
        group: SimulatedGroup | None = None,
        date: DateLike = None,
    ) -> JsonDict:
        """Record and send a voice message; the bot can getFile it and send it on by file_id.

        `data`: Ogg/Opus bytes, as every Telegram client records (default: the 3-second
        `ogg.sample_voice()`); `duration`: the seconds the client reports (default: the
        stream's length).
        """
        audio = sample_voice() if data is None else data
        # A client cannot send anything else as a voice: other bytes are a mistake in the test.
        stream = read_ogg_opus(audio)
        stored = self._state.store_voice(
            audio, duration=stream.duration if duration is None else duration
        )
        voice = updates.make_voice(
            stored.duration or 0,
            stored.file_id,
            file_unique_id=stored.file_unique_id,
            file_size=stored.size,
        )
        content: JsonDict = {"voice": voice}
        if caption is not None:
            content["caption"] = caption
        return self._send(content, group=group, date=date)

    def send_contact(
        self, phone_number: str, first_name: str | None = None, *, own: bool = True
    ) -> JsonDict:
        """Share a contact (their own by default, as a "share my phone" button does)."""
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": first_name or self.user["first_name"],
        }
        if own:
            contact["user_id"] = self.id
        return self._send({"contact": contact})

    def send_poll(self, question: str, options: Sequence[str]) -> JsonDict:
        """Send a poll."""
        return self._send({"poll": updates.make_poll(question, options)})

    def forward_text(
        self, text: str, *, origin_user: JsonDict | None = None, origin_date: DateLike = None
    ) -> JsonDict:
        """Forward a text written by someone else (hidden sender without `origin_user`)."""
        origin: JsonDict
        if origin_user is not None:
            origin = {"type": "user", "date": unix_date(origin_date), "sender_user": origin_user}
        else:
            origin = {
                "type": "hidden_user",
                "date": unix_date(origin_date),
                "sender_user_name": "Someone",
            }
        return self._send({"text": text, "forward_origin": origin})

    # --- membership -------------------------------------------------------------------------

    def block(self, *, date: DateLike = None) -> JsonDict:
        """Block the bot: a my_chat_member update, and sends to this user now get 403."""
        self.chat.blocked = True
        return self._membership("member", "kicked", date)

    def unblock(self, *, date: DateLike = None) -> JsonDict:
        """Unblock (restart) the bot: a my_chat_member update back to member."""
        self.chat.blocked = False
        return self._membership("kicked", "member", date)

    def _membership(self, old: str, new: str, date: DateLike) -> JsonDict:
        update = updates.make_my_chat_member_update(
            user=self.user,
            bot_user=self._state.bot_user,
            old_status=old,
            new_status=new,
            chat=self.chat.chat,
            update_id=self._next_id(),
            date=date if date is not None else self._state.now(),
        )
        return self.inject(update)
