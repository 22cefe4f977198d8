"""A team's progress through its route: the engine's only state."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.core.content import Rally, RoutePolicy


class TeamState(enum.StrEnum):
    """Where a team is in the rally."""

    WAITING = "waiting"  # the rally has not started for this team
    EN_ROUTE = "en_route"  # clue shown, heading to the current stage
    CHECKED_IN = "checked_in"  # arrived at the current stage, questions not begun
    ANSWERING = "answering"  # answering question `question_index` of the current stage
    FINISHED = "finished"  # every stage done


@dataclass(frozen=True)
class Progress:
    """A team's whole position in the rally; the engine's only state."""

    state: TeamState
    route: tuple[str, ...]
    stage_index: int = 0
    question_index: int = 0
    attempts_used: int = 0
    hints_used: int = 0
    score: int = 0
    tried: tuple[str, ...] = ()  # wrong answers already given to the current question
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def stage_id(self) -> str | None:
        """The stage the team is heading to or at, None before the start and after the end."""
        if self.state in (TeamState.WAITING, TeamState.FINISHED):
            return None
        return self.route[self.stage_index]

    @property
    def stages_done(self) -> int:
        """How many stages of the route are complete."""
        return len(self.route) if self.state is TeamState.FINISHED else self.stage_index


def route_for(rally: Rally, position: int) -> tuple[str, ...]:
    """The order of stages for the team at `position` (0-based) under the rally's policy."""
    ids = tuple(stage.id for stage in rally.stages)
    if rally.route.policy is RoutePolicy.FIXED or not ids:
        return ids
    shift = position % len(ids)
    return ids[shift:] + ids[:shift]


def new_progress(rally: Rally, position: int) -> Progress:
    """A team's progress before the start."""
    return Progress(state=TeamState.WAITING, route=route_for(rally, position))
