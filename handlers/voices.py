"""🔊 Voices: `/voice` switches hearing every text on and off, "🔊 Listen" plays one text's
voice once, and `/record` lets volunteers record them in Telegram."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.core.content import Rally
from bot.core.voices import VoiceKey, VoiceSource, keys_by_stage
from bot.services.voices import Voice
from bot.telegram.buttons import (
    ChooseVoice,
    Listen,
    PlayRecording,
    RecordIn,
    RecordStage,
    RecordText,
)
from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, play, remove_buttons, send
from bot.telegram.render import voices as render
from bot.telegram.render.reply import Reply
from bot.telegram.voices import played_with
from handlers.fallback import unsupported


async def voice(update: Update, context: RallyContext) -> None:
    """`/voice`: switch 🔊 on (or off again)."""
    player = context.player
    await _switch(update, context, on=not (player is not None and player.voice))


async def choose_voice(update: Update, context: RallyContext, pressed: ChooseVoice) -> None:
    """The "🔊 Hear every text" button (under the first clue, in `/language`)."""
    query = update.callback_query
    assert query is not None
    await answer_press(query)
    if _only_offer(update):
        await remove_buttons(query)
    await _switch(update, context, on=pressed.on)


def _only_offer(update: Update) -> bool:
    """Whether the pressed message's only button was the offer (then it closes)."""
    message = update.effective_message
    markup = message.reply_markup if message is not None else None
    return markup is not None and sum(len(row) for row in markup.inline_keyboard) == 1


async def _switch(update: Update, context: RallyContext, *, on: bool) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    runtime, tr = context.runtime, context.tr
    if context.player is None:
        context.player = await runtime.teams.meet(
            user.id, chat.id, user.first_name, user.language_code
        )
    member = await runtime.voices.listen(user.id, on)
    if member is not None:
        context.player = member
    available = runtime.voices.speaks(tr.language)
    await send(context, chat.id, [render.switched(tr, on=on, available=available)])


async def listen(update: Update, context: RallyContext, pressed: Listen) -> None:
    """ "🔊 Listen": the voice of that text (and, for a clue, of its card), once."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    voices, language = context.runtime.voices, context.tr.language
    keys = played_with(pressed.key, voices, language)
    if not keys:  # an old button: the text has no voice in this language (any more)
        await answer_press(query, render.no_voice(context.tr))
        return
    await answer_press(query)
    for key in keys:
        if not await play(context, chat.id, key):
            return


# ------------------------------------------------------------------ /record


async def record(update: Update, context: RallyContext) -> None:
    """`/record`: a volunteer (staff, or a translator of the rally file) records the texts'
    voices: a stage, a text and a language with buttons, then a voice message."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    if not context.runtime.may_record(user.id):
        await send(context, chat.id, [render.recorders_only(context.tr)])
        return
    await send(context, chat.id, [render.record_stages(context.tr, context.runtime.rally)])


async def press_record(
    update: Update, context: RallyContext, pressed: RecordStage | RecordText | RecordIn
) -> None:
    """`/record`'s buttons: a stage (its texts), a text (its languages), a language (the text
    to read; the next voice message is its recording)."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    runtime, tr = context.runtime, context.tr
    if not runtime.may_record(user.id):  # a forged press
        await answer_press(query, str(render.recorders_only(tr).text))
        return
    rally, voices = runtime.rally, runtime.voices
    match pressed:
        case RecordStage():
            keys = record_keys(rally, pressed.stage_id)
            if keys is None:
                await answer_press(query, render.nothing_to_record(tr))
                return
            reply = render.record_texts(tr, rally, keys)
        case RecordText():
            sources = {
                language: source_of(voices.voice(pressed.key, language))
                for language in rally.rally.languages
                if voices.text(pressed.key, language) is not None
            }
            if not sources:
                await answer_press(query, render.nothing_to_record(tr))
                return
            reply = render.record_languages(tr, rally, pressed.key, sources)
        case RecordIn():
            text = voices.text(pressed.key, pressed.language)
            if text is None:
                await answer_press(query, render.nothing_to_record(tr))
                return
            runtime.recordings[user.id] = (pressed.key, pressed.language)
            reply = render.read_this(tr, rally, pressed.key, pressed.language, text)
    await answer_press(query)
    await send(context, chat.id, [reply])


async def play_recording(update: Update, context: RallyContext, pressed: PlayRecording) -> None:
    """`/record`'s "▶️ Listen": the recording, as players hear it."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    if not context.runtime.may_record(user.id):
        await answer_press(query, str(render.recorders_only(context.tr).text))
        return
    await answer_press(query)
    if not await play(context, chat.id, pressed.key, language=pressed.language):
        await send(context, chat.id, [Reply(render.nothing_to_record(context.tr))])


async def voice_message(update: Update, context: RallyContext) -> None:
    """A voice message: a recorder's recording of the text they chose; from anyone else, the
    answer to anything the bot cannot use."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    runtime = context.runtime
    if message.voice is None or not runtime.may_record(user.id):
        await unsupported(update, context)
        return
    chosen = runtime.recordings.pop(user.id, None)
    if chosen is None:
        await send(context, chat.id, [render.not_recording(context.tr)])
        return
    key, language = chosen
    length = message.voice.duration
    seconds = round(length.total_seconds()) if isinstance(length, timedelta) else int(length)
    kept = await runtime.voices.record(
        key, language, message.voice.file_id, seconds, user_id=user.id
    )
    if kept is None:
        await send(context, chat.id, [Reply(render.nothing_to_record(context.tr))])
        return
    await send(context, chat.id, [render.recorded(context.tr, key, language, kept.duration_s)])


def record_keys(rally: Rally, stage_id: str) -> list[VoiceKey] | None:
    """The texts `/record` offers for a stage ('' : the announcements and the last words)."""
    for stage, keys in keys_by_stage(rally):
        if (stage.id if stage is not None else "") == stage_id:
            return keys
    return None


def source_of(voice: Voice | None) -> VoiceSource | None:
    """Where a voice comes from (None: no voice)."""
    return voice.source if voice is not None else None
