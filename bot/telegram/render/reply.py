"""The shape of what the bot sends: HTML text with an optional keyboard, cut to Telegram's size."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.core.voices import VoiceKey

MAX_TEXT = 4096
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True)
class Reply:
    """One message to send: HTML text, an optional keyboard, and the voices of the rally
    texts it shows (played after it, or offered with a "🔊 Listen" button:
    `bot.telegram.voices`)."""

    text: str
    markup: Markup | None = None
    voices: tuple[VoiceKey, ...] = ()


def signed(points: int) -> str:
    """Points with their sign, e.g. +5 or -3."""
    return f"{points:+d}"


def b(text: str) -> str:
    """Bold (the text is already escaped)."""
    return f"<b>{text}</b>"


_TAGS = re.compile(r"<[^>]+>")
_ISOLATES = re.compile("[\u2066-\u2069\u200e\u200f]")  # and the marks of right-to-left lines


def plain(text: str) -> str:
    """Bot HTML as plain text (a terminal, a web page): tags dropped, entities decoded, bidi
    isolates and marks removed."""
    return _ISOLATES.sub("", html.unescape(_TAGS.sub("", text)))


def gather(parts: Iterable[Reply]) -> list[Reply]:
    """Join consecutive texts into one message; a keyboard closes its message."""
    messages: list[Reply] = []
    pending: list[str] = []
    voices: list[VoiceKey] = []
    for part in parts:
        pending.append(part.text)
        voices += part.voices
        if part.markup is not None:
            messages.append(Reply("\n\n".join(pending), part.markup, tuple(voices)))
            pending, voices = [], []
    if pending:
        messages.append(Reply("\n\n".join(pending), voices=tuple(voices)))
    return [piece for message in messages for piece in split_long(message)]


def split_long(reply: Reply, limit: int = MAX_TEXT) -> list[Reply]:
    """A reply cut at line breaks to fit Telegram's 4096 characters; the keyboard goes last."""
    if len(reply.text) <= limit:
        return [reply]
    lines: list[str] = []
    for line in reply.text.split("\n"):  # a single enormous line is cut hard
        lines.extend(line[i : i + limit] for i in range(0, max(len(line), 1), limit))
    pieces: list[str] = []
    current: str | None = None
    for line in lines:
        candidate = line if current is None else f"{current}\n{line}"
        if len(candidate) > limit and current is not None:
            pieces.append(current)
            current = line
        else:
            current = candidate
    pieces.append(current or "")
    last = Reply(pieces[-1], reply.markup, reply.voices)
    return [Reply(text) for text in pieces[:-1]] + [last]


def markup_to_json(markup: Markup | None) -> str | None:
    """A keyboard as Telegram's JSON, to store with a message sent later."""
    return markup.to_json() if markup is not None else None


def markup_from_json(stored: str | None) -> Markup | None:
    """A stored keyboard back (inline buttons or a reply keyboard)."""
    if not stored:
        return None
    data = json.loads(stored)
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    return ReplyKeyboardMarkup.de_json(data, None)
