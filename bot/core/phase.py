"""The day's phases: what the admins move the rally through."""

from __future__ import annotations

import enum


class RallyPhase(enum.StrEnum):
    """The day's timeline, run by the admins."""

    DRAFT = "draft"
    OPEN = "open"  # teams may join
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
