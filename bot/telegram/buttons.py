"""Inline button data: short, typed, checked on the way back (forged data is refused).

Telegram allows 64 bytes of callback data; stage and question ids are at most 24 characters,
so every button here stays well within it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.voices import VoiceKey

MAX_CALLBACK_BYTES = 64
_ID = r"[a-z0-9][a-z0-9-]{0,23}"
_LANGUAGE = r"[a-z]{2,3}(?:_[A-Z]{2})?"


@dataclass(frozen=True)
class ChooseLanguage:
    """The language picker."""

    language: str


@dataclass(frozen=True)
class ChooseAnswer:
    """A choice of a multiple-choice question (numbered from 1)."""

    question_id: str
    choice: int


@dataclass(frozen=True)
class AskHint:
    """Show what the next hint of this stage costs."""

    stage_id: str


@dataclass(frozen=True)
class ConfirmHint:
    """Yes, show hint `index` of this stage and take its penalty."""

    stage_id: str
    index: int


@dataclass(frozen=True)
class DeclineHint:
    """No hint after all."""


@dataclass(frozen=True)
class BeginStage:
    """Start the questions of this stage."""

    stage_id: str


@dataclass(frozen=True)
class ReviewPhoto:
    """An organiser approves or rejects a team photo."""

    photo_id: int
    approve: bool


@dataclass(frozen=True)
class ForgetMe:
    """Yes, erase what the bot keeps about me (`/forget`)."""

    erase: bool
    """False: "No, keep it"."""


@dataclass(frozen=True)
class AcknowledgeNotice:
    """The information notice read (`/privacy`): "I understand" or, for consent, "I agree"."""

    agree: bool
    """False: "No" to a request for consent: they do not play, nothing more is kept."""


@dataclass(frozen=True)
class ErasePlayer:
    """An organiser erases a player's data (`/erase`): ask to confirm, or confirmed."""

    player_id: int
    confirmed: bool


@dataclass(frozen=True)
class KeepPlayer:
    """No erasure after all (`/erase`'s confirmation)."""


@dataclass(frozen=True)
class FinishRally:
    """An admin's answer to `/finish`'s question: finish this rally now (it cannot be undone),
    or not; the rally is named, so a press after `/rally` switched finishes the right one."""

    rally_id: str
    confirmed: bool


@dataclass(frozen=True)
class Listen:
    """🔊 Listen: send the voice of this text (and what goes with it) once."""

    key: VoiceKey


@dataclass(frozen=True)
class ChooseVoice:
    """🔊 on or off (`/voice`): every text also comes as a voice message."""

    on: bool


@dataclass(frozen=True)
class RecordStage:
    """`/record`: the texts of this stage (empty: the announcements and the final words)."""

    stage_id: str


@dataclass(frozen=True)
class RecordText:
    """`/record`: the languages to record this text in."""

    key: VoiceKey


@dataclass(frozen=True)
class RecordIn:
    """`/record`: show this text in this language, and wait for its voice (again, to redo it)."""

    key: VoiceKey
    language: str


@dataclass(frozen=True)
class PlayRecording:
    """`/record`: play the recording of this text in this language."""

    key: VoiceKey
    language: str


Button = (
    ChooseLanguage
    | ChooseAnswer
    | FinishRally
    | AskHint
    | ConfirmHint
    | DeclineHint
    | BeginStage
    | ReviewPhoto
    | ForgetMe
    | AcknowledgeNotice
    | ErasePlayer
    | KeepPlayer
    | Listen
    | ChooseVoice
    | RecordStage
    | RecordText
    | RecordIn
    | PlayRecording
)

_PATTERNS: list[tuple[re.Pattern[str], type]] = [
    (re.compile(rf"lang:({_LANGUAGE})"), ChooseLanguage),
    (re.compile(rf"ans:({_ID}):([1-9])"), ChooseAnswer),
    (re.compile(rf"hint\?:({_ID})"), AskHint),
    (re.compile(rf"hint:({_ID}):([0-9])"), ConfirmHint),
    (re.compile(r"hint-no"), DeclineHint),
    (re.compile(rf"begin:({_ID})"), BeginStage),
]
_PHOTO = re.compile(r"photo:(ok|no):([1-9][0-9]{0,11})")
_FINISH = re.compile(rf"finish:(yes|no):({_ID})")
_ERASE = re.compile(r"erase:(ask|yes):([1-9][0-9]{0,11})")
_RECORD = re.compile(rf"rec:([stlp]):(?:({_LANGUAGE}):)?(.+)")


def encode(button: Button) -> str:  # noqa: PLR0912 - one branch per kind of button
    """The callback data of a button."""
    if isinstance(button, ChooseLanguage):
        data = f"lang:{button.language}"
    elif isinstance(button, ChooseAnswer):
        data = f"ans:{button.question_id}:{button.choice}"
    elif isinstance(button, AskHint):
        data = f"hint?:{button.stage_id}"
    elif isinstance(button, ConfirmHint):
        data = f"hint:{button.stage_id}:{button.index}"
    elif isinstance(button, DeclineHint):
        data = "hint-no"
    elif isinstance(button, ReviewPhoto):
        data = f"photo:{'ok' if button.approve else 'no'}:{button.photo_id}"
    elif isinstance(button, ForgetMe):
        data = "forget:yes" if button.erase else "forget:no"
    elif isinstance(button, AcknowledgeNotice):
        data = "notice:ok" if button.agree else "notice:no"
    elif isinstance(button, ErasePlayer):
        data = f"erase:{'yes' if button.confirmed else 'ask'}:{button.player_id}"
    elif isinstance(button, KeepPlayer):
        data = "erase:no"
    elif isinstance(button, FinishRally):
        data = f"finish:{'yes' if button.confirmed else 'no'}:{button.rally_id}"
    elif isinstance(button, Listen | ChooseVoice | RecordStage | RecordText | RecordIn):
        data = _voice_data(button)
    elif isinstance(button, PlayRecording):
        data = f"rec:p:{button.language}:{button.key.slug}"
    else:
        data = f"begin:{button.stage_id}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def _voice_data(button: Listen | ChooseVoice | RecordStage | RecordText | RecordIn) -> str:
    match button:
        case Listen():
            return f"listen:{button.key.slug}"
        case ChooseVoice():
            return "voice:on" if button.on else "voice:off"
        case RecordStage():
            return f"rec:s:{button.stage_id or '-'}"
        case RecordText():
            return f"rec:t:{button.key.slug}"
        case RecordIn():
            return f"rec:l:{button.language}:{button.key.slug}"


def _decode_voice(data: str) -> Button | None:
    """The voice buttons: `listen:KEY`, `voice:on|off`, `rec:…` (`/record`)."""
    if data in {"voice:on", "voice:off"}:
        return ChooseVoice(data == "voice:on")
    if data.startswith("listen:"):
        key = VoiceKey.parse(data.removeprefix("listen:"))
        return Listen(key) if key is not None else None
    record = _RECORD.fullmatch(data)
    if record is None:
        return None
    step, language, rest = record.group(1), record.group(2), record.group(3)
    if step == "s":
        if language is not None or not (rest == "-" or re.fullmatch(_ID, rest)):
            return None
        return RecordStage("" if rest == "-" else rest)
    key = VoiceKey.parse(rest)
    if key is None:
        return None
    if step == "t":
        return RecordText(key) if language is None else None
    if language is None:
        return None
    return RecordIn(key, language) if step == "l" else PlayRecording(key, language)


def decode(data: str | None) -> Button | None:
    """The button behind callback data, or None for anything unknown or forged."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    if data.startswith(("listen:", "voice:", "rec:")):
        return _decode_voice(data)
    if data in {"forget:yes", "forget:no"}:
        return ForgetMe(data == "forget:yes")
    if data in {"notice:ok", "notice:no"}:
        return AcknowledgeNotice(data == "notice:ok")
    finish = _FINISH.fullmatch(data)
    if finish:
        return FinishRally(finish.group(2), confirmed=finish.group(1) == "yes")
    photo = _PHOTO.fullmatch(data)
    if photo:
        return ReviewPhoto(int(photo.group(2)), photo.group(1) == "ok")
    if data == "erase:no":
        return KeepPlayer()
    erase = _ERASE.fullmatch(data)
    if erase:
        return ErasePlayer(int(erase.group(2)), erase.group(1) == "yes")
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(data)
        if match:
            args = [int(g) if g.isdigit() else g for g in match.groups()]
            button: Button = kind(*args)
            return button
    return None
