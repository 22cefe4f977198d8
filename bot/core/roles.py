"""Staff roles: organisers and admins, named by Telegram user id in the settings or rally file."""

from __future__ import annotations

import enum
from typing import Protocol

from bot.core.content import Rally


class StaffIds(Protocol):
    """The staff named for every rally (the deployment's settings: RALLY_ADMINS, ...)."""

    @property
    def rally_admins(self) -> frozenset[int]:
        """Admins of every rally."""

    @property
    def rally_organisers(self) -> frozenset[int]:
        """Organisers of every rally."""


class Role(enum.StrEnum):
    """What a user may do: play, organise, or run the day."""

    PLAYER = "player"
    ORGANISER = "organiser"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Higher for more rights (an admin outranks an organiser)."""
        return list(Role).index(self)


def admins(settings: StaffIds, rally: Rally) -> frozenset[int]:
    """Admins: scores, exports, the timeline, corrections, team management (and all else)."""
    return settings.rally_admins | frozenset(rally.staff.admins)


def organisers(settings: StaffIds, rally: Rally) -> frozenset[int]:
    """Everyone with organiser rights: broadcasts, progress, staffed check-ins, photo review."""
    return admins(settings, rally) | settings.rally_organisers | frozenset(rally.staff.organisers)


def role_of(settings: StaffIds, rally: Rally, user_id: int) -> Role:
    """A user's highest role."""
    if user_id in admins(settings, rally):
        return Role.ADMIN
    if user_id in organisers(settings, rally):
        return Role.ORGANISER
    return Role.PLAYER


def recorders(settings: StaffIds, rally: Rally) -> frozenset[int]:
    """Who may record the voices of the rally's texts (`/record`): staff and translators."""
    return organisers(settings, rally) | frozenset(rally.staff.translators)
