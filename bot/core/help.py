"""The 🆘 "we are lost" alert: how often one team may raise it.

A team that presses 🆘 again and again (several phones, an anxious tap) would flood the
organisers with the same alert; within `LOST_COOLDOWN` of the last alert the team is reminded
that help is coming instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

LOST_COOLDOWN = timedelta(minutes=2)


def alert_due(
    last_alert: datetime | None, now: datetime, cooldown: timedelta = LOST_COOLDOWN
) -> bool:
    """Whether a team's 🆘 goes to the organisers now (none sent within the cooldown)."""
    return last_alert is None or now - last_alert >= cooldown
