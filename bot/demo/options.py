"""What `python -m bot demo` was asked: whose chair, how fast the simulated teams play, where."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from bot.demo.terminal import FILES


class Seat(enum.StrEnum):
    """Whose chair the person at the keyboard sits in."""

    PLAYER = "player"
    """A team's: they play the rally (the demo's first form)."""
    ORGANISER = "organiser"
    """An organiser's: simulated teams play, they follow them, review photos, broadcast."""
    ADMIN = "admin"
    """An admin's: an organiser's chair, with the scores, the exports and the day's timeline."""


@dataclass(frozen=True)
class DemoOptions:
    """How the demo runs."""

    seat: Seat = Seat.PLAYER
    pace: float = 1.0
    """The simulated teams' delays, scaled: 0.5 plays the day twice as fast (staff seats)."""
    port: int = 0
    """The dashboard's port on 127.0.0.1 (0: any free one; staff seats)."""
    open_browser: bool = False
    """Open the dashboard in this computer's browser (staff seats)."""
    files: Path = FILES
    """Where the documents and photos the bot sends are written."""
