"""Plain snapshots of stored rows, safe to use after the unit of work is closed."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.engine import Progress
from bot.storage.models import PlayerRow, TeamRow


@dataclass(frozen=True)
class Member:
    """A player as the Telegram layer needs them: where to write and in which language."""

    player_id: int
    user_id: int
    chat_id: int
    name: str
    language: str
    team_id: int | None
    reachable: bool = True
    informed: bool = False
    """They acknowledged the information notice (`PlayerRow.notice_acknowledged_at`)."""
    pending_code: str | None = None
    """The join code that waits for their acknowledgement."""
    voice: bool = False
    """🔊 on: the rally's texts also come to them as voice messages."""

    @classmethod
    def of(cls, row: PlayerRow) -> Member:
        """Snapshot of a player row."""
        return cls(
            row.id,
            row.telegram_user_id,
            row.chat_id,
            row.display_name,
            row.language,
            row.team_id,
            row.reachable,
            row.notice_acknowledged_at is not None,
            row.pending_code,
            row.voice,
        )


@dataclass(frozen=True)
class TeamView:
    """A team, its members and where it is."""

    id: int
    name: str
    code: str
    position: int
    members: tuple[Member, ...]
    progress: Progress

    @classmethod
    def of(cls, row: TeamRow, members: tuple[Member, ...], progress: Progress) -> TeamView:
        """Snapshot of a team row with its members and progress."""
        return cls(row.id, row.name, row.code, row.position, members, progress)
