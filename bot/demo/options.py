"""What `python -m bot demo` was asked: whose chair, how fast the simulated teams play, where,
and the name the person at the keyboard goes by."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FILES = Path("var") / "demo"
"""Where the demo writes the files the bot sends, by default."""


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
    name: str | None = None
    """The person's first name in Telegram (`--name`; None: their login name, see `person_name`)."""


SEAT_NAMES = {Seat.PLAYER: "Alex", Seat.ORGANISER: "Camille", Seat.ADMIN: "Camille"}
"""The first name of the person at the keyboard when neither `--name` nor a login name says."""
SHARED_ACCOUNTS = frozenset({"root", "user", "admin", "nobody", "guest", "ubuntu", "debian"})
"""Login names that are no one's first name (a container's, a cloud machine's)."""


def person_name(options: DemoOptions, environ: Mapping[str, str]) -> str:
    """The first name the person plays under, as Telegram gives it to the bot: `--name`, else
    their login name (`USER`, `LOGNAME`) when it is a word of letters, else the seat's name."""
    if options.name and options.name.strip():
        return options.name.strip()
    login = environ.get("USER") or environ.get("LOGNAME") or ""
    if len(login) > 1 and login.isalpha() and login.casefold() not in SHARED_ACCOUNTS:
        return login.capitalize()
    return SEAT_NAMES[options.seat]
