"""Update factories: the JSON dicts Telegram sends, usable with or without the loopback server.

Each `make_*_update` returns an Update as a dict (feed it to `Update.de_json(data, bot)` or to
`LoopbackBotApi.inject`). Ids default to fresh increasing numbers; `date` defaults to now and can
be set to simulate a late delivery.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from loopback.formatting import utf16_len

JsonDict = dict[str, Any]
DateLike = int | float | datetime | None

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)
_query_ids = itertools.count(1)
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{3,32}\b")


def unix_date(date: DateLike = None) -> int:
    """A message date: now by default, else the given datetime or timestamp."""
    if date is None:
        return int(time.time())
    if isinstance(date, datetime):
        return int(date.timestamp())
    return int(date)


def _update_id(update_id: int | None) -> int:
    return next(_update_ids) if update_id is None else update_id


def _message_id(message_id: int | None) -> int:
    return next(_message_ids) if message_id is None else message_id


def make_user(
    user_id: int,
    first_name: str,
    *,
    language_code: str | None = None,
    username: str | None = None,
    last_name: str | None = None,
    is_bot: bool = False,
) -> JsonDict:
    """A User object."""
    user: JsonDict = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name is not None:
        user["last_name"] = last_name
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    return user


def make_private_chat(user: JsonDict) -> JsonDict:
    """The private Chat between the bot and `user`."""
    chat: JsonDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    for optional in ("last_name", "username"):
        if optional in user:
            chat[optional] = user[optional]
    return chat


def make_group_chat(chat_id: int, title: str, *, supergroup: bool = False) -> JsonDict:
    """A group (or supergroup) Chat; group ids are negative."""
    return {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}


def text_entities(text: str, *, mentions: bool = True) -> list[JsonDict]:
    """The entities Telegram detects in a user's text: bot commands and @mentions."""
    entities: list[JsonDict] = []
    patterns = [("bot_command", _COMMAND)] + ([("mention", _MENTION)] if mentions else [])
    for kind, pattern in patterns:
        for match in pattern.finditer(text):
            if kind == "mention" and match.start() > 0 and text[match.start() - 1] == "/":
                continue
            entities.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group()),
                }
            )
    entities = [
        entity
        for entity in entities
        if not (
            entity["type"] == "mention"
            and any(
                other["type"] == "bot_command"
                and other["offset"] <= entity["offset"] < other["offset"] + other["length"]
                for other in entities
            )
        )
    ]
    return sorted(entities, key=lambda entity: entity["offset"])


def make_message(
    *,
    user: JsonDict,
    chat: JsonDict | None = None,
    message_id: int | None = None,
    date: DateLike = None,
    **content: Any,
) -> JsonDict:
    """A Message object from `user` in `chat` (default: their private chat) with `content`."""
    message: JsonDict = {
        "message_id": _message_id(message_id),
        "from": user,
        "chat": chat if chat is not None else make_private_chat(user),
        "date": unix_date(date),
    }
    message.update(content)
    return message


def make_message_update(
    message: JsonDict, *, update_id: int | None = None, kind: str = "message"
) -> JsonDict:
    """Wrap a Message as an Update of `kind` (message, edited_message, channel_post, ...)."""
    return {"update_id": _update_id(update_id), kind: message}


def make_text_update(
    text: str,
    *,
    user: JsonDict,
    chat: JsonDict | None = None,
    update_id: int | None = None,
    message_id: int | None = None,
    date: DateLike = None,
    entities: Sequence[JsonDict] | None = None,
    reply_to_message: JsonDict | None = None,
) -> JsonDict:
    """A text message; `/command` and `@mention` entities are detected like Telegram does."""
    found = list(entities) if entities is not None else text_entities(text)
    content: JsonDict = {"text": text}
    if found:
        content["entities"] = found
    if reply_to_message is not None:
        content["reply_to_message"] = reply_to_message
    message = make_message(user=user, chat=chat, message_id=message_id, date=date, **content)
    return make_message_update(message, update_id=update_id)


def make_command_update(
    command: str,
    payload: str | None = None,
    *,
    user: JsonDict,
    bot_username: str | None = None,
    **kwargs: Any,
) -> JsonDict:
    """`/command [payload]`, e.g. `/start TEAM42` from a deep link; `@bot` suffix if given."""
    text = "/" + command.removeprefix("/")
    if bot_username:
        text += "@" + bot_username
    if payload:
        text += " " + payload
    return make_text_update(text, user=user, **kwargs)


def make_location(
    latitude: float,
    longitude: float,
    *,
    horizontal_accuracy: float | None = None,
    live_period: int | None = None,
    heading: int | None = None,
) -> JsonDict:
    """A Location object."""
    location: JsonDict = {"latitude": latitude, "longitude": longitude}
    if horizontal_accuracy is not None:
        location["horizontal_accuracy"] = horizontal_accuracy
    if live_period is not None:
        location["live_period"] = live_period
    if heading is not None:
        location["heading"] = heading
    return location


def make_location_update(
    latitude: float,
    longitude: float,
    *,
    user: JsonDict,
    chat: JsonDict | None = None,
    horizontal_accuracy: float | None = None,
    live_period: int | None = None,
    update_id: int | None = None,
    message_id: int | None = None,
    date: DateLike = None,
) -> JsonDict:
    """A location message (a pin, or the start of a live location with `live_period`)."""
    location = make_location(
        latitude, longitude, horizontal_accuracy=horizontal_accuracy, live_period=live_period
    )
    message = make_message(
        user=user, chat=chat, message_id=message_id, date=date, location=location
    )
    return make_message_update(message, update_id=update_id)


def make_live_location_edit_update(
    latitude: float,
    longitude: float,
    *,
    user: JsonDict,
    message_id: int,
    original_date: DateLike,
    live_period: int,
    chat: JsonDict | None = None,
    horizontal_accuracy: float | None = None,
    heading: int | None = None,
    update_id: int | None = None,
    edit_date: DateLike = None,
) -> JsonDict:
    """An `edited_message` moving a live location to a new point."""
    location = make_location(
        latitude,
        longitude,
        horizontal_accuracy=horizontal_accuracy,
        live_period=live_period,
        heading=heading,
    )
    message = make_message(
        user=user,
        chat=chat,
        message_id=message_id,
        date=original_date,
        location=location,
        edit_date=unix_date(edit_date),
    )
    return make_message_update(message, update_id=update_id, kind="edited_message")


def make_edited_text_update(
    text: str,
    *,
    user: JsonDict,
    message_id: int,
    original_date: DateLike,
    chat: JsonDict | None = None,
    update_id: int | None = None,
    edit_date: DateLike = None,
) -> JsonDict:
    """An `edited_message`: the user changed the text of an earlier message."""
    content: JsonDict = {"text": text, "edit_date": unix_date(edit_date)}
    found = text_entities(text)
    if found:
        content["entities"] = found
    message = make_message(
        user=user, chat=chat, message_id=message_id, date=original_date, **content
    )
    return make_message_update(message, update_id=update_id, kind="edited_message")


def make_callback_update(
    data: str | None,
    *,
    user: JsonDict,
    message: JsonDict | None = None,
    query_id: str | None = None,
    chat_instance: str | None = None,
    update_id: int | None = None,
) -> JsonDict:
    """A callback query: pressing an inline button of `message` (data may be forged)."""
    query: JsonDict = {
        "id": query_id if query_id is not None else f"q{next(_query_ids)}",
        "from": user,
        "chat_instance": chat_instance or str(user["id"]),
    }
    if message is not None:
        query["message"] = message
    if data is not None:
        query["data"] = data
    return {"update_id": _update_id(update_id), "callback_query": query}


def make_photo_sizes(file_id: str, file_unique_id: str, size: int) -> list[JsonDict]:
    """The PhotoSize list of one photo (a thumbnail and the full picture)."""
    return [
        {
            "file_id": f"{file_id}-s",
            "file_unique_id": f"{file_unique_id}-s",
            "width": 90,
            "height": 90,
            "file_size": min(size, 1024),
        },
        {
            "file_id": file_id,
            "file_unique_id": file_unique_id,
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
    ]


def make_photo_update(
    file_id: str,
    *,
    user: JsonDict,
    file_unique_id: str | None = None,
    file_size: int = 1024,
    caption: str | None = None,
    chat: JsonDict | None = None,
    update_id: int | None = None,
    message_id: int | None = None,
    date: DateLike = None,
) -> JsonDict:
    """A photo message (the bot fetches the bytes with getFile)."""
    content: JsonDict = {
        "photo": make_photo_sizes(file_id, file_unique_id or f"u-{file_id}", file_size)
    }
    if caption is not None:
        content["caption"] = caption
    message = make_message(user=user, chat=chat, message_id=message_id, date=date, **content)
    return make_message_update(message, update_id=update_id)


def make_document_update(
    file_id: str,
    *,
    user: JsonDict,
    file_name: str = "document.pdf",
    mime_type: str = "application/pdf",
    file_size: int = 1024,
    caption: str | None = None,
    chat: JsonDict | None = None,
    update_id: int | None = None,
    message_id: int | None = None,
    date: DateLike = None,
) -> JsonDict:
    """A document message."""
    content: JsonDict = {
        "document": {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file_size,
        }
    }
    if caption is not None:
        content["caption"] = caption
    message = make_message(user=user, chat=chat, message_id=message_id, date=date, **content)
    return make_message_update(message, update_id=update_id)


def make_sticker(emoji: str = "👍", file_id: str = "loopback-sticker") -> JsonDict:
    """A Sticker object."""
    return {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
    }


def make_sticker_update(
    *,
    user: JsonDict,
    emoji: str = "👍",
    file_id: str = "loopback-sticker",
    chat: JsonDict | None = None,
    update_id: int | None = None,
    message_id: int | None = None,
    date: DateLike = None,
) -> JsonDict:
    """A sticker message."""
    message = make_message(
        user=user,
        chat=chat,
        message_id=message_id,
        date=date,
        sticker=make_sticker(emoji, file_id),
    )
    return make_message_update(message, update_id=update_id)


def make_voice(
    duration: int = 3,
    file_id: str = "loopback-voice",
    *,
    file_unique_id: str | None = None,
    file_size: int | None = None,
) -> JsonDict:
    """A Voice object (Ogg/Opus, as Telegram clients record them)."""
    voice: JsonDict = {
        "file_id": file_id,
        "file_unique_id": file_unique_id or f"u-{file_id}",
        "duration": duration,
        "mime_type": "audio/ogg",
    }
    if file_size is not None:
        voice["file_size"] = file_size
    return voice


def make_voice_update(
    *,
    user: JsonDict,
    duration: int = 3,
    file_id: str = "loopback-voice",
    chat: JsonDict | None = None,
    update_id: int | None = None,
    message_id: int | None = None,
    date: DateLike = None,
) -> JsonDict:
    """A voice message."""
    message = make_message(
        user=user,
        chat=chat,
        message_id=message_id,
        date=date,
        voice=make_voice(duration, file_id),
    )
    return make_message_update(message, update_id=update_id)


def make_contact_update(
    phone_number: str,
    first_name: str,
    *,
    user: JsonDict,
    contact_user_id: int | None = None,
    chat: JsonDict | None = None,
    update_id: int | None = None,
    message_id: int | None = None,
    date: DateLike = None,
) -> JsonDict:
    """A shared contact (the user's own when `contact_user_id` is their id)."""
    contact: JsonDict = {"phone_number": phone_number, "first_name": first_name}
    if contact_user_id is not None:
        contact["user_id"] = contact_user_id
    message = make_message(user=user, chat=chat, message_id=message_id, date=date, contact=contact)
    return make_message_update(message, update_id=update_id)


def make_poll(question: str, options: Sequence[str], *, poll_id: str | None = None) -> JsonDict:
    """A regular anonymous Poll object with no votes yet."""
    return {
        "id": poll_id or f"poll-{next(_query_ids)}",
        "question": question,
        "options": [
            {"persistent_id": str(index), "text": option, "voter_count": 0}
            for index, option in enumerate(options)
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": True,
        "members_only": False,
    }


def make_poll_update(
    question: str,
    options: Sequence[str],
    *,
    user: JsonDict,
    chat: JsonDict | None = None,
    update_id: int | None = None,
    message_id: int | None = None,
    date: DateLike = None,
) -> JsonDict:
    """A message carrying a poll the user created."""
    message = make_message(
        user=user,
        chat=chat,
        message_id=message_id,
        date=date,
        poll=make_poll(question, options),
    )
    return make_message_update(message, update_id=update_id)


def make_forwarded_text_update(
    text: str,
    *,
    user: JsonDict,
    origin_user: JsonDict | None = None,
    origin_sender_name: str | None = None,
    origin_date: DateLike = None,
    chat: JsonDict | None = None,
    update_id: int | None = None,
    message_id: int | None = None,
    date: DateLike = None,
) -> JsonDict:
    """A text the user forwarded from someone else (`forward_origin`)."""
    origin: JsonDict
    if origin_user is not None:
        origin = {"type": "user", "date": unix_date(origin_date), "sender_user": origin_user}
    else:
        origin = {
            "type": "hidden_user",
            "date": unix_date(origin_date),
            "sender_user_name": origin_sender_name or "Hidden",
        }
    message = make_message(
        user=user,
        chat=chat,
        message_id=message_id,
        date=date,
        text=text,
        forward_origin=origin,
    )
    return make_message_update(message, update_id=update_id)


def make_chat_member(status: str, user: JsonDict, *, until_date: int = 0) -> JsonDict:
    """A ChatMember in `status` (member, kicked, left, administrator, ...)."""
    member: JsonDict = {"status": status, "user": user}
    if status == "kicked":
        member["until_date"] = until_date
    if status == "administrator":
        member.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": False,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        )
    return member


def make_my_chat_member_update(
    *,
    user: JsonDict,
    bot_user: JsonDict,
    old_status: str,
    new_status: str,
    chat: JsonDict | None = None,
    update_id: int | None = None,
    date: DateLike = None,
) -> JsonDict:
    """The bot's own membership changed: `member` -> `kicked` is a user blocking the bot."""
    return {
        "update_id": _update_id(update_id),
        "my_chat_member": {
            "chat": chat if chat is not None else make_private_chat(user),
            "from": user,
            "date": unix_date(date),
            "old_chat_member": make_chat_member(old_status, bot_user),
            "new_chat_member": make_chat_member(new_status, bot_user),
        },
    }
