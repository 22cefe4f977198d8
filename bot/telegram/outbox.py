"""The outbox worker: sends the queued messages of broadcasts, once each, within the flood limits.

Broadcasts (`bot/services/broadcasts.py`) store one outbox row per message with its final text.
This worker sends the pending rows in id order and records each outcome right after Telegram
answers (on PostgreSQL in the same transaction that locked the row for sending):

- accepted: the row is marked `sent` at once, so a restart resumes with the rows still pending
  and sends nothing twice. `stop()` (called from `post_stop`, while the bot's HTTP client is
  still open) lets the sends in flight finish and be recorded; only a crash between Telegram's
  answer and the commit, or a send still unanswered after `STOP_GRACE`, can repeat a message.
- every send goes through the delivery path (`bot.telegram.delivery`) with its one retry
  policy, and its outcome maps to the row (`ROW_STATUS`):
- `RetryAfter` (429): waited out within the policy's bounds; past them the row stays pending
  and is sent later: it is not a failure.
- network errors and timeouts: the policy's attempts with a growing pause, then `failed`.
- `Forbidden` (the player blocked the bot, or never started it): the row is `unreachable` and
  the player is marked unreachable, so later broadcasts skip them until they write again.
- any other refusal (400): `failed`, with Telegram's description.

A row's text is final, in its reader's language (the player's, or the rally's default for a
chat with no player); it leaves in that language's direction (`delivery.send_html`'s `rtl`).

When the last row of a broadcast is done, the organiser who sent it gets a delivery report
(itself a row of the outbox) and the broadcast is marked finished.

Why a small, fixed number of senders. Telegram's 30 messages per second are one budget for the
whole bot, spent by its rate limiter (`bot.telegram.ratelimit`, `RALLY_FLOOD_LIMIT`) for every
request of `application.bot`. The limiter lets a waiting reply to a player go before a waiting
broadcast message, but a message already on its way is not called back: with `CONCURRENCY`
senders (4), at most four broadcast messages are ever in the limiter, and the broadcast still
uses whatever the players leave of the budget. The same bound keeps the worker from holding more
than a few database connections.

Each sender claims a few pending rows at once (`CLAIM_BATCH`, one query) and sends them one by
one; before each send it reads the row again and locks it (`FOR UPDATE SKIP LOCKED` on
PostgreSQL), and the lock is held until the outcome is committed, so two processes (say, during
a rolling restart) never send the same row. SQLite has no row locks: there the bot runs as one
process, the worker keeps the ids it holds in memory, and the fresh read before each send
catches a claim that was read before another sender recorded the row; the bot's only SQLite
connection is not held while Telegram answers: the outcome is recorded in a second transaction.
The worker wakes up as soon as messages are queued (`queued_signal`) and one sender also polls
every `poll_interval` seconds, which resumes the rows a previous process left.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from telegram.ext import ExtBot

from bot.core.voices import VoiceKey
from bot.services.broadcasts import BroadcastService, OutboxStatus, news_signal, queued_signal
from bot.services.news import NewsService, NewsTopic
from bot.services.voices import VoiceService
from bot.storage.repositories import PendingNewsRow
from bot.telegram import delivery, follow_ups
from bot.telegram.delivery import Attempt, SendStatus, send_html, send_voice
from bot.telegram.ratelimit import Priority
from bot.telegram.render.play import PendingNews, team_news
from bot.telegram.render.reply import Reply
from bot.telegram.voices import parse_voices

if TYPE_CHECKING:
    from bot.storage.models import OutboxRow
    from bot.storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

CONCURRENCY = 4
"""Broadcast messages in flight at once: few, so that replies to players never queue long."""
POLL_INTERVAL = 1.0
"""Seconds between looks at the outbox (by one sender) when nobody wakes the worker."""
NEWS_SENDERS = 2
"""News senders side by side (each chat's news by one of them, coalesced)."""
NEWS_CHATS = 16
"""Chats whose news a sender reads at once (one query, all of each chat's), then sends chat
by chat; the other chats are left to the other sender."""
CLAIM_BATCH = 8
"""Messages a sender claims at once (then sends one by one): fewer queries per message."""
STOP_GRACE = 15.0
"""Seconds `stop()` lets in-flight sends finish before cancelling them (they stay pending)."""

ROW_STATUS = {
    SendStatus.SENT: OutboxStatus.SENT,
    SendStatus.UNREACHABLE: OutboxStatus.UNREACHABLE,
    SendStatus.REFUSED: OutboxStatus.FAILED,
    SendStatus.GAVE_UP: OutboxStatus.FAILED,
}
"""What a send's outcome makes of its row; a send still flooded stays pending, for later."""


class ChatNews(NamedTuple):
    """One chat's waiting news as read: its rows, its reader, its messages, and how many
    times news had been queued for the chat then (`NewsService.arrivals`)."""

    row_ids: list[int]
    player_id: int | None
    replies: list[Reply]
    arrivals: int
    language: str


class _StoppingError(Exception):
    """The worker is stopping during a pause between tries: the message stays pending."""


class OutboxWorker:
    """Sends the outbox of one rally through `bot` with a few concurrent senders."""

    def __init__(
        self,
        bot: ExtBot[Any],
        broadcasts: BroadcastService,
        news: NewsService,
        *,
        concurrency: int = CONCURRENCY,
        poll_interval: float = POLL_INTERVAL,
        stop_grace: float = STOP_GRACE,
        claim_batch: int = CLAIM_BATCH,
        voices: VoiceService | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("the outbox needs at least one sender")
        self.bot = bot
        self.services = broadcasts.services
        self.broadcasts = broadcasts
        self.news = news
        self.voices = voices
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.stop_grace = stop_grace
        self.claim_batch = claim_batch
        self._changed = asyncio.Event()
        self._news_changed = asyncio.Event()
        self._stopping = asyncio.Event()
        self._in_flight: set[int] = set()
        self._held: Counter[int | None] = Counter()  # claimed rows per broadcast
        self._tasks: list[asyncio.Task[None]] = []
        self._news_chats: set[int] = set()  # chats whose news a news sender is sending
        self._news_reading = asyncio.Lock()
        self._news_held: set[int] = set()  # chats with news, busy at the last read: wake when free

    # ------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        """Whether the senders are running."""
        return bool(self._tasks)

    def start(self) -> None:
        """Start the senders; they first resume whatever a previous process left pending."""
        if self._tasks:
            raise RuntimeError("the outbox worker is already running")
        self._stopping.clear()
        queued_signal.subscribe(self.services.rally.id, self.wake)
        news_signal.subscribe(self.services.rally.id, self.wake_news)
        follow_ups.on_free(self._chat_freed)
        self._tasks = [
            asyncio.create_task(self._sender(index), name=f"outbox-sender-{index}")
            for index in range(self.concurrency)
        ]
        self._tasks += [
            asyncio.create_task(self._news_sender(), name=f"outbox-news-{index}")
            for index in range(NEWS_SENDERS)
        ]

    def wake_news(self) -> None:
        """Look at the teammates' news now (news was queued)."""
        self._news_changed.set()
        self._news_changed = asyncio.Event()

    def _chat_freed(self, chat_id: int) -> None:
        """A chat whose news was held back while it was busy is free: send it now."""
        if chat_id in self._news_held:
            self._news_held.clear()  # the next read finds what is still held
            self.wake_news()

    def wake(self) -> None:
        """Look at the outbox now (new messages were queued)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def stop(self) -> None:
        """Stop taking new messages; let the sends in flight finish and be recorded."""
        tasks, self._tasks = self._tasks, []
        if not tasks:
            return
        queued_signal.unsubscribe(self.services.rally.id, self.wake)
        news_signal.unsubscribe(self.services.rally.id, self.wake_news)
        follow_ups.off_free(self._chat_freed)
        self._stopping.set()
        self.wake()
        self.wake_news()
        done, late = await asyncio.wait(tasks, timeout=self.stop_grace)
        for task in late:
            log.warning(
                "outbox: a send did not finish within %s s; it stays pending", self.stop_grace
            )
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("outbox sender failed", exc_info=task.exception())

    # ------------------------------------------------------------ teammates' news

    async def _news_sender(self) -> None:
        """Send each chat's pending news, coalesced, one chat at a time per sender."""
        while not self._stopping.is_set():
            changed = self._news_changed
            try:
                if await self._deliver_news():
                    continue
            except Exception:
                log.exception("outbox: news not delivered; trying again shortly")
                await self._pause(self.poll_interval)
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await changed.wait()

    async def _deliver_news(self) -> bool:
        """Send the oldest waiting news, chat by chat, each chat's coalesced; False if none."""
        rally_id = self.services.rally.id
        # a busy chat's news waits for its update's follow-ups (`bot.telegram.follow_ups`)
        busy = {chat for chat in follow_ups.busy_chats() if self.news.arrivals(chat)}
        self._news_held = busy
        async with self.services.new_uow() as uow:
            # one sender reads at a time: on SQLite the rows are not locked, and a second
            # read before the first took its chats would send the same news twice
            async with self._news_reading:
                found = await uow.outbox.pending_news(
                    rally_id, chats=NEWS_CHATS, exclude_chats=self._news_chats | busy
                )
                if not found:
                    return False
                chats = self._news_by_chat(found)
                self._news_chats |= chats.keys()
            if uow.holds_row_locks:  # PostgreSQL: the rows stay locked while they are sent
                try:
                    await self._record_news(uow, await self._send_news(chats))
                finally:
                    self._news_chats -= chats.keys()
                return True
        # SQLite: the bot's only connection is not held while Telegram answers
        try:
            outcomes = await self._send_news(chats)
            async with self.services.new_uow() as uow:
                await self._record_news(uow, outcomes)
        finally:
            self._news_chats -= chats.keys()
        return True

    def _news_by_chat(self, found: Sequence[PendingNewsRow]) -> dict[int, ChatNews]:
        """Each chat's waiting news in the reader's language."""
        catalogs = self.broadcasts.catalogs
        grouped: dict[int, list[PendingNewsRow]] = {}
        for row in found:
            grouped.setdefault(row.chat_id, []).append(row)
        chats = {}
        for chat_id, rows in grouped.items():
            language = rows[0].language or catalogs.default_language
            pending = [
                PendingNews(
                    row.text,
                    joined=row.subject if row.topic == NewsTopic.JOINED else None,
                    markup=row.markup,
                    voices=parse_voices(row.voices),
                )
                for row in rows
            ]
            replies = team_news(catalogs.translator(language), pending)
            chats[chat_id] = ChatNews(
                [row.id for row in rows],
                rows[0].player_id,
                replies,
                self.news.arrivals(chat_id),
                language,
            )
        return chats

    async def _send_news(
        self, chats: dict[int, ChatNews]
    ) -> list[tuple[list[int], int | None, Attempt[Any]]]:
        """Send the chats' news side by side, each chat's in order; the outcome of each
        (stopping: what was not sent stays pending).

        A chat that got more news since the batch was read has its news read again just
        before it is sent: what came goes in the same message, not in one more. The flood
        budget, not this sender, decides when each goes (teammates' news last).
        """

        async def one(chat_id: int, read: ChatNews) -> tuple[list[int], int | None, Attempt[Any]]:
            news = read
            if self.news.arrivals(chat_id) != read.arrivals:
                news = await self._fresh_news(chat_id, read)
            sent = await self._send_all(chat_id, news.replies, news.language)
            if sent is None:
                raise _StoppingError
            return news.row_ids, news.player_id, sent

        results = await asyncio.gather(
            *(one(chat_id, read) for chat_id, read in chats.items()), return_exceptions=True
        )
        outcomes = []
        for result in results:
            if isinstance(result, _StoppingError):
                continue
            if isinstance(result, BaseException):  # that chat's news stays pending, for later;
                log.error("outbox: a chat's news not sent", exc_info=result)  # the rest counts
                continue
            outcomes.append(result)
        return outcomes

    async def _fresh_news(self, chat_id: int, known: ChatNews) -> ChatNews:
        """The chat's news as it is now (SQLite only: on PostgreSQL the batch's rows are
        locked, and what came is sent next round)."""
        async with self.services.new_uow() as uow:
            if uow.holds_row_locks:
                return known
            found = await uow.outbox.pending_news(self.services.rally.id, chat_id=chat_id)
        if len(found) <= len(known.row_ids):
            return known
        return self._news_by_chat(found)[chat_id]

    async def _record_news(
        self, uow: SqlUnitOfWork, outcomes: Sequence[tuple[list[int], int | None, Attempt[Any]]]
    ) -> None:
        """Store what Telegram said of each chat's news, and commit."""
        now = self.services.clock()
        sent_ids: list[int] = []  # most news goes through: one UPDATE for all of it
        for row_ids, player_id, sent in outcomes:
            status = ROW_STATUS.get(sent.status)
            if status is None:  # flooded: the news waits for the next round
                continue
            if status is OutboxStatus.SENT:
                sent_ids += row_ids
                continue
            await uow.outbox.finish(row_ids, status, error=sent.error, at=now)
            if status is OutboxStatus.UNREACHABLE:
                await _mark_unreachable(uow, player_id)
        await uow.outbox.finish(sent_ids, OutboxStatus.SENT, error=None, at=now)
        await uow.commit()

    async def _send_all(
        self, chat_id: int, replies: Sequence[Reply], language: str
    ) -> Attempt[Any] | None:
        """Send the messages in order, each followed by its voices (for a reader with 🔊 on);
        the first message that fails (or the last) says what came of them."""
        sent: Attempt[Any] | None = Attempt(SendStatus.SENT, 0)  # nothing to say: done
        rtl = self._rtl(language)
        for reply in replies:
            sent = await self._send(chat_id, reply, rtl=rtl, priority=Priority.TEAM)
            if sent is None or not sent.sent:
                return sent
            for key in reply.voices:
                await self._play(chat_id, key, language)
        return sent

    async def _play(self, chat_id: int, key: VoiceKey, language: str) -> None:
        """A voice after its text; one that cannot go is left out (its text went)."""
        voice = self.voices.voice(key, language) if self.voices is not None else None
        if voice is None or self.voices is None:
            return
        done = await send_voice(
            self.bot, chat_id, voice, voices=self.voices, priority=Priority.TEAM
        )
        if not done.sent:
            log.info("outbox: a voice to chat %s not sent: %s", chat_id, done.error)

    # ------------------------------------------------------------ sending

    async def _sender(self, index: int) -> None:
        # One sender polls the outbox and finishes broadcasts whose end was not recorded; the
        # others sleep until woken, so an idle bot costs the database two queries a second.
        poller = index == 0
        while not self._stopping.is_set():
            changed = self._changed
            try:
                batch = await self._claim()
                if batch:
                    if len(batch) == self.claim_batch:
                        self.wake()  # there may be more: bring in the senders that sleep
                    await self._deliver_batch(batch)
                    continue
                if poller:
                    await self.broadcasts.complete_all()
            except Exception:
                log.exception("outbox: delivery failed; trying again shortly")
                await self._pause(self.poll_interval)
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval if poller else None):
                    await changed.wait()

    async def _claim(self) -> list[tuple[int, int | None]]:
        """The oldest pending messages no sender of ours holds: (row id, broadcast id)."""
        async with self.services.new_uow() as uow:
            rows = await uow.outbox.claim(
                self.services.rally.id, limit=self.claim_batch, exclude=self._in_flight
            )
            claimed = [(row.id, row.broadcast_id) for row in rows]
        # another sender may have claimed some while this claim was being read
        fresh = [
            (row_id, broadcast) for row_id, broadcast in claimed if row_id not in self._in_flight
        ]
        for row_id, broadcast in fresh:
            self._in_flight.add(row_id)
            self._held[broadcast] += 1
        return fresh

    async def _deliver_batch(self, batch: list[tuple[int, int | None]]) -> None:
        """Send a claimed batch one message at a time; finish broadcasts nothing holds now."""
        remaining = list(batch)
        try:
            while remaining and not self._stopping.is_set():
                row_id, broadcast = remaining[0]
                await self._deliver(row_id)
                remaining.pop(0)
                self._release(row_id, broadcast)
                if broadcast is not None and not self._held[broadcast]:
                    report = await self.broadcasts.complete(broadcast)
                    if report is not None:
                        log.info("outbox: broadcast %s delivered: %s", broadcast, report)
        finally:
            for row_id, broadcast in remaining:  # left pending for later (or the next process)
                self._release(row_id, broadcast)

    def _release(self, row_id: int, broadcast: int | None) -> None:
        self._in_flight.discard(row_id)
        self._held[broadcast] -= 1
        if not self._held[broadcast]:
            del self._held[broadcast]

    async def _deliver(self, row_id: int) -> None:
        """Send one message and record at once what Telegram said."""
        async with self.services.new_uow() as uow:
            row = await uow.outbox.lock(row_id)
            if row is None:  # sent meanwhile, or being sent by another process
                return
            heard, rtl = await self._reader(uow, row)
            if uow.holds_row_locks:
                # PostgreSQL: the row stays locked while it is sent, so no other bot process
                # sharing the database sends it too
                outcome = await self._send(row.chat_id, Reply(row.text), rtl=rtl)
                if outcome is not None:
                    await self._record(uow, row, outcome)
                    await self._play_all(row.chat_id, outcome, heard)
                return
            chat_id, text = row.chat_id, row.text
        # SQLite: one bot process (its other senders skip the ids in flight), and one
        # connection for every update, so it is not held while Telegram answers
        outcome = await self._send(chat_id, Reply(text), rtl=rtl)
        if outcome is None:
            return
        async with self.services.new_uow() as uow:
            row = await uow.outbox.lock(row_id)
            if row is not None:
                await self._record(uow, row, outcome)
        await self._play_all(chat_id, outcome, heard)

    async def _reader(
        self, uow: SqlUnitOfWork, row: OutboxRow
    ) -> tuple[tuple[tuple[VoiceKey, ...], str], bool]:
        """What a broadcast's message needs of its reader: the voices to play after it, in
        their language, and whether that language is written right to left."""
        player = await uow.players.get(row.player_id) if row.player_id is not None else None
        if player is None:  # a chat with no player: written in the rally's default language
            return ((), ""), self._rtl(self.broadcasts.catalogs.default_language)
        keys = parse_voices(row.voices)
        return ((keys, player.language) if keys else ((), "")), self._rtl(player.language)

    def _rtl(self, language: str) -> bool:
        """Whether a reader of `language` reads right to left (`bot.i18n.direction`)."""
        return self.broadcasts.catalogs.translator(language).rtl

    async def _play_all(
        self, chat_id: int, outcome: Attempt[Any], heard: tuple[tuple[VoiceKey, ...], str]
    ) -> None:
        keys, language = heard
        if outcome.sent:
            for key in keys:
                await self._play(chat_id, key, language)

    async def _record(self, uow: SqlUnitOfWork, row: OutboxRow, sent: Attempt[Any]) -> None:
        """Store what Telegram said of a message, and commit."""
        status = ROW_STATUS.get(sent.status)
        row.attempts += sent.tries - sent.flood_waits  # a 429 is no failed attempt
        row.last_error = sent.error[:200] if sent.error else None
        if status is None:  # still flooded after the policy's tries: sent later, not failed
            await uow.commit()
            return
        row.status = status
        if status is OutboxStatus.SENT:
            row.sent_at = self.services.clock()
        elif status is OutboxStatus.UNREACHABLE:
            await _mark_unreachable(uow, row.player_id)
        await uow.commit()
        if status is not OutboxStatus.SENT:
            log.info(
                "outbox: message %s to chat %s %s: %s", row.id, row.chat_id, status, sent.error
            )

    async def _send(
        self, chat_id: int, reply: Reply, *, rtl: bool, priority: Priority = Priority.BROADCAST
    ) -> Attempt[Any] | None:
        """Send one message through the delivery path's policy; None if stopping first."""
        # the one retry policy, its pauses ended early when the worker stops
        base = delivery.RETRY
        policy = dataclasses.replace(base, sleep=functools.partial(self._pause_or_stop, base.sleep))
        try:
            return await send_html(
                self.bot,
                chat_id,
                reply,
                rtl=rtl,
                priority=priority,
                what="outbox message",
                policy=policy,
            )
        except _StoppingError:
            return None

    async def _pause_or_stop(
        self, sleep: Callable[[float], Awaitable[object]], seconds: float
    ) -> None:
        """The policy's pause, cut short (raising) when the worker stops meanwhile."""
        pause = asyncio.ensure_future(sleep(seconds))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({pause, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (pause, stopping):
                waiting.cancel()
        if self._stopping.is_set():
            raise _StoppingError

    async def _pause(self, seconds: float) -> bool:
        """Wait `seconds`; True if the worker is stopping meanwhile."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        return self._stopping.is_set()


async def _mark_unreachable(uow: SqlUnitOfWork, player_id: int | None) -> None:
    """The player blocked the bot: later broadcasts and news skip them until they write again."""
    player = await uow.players.get(player_id) if player_id is not None else None
    if player is not None and player.reachable:
        player.reachable = False
