"""Throttling repeated failures: a sliding window over their times, and the wait it imposes.

A join code is short enough to guess by trying many: after `WRONG_JOIN_CODES.limit` wrong codes
within `WRONG_JOIN_CODES.span`, a user waits until the oldest of them leaves the window before
any code of theirs is even looked up again. Only failures count (a code refused while waiting
is not one), so waiting is always enough to try again.

The failures are kept in memory (`Throttle`): a restart forgets them, which gives a guesser one
more window of tries at most; a bot restarted that often has other problems.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class SlidingWindow:
    """At most `limit` failures within any `span` of time."""

    limit: int
    span: timedelta

    def __post_init__(self) -> None:
        if self.limit < 1 or self.span <= timedelta(0):
            raise ValueError("a sliding window needs a positive limit and span")

    def recent(self, failures: Iterable[datetime], now: datetime) -> list[datetime]:
        """The failures still inside the window at `now`, oldest first."""
        return sorted(moment for moment in failures if now - moment < self.span)

    def wait(self, failures: Iterable[datetime], now: datetime) -> timedelta | None:
        """How long until one more try is allowed after these failures; None: allowed now."""
        recent = self.recent(failures, now)
        if len(recent) < self.limit:
            return None
        # allowed again once only limit - 1 of them are left in the window
        return recent[-self.limit] + self.span - now


WRONG_JOIN_CODES = SlidingWindow(limit=5, span=timedelta(minutes=1))
"""Five wrong join codes a minute, then a wait."""


class Throttle(Generic[K]):
    """Each key's recent failures (in memory), judged by a sliding window."""

    def __init__(self, window: SlidingWindow) -> None:
        self.window = window
        self._failures: dict[K, deque[datetime]] = {}

    def wait(self, key: K, now: datetime) -> timedelta | None:
        """How long `key` must wait before trying again; None if it may try now."""
        failures = self._failures.get(key)
        return self.window.wait(failures, now) if failures else None

    def failed(self, key: K, now: datetime) -> None:
        """Count one failure of `key` at `now` (and forget every failure out of the window)."""
        self._forget_old(now)
        failures = self._failures.setdefault(key, deque(maxlen=self.window.limit))
        failures.append(now)

    def _forget_old(self, now: datetime) -> None:
        """Drop the keys whose failures are all out of the window: memory stays bounded by
        the users who failed within the last span."""
        expired = [
            key for key, failures in self._failures.items() if not self.window.recent(failures, now)
        ]
        for key in expired:
            del self._failures[key]
