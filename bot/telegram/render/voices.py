"""What the bot says about voices: 🔊 on or off, a voice that is no more, and `/record`."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.content import Rally
from bot.core.voices import VoiceKey, VoicePart, VoiceSource
from bot.i18n.catalogs import Escaped, Translator, language_name
from bot.telegram.buttons import (
    ChooseVoice,
    PlayRecording,
    RecordIn,
    RecordStage,
    RecordText,
    encode,
)
from bot.telegram.render.reply import Reply, b


def switched(tr: Translator, *, on: bool, available: bool) -> Reply:
    """🔊 switched on or off, with the button to switch back."""
    if on:
        text = tr._(
            "🔊 Voice on: every clue, question, hint and card also comes as a voice message."
        )
        if not available:
            alone = tr._("There are no voices in your language yet: the texts come alone.")
            text = Escaped(f"{text}\n{alone}")
        button = InlineKeyboardButton(
            tr._("🔇 Voice off"), callback_data=encode(ChooseVoice(False))
        )
    else:
        text = tr._("🔇 Voice off. Press 🔊 Listen under a text to hear it.")
        button = InlineKeyboardButton(
            tr._("🔊 Hear every text"), callback_data=encode(ChooseVoice(True))
        )
    return Reply(text, InlineKeyboardMarkup([[button]]))


def no_voice(tr: Translator) -> str:
    """An old Listen button: that text has no voice (any more)."""
    return tr._("This text has no voice.")


# ------------------------------------------------------------------ /record


def key_label(tr: Translator, rally: Rally, key: VoiceKey) -> str:
    """A text's name on a `/record` button (in the recorder's language)."""
    match key.part:
        case VoicePart.CLUE:
            return tr._("🧭 Clue")
        case VoicePart.CARD:
            return tr._("📋 Practical card")
        case VoicePart.HINT:
            return tr._("💡 Hint {number}", number=key.index + 1)
        case VoicePart.QUESTION:
            found = rally.locate_question(key.item)
            return tr._("❓ Question {number}", number=found[1] + 1 if found else 0)
        case VoicePart.ANNOUNCEMENT:
            return tr._("📢 Announcement {key}", key=key.item)
        case VoicePart.FINAL:
            return tr._("🏁 The last words")


def record_stages(tr: Translator, rally: Rally) -> Reply:
    """`/record`: which stage's texts to record (or the announcements and last words)."""
    rows = [
        [
            InlineKeyboardButton(
                tr.plain(stage.name)[:60], callback_data=encode(RecordStage(stage.id))
            )
        ]
        for stage in rally.stages
    ]
    rows.append(
        [
            InlineKeyboardButton(
                tr._("📢 Announcements and last words"), callback_data=encode(RecordStage(""))
            )
        ]
    )
    text = tr._(
        "🎙 Record the voices of the rally. Choose a stage, then a text and a language: I show "
        "you the text, you send it as a voice message."
    )
    return Reply(text, InlineKeyboardMarkup(rows))


def record_texts(tr: Translator, rally: Rally, keys: Sequence[VoiceKey]) -> Reply:
    """`/record`: the texts of a stage."""
    rows = [
        [InlineKeyboardButton(key_label(tr, rally, key), callback_data=encode(RecordText(key)))]
        for key in keys
    ]
    return Reply(tr._("Which text?"), InlineKeyboardMarkup(rows))


def record_languages(
    tr: Translator,
    rally: Rally,
    key: VoiceKey,
    sources: dict[str, VoiceSource | None],
) -> Reply:
    """`/record`: the languages the text is written in, with what voice each has now."""
    marks = {
        None: "⚪",
        VoiceSource.SYNTHETIC: "🤖",
        VoiceSource.FILE: "📁",
        VoiceSource.RECORDED: "🎙",
    }
    rows = [
        [
            InlineKeyboardButton(
                f"{marks[source]} {language_name(language)}",
                callback_data=encode(RecordIn(key, language)),
            )
        ]
        for language, source in sources.items()
    ]
    text = "\n".join(
        [
            b(key_label(tr, rally, key)),
            tr._("Which language? 🎙 recorded, 📁 file, 🤖 synthetic draft, ⚪ no voice yet."),
        ]
    )
    return Reply(text, InlineKeyboardMarkup(rows))


def read_this(tr: Translator, rally: Rally, key: VoiceKey, language: str, text: str) -> Reply:
    """`/record`: the text to read aloud, and what to do."""
    head = b(
        tr._(
            "🎙 {text} in {language}: read this aloud and send it as a voice message.",
            text=key_label(tr, rally, key),
            language=language_name(language),
        )
    )
    return Reply(f"{head}\n\n{tr.value(text)}")


def recorded(tr: Translator, key: VoiceKey, language: str, seconds: int) -> Reply:
    """A recording kept, with "listen" and "redo"."""
    rows = [
        [
            InlineKeyboardButton(
                tr._("▶️ Listen"), callback_data=encode(PlayRecording(key, language))
            ),
            InlineKeyboardButton(tr._("🔁 Redo"), callback_data=encode(RecordIn(key, language))),
        ]
    ]
    text = tr.n_(
        "✅ Recorded: {count} second. Players hear it from now on.",
        "✅ Recorded: {count} seconds. Players hear it from now on.",
        seconds,
    )
    return Reply(text, InlineKeyboardMarkup(rows))


def nothing_to_record(tr: Translator) -> str:
    """A `/record` button of a text or language that is no more."""
    return tr._("This text is not written in that language: there is nothing to read.")


def not_recording(tr: Translator) -> Reply:
    """A voice message from a recorder who chose no text."""
    return Reply(tr._("Choose a text to record first: /record."))


def recorders_only(tr: Translator) -> Reply:
    """`/record` by someone who is neither staff nor a translator of the rally."""
    return Reply(tr._("Recording the voices is for the rally's organisers and translators."))
