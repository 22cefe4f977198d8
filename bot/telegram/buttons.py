"""Inline button data: short, typed, checked on the way back (forged data is refused).

Telegram allows 64 bytes of callback data; stage and question ids are at most 24 characters,
so every button here stays well within it. Each kind of button says how it is written
(`data`) and how it is read back (`PATTERN`, `read`); `KINDS` lists them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Self

from bot.core.voices import VoiceKey

MAX_CALLBACK_BYTES = 64
_ID = r"[a-z0-9][a-z0-9-]{0,23}"
_LANGUAGE = r"[a-z]{2,3}(?:_[A-Z]{2})?"
_ROW_ID = r"[1-9][0-9]{0,11}"


@dataclass(frozen=True)
class ChooseLanguage:
    """The language picker."""

    language: str

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"lang:({_LANGUAGE})")

    def data(self) -> str:
        return f"lang:{self.language}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(match[1])


@dataclass(frozen=True)
class ChooseAnswer:
    """A choice of a multiple-choice question (numbered from 1)."""

    question_id: str
    choice: int

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"ans:({_ID}):([1-9])")

    def data(self) -> str:
        return f"ans:{self.question_id}:{self.choice}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(match[1], int(match[2]))


@dataclass(frozen=True)
class AskHint:
    """Show what the next hint of this stage costs."""

    stage_id: str

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"hint\?:({_ID})")

    def data(self) -> str:
        return f"hint?:{self.stage_id}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(match[1])


@dataclass(frozen=True)
class ConfirmHint:
    """Yes, show hint `index` of this stage and take its penalty."""

    stage_id: str
    index: int

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"hint:({_ID}):([0-9])")

    def data(self) -> str:
        return f"hint:{self.stage_id}:{self.index}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(match[1], int(match[2]))


@dataclass(frozen=True)
class DeclineHint:
    """No hint after all."""

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"hint-no")

    def data(self) -> str:
        return "hint-no"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls()


@dataclass(frozen=True)
class BeginStage:
    """Start the questions of this stage."""

    stage_id: str

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"begin:({_ID})")

    def data(self) -> str:
        return f"begin:{self.stage_id}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(match[1])


@dataclass(frozen=True)
class ReviewPhoto:
    """An organiser approves or rejects a team photo."""

    photo_id: int
    approve: bool

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"photo:(ok|no):({_ROW_ID})")

    def data(self) -> str:
        return f"photo:{'ok' if self.approve else 'no'}:{self.photo_id}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(int(match[2]), match[1] == "ok")


@dataclass(frozen=True)
class ForgetMe:
    """Yes, erase what the bot keeps about me (`/forget`)."""

    erase: bool
    """False: "No, keep it"."""

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"forget:(yes|no)")

    def data(self) -> str:
        return "forget:yes" if self.erase else "forget:no"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(match[1] == "yes")


@dataclass(frozen=True)
class AcknowledgeNotice:
    """The information notice read (`/privacy`): "I understand" or, for consent, "I agree"."""

    agree: bool
    """False: "No" to a request for consent: they do not play, nothing more is kept."""

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"notice:(ok|no)")

    def data(self) -> str:
        return "notice:ok" if self.agree else "notice:no"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(match[1] == "ok")


@dataclass(frozen=True)
class ErasePlayer:
    """An organiser erases a player's data (`/erase`): ask to confirm, or confirmed."""

    player_id: int
    confirmed: bool

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"erase:(ask|yes):({_ROW_ID})")

    def data(self) -> str:
        return f"erase:{'yes' if self.confirmed else 'ask'}:{self.player_id}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(int(match[2]), match[1] == "yes")


@dataclass(frozen=True)
class KeepPlayer:
    """No erasure after all (`/erase`'s confirmation)."""

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"erase:no")

    def data(self) -> str:
        return "erase:no"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls()


@dataclass(frozen=True)
class FinishRally:
    """An admin's answer to `/finish`'s question: finish this rally now (it cannot be undone),
    or not; the rally is named, so a press after `/rally` switched finishes the right one."""

    rally_id: str
    confirmed: bool

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"finish:(yes|no):({_ID})")

    def data(self) -> str:
        return f"finish:{'yes' if self.confirmed else 'no'}:{self.rally_id}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(match[2], confirmed=match[1] == "yes")


@dataclass(frozen=True)
class Listen:
    """🔊 Listen: send the voice of this text (and what goes with it) once."""

    key: VoiceKey

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"listen:(.+)")

    def data(self) -> str:
        return f"listen:{self.key.slug}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        key = VoiceKey.parse(match[1])
        return cls(key) if key is not None else None


@dataclass(frozen=True)
class ChooseVoice:
    """🔊 on or off (`/voice`): every text also comes as a voice message."""

    on: bool

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"voice:(on|off)")

    def data(self) -> str:
        return "voice:on" if self.on else "voice:off"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(match[1] == "on")


@dataclass(frozen=True)
class RecordStage:
    """`/record`: the texts of this stage (empty: the announcements and the final words)."""

    stage_id: str

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"rec:s:(-|{_ID})")

    def data(self) -> str:
        return f"rec:s:{self.stage_id or '-'}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls("" if match[1] == "-" else match[1])


@dataclass(frozen=True)
class RecordText:
    """`/record`: the languages to record this text in."""

    key: VoiceKey

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"rec:t:(.+)")

    def data(self) -> str:
        return f"rec:t:{self.key.slug}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        key = VoiceKey.parse(match[1])
        return cls(key) if key is not None else None


@dataclass(frozen=True)
class RecordIn:
    """`/record`: show this text in this language, and wait for its voice (again, to redo it)."""

    key: VoiceKey
    language: str

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"rec:l:({_LANGUAGE}):(.+)")

    def data(self) -> str:
        return f"rec:l:{self.language}:{self.key.slug}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        key = VoiceKey.parse(match[2])
        return cls(key, match[1]) if key is not None else None


@dataclass(frozen=True)
class PlayRecording:
    """`/record`: play the recording of this text in this language."""

    key: VoiceKey
    language: str

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"rec:p:({_LANGUAGE}):(.+)")

    def data(self) -> str:
        return f"rec:p:{self.language}:{self.key.slug}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        key = VoiceKey.parse(match[2])
        return cls(key, match[1]) if key is not None else None


@dataclass(frozen=True)
class DashboardLink:
    """`/dashboard`: a one-time link to open this rally's dashboard on a computer."""

    rally_id: str

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"dash:link:({_ID})")

    def data(self) -> str:
        return f"dash:link:{self.rally_id}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(match[1])


@dataclass(frozen=True)
class AskKeepsake:
    """After the finish: send me my city guide, or make my certificate."""

    certificate: bool

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"keep:(guide|cert)")

    def data(self) -> str:
        return f"keep:{'cert' if self.certificate else 'guide'}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        return cls(certificate=match[1] == "cert")


@dataclass(frozen=True)
class SurveyPress:
    """The end-of-rally survey: start it (no question), or a choice of a question, numbered
    from 1 (0: skip the question)."""

    question_id: str | None = None
    choice: int = 0

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"survey:(?:start|({_ID}):([0-5]))")

    def data(self) -> str:
        if self.question_id is None:
            return "survey:start"
        return f"survey:{self.question_id}:{self.choice}"

    @classmethod
    def read(cls, match: re.Match[str]) -> Self | None:
        if match[1] is None:
            return cls()
        return cls(match[1], int(match[2]))


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
    | DashboardLink
    | AskKeepsake
    | SurveyPress
)


KINDS: tuple[type[Button], ...] = (
    ChooseLanguage,
    ChooseAnswer,
    AskHint,
    ConfirmHint,
    DeclineHint,
    BeginStage,
    ReviewPhoto,
    ForgetMe,
    AcknowledgeNotice,
    ErasePlayer,
    KeepPlayer,
    FinishRally,
    Listen,
    ChooseVoice,
    RecordStage,
    RecordText,
    RecordIn,
    PlayRecording,
    DashboardLink,
    AskKeepsake,
    SurveyPress,
)
"""Every kind of button: `decode` tries their patterns in this order."""


def encode(button: Button) -> str:
    """The callback data of a button."""
    data = button.data()
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Button | None:
    """The button behind callback data, or None for anything unknown or forged."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    for kind in KINDS:
        match = kind.PATTERN.fullmatch(data)
        if match:
            return kind.read(match)
    return None
