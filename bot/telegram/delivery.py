"""Sending replies: to the player who acted, and to their teammates in their own languages.

The Bot API fails now and then: a 5xx, a timeout, a dropped connection, a 429 past what the
rate limiter already waited out. Every call here is tried again a few times with a short,
growing pause (`RETRY`). The player's action is stored before its reply is sent, so a reply that
still cannot be sent is logged with its chat id and given up: `/clue` shows the team's step again.

A timed-out send may have reached Telegram all the same (the answer was lost, not the request),
so a retry can show a message twice; for a reply, twice is better than never.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from telegram import CallbackQuery, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.core.engine import Audience, TeamFinished
from bot.services.play import Outcome
from bot.telegram.context import RallyContext
from bot.telegram.ratelimit import Priority, priority_args
from bot.telegram.render.play import Reply, Scene, render

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, a call to the Bot API is tried again."""

    attempts: int = 4
    """Tries in all, the first included."""
    first_backoff: float = 0.5
    """Seconds before the second try after a network error; doubled before each next one."""
    max_backoff: float = 4.0
    max_retry_after: float = 30.0
    """The longest flood wait (a 429's retry_after) waited out; a longer one gives the call up."""
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
    """How to wait between tries (tests pass a fake: they never sleep)."""

    def backoff(self, failed_attempts: int) -> float:
        """The pause after `failed_attempts` network errors in a row."""
        return min(self.first_backoff * 2.0 ** (failed_attempts - 1), self.max_backoff)


RETRY = RetryPolicy()
"""The policy every call here follows; read at each call, so tests can swap it."""


async def with_retries(call: Callable[[], Awaitable[T]], *, chat_id: int | None, what: str) -> T:
    """Run a Bot API call, again after a network error, a timeout or a flood wait.

    Telegram's refusals (BadRequest, Forbidden, ...) are raised at once: trying again would not
    change them. After `RETRY.attempts` failures the last error is raised.
    """
    policy = RETRY
    attempt = 1
    while True:
        try:
            return await call()
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            if attempt >= policy.attempts or wait > policy.max_retry_after:
                raise
            log.info("flood limit on a %s to chat %s: trying again in %.1f s", what, chat_id, wait)
        except BadRequest:  # before NetworkError: PTB derives it from NetworkError
            raise
        except NetworkError as exc:  # 5xx, timeouts, dropped connections
            if attempt >= policy.attempts:
                raise
            wait = policy.backoff(attempt)
            log.info(
                "%s to chat %s failed (%s): attempt %d of %d in %.2f s",
                what,
                chat_id,
                exc.message,
                attempt + 1,
                policy.attempts,
                wait,
            )
        await policy.sleep(wait)
        attempt += 1


async def send(
    context: RallyContext,
    chat_id: int,
    replies: Sequence[Reply],
    *,
    priority: Priority = Priority.REPLY,
) -> Message | None:
    """Send replies to one chat in order; a player who blocked the bot is marked unreachable.

    None if a reply could not be sent; the ones after it are then not tried either. `priority`
    says who goes first when the bot's flood budget is short (`bot.telegram.ratelimit`).
    """
    last = None
    for reply in replies:
        call = functools.partial(
            context.bot.send_message,
            chat_id,
            reply.text,
            parse_mode=ParseMode.HTML,
            reply_markup=reply.markup,
            link_preview_options=NO_PREVIEW,
            rate_limit_args=priority_args(context.bot, priority),
        )
        try:
            last = await with_retries(call, chat_id=chat_id, what="reply")
        except Forbidden:
            log.info("chat %s blocked the bot: marked unreachable", chat_id)
            await context.runtime.teams.mark_unreachable(chat_id)
            return None
        except BadRequest:
            log.exception("Telegram refused a reply to chat %s", chat_id)
            return None
        except (NetworkError, RetryAfter) as exc:
            log.warning(
                "reply to chat %s given up: %s (what it told is stored: /clue shows it again)",
                chat_id,
                exc,
            )
            return None
    return last


async def answer_press(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press (it stops the spinner, or shows `text` as a notice).

    Never stops what follows: a press Telegram no longer takes an answer for (one redelivered
    after a restart, say) still gets its reply in the chat.
    """
    chat_id = query.message.chat.id if query.message is not None else None
    try:
        await with_retries(
            functools.partial(query.answer, text), chat_id=chat_id, what="button answer"
        )
    except BadRequest as exc:
        log.info("button press %s in chat %s left unanswered: %s", query.id, chat_id, exc.message)
    except (NetworkError, RetryAfter) as exc:
        log.warning("button press %s in chat %s left unanswered: %s", query.id, chat_id, exc)


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the pressed message; one already closed or too old is left as is."""
    chat_id = query.message.chat.id if query.message is not None else None
    try:
        await with_retries(
            functools.partial(query.edit_message_reply_markup, reply_markup=None),
            chat_id=chat_id,
            what="buttons removal",
        )
    except BadRequest:
        log.debug("buttons of a message in chat %s already closed", chat_id)
    except (NetworkError, RetryAfter) as exc:
        log.warning("buttons of a message in chat %s left in place: %s", chat_id, exc)


def _seconds(period: int | timedelta) -> float:
    return period.total_seconds() if isinstance(period, timedelta) else float(period)


async def finish_rank(context: RallyContext, outcome: Outcome) -> tuple[int, int] | None:
    """The team's rank when this action finished its route."""
    if outcome.team is None or not any(isinstance(e, TeamFinished) for e in outcome.events):
        return None
    ranking = await context.runtime.leaderboard.ranking()
    for entry in ranking:
        if entry.standing.team_id == outcome.team.id:
            return entry.rank, len(ranking)
    return None


async def tell(
    context: RallyContext, outcome: Outcome, *, chat_id: int | None, quiet: bool = False
) -> None:
    """Tell the actor everything, and each teammate what the team should know, once each.

    `quiet` keeps refusals to the actor unsaid (a live location still moving, say); what the
    whole team must know is always told.
    """
    runtime = context.runtime
    assert runtime.catalogs is not None and runtime.rally is not None
    rank = await finish_rank(context, outcome)
    team = outcome.team
    actor = outcome.actor
    for_team = outcome.for_audience(Audience.TEAM)
    if chat_id is not None and actor is not None:
        mine = [e for e in outcome.events if e.audience in (Audience.PLAYER, Audience.TEAM)]
        if quiet:
            mine = for_team
        scene = Scene(runtime.rally, actor, actor, team, rank)
        await send(context, chat_id, render(context.tr, scene, mine))
    if team is None or not for_team:
        return
    for member in team.members:
        if actor is not None and member.player_id == actor.player_id:
            continue
        if not member.reachable:
            continue
        tr = runtime.catalogs.translator(member.language)
        scene = Scene(runtime.rally, member, actor, team, rank)
        await send(context, member.chat_id, render(tr, scene, for_team), priority=Priority.TEAM)
