"""Playing: every team action goes through the engine and is stored in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.engine import (
    AnswerRecord,
    Audience,
    AwardRecord,
    CheckInAtLocation,
    CheckInRecord,
    Command,
    Decision,
    HintRecord,
    Progress,
    Record,
    Refusal,
    Refused,
    TeamEvent,
    TeamState,
    decide,
)
from bot.core.geo import Point
from bot.core.phase import PhaseTimes, RallyPhase, phase_when_written
from bot.services.base import Services, progress_of, store_progress
from bot.services.views import Member, TeamView
from bot.storage.models import ProgressRow, RallyRow, TeamRow
from bot.storage.uow import SqlUnitOfWork

LAST_SEEN_STEP = timedelta(minutes=1)
"""A player's last activity is stored to this step: most actions then write one row less."""


@dataclass(frozen=True)
class Outcome:
    """What an action did: the events to tell, and who to tell them to."""

    events: tuple[TeamEvent, ...] = ()
    team: TeamView | None = None
    actor: Member | None = None
    duplicate: bool = False  # this Telegram update was handled before
    changed: bool = False

    @property
    def progress(self) -> Progress | None:
        """The team's progress after the action."""
        return self.team.progress if self.team else None

    def for_audience(self, audience: Audience) -> list[TeamEvent]:
        """The events meant for one audience."""
        return [event for event in self.events if event.audience is audience]


def phase_at(rally: RallyRow, at: datetime) -> RallyPhase:
    """The stored rally's phase when a message dated `at` was written (`phase_when_written`)."""
    times = PhaseTimes(rally.started_at, rally.paused_at, rally.finished_at)
    return phase_when_written(RallyPhase(rally.phase), times, at)


class PlayService:
    """Team actions, from players and from organisers."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.rally = services.rally

    async def act(
        self,
        user_id: int,
        command: Command,
        *,
        at: datetime | None = None,
        update_id: int | None = None,
    ) -> Outcome:
        """A player's action for their team; a Telegram update is handled once only."""

        async def work(uow: SqlUnitOfWork) -> Outcome:
            # Reads first, writes last: on SQLite a transaction takes the database's only
            # write lock at its first write and keeps it until the commit, so every read done
            # after it would make all other writers wait (and poll). The version column of the
            # progress row, and the unique keys of the records and of the claim, catch what
            # changed between the reads and the writes: the decision is then made again.
            player, teammates = await uow.players.with_teammates(self.rally.id, user_id)
            if player is None or player.team_id is None:
                if not await self._claim(uow, update_id):
                    return Outcome(duplicate=True)
                await uow.commit()
                actor = Member.of(player) if player else None
                return Outcome((Refused(Audience.PLAYER, Refusal.NOT_IN_TEAM),), actor=actor)
            now = self._when(at)
            members = tuple(Member.of(p) for p in teammates)
            state = await self._read(uow, player.team_id, members)
            decision = self._judge(state, command, now)
            if not await self._claim(uow, update_id):
                return Outcome(duplicate=True)
            changed = await self._store_decision(uow, state, command, decision, player_id=player.id)
            seen = self.services.clock()
            if seen - player.last_seen_at >= LAST_SEEN_STEP:
                player.last_seen_at = seen
            team = TeamView.of(state.team, members, decision.progress)
            outcome = Outcome(decision.events, team, Member.of(player), changed=changed)
            await self.services.stage_news(uow, outcome)
            await uow.commit()
            return outcome

        return await self.services.retrying(work)

    async def _claim(self, uow: SqlUnitOfWork, update_id: int | None) -> bool:
        """Mark the Telegram update as handled in this transaction; False if it already was."""
        if update_id is None:
            return True
        return await uow.updates.claim(self.rally.id, update_id, at=self.services.clock())

    async def act_for_team(
        self,
        team_id: int,
        command: Command,
        *,
        actor_user_id: int,
        action: str,
        update_id: int | None = None,
    ) -> Outcome:
        """An organiser's action on a team (staffed check-in, skip, correction), audited; a
        Telegram update is applied once only (a correction redelivered after a crash, say)."""

        async def work(uow: SqlUnitOfWork) -> Outcome:
            if not await self._claim(uow, update_id):
                return Outcome(duplicate=True)
            outcome = await self.organiser_decides(
                uow, team_id, command, actor_user_id=actor_user_id, action=action
            )
            await self.services.stage_news(uow, outcome)
            await uow.commit()
            return outcome

        return await self.services.retrying(work)

    async def organiser_decides(
        self,
        uow: SqlUnitOfWork,
        team_id: int,
        command: Command,
        *,
        actor_user_id: int,
        action: str,
        details: dict[str, object] | None = None,
    ) -> Outcome:
        """An organiser's command decided and stored inside the caller's unit of work, audited.

        For services that change something else in the same transaction (a photo approval
        and its points, say); the caller stages what the team is told, and commits.
        """
        now = self.services.clock()
        decision, team, changed = await self._decide(
            uow, team_id, command, now, actor_user_id=actor_user_id
        )
        if changed:
            logged = {
                "team": team.code,
                "command": type(command).__name__,
                **_details(command),
                **(details or {}),
            }
            await uow.audit.log(self.rally.id, actor_user_id, action, logged, at=now)
        return Outcome(decision.events, team, changed=changed)

    def _when(self, at: datetime | None) -> datetime:
        """The time an action counts at: the message's date, never in the future."""
        now = self.services.clock()
        return min(at, now) if at is not None else now

    async def _decide(
        self,
        uow: SqlUnitOfWork,
        team_id: int,
        command: Command,
        now: datetime,
        *,
        actor_user_id: int | None = None,
    ) -> tuple[Decision, TeamView, bool]:
        """Read the team, decide, store the decision (an organiser's action: no player)."""
        members = tuple(Member.of(p) for p in await uow.players.members(team_id))
        state = await self._read(uow, team_id, members)
        decision = self._judge(state, command, now)
        changed = await self._store_decision(
            uow, state, command, decision, actor_user_id=actor_user_id
        )
        return decision, TeamView.of(state.team, members, decision.progress), changed

    async def _read(
        self, uow: SqlUnitOfWork, team_id: int, members: tuple[Member, ...]
    ) -> _TeamState:
        """What a decision about the team needs: the rally's phase, the team, its progress."""
        rally_row = await uow.rallies.ensure(self.rally.id, at=self.services.clock())
        found = await uow.progress.get_with_team_for_update(team_id)
        assert found is not None, f"team {team_id} has no progress row"
        row, team = found
        return _TeamState(rally_row, row, team, members)

    def _judge(self, state: _TeamState, command: Command, now: datetime) -> Decision:
        """The engine's decision on the team's progress as read."""
        phase = phase_at(state.rally_row, now)
        return decide(self.rally, phase, progress_of(state.row), command, now)

    async def _store_decision(
        self,
        uow: SqlUnitOfWork,
        state: _TeamState,
        command: Command,
        decision: Decision,
        *,
        player_id: int | None = None,
        actor_user_id: int | None = None,
    ) -> bool:
        """Store the decision's records and progress; True if it changed the team's progress."""
        row = state.row
        changed = decision.changes(progress_of(row))
        if changed:
            for record in decision.records:
                await self._store(uow, row.team_id, record, player_id, actor_user_id)
            store_progress(row, decision.progress, self.services.clock())
        on_its_way = (
            decision.progress.state is TeamState.EN_ROUTE
            and phase_at(state.rally_row, self.services.clock()) is RallyPhase.RUNNING
        )
        if not on_its_way:  # minimisation: a position is kept for the 🆘 alert only while
            row.last_lat = row.last_lon = None  # the team is on its way in a running rally
        elif isinstance(command, CheckInAtLocation) and Point(command.lat, command.lon).is_valid():
            # the last position a team shared on its way, refused or not: to find it if lost
            row.last_lat, row.last_lon = command.lat, command.lon
        return changed

    async def _store(
        self,
        uow: SqlUnitOfWork,
        team_id: int,
        record: Record,
        player_id: int | None,
        actor_user_id: int | None,
    ) -> None:
        rally_id = self.rally.id
        if isinstance(record, CheckInRecord):
            await uow.records.add_checkin(
                rally_id=rally_id,
                team_id=team_id,
                at=record.at,
                stage_id=record.stage_id,
                player_id=player_id,
                method=record.method.value,
                points=record.points,
                lat=record.lat,
                lon=record.lon,
                accuracy_m=record.accuracy_m,
                distance_m=record.distance_m,
            )
        elif isinstance(record, AnswerRecord):
            await uow.records.add_answer(
                rally_id=rally_id,
                team_id=team_id,
                at=record.at,
                stage_id=record.stage_id,
                question_id=record.question_id,
                player_id=player_id,
                attempt_no=record.attempt_no,
                given=record.given,
                correct=record.correct,
                points=record.points,
            )
        elif isinstance(record, HintRecord):
            await uow.records.add_hint(
                rally_id=rally_id,
                team_id=team_id,
                at=record.at,
                stage_id=record.stage_id,
                hint_index=record.hint_index,
                player_id=player_id,
                penalty=record.penalty,
            )
        elif isinstance(record, AwardRecord):
            if actor_user_id is None:
                raise TypeError("a score correction needs the organiser who made it")
            await uow.records.add_award(
                rally_id=rally_id,
                team_id=team_id,
                at=record.at,
                points=record.points,
                reason=record.reason,
                actor_user_id=actor_user_id,
            )


@dataclass(frozen=True)
class _TeamState:
    """What a decision about a team is made on, as read in its unit of work."""

    rally_row: RallyRow
    row: ProgressRow
    team: TeamRow
    members: tuple[Member, ...]


def _details(command: Command) -> dict[str, object]:
    fields = getattr(command, "__dataclass_fields__", {})
    return {name: getattr(command, name) for name in fields}
