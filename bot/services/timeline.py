"""The day's timeline: open, start, pause, resume, finish (the moves of `bot.core.phase`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.engine import StartRoute, TeamState, decide
from bot.core.phase import Move, RallyPhase, after_move
from bot.services.base import Services, progress_of, store_progress
from bot.services.play import Outcome
from bot.services.views import Member, TeamView
from bot.storage.uow import SqlUnitOfWork


@dataclass(frozen=True)
class PhaseChange:
    """The result of a timeline move; `team_outcomes` carry the first clues at the start."""

    done: bool
    before: RallyPhase
    after: RallyPhase
    team_outcomes: tuple[Outcome, ...] = field(default=())


class TimelineService:
    """Moves the rally through its phases, audited."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.rally = services.rally

    async def phase(self) -> RallyPhase:
        """The rally's current phase."""
        async with self.services.new_uow() as uow:
            row = await uow.rallies.get(self.rally.id)
            return RallyPhase(row.phase) if row else RallyPhase.DRAFT

    async def move(self, move: Move, actor_user_id: int) -> PhaseChange:
        """Make a move if the current phase allows it; starting gives every team its first clue."""

        async def work(uow: SqlUnitOfWork) -> PhaseChange:
            now = self.services.clock()
            row = await uow.rallies.ensure(self.rally.id, at=now)
            before = RallyPhase(row.phase)
            after = after_move(before, move)
            if after is None:
                return PhaseChange(False, before, before)
            row.phase = after.value
            if move is Move.OPEN:
                row.opened_at = now
            elif move is Move.START:
                row.started_at = now
            elif move is Move.PAUSE:
                row.paused_at = now
            elif move is Move.FINISH:
                row.finished_at = now
                await uow.privacy.forget_positions(self.rally.id)  # no team is on its way now
            outcomes: list[Outcome] = []
            if move is Move.START:
                teams = await uow.teams.list(self.rally.id)
                locked = await uow.progress.list_for_update(self.rally.id)
                rows = {row.team_id: row for row in locked}
                players = await uow.players.members_by_team(self.rally.id)
                for team in teams:
                    progress = rows[team.id]
                    current = progress_of(progress)
                    if current.state is not TeamState.WAITING:
                        continue
                    decision = decide(self.rally, RallyPhase.RUNNING, current, StartRoute(), now)
                    store_progress(progress, decision.progress, now)
                    members = tuple(Member.of(p) for p in players.get(team.id, ()))
                    view = TeamView.of(team, members, decision.progress)
                    outcome = Outcome(decision.events, view, changed=True)
                    await self.services.stage_news(uow, outcome)
                    outcomes.append(outcome)
            await uow.audit.log(
                self.rally.id, actor_user_id, move.value, {"from": before.value}, at=now
            )
            await uow.commit()
            return PhaseChange(True, before, after, tuple(outcomes))

        return await self.services.retrying(work)
