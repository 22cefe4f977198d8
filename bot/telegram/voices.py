"""The voices of what the bot sends: for a reader with 🔊 on, each text's voice right after it;
for the others, a "🔊 Listen" button under it. A text without a voice in the reader's language
says nothing about voices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.voices import VoiceKey, VoicePart, card_key
from bot.i18n.catalogs import Translator
from bot.services.voices import VoiceService
from bot.telegram.buttons import ChooseVoice, Listen, encode
from bot.telegram.render.reply import Markup, Reply


def for_reader(
    replies: Sequence[Reply],
    tr: Translator,
    voices: VoiceService,
    *,
    listening: bool,
) -> list[Reply]:
    """The replies as this reader gets them: with the voices to play after each (🔊 on), or
    with a Listen button (🔊 off); the voices a text has not in the reader's language go."""
    language = tr.language
    shown = []
    for reply in replies:
        keys = tuple(key for key in reply.voices if voices.has(key, language))
        # nothing to hear, or all heard already: no offer to hear every text
        markup = _without_voice_offer(reply.markup) if listening or not keys else reply.markup
        if not keys:
            shown.append(replace(reply, markup=markup, voices=()))
        elif listening:
            shown.append(replace(reply, markup=markup, voices=keys))
        else:
            shown.append(replace(reply, markup=_with_listen(markup, tr, keys[0]), voices=()))
    return shown


def played_with(key: VoiceKey, voices: VoiceService, language: str) -> list[VoiceKey]:
    """What a Listen button plays: the text's voice, and for a clue its practical card's."""
    keys = [key]
    if key.part is VoicePart.CLUE and voices.has(card_key(key.item), language):
        keys.append(card_key(key.item))
    return [k for k in keys if voices.has(k, language)]


def voice_offer(tr: Translator) -> list[InlineKeyboardButton]:
    """The button that switches 🔊 on (under the first clue, and in `/language`)."""
    return [
        InlineKeyboardButton(tr._("🔊 Hear every text"), callback_data=encode(ChooseVoice(True)))
    ]


def _with_listen(markup: Markup | None, tr: Translator, key: VoiceKey) -> Markup | None:
    """The keyboard with a "🔊 Listen" row under it; a reply keyboard (the location button)
    cannot take one: the message keeps it and goes without."""
    button = InlineKeyboardButton(tr._("🔊 Listen"), callback_data=encode(Listen(key)))
    if markup is None:
        return InlineKeyboardMarkup([[button]])
    if isinstance(markup, InlineKeyboardMarkup):
        return InlineKeyboardMarkup([*markup.inline_keyboard, [button]])
    return markup


def _without_voice_offer(markup: Markup | None) -> Markup | None:
    """A keyboard without the "🔊 Hear every text" button (for who already hears them)."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return markup
    offer = encode(ChooseVoice(True))
    rows = [
        row
        for row in ([b for b in row if b.callback_data != offer] for row in markup.inline_keyboard)
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def stored_voices(keys: Sequence[VoiceKey]) -> str | None:
    """Voices as an outbox row keeps them (keys, space-separated)."""
    return " ".join(key.slug for key in keys) or None


def parse_voices(stored: str | None) -> tuple[VoiceKey, ...]:
    """The voices an outbox row keeps (a key no longer known is left out)."""
    keys = (VoiceKey.parse(slug) for slug in (stored or "").split())
    return tuple(key for key in keys if key is not None)


def with_voice_choice(reply: Reply, tr: Translator, *, listening: bool) -> Reply:
    """A reply (`/language`'s picker) with the button that switches 🔊 on, or off."""
    label = tr._("🔇 Voice off") if listening else tr._("🔊 Hear every text")
    button = InlineKeyboardButton(label, callback_data=encode(ChooseVoice(not listening)))
    rows = reply.markup.inline_keyboard if isinstance(reply.markup, InlineKeyboardMarkup) else ()
    return replace(reply, markup=InlineKeyboardMarkup([*rows, [button]]))
