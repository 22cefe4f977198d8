"""The leaderboard: most points first, then the earliest finish."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Standing:
    """A team's result as the leaderboard needs it."""

    team_id: int
    name: str
    score: int
    stages_done: int
    finished_at: datetime | None


@dataclass(frozen=True)
class Ranked:
    """A team's place on the leaderboard (equal teams share a rank)."""

    rank: int
    standing: Standing


def _rank_key(s: Standing) -> tuple[int, int, float, int]:
    finished = s.finished_at is not None
    when = s.finished_at.timestamp() if s.finished_at else 0.0
    return (-s.score, 0 if finished else 1, when, -s.stages_done)


def rank(standings: Sequence[Standing]) -> list[Ranked]:
    """The leaderboard: most points first, then the earliest finish; unfinished teams after."""
    ordered = sorted(standings, key=lambda s: (*_rank_key(s), s.name.casefold(), s.team_id))
    ranked: list[Ranked] = []
    for position, standing in enumerate(ordered, start=1):
        if ranked and _rank_key(ranked[-1].standing) == _rank_key(standing):
            ranked.append(Ranked(ranked[-1].rank, standing))
        else:
            ranked.append(Ranked(position, standing))
    return ranked
