"""A fake clock: time moves only when a test says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """A clock for tests, starting on the Clermont rally's morning."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 10, 18, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        """The current fake time."""
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move time forward, e.g. `advance(minutes=5)`."""
        self.current += timedelta(**delta)
        return self.current
