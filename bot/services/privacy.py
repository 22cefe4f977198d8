"""Storage limitation: a rally's personal data is erased once its retention period is over.

Every rally file has a retention period (`rally.retention_days`, 30 days after the finish by
default). Then the players' personal data is purged (`PrivacyRepository.purge`): players lose
their Telegram id, chat and name (their language and team stay, linked to nobody), typed
answers and positions are emptied, photos lose their file id, the copies of messages to players
go, the organisers' broadcasts, awards and audit entries lose their author and words, and the
processed update ids and the survey participations go. What remains is anonymous: the teams'
scores and records, counts by stage and by language, the survey's counts of answers.

The bot plans the purge as a job at the end of the retention period (rebuilt at every start,
`handlers.day.schedule_day`); `python -m bot purge [--rally ID] [--dry-run]` runs it by hand.

A player sees everything kept about them with `/mydata` (`PersonalData`, also as a JSON file)
and erases it with `/forget`; an organiser erases a player the same way (`/erase`).
"""

from __future__ import annotations

import enum
import html
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.phase import RallyPhase
from bot.services.base import Services
from bot.services.news import NewsTopic
from bot.services.views import Member
from bot.storage.repositories import KeptRows, PurgeCounts, anonymous
from bot.storage.uow import SqlUnitOfWork


class PurgeStatus(enum.StrEnum):
    """What a purge did, or why it did nothing."""

    PURGED = "purged"
    WOULD_PURGE = "would_purge"  # a dry run
    NOT_FINISHED = "not_finished"  # the rally is not over: its data is still in use
    NOT_DUE = "not_due"  # the retention period is not over (and the purge was not forced)
    ALREADY_PURGED = "already_purged"


@dataclass(frozen=True)
class Purge:
    """The outcome of a purge: its status, what it erased (or would), and when it is due."""

    status: PurgeStatus
    counts: PurgeCounts | None = None
    due_at: datetime | None = None


# ------------------------------------------------------------------ /mydata


@dataclass(frozen=True)
class Profile:
    """Who the player is to the bot."""

    first_name: str
    language: str
    telegram_user_id: int
    chat_id: int
    first_seen: str
    last_seen: str
    joined_team_at: str | None
    reachable: bool
    """False once they blocked the bot: nothing is sent to them then."""
    notice_acknowledged_at: str | None
    """When they pressed the information notice's button (before joining a team)."""


@dataclass(frozen=True)
class Team:
    """The team they are in."""

    name: str
    code: str


@dataclass(frozen=True)
class Position:
    """A place on the map, in degrees."""

    lat: float
    lon: float


@dataclass(frozen=True)
class CheckIn:
    """An arrival at a stage they checked their team in at."""

    stage: str
    method: str
    at: str
    position: Position | None
    accuracy_m: float | None
    distance_m: float | None
    points: int


@dataclass(frozen=True)
class GivenAnswer:
    """An answer they typed or chose."""

    stage: str
    question: str
    attempt: int
    given: str
    correct: bool
    points: int
    at: str


@dataclass(frozen=True)
class Hint:
    """A hint they asked for."""

    stage: str
    hint: int
    penalty: int
    at: str


@dataclass(frozen=True)
class SentPhoto:
    """A photo they sent for a photo mission."""

    stage: str
    file_id: str
    """Telegram's id of the photo: the bot keeps no copy of the image itself."""
    status: str
    points: int
    sent_at: str
    reviewed_at: str | None


class MessageKind(enum.StrEnum):
    """What a message kept for them is."""

    BROADCAST = "broadcast"  # from the organisers
    TEAM_NEWS = "team_news"  # what a teammate did
    TEAMMATE_JOINED = "teammate_joined"


@dataclass(frozen=True)
class ReceivedMessage:
    """A copy kept of a message to them (the bot keeps none of its direct replies)."""

    kind: MessageKind
    text: str
    status: str
    created_at: str
    sent_at: str | None


@dataclass(frozen=True)
class PersonalData:
    """Everything the bot keeps about one player in one rally: exactly what `/forget` erases
    (right of access and portability, GDPR art. 15 and 20)."""

    rally: str
    exported_at: str
    profile: Profile
    team: Team | None
    checkins: tuple[CheckIn, ...]
    answers: tuple[GivenAnswer, ...]
    hints: tuple[Hint, ...]
    photos: tuple[SentPhoto, ...]
    messages_received: tuple[ReceivedMessage, ...]
    team_last_position: Position | None
    """Their team's last shared position, kept while it is on its way (for the 🆘 alert)."""
    messages_to_others_naming_you: int
    """Copies of messages to teammates or to everyone that name them (not shown: they are
    other people's messages)."""
    recent_messages_from_you: int
    """Their messages and button presses as they came, kept an hour once handled."""
    survey: str | None = None
    """Whether they took the end-of-rally survey: answering or answered (their
    answers are not here: they are counted without anyone's name, `bot.core.survey`)."""

    def to_json(self) -> bytes:
        """The data as a readable JSON file (UTF-8, indented, non-ASCII kept as it is)."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2).encode()

    @classmethod
    def of(cls, kept: KeptRows, rally_id: str, zone: ZoneInfo, now: datetime) -> PersonalData:
        """The stored rows as the player's data, times in the rally's timezone."""

        def at(moment: datetime) -> str:
            return moment.astimezone(zone).isoformat(timespec="seconds")

        def maybe(moment: datetime | None) -> str | None:
            return at(moment) if moment is not None else None

        player, progress = kept.player, kept.progress
        last = None
        if progress is not None and progress.last_lat is not None and progress.last_lon is not None:
            last = Position(progress.last_lat, progress.last_lon)
        return cls(
            rally=rally_id,
            exported_at=at(now),
            profile=Profile(
                first_name=player.display_name,
                language=player.language,
                telegram_user_id=player.telegram_user_id,
                chat_id=player.chat_id,
                first_seen=at(player.created_at),
                last_seen=at(player.last_seen_at),
                joined_team_at=maybe(player.joined_at),
                reachable=player.reachable,
                notice_acknowledged_at=maybe(player.notice_acknowledged_at),
            ),
            team=Team(kept.team.name, kept.team.code) if kept.team is not None else None,
            checkins=tuple(
                CheckIn(
                    stage=c.stage_id,
                    method=c.method,
                    at=at(c.at),
                    position=Position(c.lat, c.lon)
                    if c.lat is not None and c.lon is not None
                    else None,
                    accuracy_m=c.accuracy_m,
                    distance_m=c.distance_m,
                    points=c.points,
                )
                for c in kept.checkins
            ),
            answers=tuple(
                GivenAnswer(
                    a.stage_id, a.question_id, a.attempt_no, a.given, a.correct, a.points, at(a.at)
                )
                for a in kept.answers
            ),
            hints=tuple(
                Hint(h.stage_id, h.hint_index + 1, h.penalty, at(h.at)) for h in kept.hints
            ),
            photos=tuple(
                SentPhoto(
                    p.stage_id,
                    p.file_id,
                    p.status,
                    p.points,
                    at(p.created_at),
                    maybe(p.reviewed_at),
                )
                for p in kept.photos
            ),
            messages_received=tuple(
                ReceivedMessage(
                    _message_kind(m.topic),
                    _plain(m.text),
                    m.status,
                    at(m.created_at),
                    maybe(m.sent_at),
                )
                for m in kept.messages
            ),
            team_last_position=last,
            messages_to_others_naming_you=kept.mentions,
            recent_messages_from_you=kept.updates,
            survey=kept.survey.status if kept.survey is not None else None,
        )


def _message_kind(topic: str | None) -> MessageKind:
    if topic is None:
        return MessageKind.BROADCAST
    if topic == NewsTopic.JOINED:  # its text is written when sent: who joined, by name
        return MessageKind.TEAMMATE_JOINED
    return MessageKind.TEAM_NEWS


_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    """A stored message's HTML as the text the reader saw."""
    return html.unescape(_TAG.sub("", text))


# ------------------------------------------------------------------ erasure by an organiser


class ErasureStatus(enum.StrEnum):
    """Whether an organiser's erasure of a player can be, or was, done."""

    ERASABLE = "erasable"  # shown for confirmation: nothing changed yet
    ERASED = "erased"
    ALREADY_ERASED = "already_erased"
    UNKNOWN = "unknown"  # no such player in this rally (a forged or another rally's button)


@dataclass(frozen=True)
class Erasure:
    """An organiser's erasure of a player: its status, and the player as they were."""

    status: ErasureStatus
    player: Member | None = None
    """Their name, chat and language before the erasure: in memory only, to tell them."""
    team_name: str | None = None
    team_code: str | None = None


class PrivacyService:
    """Purges one rally's personal data."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def retention(self) -> timedelta:
        """How long after the finish the rally's personal data is kept."""
        return timedelta(days=self.services.rally.rally.retention_days)

    async def due_at(self) -> datetime | None:
        """When the rally's personal data is to be purged (None: not finished, or purged)."""
        async with self.services.new_uow() as uow:
            row = await uow.rallies.get(self.services.rally.id)
        if row is None or row.finished_at is None or row.purged_at is not None:
            return None
        return row.finished_at + self.retention

    async def purge(self, *, force: bool = False, dry_run: bool = False) -> Purge:
        """Erase the rally's personal data if its retention period is over (or `force`: as soon
        as it is finished); `dry_run` only counts what would go."""
        rally_id = self.services.rally.id
        now = self.services.clock()
        async with self.services.new_uow() as uow:
            row = await uow.rallies.get(rally_id)
            if row is None or row.phase != RallyPhase.FINISHED or row.finished_at is None:
                return Purge(PurgeStatus.NOT_FINISHED)
            if row.purged_at is not None:
                return Purge(PurgeStatus.ALREADY_PURGED)
            due = row.finished_at + self.retention
            if now < due and not force:
                return Purge(PurgeStatus.NOT_DUE, due_at=due)
            if dry_run:
                return Purge(PurgeStatus.WOULD_PURGE, await uow.privacy.count(rally_id), due)
            counts = await uow.privacy.purge(rally_id, at=now)
            await uow.audit.log(rally_id, 0, "purge", {"rows": counts.total}, at=now)
            await uow.commit()
        return Purge(PurgeStatus.PURGED, counts, due)

    async def forget(self, user_id: int) -> bool:
        """`/forget`: erase this Telegram user's personal data in this rally (the right to
        erasure, GDPR art. 17); False if the bot keeps nothing about them here."""
        rally_id = self.services.rally.id

        async def work(uow: SqlUnitOfWork) -> bool:
            player = await uow.players.by_user(rally_id, user_id)
            if player is None or not await uow.privacy.forget_player(player.id):
                return False
            # the audit says that it happened, not who: the player's id is gone with them
            await uow.audit.log(rally_id, 0, "forget", {}, at=self.services.clock())
            await uow.commit()
            return True

        return await self.services.retrying(work)

    async def my_data(self, user_id: int) -> PersonalData | None:
        """`/mydata`: everything kept about this Telegram user in this rally (what `forget`
        would erase); None if the bot keeps nothing about them here."""
        rally = self.services.rally
        async with self.services.new_uow() as uow:
            player = await uow.players.by_user(rally.id, user_id)
            if player is None:
                return None
            kept = await uow.privacy.kept_about(player)
        return PersonalData.of(kept, rally.id, rally.rally.zone, self.services.clock())

    async def erasable(self, player_id: int) -> Erasure:
        """The player an organiser's button names, to confirm their erasure (changes nothing)."""
        async with self.services.new_uow() as uow:
            return await self._erasure(uow, player_id, ErasureStatus.ERASABLE)

    async def erase(self, player_id: int, *, actor_user_id: int) -> Erasure:
        """An organiser erases a player's personal data, as `/forget` does; the audit keeps
        the team's code and the player's row id, nothing that leads back to them."""
        rally_id = self.services.rally.id

        async def work(uow: SqlUnitOfWork) -> Erasure:
            found = await self._erasure(uow, player_id, ErasureStatus.ERASED)
            if found.status is not ErasureStatus.ERASED:
                return found
            await uow.privacy.forget_player(player_id)
            details = {"team": found.team_code, "player": player_id}
            await uow.audit.log(rally_id, actor_user_id, "erase", details, at=self.services.clock())
            await uow.commit()
            return found

        return await self.services.retrying(work)

    async def _erasure(self, uow: SqlUnitOfWork, player_id: int, status: ErasureStatus) -> Erasure:
        """The player with this row id in this rally, as an erasure of `status` would name
        them; or why there is nobody to erase."""
        player = await uow.players.get(player_id)
        if player is None or player.rally_id != self.services.rally.id:
            return Erasure(ErasureStatus.UNKNOWN)
        if anonymous(player):
            return Erasure(ErasureStatus.ALREADY_ERASED)
        team = await uow.teams.get(player.team_id) if player.team_id is not None else None
        return Erasure(
            status,
            Member.of(player),
            team.name if team is not None else None,
            team.code if team is not None else None,
        )
