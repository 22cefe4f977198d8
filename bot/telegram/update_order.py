"""Updates of one chat handled one after another; different chats at the same time.

PTB handles up to `concurrent_updates` updates at once, in any order. For a rally that would
let two messages of one chat race: a player who types an answer and, at once, another, could
get the second verdict before the first (seen in the SIGKILL test once the database got fast).
A team sharing one phone writes quickly. `ChatOrderedUpdates` keeps PTB's bound on updates in
flight, and queues the updates of a chat behind the one being handled, in the order they came
(asyncio's locks wake their waiters first come, first served). Teammates on their own phones
still play at the same time; the database settles their races (`bot.services.base.retrying`).
An update waiting for its chat's turn holds one of PTB's slots, as PTB takes the slot first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class ChatOrderedUpdates(BaseUpdateProcessor):
    """PTB's update processor with one queue per chat (per user for updates without a chat)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[tuple[str, int], asyncio.Lock] = {}
        self._holders: dict[tuple[str, int], int] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: every queue empties as its updates are handled."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_of(update)
        if key is None:
            await coroutine
            return
        turn = self._turns.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with turn:
                await coroutine
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:  # the chat's last update: forget its queue
                del self._holders[key]
                del self._turns[key]


def _chat_of(update: object) -> tuple[str, int] | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None
