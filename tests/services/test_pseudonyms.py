"""Pseudonyms of the pseudonymised export: a team's code and a number, in join order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.exports import pseudonyms
from bot.storage.models import PlayerRow, TeamRow

START = datetime(2026, 5, 16, 9, tzinfo=UTC)
TEAMS = {1: TeamRow(id=1, code="PUY63"), 2: TeamRow(id=2, code="PARU63")}


def player(
    player_id: int, team_id: int | None, joined_minute: int, *, erased: bool = False
) -> PlayerRow:
    """A player who joined `team_id` that many minutes after the start (erased: a former member)."""
    return PlayerRow(
        id=player_id,
        telegram_user_id=-player_id if erased else 1000 + player_id,
        team_id=team_id,
        joined_at=START + timedelta(minutes=joined_minute),
        created_at=START,
    )


@pytest.mark.parametrize(
    ("players", "records", "expected"),
    [
        pytest.param(
            [player(1, 1, 5), player(2, 1, 1), player(3, 2, 3)],
            [],
            {(1, 2): "PUY63-1", (1, 1): "PUY63-2", (2, 3): "PARU63-1"},
            id="members-in-join-order-not-id-order",
        ),
        pytest.param(
            [player(1, 2, 9), player(2, 1, 1)],
            [(1, 1), (1, 2), (1, 1)],  # player 1 played in team 1 before moving to team 2
            {(1, 2): "PUY63-1", (1, 1): "PUY63-2", (2, 1): "PARU63-1"},
            id="a-player-who-left-numbered-after-the-members-once",
        ),
        pytest.param(
            [player(1, 1, 1, erased=True), player(2, None, 2, erased=True), player(3, 1, 3)],
            [(1, 2), (1, 1), (1, None)],
            {(1, 3): "PUY63-1"},
            id="former-members-and-staff-records-get-none",
        ),
    ],
)
def test_pseudonyms(
    players: list[PlayerRow],
    records: list[tuple[int, int | None]],
    expected: dict[tuple[int, int], str],
) -> None:
    assert pseudonyms(TEAMS, players, records) == expected
