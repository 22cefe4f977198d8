"""The rally's texts a player hears: what each voice says, in which language, and whose it is.

Every text a player reads on the rally has a key (`VoiceKey`): a stage's clue, its practical
card, each of its hints, each question with its numbered choices, each announcement of the
rally file, and the final message. A voice is recorded in Telegram by a volunteer, given as a
file next to the rally file, or drafted by the speech synthesiser (`VoiceSource`); the best one
is played. A text has a voice only in a language it is written in: a voice never stands in for
a missing translation (the text says when it falls back, a voice could not).
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from bot.core.content import ChoiceQuestion, Rally, Stage

FINAL = "final"


class VoicePart(enum.StrEnum):
    """What a voice reads."""

    CLUE = "clue"
    CARD = "card"
    HINT = "hint"
    QUESTION = "question"
    ANNOUNCEMENT = "announcement"
    FINAL = "final"


class VoiceSource(enum.StrEnum):
    """Where a voice comes from, best first."""

    RECORDED = "recorded"
    """Recorded in Telegram by a volunteer (`/record`): a human voice."""
    FILE = "file"
    """A file named in the rally file's `audio:` section."""
    SYNTHETIC = "synthetic"
    """A draft of the speech synthesiser (`python -m bot voices --draft`), until recorded."""

    @property
    def rank(self) -> int:
        """Lower is better."""
        return list(VoiceSource).index(self)


_KEY = re.compile(
    r"(?P<part>clue|card|question|announcement):(?P<id>[a-z0-9][a-z0-9_-]{0,23})"
    r"|hint:(?P<stage>[a-z0-9][a-z0-9-]{0,23}):(?P<index>[0-9])"
    r"|final"
)


@dataclass(frozen=True, order=True)
class VoiceKey:
    """Which text a voice reads: `part`, and the stage, question or announcement it is of."""

    part: VoicePart
    item: str = ""
    """The stage id (clue, card, hint), the question id, or the announcement's key."""
    index: int = 0
    """A hint's number, from 0."""

    @property
    def slug(self) -> str:
        """The key as text (at most 37 characters: it fits in a button's callback data)."""
        if self.part is VoicePart.FINAL:
            return FINAL
        if self.part is VoicePart.HINT:
            return f"hint:{self.item}:{self.index}"
        return f"{self.part}:{self.item}"

    @classmethod
    def parse(cls, slug: str) -> VoiceKey | None:
        """The key of a slug, or None for anything else (a forged button, say)."""
        match = _KEY.fullmatch(slug)
        if match is None:
            return None
        if slug == FINAL:
            return cls(VoicePart.FINAL)
        if match["stage"]:
            return cls(VoicePart.HINT, match["stage"], int(match["index"]))
        return cls(VoicePart(match["part"]), match["id"])

    def __str__(self) -> str:
        return self.slug


def clue_key(stage_id: str) -> VoiceKey:
    """The voice of a stage's clue."""
    return VoiceKey(VoicePart.CLUE, stage_id)


def card_key(stage_id: str) -> VoiceKey:
    """The voice of a stage's practical card."""
    return VoiceKey(VoicePart.CARD, stage_id)


def hint_key(stage_id: str, index: int) -> VoiceKey:
    """The voice of a stage's hint."""
    return VoiceKey(VoicePart.HINT, stage_id, index)


def question_key(question_id: str) -> VoiceKey:
    """The voice of a question, with its numbered choices."""
    return VoiceKey(VoicePart.QUESTION, question_id)


def announcement_key(key: str) -> VoiceKey:
    """The voice of one of the rally file's announcements."""
    return VoiceKey(VoicePart.ANNOUNCEMENT, key)


FINAL_KEY = VoiceKey(VoicePart.FINAL)


def stage_keys(stage: Stage) -> list[VoiceKey]:
    """The keys of a stage's texts, in the order a team reads them."""
    keys = [clue_key(stage.id)]
    keys += [hint_key(stage.id, index) for index in range(len(stage.hints))]
    if stage.card is not None:
        keys.append(card_key(stage.id))
    keys += [question_key(question.id) for question in stage.questions]
    return keys


def rally_keys(rally: Rally) -> list[VoiceKey]:
    """Every text of the rally with a voice, stage by stage, then announcements and the end."""
    keys = [key for stage in rally.stages for key in stage_keys(stage)]
    keys += [announcement_key(key) for key in rally.announcements]
    keys.append(FINAL_KEY)
    return keys


Interface = Callable[[str], str | None]
"""The bot's own sentence for the final message in a language (None if it has none)."""


def spoken_text(rally: Rally, key: VoiceKey, language: str, interface: Interface) -> str | None:
    """What the voice of `key` says in `language`: the text as written in that language only
    (None when the text is not written in it: no voice then), without emoji or markup.

    A question is read with its choices and their numbers ("1. …, 2. …"), as its buttons show
    them; a card with its address, hours, what to bring and its French words.
    """
    match key.part:
        case VoicePart.FINAL:
            return _spoken(interface(language))
        case VoicePart.ANNOUNCEMENT:
            text = rally.announcements.get(key.item)
            return _spoken(text.get(language)) if text is not None else None
        case VoicePart.QUESTION:
            return _question_text(rally, key.item, language)
    stage = _stage(rally, key.item)
    if stage is None:
        return None
    match key.part:
        case VoicePart.CLUE:
            return _spoken(stage.clue.get(language))
        case VoicePart.HINT:
            hints = stage.hints
            return _spoken(hints[key.index].text.get(language)) if key.index < len(hints) else None
        case VoicePart.CARD:
            return _card_text(stage, language)


def digest(text: str) -> str:
    """A short fingerprint of a spoken text: a voice of an older wording is out of date."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _stage(rally: Rally, stage_id: str) -> Stage | None:
    return next((stage for stage in rally.stages if stage.id == stage_id), None)


def _question_text(rally: Rally, question_id: str, language: str) -> str | None:
    for stage in rally.stages:
        for question in stage.questions:
            if question.id != question_id:
                continue
            prompt = question.prompt.get(language)
            if prompt is None:
                return None
            lines = [prompt]
            if isinstance(question, ChoiceQuestion):
                for number, choice in enumerate(question.choices, start=1):
                    said = choice.get(language)
                    if said is None:
                        return None  # half a question in another language is no voice
                    lines.append(f"{number}. {said}")
            return _spoken("\n".join(lines))
    return None


def _card_text(stage: Stage, language: str) -> str | None:
    card = stage.card
    if card is None:
        return None
    lines = [card.address] if card.address else []
    for text in (card.hours, card.bring):
        if text is not None:
            said = text.get(language)
            if said is None:
                return None
            lines.append(said)
    for word in card.words:
        meaning = word.meaning.get(language)
        if meaning is None:
            return None
        lines.append(f"{word.fr}: {meaning}")
    return _spoken("\n".join(lines))


_NOT_SPOKEN = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]|<[^>]+>"  # emoji and markup
)


def _spoken(text: str | None) -> str | None:
    """A text as a speech synthesiser reads it (and a volunteer): no emoji, no markup."""
    if text is None:
        return None
    cleaned = re.sub(r"[ \t]+", " ", _NOT_SPOKEN.sub("", text))
    cleaned = "\n".join(line.strip() for line in cleaned.splitlines() if line.strip())
    return cleaned or None


def best(sources: Mapping[VoiceSource, object]) -> VoiceSource | None:
    """The best source among those present."""
    return min(sources, key=lambda source: source.rank, default=None)


def keys_by_stage(rally: Rally) -> Iterator[tuple[Stage | None, list[VoiceKey]]]:
    """The rally's voice keys grouped as `/record` offers them: each stage's, then the rest."""
    for stage in rally.stages:
        yield stage, stage_keys(stage)
    yield None, [announcement_key(key) for key in rally.announcements] + [FINAL_KEY]
