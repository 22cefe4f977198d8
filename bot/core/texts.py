"""Every text of a rally players read, each with a stable key, its place in the file and its
purpose: what the spreadsheet's "Texts" sheet, the translators' catalogs, `validate` and
`i18n-check` all list, in the order of the file.

A key names a text by what it is, not by its position alone: `stage.cpam.clue`,
`question.q-cpam-1.choice.2`, `stage.cpam.card.word.1` (numbers count from 1, as the
organisers do). Accepted answers of a typed question are one text per language, its answers
separated by `ANSWER_SEPARATOR`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.core.content import ChoiceQuestion, Question, Rally, Stage, TextQuestion
from bot.core.voices import digest

YamlPath = tuple[str | int, ...]
"""Where a value is in the rally file: keys and list indexes from the top, e.g.
`("stages", 7, "clue")`."""

ANSWER_SEPARATOR = " | "
"""Between the accepted answers of one language, in a sheet cell or a catalog entry."""


class TextKind(enum.StrEnum):
    """How a text is written: a sentence, or a list of accepted answers."""

    SENTENCE = "sentence"
    ANSWERS = "answers"


@dataclass(frozen=True)
class RallyText:
    """One text of the rally in all its languages."""

    key: str
    path: YamlPath
    """The mapping `{fr: ..., en: ...}` holding the text's languages."""
    purpose: str
    """What the text is for and where players see it (for translators, in English)."""
    values: Mapping[str, str]
    """The text per language it is written in (answers joined by `ANSWER_SEPARATOR`)."""
    kind: TextKind = TextKind.SENTENCE

    def source(self, default_language: str) -> str:
        """The text in the rally's default language, which every translation is made from."""
        return self.values[default_language]


def split_answers(cell: str) -> list[str]:
    """The accepted answers of one language, from their joined form."""
    return [answer.strip() for answer in cell.split("|") if answer.strip()]


def fingerprint(source: str) -> str:
    """A short digest of a source text: a translation made from another wording is stale (as
    a voice of another wording is out of date, `bot.core.voices.digest`)."""
    return digest(source.strip())


def _joined(answers: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {lang: ANSWER_SEPARATOR.join(values) for lang, values in answers.items()}


def rally_texts(rally: Rally) -> Iterator[RallyText]:
    """Every text players may read, in the order of the rally file."""
    yield RallyText(
        "rally.title",
        ("rally", "title"),
        "the rally's title, in the welcome message and on certificates",
        rally.rally.title,
    )
    for number, stage in enumerate(rally.stages, start=1):
        yield from _stage_texts(rally, number, stage)
    for name, text in rally.announcements.items():
        yield RallyText(
            f"announcement.{name}",
            ("announcements", name),
            f"the ready-made announcement « {name} », broadcast by the organisers",
            text,
        )
    if rally.survey is not None:
        for s, survey_question in enumerate(rally.survey.questions):
            skey = f"survey.{survey_question.id}"
            spath: YamlPath = ("survey", "questions", s)
            yield RallyText(
                f"{skey}.text",
                (*spath, "text"),
                f"the end-of-rally survey, question {s + 1}",
                survey_question.text,
            )
            for c, survey_choice in enumerate(survey_question.choices, start=1):
                yield RallyText(
                    f"{skey}.choice.{c}",
                    (*spath, "choices", c - 1, "text"),
                    f"the end-of-rally survey, question {s + 1}, button {c}",
                    survey_choice.text,
                )


def _stage_texts(rally: Rally, number: int, stage: Stage) -> Iterator[RallyText]:
    """A stage's texts: name, clue, hints, card, photo, then its questions."""
    base: YamlPath = ("stages", number - 1)
    name = stage.name[rally.default_language]
    where = f"stage {number} ({name})"
    key = f"stage.{stage.id}"
    yield RallyText(f"{key}.name", (*base, "name"), f"{where}: the place's name", stage.name)
    yield RallyText(
        f"{key}.clue",
        (*base, "clue"),
        f"{where}: the clue that leads the team there (short, plain sentences)",
        stage.clue,
    )
    for h, hint in enumerate(stage.hints, start=1):
        yield RallyText(
            f"{key}.hint.{h}",
            (*base, "hints", h - 1, "text"),
            f"{where}: hint {h}, asked for when the team is lost",
            hint.text,
        )
    if stage.card is not None:
        card = stage.card
        card_path: YamlPath = (*base, "card")
        if card.hours:
            yield RallyText(
                f"{key}.card.hours",
                (*card_path, "hours"),
                f"{where}: practical card, the opening-hours sentence",
                card.hours,
            )
        if card.bring:
            yield RallyText(
                f"{key}.card.bring",
                (*card_path, "bring"),
                f"{where}: practical card, what to bring",
                card.bring,
            )
        for w, word in enumerate(card.words, start=1):
            yield RallyText(
                f"{key}.card.word.{w}",
                (*card_path, "words", w - 1, "meaning"),
                f"{where}: practical card, the meaning of the French word « {word.fr} »",
                word.meaning,
            )
    if stage.photo is not None:
        yield RallyText(
            f"{key}.photo",
            (*base, "photo", "prompt"),
            f"{where}: the photo the team is asked to take",
            stage.photo.prompt,
        )
    for q, question in enumerate(stage.questions):
        yield from _question_texts(question, (*base, "questions", q), f"{where}: question")


def _question_texts(question: Question, qpath: YamlPath, asked_in: str) -> Iterator[RallyText]:
    """A question's texts: prompt, choices or accepted answers, explanation."""
    qkey = f"question.{question.id}"
    asked = f"{asked_in} {question.id}"
    yield RallyText(f"{qkey}.prompt", (*qpath, "prompt"), f"{asked}, asked", question.prompt)
    if isinstance(question, ChoiceQuestion):
        for c, choice in enumerate(question.choices, start=1):
            right = " (a right answer)" if c in question.answer else ""
            yield RallyText(
                f"{qkey}.choice.{c}",
                (*qpath, "choices", c - 1),
                f"{asked}, button {c}{right}",
                choice,
            )
    elif isinstance(question, TextQuestion):
        yield RallyText(
            f"{qkey}.accepted",
            (*qpath, "accepted"),
            f"{asked}, the typed answers counted right, separated by |",
            _joined(question.accepted),
            TextKind.ANSWERS,
        )
    yield RallyText(
        f"{qkey}.explanation",
        (*qpath, "explanation"),
        f"{asked}, the explanation shown after the answer",
        question.explanation,
    )


def texts_by_key(rally: Rally) -> dict[str, RallyText]:
    """The rally's texts by key."""
    return {text.key: text for text in rally_texts(rally)}


def missing_texts(rally: Rally) -> dict[str, list[RallyText]]:
    """For each language of the rally, its texts not written in it (file order)."""
    texts = list(rally_texts(rally))
    return {
        language: [text for text in texts if language not in text.values]
        for language in rally.rally.languages
    }


def translated_share(rally: Rally) -> dict[str, float]:
    """For each language of the rally, the share of its texts written in it."""
    total = sum(1 for _ in rally_texts(rally))
    return {
        language: 1 - len(texts) / total if total else 1.0
        for language, texts in missing_texts(rally).items()
    }
