"""Repositories: the queries and inserts the services need, one class per concept.

Every repository works inside the unit of work's session and transaction. Rows are flushed as
they are added, so a taken unique key is reported (as `ConcurrentChange`) by the call that
caused it. Times are always passed in by the caller: nothing here reads the clock.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import (
    CursorResult,
    Select,
    Table,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.conflicts import conflicts_as_concurrent_change
from bot.storage.models import (
    AnswerRow,
    AuditRow,
    AwardRow,
    Base,
    BroadcastRow,
    CheckinRow,
    HintRow,
    InboxRow,
    OutboxRow,
    PhotoRow,
    PlayerRow,
    ProcessedUpdateRow,
    ProgressRow,
    RallyRow,
    SurveyParticipationRow,
    SurveyTallyRow,
    TeamRow,
    VoiceRow,
)

RowT = TypeVar("RowT", bound=Base)


class _Repository:
    """Session access shared by the repositories, with conflicts translated everywhere.

    Queries are wrapped too because autoflush may write pending changes before they run.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _add(self, row: RowT) -> RowT:
        self._session.add(row)
        with conflicts_as_concurrent_change():
            await self._session.flush()
        return row

    async def _get(self, model: type[RowT], key: object) -> RowT | None:
        with conflicts_as_concurrent_change():
            return await self._session.get(model, key)

    async def _one_or_none(self, statement: Select[RowT]) -> RowT | None:
        with conflicts_as_concurrent_change():
            return (await self._session.scalars(statement)).one_or_none()

    async def _all(self, statement: Select[RowT]) -> Sequence[RowT]:
        with conflicts_as_concurrent_change():
            return (await self._session.scalars(statement)).all()

    def _insert_ignoring(self, target: type[Base] | Table) -> Any:
        """`INSERT ... ON CONFLICT DO NOTHING` into a model's table, in this database's dialect."""
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql_insert(target).on_conflict_do_nothing()
        if dialect == "sqlite":
            return sqlite_insert(target).on_conflict_do_nothing()
        raise NotImplementedError(f"no INSERT ... ON CONFLICT for the {dialect} dialect")

    async def _insert_unless_present(self, model: type[Base], values: dict[str, Any]) -> bool:
        """INSERT ... ON CONFLICT DO NOTHING; True if this call inserted the row."""
        statement = self._insert_ignoring(model).values(values)
        with conflicts_as_concurrent_change():
            result = await self._session.execute(statement)
        return cast("CursorResult[Any]", result).rowcount == 1


class RallyRepository(_Repository):
    """Rallies: one database can hold several."""

    async def get(self, rally_id: str) -> RallyRow | None:
        """Return the rally, or None if it was never stored."""
        return await self._get(RallyRow, rally_id)

    async def ensure(self, rally_id: str, *, at: datetime) -> RallyRow:
        """Return the rally, storing it as a draft created `at` if it is missing.

        Read first: the row is there for every action but the first, and a read starts no
        SQLite write transaction. Safe when several processes start at once: the insert ignores
        an existing row.
        """
        row = await self._get(RallyRow, rally_id)
        if row is not None:
            return row
        await self._insert_unless_present(
            RallyRow, {"id": rally_id, "phase": "draft", "created_at": at}
        )
        row = await self._get(RallyRow, rally_id)
        if row is None:  # pragma: no cover - the row was inserted or already there
            raise RuntimeError(f"rally {rally_id!r} vanished right after it was ensured")
        return row


class TeamRepository(_Repository):
    """Teams of a rally, found by id, join code or name."""

    async def add(
        self, rally_id: str, name: str, code: str, position: int, *, at: datetime
    ) -> TeamRow:
        """Store a new team; its join code is kept uppercase."""
        return await self._add(
            TeamRow(
                rally_id=rally_id, name=name, code=code.upper(), position=position, created_at=at
            )
        )

    async def get(self, team_id: int) -> TeamRow | None:
        """Return the team with this id, if any."""
        return await self._get(TeamRow, team_id)

    async def by_code(self, rally_id: str, code: str) -> TeamRow | None:
        """Find a team by join code, in any letter case."""
        return await self._one_or_none(
            select(TeamRow).where(TeamRow.rally_id == rally_id, TeamRow.code == code.upper())
        )

    async def by_code_in(self, rally_ids: Iterable[str], code: str) -> TeamRow | None:
        """Find a team by join code among several rallies (codes are unique across them)."""
        return await self._one_or_none(
            select(TeamRow)
            .where(TeamRow.rally_id.in_(list(rally_ids)), TeamRow.code == code.upper())
            .order_by(TeamRow.id)
            .limit(1)
        )

    async def code_in_use(self, code: str) -> bool:
        """Whether a team of any rally stored here has this join code."""
        found = await self._session.scalar(
            select(TeamRow.id).where(TeamRow.code == code.upper()).limit(1)
        )
        return found is not None

    async def by_name(self, rally_id: str, name: str) -> TeamRow | None:
        """Find a team by its exact name."""
        return await self._one_or_none(
            select(TeamRow).where(TeamRow.rally_id == rally_id, TeamRow.name == name)
        )

    async def list(self, rally_id: str) -> Sequence[TeamRow]:
        """All teams of the rally in position order."""
        return await self._all(
            select(TeamRow).where(TeamRow.rally_id == rally_id).order_by(TeamRow.position)
        )

    async def next_position(self, rally_id: str) -> int:
        """The position a new team gets: one past the last, 0 for the first team."""
        with conflicts_as_concurrent_change():
            highest = await self._session.scalar(
                select(func.max(TeamRow.position)).where(TeamRow.rally_id == rally_id)
            )
        return 0 if highest is None else highest + 1


class PlayerRepository(_Repository):
    """Players of a rally and the teams they joined."""

    async def get(self, player_id: int) -> PlayerRow | None:
        """Return the player with this id, if any."""
        return await self._get(PlayerRow, player_id)

    async def by_user(self, rally_id: str, telegram_user_id: int) -> PlayerRow | None:
        """Find the player a Telegram user is in this rally."""
        return await self._one_or_none(
            select(PlayerRow).where(
                PlayerRow.rally_id == rally_id, PlayerRow.telegram_user_id == telegram_user_id
            )
        )

    async def of_user(self, telegram_user_id: int) -> Sequence[PlayerRow]:
        """Everything a Telegram user is, across rallies: in a team first, then about to join
        one (their code waits for the notice), then latest seen."""
        return await self._all(
            select(PlayerRow)
            .where(PlayerRow.telegram_user_id == telegram_user_id)
            .order_by(
                PlayerRow.team_id.is_(None),
                PlayerRow.pending_code.is_(None),
                PlayerRow.last_seen_at.desc(),
                PlayerRow.id,
            )
        )

    async def add(
        self,
        rally_id: str,
        telegram_user_id: int,
        chat_id: int,
        display_name: str,
        language: str,
        *,
        at: datetime,
        team_id: int | None = None,
        joined_at: datetime | None = None,
    ) -> PlayerRow:
        """Store a new player first seen `at`."""
        return await self._add(
            PlayerRow(
                rally_id=rally_id,
                telegram_user_id=telegram_user_id,
                chat_id=chat_id,
                display_name=display_name,
                language=language,
                team_id=team_id,
                reachable=True,
                joined_at=joined_at,
                created_at=at,
                last_seen_at=at,
            )
        )

    async def with_teammates(
        self, rally_id: str, telegram_user_id: int
    ) -> tuple[PlayerRow | None, list[PlayerRow]]:
        """The player a Telegram user is, and their team's players in join order, in one query.

        The team's list includes the player; it is empty for a player without a team.
        """
        team_of_user = (
            select(PlayerRow.team_id)
            .where(PlayerRow.rally_id == rally_id, PlayerRow.telegram_user_id == telegram_user_id)
            .scalar_subquery()
        )
        rows = await self._all(
            select(PlayerRow)
            .where(
                PlayerRow.rally_id == rally_id,
                (PlayerRow.telegram_user_id == telegram_user_id)
                | (PlayerRow.team_id == team_of_user),
            )
            .order_by(PlayerRow.joined_at, PlayerRow.id)
        )
        player = next((row for row in rows if row.telegram_user_id == telegram_user_id), None)
        if player is None or player.team_id is None:
            return player, []
        return player, [row for row in rows if row.team_id == player.team_id]

    async def members(self, team_id: int) -> Sequence[PlayerRow]:
        """The team's players in the order they joined."""
        return await self._all(
            select(PlayerRow)
            .where(PlayerRow.team_id == team_id)
            .order_by(PlayerRow.joined_at, PlayerRow.id)
        )

    async def members_by_team(self, rally_id: str) -> dict[int, list[PlayerRow]]:
        """The players of every team of the rally, each team's in the order they joined.

        One query for what `members` would read team by team (a team with no player is absent).
        """
        rows = await self._all(
            select(PlayerRow)
            .join(TeamRow, TeamRow.id == PlayerRow.team_id)
            .where(TeamRow.rally_id == rally_id)
            .order_by(PlayerRow.joined_at, PlayerRow.id)
        )
        teams: dict[int, list[PlayerRow]] = {}
        for row in rows:
            assert row.team_id is not None  # the join keeps only players in a team
            teams.setdefault(row.team_id, []).append(row)
        return teams

    async def list(self, rally_id: str) -> Sequence[PlayerRow]:
        """All players of the rally, oldest first."""
        return await self._all(
            select(PlayerRow).where(PlayerRow.rally_id == rally_id).order_by(PlayerRow.id)
        )

    async def audience(self, rally_id: str) -> Sequence[PlayerRow]:
        """The players a message to the whole rally goes to, oldest first.

        Everyone who wrote in this rally, but those without a team here who are in a team of
        another rally on the same bot: they play there now.
        """
        elsewhere = aliased(PlayerRow)
        in_another_team = (
            select(elsewhere.id)
            .where(
                elsewhere.telegram_user_id == PlayerRow.telegram_user_id,
                elsewhere.rally_id != rally_id,
                elsewhere.team_id.is_not(None),
            )
            .exists()
        )
        return await self._all(
            select(PlayerRow)
            .where(PlayerRow.rally_id == rally_id, ~(PlayerRow.team_id.is_(None) & in_another_team))
            .order_by(PlayerRow.id)
        )

    async def reachable(self, rally_id: str) -> Sequence[PlayerRow]:
        """Players the bot can still write to (they have not blocked it)."""
        return await self._all(
            select(PlayerRow)
            .where(PlayerRow.rally_id == rally_id, PlayerRow.reachable.is_(True))
            .order_by(PlayerRow.id)
        )


class ProgressRepository(_Repository):
    """Each team's progress along its route; updates are version-checked."""

    async def get(self, team_id: int) -> ProgressRow | None:
        """Return the team's progress, if it has started."""
        return await self._get(ProgressRow, team_id)

    async def get_for_update(self, team_id: int) -> ProgressRow | None:
        """Read the team's progress freshly and lock the row until the transaction ends.

        PostgreSQL renders `SELECT ... FOR UPDATE`; SQLite has no row locks and renders a plain
        SELECT (its writers are serialised and the version check still catches a lost update).
        """
        return await self._one_or_none(
            select(ProgressRow)
            .where(ProgressRow.team_id == team_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def get_with_team_for_update(self, team_id: int) -> tuple[ProgressRow, TeamRow] | None:
        """The team's progress (read freshly, locked as `get_for_update`) and the team, at once."""
        with conflicts_as_concurrent_change():
            result = await self._session.execute(
                select(ProgressRow, TeamRow)
                .join(TeamRow, TeamRow.id == ProgressRow.team_id)
                .where(ProgressRow.team_id == team_id)
                .with_for_update(of=ProgressRow)
                .execution_options(populate_existing=True)
            )
            found = result.one_or_none()
        return None if found is None else (found[0], found[1])

    async def add(self, row: ProgressRow) -> ProgressRow:
        """Store a team's new progress row."""
        return await self._add(row)

    async def list(self, rally_id: str) -> Sequence[ProgressRow]:
        """Progress of every team of the rally."""
        return await self._all(_progress_of_rally(rally_id))

    async def list_for_update(self, rally_id: str) -> Sequence[ProgressRow]:
        """Progress of every team of the rally, read freshly and locked as `get_for_update`."""
        return await self._all(
            _progress_of_rally(rally_id).with_for_update().execution_options(populate_existing=True)
        )


def _progress_of_rally(rally_id: str) -> Select[ProgressRow]:
    return select(ProgressRow).where(ProgressRow.rally_id == rally_id).order_by(ProgressRow.team_id)


class RecordRepository(_Repository):
    """What teams did: check-ins, answers, hints and organisers' awards."""

    async def add_checkin(
        self,
        *,
        rally_id: str,
        team_id: int,
        stage_id: str,
        player_id: int | None,
        method: str,
        points: int,
        at: datetime,
        lat: float | None = None,
        lon: float | None = None,
        accuracy_m: float | None = None,
        distance_m: float | None = None,
    ) -> CheckinRow:
        """Record a check-in; a second one at the same stage raises `ConcurrentChange`."""
        return await self._add(
            CheckinRow(
                rally_id=rally_id,
                team_id=team_id,
                stage_id=stage_id,
                player_id=player_id,
                method=method,
                lat=lat,
                lon=lon,
                accuracy_m=accuracy_m,
                distance_m=distance_m,
                points=points,
                at=at,
            )
        )

    async def add_answer(
        self,
        *,
        rally_id: str,
        team_id: int,
        stage_id: str,
        question_id: str,
        player_id: int | None,
        attempt_no: int,
        given: str,
        correct: bool,
        points: int,
        at: datetime,
    ) -> AnswerRow:
        """Record an attempt; the same attempt number twice raises `ConcurrentChange`."""
        return await self._add(
            AnswerRow(
                rally_id=rally_id,
                team_id=team_id,
                stage_id=stage_id,
                question_id=question_id,
                player_id=player_id,
                attempt_no=attempt_no,
                given=given,
                correct=correct,
                points=points,
                at=at,
            )
        )

    async def add_hint(
        self,
        *,
        rally_id: str,
        team_id: int,
        stage_id: str,
        hint_index: int,
        player_id: int | None,
        penalty: int,
        at: datetime,
    ) -> HintRow:
        """Record a revealed hint; revealing it twice raises `ConcurrentChange`."""
        return await self._add(
            HintRow(
                rally_id=rally_id,
                team_id=team_id,
                stage_id=stage_id,
                hint_index=hint_index,
                player_id=player_id,
                penalty=penalty,
                at=at,
            )
        )

    async def add_award(
        self,
        *,
        rally_id: str,
        team_id: int,
        points: int,
        reason: str,
        actor_user_id: int,
        at: datetime,
    ) -> AwardRow:
        """Record points given (or, if negative, taken) by an organiser."""
        return await self._add(
            AwardRow(
                rally_id=rally_id,
                team_id=team_id,
                points=points,
                reason=reason,
                actor_user_id=actor_user_id,
                at=at,
            )
        )

    async def checkins(self, team_id: int) -> Sequence[CheckinRow]:
        """The team's check-ins in time order."""
        return await self._all(
            select(CheckinRow)
            .where(CheckinRow.team_id == team_id)
            .order_by(CheckinRow.at, CheckinRow.id)
        )

    async def answers(self, team_id: int) -> Sequence[AnswerRow]:
        """The team's answers in time order."""
        return await self._all(
            select(AnswerRow)
            .where(AnswerRow.team_id == team_id)
            .order_by(AnswerRow.at, AnswerRow.id)
        )

    async def hints(self, team_id: int) -> Sequence[HintRow]:
        """The hints the team revealed, in time order."""
        return await self._all(
            select(HintRow).where(HintRow.team_id == team_id).order_by(HintRow.at, HintRow.id)
        )

    async def awards(self, team_id: int) -> Sequence[AwardRow]:
        """The organisers' awards to the team, in time order."""
        return await self._all(
            select(AwardRow).where(AwardRow.team_id == team_id).order_by(AwardRow.at, AwardRow.id)
        )

    async def all_checkins(self, rally_id: str) -> Sequence[CheckinRow]:
        """Every check-in of the rally in time order, for exports."""
        return await self._all(
            select(CheckinRow)
            .where(CheckinRow.rally_id == rally_id)
            .order_by(CheckinRow.at, CheckinRow.id)
        )

    async def all_answers(self, rally_id: str) -> Sequence[AnswerRow]:
        """Every answer of the rally in time order, for exports."""
        return await self._all(
            select(AnswerRow)
            .where(AnswerRow.rally_id == rally_id)
            .order_by(AnswerRow.at, AnswerRow.id)
        )

    async def all_hints(self, rally_id: str) -> Sequence[HintRow]:
        """Every revealed hint of the rally in time order, for exports."""
        return await self._all(
            select(HintRow).where(HintRow.rally_id == rally_id).order_by(HintRow.at, HintRow.id)
        )

    async def all_awards(self, rally_id: str) -> Sequence[AwardRow]:
        """Every award of the rally in time order, for exports."""
        return await self._all(
            select(AwardRow).where(AwardRow.rally_id == rally_id).order_by(AwardRow.at, AwardRow.id)
        )


class AuditRepository(_Repository):
    """The organisers' audit log."""

    async def log(
        self,
        rally_id: str,
        actor_user_id: int,
        action: str,
        details: dict[str, Any],
        *,
        at: datetime,
    ) -> AuditRow:
        """Record what an organiser did."""
        return await self._add(
            AuditRow(
                rally_id=rally_id,
                actor_user_id=actor_user_id,
                action=action,
                details=details,
                at=at,
            )
        )

    async def list(self, rally_id: str) -> Sequence[AuditRow]:
        """The rally's audit log, oldest entry first."""
        return await self._all(
            select(AuditRow).where(AuditRow.rally_id == rally_id).order_by(AuditRow.at, AuditRow.id)
        )


class ProcessedUpdateRepository(_Repository):
    """Telegram update ids already handled, so a redelivered update is ignored."""

    async def claim(self, rally_id: str, update_id: int, *, at: datetime) -> bool:
        """Mark the update as handled in this transaction; False if it already was.

        The mark is rolled back with the transaction, so an update whose handling failed is
        handled again when Telegram redelivers it.
        """
        return await self._insert_unless_present(
            ProcessedUpdateRow, {"rally_id": rally_id, "update_id": update_id, "at": at}
        )


class PhotoRepository(_Repository):
    """Team photos sent for photo missions and their review."""

    async def add(
        self,
        *,
        rally_id: str,
        team_id: int,
        stage_id: str,
        player_id: int | None,
        file_id: str,
        points: int,
        at: datetime,
    ) -> PhotoRow:
        """Store a photo waiting for review."""
        return await self._add(
            PhotoRow(
                rally_id=rally_id,
                team_id=team_id,
                stage_id=stage_id,
                player_id=player_id,
                file_id=file_id,
                status="pending",
                points=points,
                created_at=at,
            )
        )

    async def get(self, photo_id: int) -> PhotoRow | None:
        """Return the photo with this id, if any."""
        return await self._get(PhotoRow, photo_id)

    async def approved(self, team_id: int) -> Sequence[PhotoRow]:
        """The team's approved photos."""
        return await self._all(
            select(PhotoRow).where(PhotoRow.team_id == team_id, PhotoRow.status == "approved")
        )

    async def pending(self, rally_id: str) -> Sequence[PhotoRow]:
        """Photos of the rally waiting for a verdict, oldest first."""
        return await self._all(
            select(PhotoRow)
            .where(PhotoRow.rally_id == rally_id, PhotoRow.status == "pending")
            .order_by(PhotoRow.id)
        )


class BroadcastRepository(_Repository):
    """Organisers' broadcasts (and other messages sent to many players through the outbox)."""

    async def add(
        self,
        *,
        rally_id: str,
        actor_user_id: int,
        actor_chat_id: int | None,
        kind: str,
        target: str | None,
        text: str,
        translations: dict[str, Any],
        at: datetime,
    ) -> BroadcastRow:
        """Store a new broadcast created `at`, not yet finished."""
        return await self._add(
            BroadcastRow(
                rally_id=rally_id,
                actor_user_id=actor_user_id,
                actor_chat_id=actor_chat_id,
                kind=kind,
                target=target,
                text=text,
                translations=translations,
                created_at=at,
                finished_at=None,
            )
        )

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        """Return the broadcast with this id, if any."""
        return await self._get(BroadcastRow, broadcast_id)

    async def unfinished(self, rally_id: str) -> Sequence[BroadcastRow]:
        """Broadcasts still being delivered (or whose end was not recorded yet), oldest first."""
        return await self._all(
            select(BroadcastRow)
            .where(BroadcastRow.rally_id == rally_id, BroadcastRow.finished_at.is_(None))
            .order_by(BroadcastRow.id)
        )

    async def finish(self, broadcast_id: int, *, at: datetime) -> bool:
        """Mark the broadcast finished `at`; False if it already was (someone else finished it).

        A conditional UPDATE, so that of two workers finishing the same broadcast at once only
        one goes on to report it.
        """
        statement = (
            update(BroadcastRow)
            .where(BroadcastRow.id == broadcast_id, BroadcastRow.finished_at.is_(None))
            .values(finished_at=at)
            .execution_options(synchronize_session=False)
        )
        with conflicts_as_concurrent_change():
            result = await self._session.execute(statement)
        return cast("CursorResult[Any]", result).rowcount == 1


class NewsEntry(NamedTuple):
    """A teammate's news to store: where, for whom, what, its topic, whom, its keyboard."""

    chat_id: int
    player_id: int | None
    text: str
    topic: str
    subject: str | None = None
    markup: str | None = None
    voices: str | None = None
    """The voices to play after it (`bot.core.voices` keys, space-separated)."""


OUTBOX = cast("Table", OutboxRow.__table__)
"""The tables written in bulk through Core (the ORM's bulk insert costs five times more)."""
INBOX = cast("Table", InboxRow.__table__)

NEWS_PER_CHAT = 200
"""The most pending news of one chat read at once (a chat has rarely more than a few dozen)."""


class PendingNewsRow(NamedTuple):
    """A teammate's news waiting in the outbox, with its reader's language."""

    id: int
    chat_id: int
    player_id: int | None
    text: str
    topic: str | None
    subject: str | None
    markup: str | None
    language: str | None
    voices: str | None


class OutboxEntry(NamedTuple):
    """One message to store in the outbox: where, for whom, what, and its starting status."""

    chat_id: int
    player_id: int | None
    text: str
    status: str = "pending"
    voices: str | None = None
    """The voices to play after it (`bot.core.voices` keys, space-separated)."""


class OutboxRepository(_Repository):
    """Messages waiting to be sent, and what became of the ones sent."""

    async def add_many(
        self,
        rally_id: str,
        broadcast_id: int | None,
        entries: Sequence[OutboxEntry],
        *,
        at: datetime,
    ) -> int:
        """Store many messages in one executemany INSERT (no flush per row); returns how many."""
        if not entries:
            return 0
        values = [
            {
                "rally_id": rally_id,
                "broadcast_id": broadcast_id,
                "chat_id": entry.chat_id,
                "player_id": entry.player_id,
                "text": entry.text,
                "status": entry.status,
                "attempts": 0,
                "created_at": at,
                "voices": entry.voices,
            }
            for entry in entries
        ]
        with conflicts_as_concurrent_change():
            await self._session.execute(insert(OutboxRow), values)
        return len(values)

    async def claim(
        self, rally_id: str, *, limit: int, exclude: Collection[int] = ()
    ) -> Sequence[OutboxRow]:
        """Pending broadcast messages in id order, locked until the transaction ends.

        PostgreSQL renders `FOR UPDATE SKIP LOCKED`: rows another transaction is sending are
        passed over, not waited for. SQLite has no row locks and renders a plain SELECT; its
        single sending process passes the ids it is already sending as `exclude`.
        """
        statement = select(OutboxRow).where(
            OutboxRow.rally_id == rally_id,
            OutboxRow.status == "pending",
            OutboxRow.topic.is_(None),
        )
        if exclude:
            statement = statement.where(OutboxRow.id.not_in(list(exclude)))
        return await self._all(
            statement.order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )

    async def add_news(self, rally_id: str, news: Sequence[NewsEntry], *, at: datetime) -> None:
        """Store teammates' news, to be sent coalesced per chat (one executemany INSERT)."""
        if not news:
            return
        values = [
            {
                "rally_id": rally_id,
                "broadcast_id": None,
                "chat_id": entry.chat_id,
                "player_id": entry.player_id,
                "text": entry.text,
                "status": "pending",
                "attempts": 0,
                "created_at": at,
                "topic": entry.topic,
                "subject": entry.subject,
                "markup": entry.markup,
                "voices": entry.voices,
            }
            for entry in news
        ]
        with conflicts_as_concurrent_change():  # Core, not the ORM's bulk insert: 5x cheaper
            await self._session.execute(insert(OUTBOX), values)

    async def pending_news(
        self,
        rally_id: str,
        *,
        chats: int = 1,
        exclude_chats: Collection[int] = (),
        chat_id: int | None = None,
    ) -> list[PendingNewsRow]:
        """The pending news of one chat, or of the `chats` chats (but `exclude_chats`) whose
        news waits longest, all of each (up to `NEWS_PER_CHAT`), oldest first, with its
        reader's language; locked until the transaction ends (PostgreSQL's `FOR UPDATE SKIP
        LOCKED`). Plain rows, not ORM objects: the senders read a lot."""
        pending = (
            OutboxRow.rally_id == rally_id,
            OutboxRow.status == "pending",
            OutboxRow.topic.is_not(None),
        )
        if chat_id is not None:
            which = OutboxRow.chat_id == chat_id
            chats = 1
        else:
            oldest = select(OutboxRow.chat_id).where(*pending)
            if exclude_chats:
                oldest = oldest.where(OutboxRow.chat_id.not_in(list(exclude_chats)))
            oldest = (
                oldest.group_by(OutboxRow.chat_id).order_by(func.min(OutboxRow.id)).limit(chats)
            )
            which = OutboxRow.chat_id.in_(oldest)
        statement = (
            select(
                OutboxRow.id,
                OutboxRow.chat_id,
                OutboxRow.player_id,
                OutboxRow.text,
                OutboxRow.topic,
                OutboxRow.subject,
                OutboxRow.markup,
                PlayerRow.language,
                OutboxRow.voices,
            )
            .outerjoin(PlayerRow, PlayerRow.id == OutboxRow.player_id)
            .where(*pending, which)
            .order_by(OutboxRow.id)
            .limit(chats * NEWS_PER_CHAT)
            .with_for_update(skip_locked=True, of=OutboxRow)
        )
        with conflicts_as_concurrent_change():
            rows = (await self._session.execute(statement)).all()
        return [PendingNewsRow(*row) for row in rows]

    async def finish(
        self, row_ids: Collection[int], status: str, *, error: str | None, at: datetime
    ) -> None:
        """Record one outcome for these messages still pending (one UPDATE)."""
        if not row_ids:
            return
        values: dict[str, Any] = {
            "status": status,
            "attempts": OutboxRow.attempts + 1,
            "last_error": error[:200] if error else None,
        }
        if status == "sent":
            values["sent_at"] = at
        with conflicts_as_concurrent_change():
            await self._session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(list(row_ids)), OutboxRow.status == "pending")
                .values(**values)
            )

    async def lock(self, row_id: int) -> OutboxRow | None:
        """The message if it is still pending, read afresh and locked until the transaction ends.

        None if it was sent (or failed) meanwhile, or if another transaction holds it
        (`FOR UPDATE SKIP LOCKED` on PostgreSQL; a plain SELECT on SQLite).
        """
        return await self._one_or_none(
            select(OutboxRow)
            .where(OutboxRow.id == row_id, OutboxRow.status == "pending")
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )

    async def for_broadcast(self, broadcast_id: int) -> Sequence[OutboxRow]:
        """Every message of a broadcast, in id order."""
        return await self._all(
            select(OutboxRow).where(OutboxRow.broadcast_id == broadcast_id).order_by(OutboxRow.id)
        )

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        """How many messages of a broadcast are in each status (absent statuses omitted)."""
        statement = (
            select(OutboxRow.status, func.count())
            .where(OutboxRow.broadcast_id == broadcast_id)
            .group_by(OutboxRow.status)
        )
        with conflicts_as_concurrent_change():
            rows = (await self._session.execute(statement)).all()
        return {str(status): int(count) for status, count in rows}

    async def pending_count(self, broadcast_id: int) -> int:
        """How many messages of a broadcast are still to be sent."""
        with conflicts_as_concurrent_change():
            count = await self._session.scalar(
                select(func.count()).where(
                    OutboxRow.broadcast_id == broadcast_id, OutboxRow.status == "pending"
                )
            )
        return int(count or 0)


class InboxRepository(_Repository):
    """Telegram updates stored as they came, until handled and then for a while."""

    async def add_new(
        self, bot_id: int, updates: Sequence[tuple[int, str]], *, at: datetime
    ) -> set[int]:
        """Store the updates not stored yet (update id, JSON); the ids stored by this call.

        One statement: `INSERT ... ON CONFLICT DO NOTHING RETURNING update_id` (SQLite 3.35+
        and PostgreSQL), so an update already stored (delivered again) is skipped and not
        returned."""
        if not updates:
            return set()
        values = [
            {"bot_id": bot_id, "update_id": update_id, "payload": payload, "received_at": at}
            for update_id, payload in dict(updates).items()  # one row per id
        ]
        # Core, not the ORM's bulk insert: cheaper, and cached
        statement = self._insert_ignoring(INBOX).returning(INBOX.c.update_id)
        with conflicts_as_concurrent_change():
            stored = await self._session.scalars(statement, values)
            return set(stored)

    async def redact(self, bot_id: int, update_id: int) -> None:
        """Keep only an update's id: what it said must not outlive its handling (a full name
        typed for a certificate). A resumed copy is an empty update, handled as nothing."""
        with conflicts_as_concurrent_change():
            await self._session.execute(
                update(InboxRow)
                .where(InboxRow.bot_id == bot_id, InboxRow.update_id == update_id)
                .values(payload=json.dumps({"update_id": update_id}))
            )

    async def unhandled(self, bot_id: int) -> list[tuple[int, str]]:
        """The stored updates not handled yet, oldest first: (update id, JSON)."""
        rows = await self._session.execute(
            select(InboxRow.update_id, InboxRow.payload)
            .where(InboxRow.bot_id == bot_id, InboxRow.handled_at.is_(None))
            .order_by(InboxRow.update_id)
        )
        return [(update_id, payload) for update_id, payload in rows]

    async def mark_handled(self, bot_id: int, update_ids: Collection[int], *, at: datetime) -> None:
        """Record that these updates were handled."""
        if not update_ids:
            return
        with conflicts_as_concurrent_change():
            await self._session.execute(
                update(InboxRow)
                .where(InboxRow.bot_id == bot_id, InboxRow.update_id.in_(list(update_ids)))
                .values(handled_at=at)
            )

    async def forget_handled(self, bot_id: int, *, before: datetime) -> int:
        """Delete the updates handled before `before`; how many went."""
        with conflicts_as_concurrent_change():
            result = await self._session.execute(
                delete(InboxRow).where(
                    InboxRow.bot_id == bot_id,
                    InboxRow.handled_at.is_not(None),
                    InboxRow.handled_at < before,
                )
            )
        return int(cast("CursorResult[Any]", result).rowcount or 0)


class PurgeCounts(NamedTuple):
    """What a purge of a rally's personal data erases (or would erase), row by row."""

    players: int
    """Players made anonymous: no Telegram id, chat or name; their language and team stay."""
    answers: int
    """Typed answers emptied (right or wrong and the points stay)."""
    positions: int
    """Check-ins and teams' last positions without their coordinates."""
    photos: int
    """Photos without their Telegram file id."""
    messages: int
    """Copies of messages to players (the outbox) deleted."""
    broadcasts: int
    """Organisers' broadcasts without their text and sender."""
    staff_records: int
    """Awards and audit entries without their author, reason and details."""
    updates: int
    """Processed update ids deleted, and the handled updates of the inbox (any rally's: they
    are kept an hour only to recognise one posted again)."""
    survey: int = 0
    """Survey participations deleted (who took the survey); the answers' anonymous counts stay."""

    @property
    def total(self) -> int:
        """Rows touched in all."""
        return sum(self)


class KeptRows(NamedTuple):
    """What the bot keeps about one player, as stored (`PrivacyRepository.kept_about`)."""

    player: PlayerRow
    team: TeamRow | None
    progress: ProgressRow | None
    """Their team's progress, for its last shared position (for the 🆘 alert)."""
    checkins: Sequence[CheckinRow]
    answers: Sequence[AnswerRow]
    hints: Sequence[HintRow]
    photos: Sequence[PhotoRow]
    messages: Sequence[OutboxRow]
    """The copies of messages to them: broadcasts and teammates' news."""
    survey: SurveyParticipationRow | None
    """Whether they took the survey (never their answers: those are counted without them)."""
    mentions: int
    """Copies of messages to others that name them."""
    updates: int
    """Their messages and presses as they came, in the inbox (kept an hour once handled)."""


HANDLED = InboxRow.handled_at.is_not(None)


class PrivacyRepository(_Repository):
    """Erasing a rally's personal data, keeping the anonymous figures (scores, counts)."""

    def _targets(self, rally_id: str) -> list[tuple[str, Any, Any]]:
        """(field of `PurgeCounts`, model, the rows holding personal data still)."""
        return [
            ("players", PlayerRow, PlayerRow.telegram_user_id > 0),
            ("answers", AnswerRow, AnswerRow.given != ""),
            ("positions", CheckinRow, CheckinRow.lat.is_not(None)),
            ("positions", ProgressRow, ProgressRow.last_lat.is_not(None)),
            ("photos", PhotoRow, PhotoRow.file_id != ""),
            ("messages", OutboxRow, OutboxRow.rally_id == rally_id),
            ("broadcasts", BroadcastRow, BroadcastRow.actor_user_id != 0),
            ("staff_records", AwardRow, AwardRow.actor_user_id != 0),
            ("staff_records", AuditRow, AuditRow.actor_user_id != 0),
            ("updates", ProcessedUpdateRow, ProcessedUpdateRow.rally_id == rally_id),
            ("survey", SurveyParticipationRow, SurveyParticipationRow.rally_id == rally_id),
        ]

    async def _handled_updates(self) -> int:
        statement = select(func.count()).select_from(InboxRow).where(HANDLED)
        return int(await self._session.scalar(statement) or 0)

    async def count(self, rally_id: str) -> PurgeCounts:
        """What `purge` would erase now."""
        counts = dict.fromkeys(PurgeCounts._fields, 0)
        for field, model, holding in self._targets(rally_id):
            statement = (
                select(func.count()).select_from(model).where(model.rally_id == rally_id, holding)
            )
            counts[field] += int(await self._session.scalar(statement) or 0)
        counts["updates"] += await self._handled_updates()
        return PurgeCounts(**counts)

    async def purge(self, rally_id: str, *, at: datetime) -> PurgeCounts:
        """Erase the rally's personal data (in the caller's transaction); what it erased."""
        counts = await self.count(rally_id)
        await self._execute(
            _anonymised(PlayerRow.rally_id == rally_id, PlayerRow.telegram_user_id > 0),
            *_emptied(
                AnswerRow.rally_id == rally_id,
                CheckinRow.rally_id == rally_id,
                PhotoRow.rally_id == rally_id,
            ),
            _no_last_position(ProgressRow.rally_id == rally_id),
            _nothing_tried(ProgressRow.rally_id == rally_id),
            update(PhotoRow).where(PhotoRow.rally_id == rally_id).values(reviewer_user_id=None),
            update(VoiceRow).where(VoiceRow.rally_id == rally_id).values(recorded_by=None),
            delete(OutboxRow).where(OutboxRow.rally_id == rally_id),
            update(BroadcastRow)
            .where(BroadcastRow.rally_id == rally_id)
            .values(actor_user_id=0, actor_chat_id=None, text="", translations={}),
            update(AwardRow)
            .where(AwardRow.rally_id == rally_id)
            .values(actor_user_id=0, reason=""),
            update(AuditRow)
            .where(AuditRow.rally_id == rally_id)
            .values(actor_user_id=0, details={}),
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.rally_id == rally_id),
            delete(SurveyParticipationRow).where(SurveyParticipationRow.rally_id == rally_id),
            delete(InboxRow).where(HANDLED),
            update(RallyRow).where(RallyRow.id == rally_id).values(purged_at=at),
        )
        return counts

    async def forget_positions(self, rally_id: str) -> None:
        """Clear every team's last shared position (at the finish: nobody is on its way)."""
        await self._execute(_no_last_position(ProgressRow.rally_id == rally_id))

    async def forget_player(self, player_id: int) -> bool:
        """Erase one player's personal data (in the caller's transaction): the player stays as
        "a former member" of no team (their team's records keep their points), without
        Telegram id, chat or name; their typed answers, positions and photos' file ids are
        emptied (and their team's last position), the copies of messages to them or naming
        them deleted, their survey participation deleted (the answers' anonymous counts stay),
        and the inbox's updates from them or naming them (handled or not: they hold messages
        as they came) and handled ones. False if there is no such player."""
        player = await self._session.get(PlayerRow, player_id)
        if player is None:
            return False
        rally_id, team_id = player.rally_id, player.team_id
        naming = _to_or_naming(player)
        theirs = _updates_from_or_naming(player)
        # the team's last position may be the one they shared, its wrong tries theirs
        team = (
            [
                _no_last_position(ProgressRow.team_id == team_id),
                _nothing_tried(ProgressRow.team_id == team_id),
            ]
            if team_id
            else []
        )
        await self._execute(
            _anonymised(PlayerRow.id == player_id, team_id=None),
            *_emptied(
                AnswerRow.player_id == player_id,
                CheckinRow.player_id == player_id,
                PhotoRow.player_id == player_id,
            ),
            delete(OutboxRow).where(OutboxRow.rally_id == rally_id, naming),
            delete(SurveyParticipationRow).where(SurveyParticipationRow.player_id == player_id),
            delete(InboxRow).where(or_(HANDLED, theirs)),
            # what they did themselves, audited ("left for another rally"), by nobody now
            update(AuditRow)
            .where(
                AuditRow.rally_id == rally_id,
                AuditRow.actor_user_id == player.telegram_user_id,
            )
            .values(actor_user_id=0, details={}),
            *team,
        )
        return True

    async def kept_about(self, player: PlayerRow) -> KeptRows:
        """Everything about one player that `forget_player` erases or leaves to "a former
        member" (`/mydata`): the same rows, read instead of erased."""
        mine = OutboxRow.chat_id == player.chat_id
        team = progress = None
        if player.team_id is not None:
            team = await self._get(TeamRow, player.team_id)
            progress = await self._get(ProgressRow, player.team_id)
        with conflicts_as_concurrent_change():
            mentions = await self._session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.rally_id == player.rally_id, _to_or_naming(player), ~mine)
            )
            updates = await self._session.scalar(
                select(func.count())
                .select_from(InboxRow)
                .where(_updates_from(player.telegram_user_id))
            )
        return KeptRows(
            player=player,
            team=team,
            progress=progress,
            checkins=await self._all(
                select(CheckinRow)
                .where(CheckinRow.player_id == player.id)
                .order_by(CheckinRow.at, CheckinRow.id)
            ),
            answers=await self._all(
                select(AnswerRow)
                .where(AnswerRow.player_id == player.id)
                .order_by(AnswerRow.at, AnswerRow.id)
            ),
            hints=await self._all(
                select(HintRow)
                .where(HintRow.player_id == player.id)
                .order_by(HintRow.at, HintRow.id)
            ),
            photos=await self._all(
                select(PhotoRow)
                .where(PhotoRow.player_id == player.id)
                .order_by(PhotoRow.created_at, PhotoRow.id)
            ),
            messages=await self._all(
                select(OutboxRow)
                .where(OutboxRow.rally_id == player.rally_id, mine)
                .order_by(OutboxRow.id)
            ),
            survey=await self._one_or_none(
                select(SurveyParticipationRow).where(SurveyParticipationRow.player_id == player.id)
            ),
            mentions=int(mentions or 0),
            updates=int(updates or 0),
        )

    async def _execute(self, *statements: Any) -> None:
        """Run bulk statements in order (the session's objects are not kept in step)."""
        with conflicts_as_concurrent_change():
            for statement in statements:
                await self._session.execute(statement.execution_options(synchronize_session=False))


def _anonymised(*players: Any, **more: Any) -> Any:
    """Players made "a former member": no Telegram id, chat or name (their language stays)."""
    return (
        update(PlayerRow)
        .where(*players)
        .values(
            telegram_user_id=-PlayerRow.id,  # unique, and nobody's
            chat_id=-PlayerRow.id,
            display_name="",
            reachable=False,
            last_seen_at=PlayerRow.created_at,
            **more,
        )
    )


def _emptied(answers: Any, checkins: Any, photos: Any) -> list[Any]:
    """What players typed, where they checked in, and their photos' file ids, emptied."""
    return [
        update(AnswerRow).where(answers).values(given=""),
        update(CheckinRow).where(checkins).values(lat=None, lon=None, accuracy_m=None),
        update(PhotoRow).where(photos).values(file_id=""),
    ]


def _nothing_tried(teams: Any) -> Any:
    """Teams' wrong answers to their current question, as typed, forgotten (a wrong answer
    typed again then costs an attempt again: the only effect on play)."""
    return update(ProgressRow).where(teams).values(tried=[])


def _no_last_position(teams: Any) -> Any:
    """Teams' last shared positions cleared."""
    return update(ProgressRow).where(teams).values(last_lat=None, last_lon=None)


def _to_or_naming(player: PlayerRow) -> Any:
    """The outbox's copies of messages to the player, or naming them to anyone of the rally
    ("✅ Zainab checked your team in"; "Zainab joined", summed up by name when it is sent)."""
    name = player.display_name
    naming = OutboxRow.chat_id == player.chat_id
    if name:
        naming = or_(naming, OutboxRow.subject == name)
    if len(name) >= 2:  # a one-letter name would match every message
        naming = or_(naming, OutboxRow.text.contains(name, autoescape=True))
    return naming


def _updates_from(user_id: int) -> Any:
    """The inbox's updates that came from this Telegram user, handled or not (their name,
    their texts, as they came)."""
    return or_(
        InboxRow.payload.contains(f'"id": {user_id},', autoescape=True),
        InboxRow.payload.contains(f'"id": {user_id}}}', autoescape=True),
    )


def _updates_from_or_naming(player: PlayerRow) -> Any:
    """The inbox's updates from the player, or naming them: an organiser's press on a message
    that names them holds that message as it came. (One still being handled is then not
    handled again after a crash: its decision is already stored.)"""
    theirs = _updates_from(player.telegram_user_id)
    if len(player.display_name) >= 2:  # a one-letter name would match every update
        stored = json.dumps(player.display_name)[1:-1]  # as PTB writes it: non-ASCII escaped
        theirs = or_(theirs, InboxRow.payload.contains(stored, autoescape=True))
    return theirs


def anonymous(player: PlayerRow) -> bool:
    """Whether the player was made "a former member" (`_anonymised`): nothing of them is left."""
    return player.telegram_user_id <= 0


class VoiceRepository(_Repository):
    """The voices of a rally's texts: recorded, from files, or synthetic drafts."""

    async def all(self, rally_id: str) -> Sequence[VoiceRow]:
        """Every voice of the rally."""
        return await self._all(
            select(VoiceRow).where(VoiceRow.rally_id == rally_id).order_by(VoiceRow.id)
        )

    async def find(self, rally_id: str, key: str, language: str, source: str) -> VoiceRow | None:
        """The voice of this text, language and source, if any."""
        return await self._one_or_none(
            select(VoiceRow).where(
                VoiceRow.rally_id == rally_id,
                VoiceRow.key == key,
                VoiceRow.language == language,
                VoiceRow.source == source,
            )
        )

    async def get(self, row_id: int) -> VoiceRow | None:
        """A voice by its id."""
        return await self._get(VoiceRow, row_id)

    async def add(self, row: VoiceRow) -> VoiceRow:
        """Store a new voice."""
        return await self._add(row)


class SurveyRepository(_Repository):
    """The end-of-rally survey, in two tables never joined: who took part (by player), and the
    anonymous counts of the answers (`bot.core.survey` says why)."""

    async def participation(self, rally_id: str, player_id: int) -> SurveyParticipationRow | None:
        """The player's participation in the survey, if they started it."""
        return await self._one_or_none(
            select(SurveyParticipationRow).where(
                SurveyParticipationRow.rally_id == rally_id,
                SurveyParticipationRow.player_id == player_id,
            )
        )

    async def participants(self, rally_id: str) -> set[int]:
        """The ids of the players who started the survey (answered or not)."""
        with conflicts_as_concurrent_change():
            found = await self._session.scalars(
                select(SurveyParticipationRow.player_id).where(
                    SurveyParticipationRow.rally_id == rally_id
                )
            )
            return set(found)

    async def add_participation(
        self, rally_id: str, player_id: int, *, status: str, next_question: int, at: datetime
    ) -> SurveyParticipationRow:
        """Store a player's first step in the survey (a second one for them is a conflict)."""
        return await self._add(
            SurveyParticipationRow(
                rally_id=rally_id,
                player_id=player_id,
                status=status,
                next_question=next_question,
                at=at,
            )
        )

    async def prepare_counters(
        self, rally_id: str, counters: Sequence[tuple[str, str, int]]
    ) -> None:
        """Make the missing counters (question id, language, choice) at zero, in the order
        given: all of them at once, before any is counted, so the order the rows were written
        in is the rally file's, not the order in which answers first came."""
        with conflicts_as_concurrent_change():
            stored = await self._session.execute(
                select(
                    SurveyTallyRow.question_id, SurveyTallyRow.language, SurveyTallyRow.choice
                ).where(SurveyTallyRow.rally_id == rally_id)
            )
            known = {(question, language, choice) for question, language, choice in stored}
            missing = [counter for counter in counters if counter not in known]
            if not missing:
                return
            await self._session.execute(
                self._insert_ignoring(SurveyTallyRow),
                [
                    {
                        "rally_id": rally_id,
                        "question_id": question_id,
                        "language": language,
                        "choice": choice,
                        "count": 0,
                    }
                    for question_id, language, choice in missing
                ],
            )

    async def count(
        self, rally_id: str, question_id: str, language: str, choice: int | None
    ) -> None:
        """Add one to the counter of this choice in this language (None: a question skipped,
        nothing added).

        Every counter of the question is rewritten, the chosen one + 1 and the others + 0: a
        database's own bookkeeping (PostgreSQL's row versions and their transaction ids, the
        rows' physical order) then shows that someone passed this question, not what they
        chose nor whether they skipped it.
        """
        chosen = (
            and_(SurveyTallyRow.language == language, SurveyTallyRow.choice == choice)
            if choice is not None
            else false()
        )
        with conflicts_as_concurrent_change():
            await self._session.execute(
                update(SurveyTallyRow)
                .where(
                    SurveyTallyRow.rally_id == rally_id,
                    SurveyTallyRow.question_id == question_id,
                )
                .values(count=SurveyTallyRow.count + case((chosen, 1), else_=0))
                .execution_options(synchronize_session=False)
            )

    async def tallies(self, rally_id: str) -> Sequence[SurveyTallyRow]:
        """Every counter of the rally's survey."""
        return await self._all(
            select(SurveyTallyRow)
            .where(SurveyTallyRow.rally_id == rally_id)
            .order_by(SurveyTallyRow.question_id, SurveyTallyRow.language, SurveyTallyRow.choice)
        )
