"""Flood control: Telegram's 429 answers over a sliding window, on an injectable clock."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable

from loopback.errors import too_many_requests

Clock = Callable[[], float]

COUNTED_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendVoice",
        "sendLocation",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
    }
)


class FloodControl:
    """Limits messages overall and per chat within a sliding window; changeable at runtime."""

    def __init__(
        self,
        clock: Clock,
        *,
        overall_per_second: int | None = 30,
        per_chat_per_second: int | None = None,
        window_seconds: float = 1.0,
    ) -> None:
        self.clock = clock
        self.overall_per_second = overall_per_second
        self.per_chat_per_second = per_chat_per_second
        self.window_seconds = window_seconds
        self.rejections = 0
        self._overall: deque[float] = deque()
        self._per_chat: dict[Hashable, deque[float]] = {}

    def set_limits(
        self, *, overall_per_second: int | None, per_chat_per_second: int | None = None
    ) -> None:
        """Change both limits (None switches a limit off)."""
        self.overall_per_second = overall_per_second
        self.per_chat_per_second = per_chat_per_second

    def reset(self) -> None:
        """Forget every counted message and the rejection count."""
        self._overall.clear()
        self._per_chat.clear()
        self.rejections = 0

    def check(self, chat: Hashable) -> None:
        """Raise a 429 if one more message to `chat` now would exceed a limit."""
        now = self.clock()
        waits = [
            self._wait(self._overall, self.overall_per_second, now),
            self._wait(self._per_chat.get(chat, deque()), self.per_chat_per_second, now),
        ]
        wait = max(waits)
        if wait > 0:
            self.rejections += 1
            raise too_many_requests(max(1, math.ceil(wait)))

    def record(self, chat: Hashable) -> None:
        """Count one message sent to `chat` now."""
        now = self.clock()
        self._overall.append(now)
        self._per_chat.setdefault(chat, deque()).append(now)

    def _wait(self, stamps: deque[float], limit: int | None, now: float) -> float:
        while stamps and stamps[0] <= now - self.window_seconds:
            stamps.popleft()
        if limit is None or len(stamps) < limit:
            return 0.0
        # The message that frees a slot is the one `limit` places back from the newest.
        return stamps[-limit] + self.window_seconds - now
