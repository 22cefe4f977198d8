"""The rally file: frozen pydantic models of `data/stages.yaml` and its validation."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from bot.core.opening import (
    OpeningHoursError,
    TimeRange,
    Week,
    Weekday,
    days_text,
    hours_text,
    parse_days,
    parse_hours,
)

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", min_length=1, max_length=24)
]
"""Stage and question ids: short, lowercase, safe inside 64-byte callback data."""

JoinCode = Annotated[
    str,
    StringConstraints(
        pattern=r"^[A-Za-z0-9_-]+$", min_length=3, max_length=32, strip_whitespace=True
    ),
    AfterValidator(str.upper),
]
"""A team's join code: also a deep-link payload, so only `[A-Za-z0-9_-]`."""

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


NO_CHECKIN = "no way to check in: give a location, a checkin_code, or both"


class LanguageContext:
    """What a localized text is checked against: the rally's languages."""

    def __init__(self, default: str, languages: tuple[str, ...]) -> None:
        self.default = default
        self.languages = languages


def _check_localized(value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    """A localized text must speak the default language and only the rally's languages."""
    ctx = info.context.get("languages") if isinstance(info.context, dict) else None
    cleaned = {lang: text.strip() for lang, text in value.items()}
    empty = [lang for lang, text in cleaned.items() if not text]
    if empty:
        raise ValueError(f"empty text for {', '.join(empty)}")
    if isinstance(ctx, LanguageContext):
        unknown = [lang for lang in cleaned if lang not in ctx.languages]
        if unknown:
            raise ValueError(
                f"language {', '.join(unknown)} is not in rally.languages "
                f"({', '.join(ctx.languages)})"
            )
        if ctx.default not in cleaned:
            raise ValueError(f"text missing in the default language '{ctx.default}'")
    return cleaned


LocalizedText = Annotated[dict[str, str], AfterValidator(_check_localized)]
"""A text in several languages: `{fr: ..., en: ..., ar: ...}`."""


class Frozen(BaseModel):
    """Base for every rally-file model: unknown keys refused, immutable once parsed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StageKind(enum.StrEnum):
    """What a stage teaches: a public service, the city's heritage, or getting around."""

    SERVICE = "service"
    HERITAGE = "heritage"
    TRANSPORT = "transport"


class Topic(enum.StrEnum):
    """What a question is about, so a rally can balance heritage and public services."""

    HERITAGE = "heritage"
    SERVICES = "services"
    TRANSPORT = "transport"


class RoutePolicy(enum.StrEnum):
    """How teams go through the stages."""

    FIXED = "fixed"
    ROTATE = "rotate"


class Location(Frozen):
    """A check-in zone: a point and a radius in metres."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: int = Field(ge=10, le=2000)


class Hint(Frozen):
    """A hint for finding a stage; `penalty` overrides the rally's default."""

    text: LocalizedText
    penalty: int | None = Field(default=None, ge=0, le=1000)


class KeyWord(Frozen):
    """A French word worth knowing at this place, with its meaning in each language."""

    fr: NonEmpty
    meaning: LocalizedText


def _written_days(value: Any) -> Any:
    """`days:` as written: `mon-fri`, `sat, sun`, or a list of days."""
    if isinstance(value, list | tuple) and all(isinstance(day, str) for day in value):
        value = ", ".join(value)
    if isinstance(value, str):
        return parse_days(value)
    if isinstance(value, tuple) and all(isinstance(day, Weekday) for day in value):
        return value
    raise OpeningHoursError('write the days as text, for example "mon-fri" or "sat, sun"')


def _written_hours(value: Any) -> Any:
    """`hours:` of an opening slot as written: `08:30-12:00, 13:30-16:30`, or a list."""
    if isinstance(value, str) or (
        isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)
    ):
        return parse_hours(value)
    if isinstance(value, tuple) and all(isinstance(item, TimeRange) for item in value):
        return value
    raise OpeningHoursError('write the hours as text, for example "08:30-12:00, 13:30-16:30"')


class OpeningSlot(Frozen):
    """Days of the week and the hours a place is open on each of them:
    `{days: mon-fri, hours: "08:30-12:00, 13:30-16:30"}` (`bot.core.opening`)."""

    days: Annotated[tuple[Weekday, ...], BeforeValidator(_written_days)]
    hours: Annotated[tuple[TimeRange, ...], BeforeValidator(_written_hours)]

    @field_serializer("days")
    def _days_as_written(self, days: tuple[Weekday, ...]) -> str:
        return days_text(days)

    @field_serializer("hours")
    def _hours_as_written(self, hours: tuple[TimeRange, ...]) -> str:
        return hours_text(hours)


def _web_address(value: str) -> str:
    """A website a player can open: http(s), a host with a dot, no spaces."""
    parts = urlsplit(value)
    if parts.scheme not in {"https", "http"} or "." not in parts.netloc or " " in value:
        raise ValueError(f"'{value}' is not a web address (write it as https://...)")
    return value


WebAddress = Annotated[NonEmpty, AfterValidator(_web_address)]


class Card(Frozen):
    """The practical card of a stage, kept in the chat after the rally."""

    address: NonEmpty | None = None
    """None: no address yet (a card may still give the hours, the phone...)."""
    hours: LocalizedText | None = None
    """A sentence about the hours ("Visiting hours: ..."), beside or instead of `opening`."""
    opening: tuple[OpeningSlot, ...] = ()
    """The opening hours, day by day; none: not given (a day no slot names is closed)."""
    bring: LocalizedText | None = None
    transit: NonEmpty | None = None
    phone: NonEmpty | None = None
    website: WebAddress | None = None
    words: tuple[KeyWord, ...] = ()

    @field_validator("opening")
    @classmethod
    def _days_apart(cls, value: tuple[OpeningSlot, ...]) -> tuple[OpeningSlot, ...]:
        Week.of((slot.days, slot.hours) for slot in value)  # two slots overlapping on a day
        return value

    @property
    def week(self) -> Week:
        """The opening hours as a week (empty if the card gives none)."""
        return Week.of((slot.days, slot.hours) for slot in self.opening)


def _check_answers(
    value: dict[str, tuple[str, ...]], info: ValidationInfo
) -> dict[str, tuple[str, ...]]:
    """Accepted answers: each language a non-empty list, the default language present."""
    ctx = info.context.get("languages") if isinstance(info.context, dict) else None
    cleaned = {
        lang: tuple(a.strip() for a in answers if a.strip()) for lang, answers in value.items()
    }
    empty = [lang for lang, answers in cleaned.items() if not answers]
    if empty:
        raise ValueError(f"no accepted answer for {', '.join(empty)}")
    if isinstance(ctx, LanguageContext):
        unknown = [lang for lang in cleaned if lang not in ctx.languages]
        if unknown:
            raise ValueError(f"language {', '.join(unknown)} is not in rally.languages")
        if ctx.default not in cleaned:
            raise ValueError(f"text missing in the default language '{ctx.default}'")
    return cleaned


LocalizedAnswers = Annotated[dict[str, tuple[str, ...]], AfterValidator(_check_answers)]


class QuestionBase(Frozen):
    """What every question has."""

    id: Slug
    topic: Topic
    prompt: LocalizedText
    explanation: LocalizedText
    points: int = Field(default=10, ge=0, le=1000)
    attempts: int = Field(default=2, ge=1, le=10)


class ChoiceQuestion(QuestionBase):
    """Multiple choice, answered with buttons; `answer` numbers the right choice(s) from 1."""

    type: Literal["choice"]
    choices: tuple[LocalizedText, ...] = Field(min_length=2, max_length=8)
    answer: tuple[int, ...]

    @field_validator("answer", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("answer")
    @classmethod
    def _within_choices(cls, value: tuple[int, ...], info: ValidationInfo) -> tuple[int, ...]:
        if not value:
            raise ValueError("at least one right choice is needed")
        choices = info.data.get("choices")
        if choices is not None:
            for number in value:
                if not 1 <= number <= len(choices):
                    raise ValueError(
                        f"answer {number}: choices count from 1, and this question has "
                        f"{len(choices)} (answer 1 to {len(choices)})"
                    )
        return tuple(sorted(set(value)))


class TextQuestion(QuestionBase):
    """A typed answer; any accepted answer in any language counts."""

    type: Literal["text"]
    accepted: LocalizedAnswers


class NumberQuestion(QuestionBase):
    """A typed number, right within `tolerance`."""

    type: Literal["number"]
    value: float
    tolerance: float = Field(default=0, ge=0)


Question = Annotated[ChoiceQuestion | TextQuestion | NumberQuestion, Field(discriminator="type")]


class PhotoMission(Frozen):
    """A team photo to take at a stage, reviewed by the organisers."""

    prompt: LocalizedText
    points: int = Field(default=10, ge=0, le=1000)


class Stage(Frozen):
    """A place the teams must reach, with how to check in there and its questions."""

    id: Slug
    kind: StageKind
    name: LocalizedText
    location: Location | None = None
    checkin_code: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40)] | None
    ) = None
    clue: LocalizedText
    hints: tuple[Hint, ...] = ()
    card: Card | None = None
    questions: tuple[Question, ...] = ()
    photo: PhotoMission | None = None

    @model_validator(mode="after")
    def _can_check_in(self) -> Stage:
        if self.location is None and self.checkin_code is None:
            raise ValueError(NO_CHECKIN)
        return self


class Team(Frozen):
    """A team known in advance, with the code its members join with."""

    name: NonEmpty
    code: JoinCode | None = None
    """None (the default): a random code, made when the team is first stored and kept in the
    database (`bot.services.teams`); the QR cards and the bot read it there."""


class Staff(Frozen):
    """Telegram user ids given roles by the rally file (added to RALLY_ADMINS/ORGANISERS)."""

    admins: tuple[int, ...] = ()
    organisers: tuple[int, ...] = ()
    translators: tuple[int, ...] = ()
    """Volunteers who record the texts' voices in their languages (`/record`), and do nothing
    else (staff may record too)."""


class Route(Frozen):
    """The order of the stages: the same for all, or rotated so teams start apart."""

    policy: RoutePolicy = RoutePolicy.FIXED


class Scoring(Frozen):
    """Points for checking in, and what hints and wrong attempts cost."""

    checkin_points: int = Field(default=10, ge=0, le=1000)
    hint_penalty: int = Field(default=5, ge=0, le=1000)
    attempt_penalty: int = Field(default=0, ge=0, le=1000)
    accuracy_cap_m: int = Field(default=50, ge=0, le=500)


def _known_locale(code: str) -> str:
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError) as exc:
        raise ValueError(f"'{code}' is not a language Babel knows") from exc
    return code


LanguageCode = Annotated[str, AfterValidator(_known_locale)]


class RallyInfo(Frozen):
    """The rally itself: its title, languages, timezone and hours."""

    id: Slug
    title: LocalizedText
    default_language: LanguageCode = "fr"
    languages: tuple[LanguageCode, ...] = Field(min_length=1)
    timezone: str = "Europe/Paris"
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    end_reminder_minutes: int = Field(default=15, ge=1, le=240)
    idle_alert_minutes: int = Field(default=20, ge=1, le=600)
    retention_days: int = Field(default=30, ge=1, le=3650)
    """Days after the finish before its players' personal data is purged
    (`bot.services.privacy`)."""
    max_team_size: int = Field(default=8, ge=1, le=100)
    """The most players a team may have: a join to a full team is refused."""
    signed_by: NonEmpty | None = None
    """Who signs the certificates of participation ("Marie Dupont, prefecture of ..."); none:
    the controller named in `privacy`."""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone '{value}'") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RallyInfo:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language '{self.default_language}' is not in languages")
        if len(set(self.languages)) != len(self.languages):
            raise ValueError("a language is listed twice")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The rally's timezone."""
        return ZoneInfo(self.timezone)

    def aware(self, moment: datetime) -> datetime:
        """A time from the file, naive meaning local time at the rally."""
        return moment if moment.tzinfo else moment.replace(tzinfo=self.zone)


class LegalBasis(enum.StrEnum):
    """Why the controller may process the players' data (GDPR art. 6(1))."""

    PUBLIC_TASK = "public_task"
    """(e): a prefecture or a city, in its mission of welcoming and integrating refugees."""
    CONSENT = "consent"
    """(a): each player agrees, and may withdraw as easily (`/forget`)."""
    LEGITIMATE_INTEREST = "legitimate_interest"
    """(f): an association, after weighing its interest against the players' rights."""


_PLACEHOLDERS = ("todo", "xxx", "example.org", "example.com", "...")


def _filled_in(value: str) -> str:
    """A controller detail must be the real one, not the template's placeholder."""
    if any(mark in value.casefold() for mark in _PLACEHOLDERS):
        raise ValueError(f"'{value}' is a placeholder: write the real detail")
    return value


ControllerDetail = Annotated[NonEmpty, AfterValidator(_filled_in)]


class Privacy(Frozen):
    """Who answers for the players' data; every player reads it before joining a team
    (GDPR art. 13: the information notice, `bot.telegram.render.privacy.notice`)."""

    controller: ControllerDetail
    """The body that runs the rally and decides about the data (a prefecture, a city, an
    association): the data controller."""
    contact: ControllerDetail
    """Where players ask about their data or exercise their rights: an e-mail, a phone, a desk."""
    legal_basis: LegalBasis
    dpo: ControllerDetail | None = None
    """The data-protection officer's contact, if the controller has one (public bodies must)."""


SURVEY_CHOICES = 5
"""The most choices of a survey question: one digit on its buttons (`bot.telegram.buttons`)."""

Emoji = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8)]
"""An emoji (a few code points: a skin tone or a flag takes several)."""


class SurveyChoice(Frozen):
    """One answer to a survey question: a short text, and an emoji that says it without words."""

    emoji: Emoji | None = None
    text: LocalizedText


class SurveyQuestion(Frozen):
    """A question of the end-of-rally survey, answered with one numbered button per choice."""

    id: Slug
    text: LocalizedText
    choices: tuple[SurveyChoice, ...]

    @field_validator("choices")
    @classmethod
    def _a_few_choices(cls, value: tuple[SurveyChoice, ...]) -> tuple[SurveyChoice, ...]:
        # checked here, not with Field(min_length=...): the rally file's reader takes a list
        # "too short" for one whose items failed (`bot.core.rally_file._is_consequence`)
        if not 2 <= len(value) <= SURVEY_CHOICES:
            raise ValueError(
                f"a survey question has 2 to {SURVEY_CHOICES} choices, not {len(value)}"
            )
        return value


class Survey(Frozen):
    """The short survey offered to every player at the finish: optional, and anonymous (the
    answers are counted apart from who answered, `bot.core.survey`)."""

    questions: tuple[SurveyQuestion, ...]

    @field_validator("questions")
    @classmethod
    def _a_few_questions(cls, value: tuple[SurveyQuestion, ...]) -> tuple[SurveyQuestion, ...]:
        if not 3 <= len(value) <= 5:  # short: it comes after a long day
            raise ValueError(f"a survey has 3 to 5 questions, not {len(value)}")
        ids = [question.id for question in value]
        twice = sorted({id_ for id_ in ids if ids.count(id_) > 1})
        if twice:
            raise ValueError(f"duplicate survey question id {', '.join(repr(i) for i in twice)}")
        return value


class Rally(Frozen):
    """The whole rally file, parsed once at start."""

    rally: RallyInfo
    privacy: Privacy
    route: Route = Route()
    scoring: Scoring = Scoring()
    teams: tuple[Team, ...] = ()
    stages: tuple[Stage, ...] = Field(min_length=1)
    announcements: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,23}$")], LocalizedText
    ] = Field(default_factory=dict)
    staff: Staff = Staff()
    survey: Survey | None = None
    """The end-of-rally survey; none: the rally has no survey."""
    audio: dict[str, dict[LanguageCode, NonEmpty]] = Field(default_factory=dict)
    """Voice files of the rally's texts: `{key: {language: path}}`, paths relative to the
    rally file (`bot.core.voices` names the keys: `clue:cathedrale`, `question:q-id`...)."""

    _stages: dict[str, Stage] = PrivateAttr(default_factory=dict)
    _questions: dict[str, tuple[Stage, int]] = PrivateAttr(default_factory=dict)
    _home: Any = PrivateAttr(default=None)

    def model_post_init(self, context: Any, /) -> None:
        """Index stages and questions by id."""
        self._stages = {stage.id: stage for stage in self.stages}
        self._questions = {
            question.id: (stage, index)
            for stage in self.stages
            for index, question in enumerate(stage.questions)
        }

    @property
    def id(self) -> str:
        """The rally's id, which every stored row carries."""
        return self.rally.id

    @property
    def home(self) -> Any:
        """The directory of the rally file (a `Path`), where its voices are; None if the rally
        was not read from a file."""
        return self._home

    def read_from(self, directory: Any) -> Rally:
        """Remember the directory of the rally file (`bot.core.rally_file.load_rally`)."""
        self._home = directory
        return self

    @property
    def default_language(self) -> str:
        """The language a missing translation falls back to."""
        return self.rally.default_language

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id (KeyError if none)."""
        return self._stages[stage_id]

    def has_stage(self, stage_id: str) -> bool:
        """Whether a stage with this id exists."""
        return stage_id in self._stages

    def locate_question(self, question_id: str) -> tuple[Stage, int] | None:
        """The stage holding a question and its position there, or None."""
        return self._questions.get(question_id)


def localized(text: Mapping[str, str], lang: str, default: str) -> tuple[str, bool]:
    """The text in `lang`, else in `default`; the flag says whether it fell back."""
    if lang in text:
        return text[lang], False
    return text[default], True
