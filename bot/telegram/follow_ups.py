"""An update's reply first; the rest of what it says to its own chat once it has freed its slot.

Many updates answer with several messages: a deep-link join confirms the team, then offers the
language picker and shows the team's step; a right answer gives its verdict, then the next
question. Under a full flood budget each message waits for its turn, and a handler that sends
three holds its slot of the application (`bot.telegram.update_order`) three times as long, so
during a rush new updates cannot even start and every player waits for everyone's second and
third messages.

So the first message an update sends to its own chat is its reply, sent at once at
`Priority.REPLY`; every later one is a follow-up: kept, in order, and sent when the update's
handling is done and its slot is free, at `Priority.FOLLOW_UP` (after the organisers'
broadcasts and alerts, before teammates' news). The chat's next update still waits for its
turn until the follow-ups are sent, so a chat reads everything in the order it was said.

Follow-ups live in memory, not in the outbox: what they say is already stored (the player's
action came first) and `/clue` shows the step again, like any reply that could not be sent.
Outside a chat's turn (the outbox's senders, jobs, an update without a chat) nothing is held
back.

While a chat's update and its follow-ups are under way the chat is busy (`chat_busy`): the
teammates' news for it waits until it is free (`bot.telegram.outbox`), so news decided after a
reply cannot overtake that reply's follow-ups ("the rally has not started yet" after the first
clue, say).
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

FollowUp = Callable[[], Awaitable[bool]]
"""Sends one kept message (or several); whether the chat can still be written to."""


@dataclass
class Turn:
    """The update being handled in its chat's turn: whether it replied, what follows."""

    chat_id: int
    open: bool = True
    """Until the update's handling returns (a task it started must not hold its messages)."""
    replied: bool = False
    later: list[FollowUp] = field(default_factory=list)


_TURN: ContextVar[Turn | None] = ContextVar("rallye_chat_turn", default=None)
_busy: Counter[int] = Counter()
_on_free: list[Callable[[int], None]] = []


@contextlib.contextmanager
def chat_busy(chat_id: int) -> Iterator[None]:
    """An update of this chat is handled, its follow-ups sent: tell listeners when it is over."""
    _busy[chat_id] += 1
    try:
        yield
    finally:
        _busy[chat_id] -= 1
        if not _busy[chat_id]:
            del _busy[chat_id]
            for listener in tuple(_on_free):
                listener(chat_id)


def busy_chats() -> Collection[int]:
    """The chats with an update (or its follow-ups) under way, now."""
    return _busy.keys()


def on_free(listener: Callable[[int], None]) -> None:
    """Call `listener(chat_id)` each time a busy chat becomes free."""
    _on_free.append(listener)


def off_free(listener: Callable[[int], None]) -> None:
    """Stop calling `listener`."""
    with contextlib.suppress(ValueError):
        _on_free.remove(listener)


@contextlib.contextmanager
def turn_of(chat_id: int) -> Iterator[Turn]:
    """Handle an update of this chat: messages to it after the first are kept in the turn."""
    turn = Turn(chat_id)
    token = _TURN.set(turn)
    try:
        yield turn
    finally:
        turn.open = False
        _TURN.reset(token)


def current(chat_id: int) -> Turn | None:
    """The open turn of the update being handled, when it is this chat's."""
    turn = _TURN.get()
    if turn is None or not turn.open or turn.chat_id != chat_id:
        return None
    return turn


async def send_later(turn: Turn) -> None:
    """Send what the update kept, in order; stop at a chat that cannot be written to."""
    for follow_up in turn.later:
        try:
            if not await follow_up():
                return
        except Exception:  # a bug in one follow-up must not stop the chat's next update
            log.exception("a follow-up message to a chat failed")
            return
