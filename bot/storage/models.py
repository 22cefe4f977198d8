"""The database schema: one declarative model per table, every row scoped to a rally."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Stable constraint names, so that later migrations can refer to them by name."""


class UtcDateTime(TypeDecorator[datetime]):
    """A `DateTime(timezone=True)` that refuses naive values and always reads back aware UTC.

    SQLite keeps no offset, so values are converted to UTC before they are written and the UTC
    zone is attached again when they are read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC; a naive one is a bug in the caller."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given: pass an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        """Return the stored time as an aware UTC datetime."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of all storage models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}  # noqa: RUF012 - read once by SQLAlchemy


def _rally_fk() -> Mapped[str]:
    return mapped_column(String(24), ForeignKey("rallies.id"))


def _team_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("teams.id"))


def _player_fk() -> Mapped[int | None]:
    return mapped_column(ForeignKey("players.id"))


class RallyRow(Base):
    """A rally and its phase: draft, open, running, paused or finished."""

    __tablename__ = "rallies"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    phase: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    opened_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    purged_at: Mapped[datetime | None]
    """When its players' personal data was erased (`bot.services.privacy`)."""


class TeamRow(Base):
    """A team: its join code (stored uppercase) and its position, which rotates routes."""

    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("rally_id", "code"),
        UniqueConstraint("rally_id", "name"),
        UniqueConstraint("rally_id", "position"),
        Index(None, "code"),  # a join code names its rally too, when several share the bot
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    name: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(32))
    position: Mapped[int]
    created_at: Mapped[datetime]


class PlayerRow(Base):
    """A Telegram user taking part in a rally, with the chat the bot writes to."""

    __tablename__ = "players"
    __table_args__ = (
        UniqueConstraint("rally_id", "telegram_user_id"),
        Index(None, "team_id"),
        Index(None, "telegram_user_id"),  # which of several rallies a user plays in
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    display_name: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    reachable: Mapped[bool] = mapped_column(default=True, server_default=true())
    joined_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    notice_acknowledged_at: Mapped[datetime | None]
    """When they pressed the information notice's button: no team before it (GDPR art. 13)."""
    pending_code: Mapped[str | None] = mapped_column(String(32))
    """The join code they scanned before acknowledging the notice: joined once they do."""
    voice: Mapped[bool] = mapped_column(default=False, server_default=false())
    """🔊 on (`/voice`): every text they read on the rally also comes as a voice message."""


class ProgressRow(Base):
    """Where a team is on its route; `version` makes concurrent updates fail loudly."""

    __tablename__ = "team_progress"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id"), primary_key=True, autoincrement=False
    )
    rally_id: Mapped[str] = _rally_fk()
    state: Mapped[str] = mapped_column(String(16))
    route: Mapped[list[str]] = mapped_column(JSON)
    stage_index: Mapped[int]
    question_index: Mapped[int]
    attempts_used: Mapped[int]
    hints_used: Mapped[int]
    score: Mapped[int]
    version: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime]
    last_lat: Mapped[float | None] = mapped_column(Float)
    last_lon: Mapped[float | None] = mapped_column(Float)
    tried: Mapped[list[str] | None] = mapped_column(JSON)
    """Wrong answers already given to the current question (the same one twice costs once)."""
    idle_alerted_at: Mapped[datetime | None]
    """When organisers were last told this team seems stuck (once per idle spell)."""

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by SQLAlchemy


class CheckinRow(Base):
    """A team's arrival at a stage; a stage can be checked in once per team."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("team_id", "stage_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    team_id: Mapped[int] = _team_fk()
    stage_id: Mapped[str] = mapped_column(String(24))
    player_id: Mapped[int | None] = _player_fk()
    method: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    points: Mapped[int]
    at: Mapped[datetime]


class AnswerRow(Base):
    """One attempt at a question; each attempt number is recorded once per team."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("team_id", "question_id", "attempt_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    team_id: Mapped[int] = _team_fk()
    stage_id: Mapped[str] = mapped_column(String(24))
    question_id: Mapped[str] = mapped_column(String(24))
    player_id: Mapped[int | None] = _player_fk()
    attempt_no: Mapped[int]
    given: Mapped[str] = mapped_column(String(500))
    correct: Mapped[bool]
    points: Mapped[int]
    at: Mapped[datetime]


class HintRow(Base):
    """A hint revealed to a team; each hint of a stage is revealed (and paid for) once."""

    __tablename__ = "hints"
    __table_args__ = (UniqueConstraint("team_id", "stage_id", "hint_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    team_id: Mapped[int] = _team_fk()
    stage_id: Mapped[str] = mapped_column(String(24))
    hint_index: Mapped[int]
    player_id: Mapped[int | None] = _player_fk()
    penalty: Mapped[int]
    at: Mapped[datetime]


class AwardRow(Base):
    """Points an organiser gave or took away by hand, with the reason."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    team_id: Mapped[int] = _team_fk()
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    actor_user_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]


class AuditRow(Base):
    """What an organiser did, when, with the details needed to understand it later."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "rally_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    actor_user_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime]


class ProcessedUpdateRow(Base):
    """A Telegram update already handled for a rally, so a redelivery is not applied twice."""

    __tablename__ = "processed_updates"

    rally_id: Mapped[str] = mapped_column(String(24), ForeignKey("rallies.id"), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]


class BroadcastRow(Base):
    """An organiser's message to many players; its deliveries are rows of the outbox."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    actor_user_id: Mapped[int] = mapped_column(BigInteger)
    actor_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # none for scheduled ones
    kind: Mapped[str] = mapped_column(String(16))  # all, team, lang, announce
    target: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class OutboxRow(Base):
    """One message waiting to be sent, or sent: delivered at most once per broadcast and chat."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "chat_id"),
        Index(None, "rally_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    player_id: Mapped[int | None] = _player_fk()
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending, sent, failed, unreachable
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    topic: Mapped[str | None] = mapped_column(String(16))
    """None for a broadcast's message; a teammate's news ("joined", "team"), sent coalesced."""
    subject: Mapped[str | None] = mapped_column(String(64))
    """Whom "joined" news is about (their name), to sum several up in one message."""
    markup: Mapped[str | None] = mapped_column(Text)
    """The news' keyboard as Telegram's JSON (a question's answer buttons, say)."""
    voices: Mapped[str | None] = mapped_column(String(200))
    """The voices to send right after the text, for a reader with 🔊 on (keys, space-separated)."""


class PhotoRow(Base):
    """A team photo sent for a stage's photo mission, and the organisers' verdict on it."""

    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("approved_key"), Index(None, "rally_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    team_id: Mapped[int] = _team_fk()
    stage_id: Mapped[str] = mapped_column(String(24))
    player_id: Mapped[int | None] = _player_fk()
    file_id: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))  # pending, approved, rejected
    approved_key: Mapped[str | None] = mapped_column(String(64))
    """`team:stage` once approved: the unique key that makes a second approval impossible."""
    reviewer_user_id: Mapped[int | None] = mapped_column(BigInteger)
    points: Mapped[int]
    created_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]


class VoiceRow(Base):
    """A voice of one of the rally's texts in one language (`bot.core.voices`).

    Telegram keeps the sound: the bot keeps its `file_id` once the voice was sent (or recorded
    in Telegram) and reuses it; `path` is the file it was uploaded from (a file of the rally
    file's `audio:` section, or a synthetic draft). One row per text, language and source; the
    best source is played.
    """

    __tablename__ = "voices"
    __table_args__ = (UniqueConstraint("rally_id", "key", "language", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # recorded, file, synthetic
    file_id: Mapped[str | None] = mapped_column(String(256))
    path: Mapped[str | None] = mapped_column(String(512))
    duration_s: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    text_digest: Mapped[str] = mapped_column(String(16))
    """`bot.core.voices.digest` of the text it reads: a voice of an older wording is outdated."""
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)
    """The Telegram id of the volunteer who recorded it (`/record`); None for files and drafts."""
    created_at: Mapped[datetime]


class InboxRow(Base):
    """A Telegram update as it came, stored before Telegram is told it arrived.

    One row per update of the bot (`bot_id`: several bots may share one database). `handled_at`
    is set once the update was handled; a row still without one after a crash is handled at the
    next start. Handled rows are forgotten after a while (`bot.telegram.intake.KEEP_HANDLED`).
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_bot_id_handled_at", "bot_id", "handled_at"),)

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]


class SurveyParticipationRow(Base):
    """That a player started or answered the end-of-rally survey, and which question comes
    next: never an answer, which is counted apart (`SurveyTallyRow`, `bot.core.survey`)."""

    __tablename__ = "survey_participations"
    __table_args__ = (UniqueConstraint("rally_id", "player_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rally_id: Mapped[str] = _rally_fk()
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    status: Mapped[str] = mapped_column(String(16))  # answering, answered
    next_question: Mapped[int]
    at: Mapped[datetime]
    """When it last changed (started, a question passed)."""
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by SQLAlchemy


class SurveyTallyRow(Base):
    """How many players chose one answer to one survey question, reading it in one language.

    A count, not a row per answer: no player, team, time or insertion order to lead back to
    who answered, nor to tie one person's answers to different questions together.
    """

    __tablename__ = "survey_tallies"

    rally_id: Mapped[str] = mapped_column(String(24), ForeignKey("rallies.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    choice: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer)
