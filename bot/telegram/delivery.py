"""The one way a message leaves the bot: one retry policy, one flood budget, one priority scheme.

Every call that sends something to Telegram goes through `attempt`, which tries it again after
a 5xx, a timeout, a dropped connection or a 429, within `RETRY`'s bounds, and says what came of
it as a `SendStatus` instead of raising: sent; unreachable (the user blocked the bot); refused
(Telegram will not take it: trying again would not change that); given up (the network or the
flood limit did not let it through in time). Everyone else builds on it:

- `send`: a handler's replies to one chat, in order (a player who blocked the bot is marked
  unreachable); in an update's own chat the first is sent at once, the rest follow once the
  update is done; the player's action is stored before its reply is sent, so a reply that still
  cannot be sent is logged with its chat id and given up: `/clue` shows the team's step again;
- `tell`: the actor's reply, then what each teammate should know, in their own language;
- `tell_staff`: a note (an alert, a photo to review) to every organiser in their language;
- `answer_press`, `remove_buttons`, `send_document`, `set_commands`: the other calls handlers
  make, with the same policy;
- the outbox (`bot.telegram.outbox`) sends broadcasts through `send_html` and maps the same
  statuses to its rows.

Every text and caption leaves as its reader reads: to a reader of a right-to-left language
(Arabic, Dari, Pashto) each line starts with a right-to-left mark unless it starts with a
right-to-left letter already, and so does each inline button's label (`bot.i18n.direction`).
It is done here, once, because only here is every message final: renderers prefix lines with
emoji, join texts and add the rally's id for the staff after translating. Each sender says
whom it writes to: `send` an update's own chat, in `context.tr` (or the `reader` it is
given), `tell_staff` each organiser in their language, the outbox each player in theirs.
Reply keyboards keep their labels as they are: a pressed one comes back as the message's text
(the 🆘 button is recognised by its label).

Priorities (`bot.telegram.ratelimit.Priority`) say who goes first when the flood budget is
short: a player's own reply, then notes to the staff (the 🆘 alert first among them), then
the organisers' broadcasts, then an update's further messages to its chat (its follow-ups,
`bot.telegram.follow_ups`), then teammates' news.

A timed-out send may have reached Telegram all the same (the answer was lost, not the request),
so a retry can show a message twice; for a reply, twice is better than never.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from telegram import (
    BotCommand,
    BotCommandScope,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    MenuButtonWebApp,
    Message,
    WebAppInfo,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.core.engine import Audience, TeamFinished
from bot.core.roles import Role
from bot.core.voices import VoiceKey
from bot.i18n.catalogs import Translator
from bot.i18n.direction import mark_label, mark_lines
from bot.services.leaderboard import rank_of
from bot.services.play import Outcome
from bot.services.views import Member
from bot.services.voices import Voice, VoiceService
from bot.telegram import follow_ups
from bot.telegram.ratelimit import Priority, priority_args
from bot.telegram.render.play import Scene, render
from bot.telegram.render.reply import Markup, Reply
from bot.telegram.team_news import news_of
from bot.telegram.voices import for_reader

if TYPE_CHECKING:
    from bot.telegram.context import RallyContext

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
"""The policy every call follows; read at each call, so tests can swap it."""


class SendStatus(enum.StrEnum):
    """What came of a call to Telegram, after its retries."""

    SENT = "sent"
    UNREACHABLE = "unreachable"  # 403: the user blocked the bot, or never opened it
    REFUSED = "refused"  # 400 and other refusals: trying again would not change them
    GAVE_UP = "gave_up"  # network errors or timeouts, on every try
    FLOODED = "flooded"  # 429s past what the policy waits out: not a failure, just later


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """A call's outcome: its status, the tries it took, Telegram's answer or error."""

    status: SendStatus
    tries: int
    result: T | None = None
    error: str | None = None
    flood_waits: int = 0
    """Tries answered with a 429: waited out, not failures of the message."""

    @property
    def sent(self) -> bool:
        """Whether Telegram took it."""
        return self.status is SendStatus.SENT


async def attempt(
    call: Callable[[], Awaitable[T]],
    *,
    chat_id: int | None,
    what: str,
    policy: RetryPolicy | None = None,
) -> Attempt[T]:
    """Run a Bot API call, again after a network error, a timeout or a flood wait.

    Telegram's refusals come back at once; after `policy.attempts` failures the call is given
    up. Only errors that are not Telegram's (a bug, a cancellation) are raised.
    """
    policy = policy or RETRY
    tries = floods = 0
    while True:
        tries += 1
        try:
            return Attempt(SendStatus.SENT, tries, await call(), flood_waits=floods)
        except RetryAfter as exc:
            floods += 1
            wait = _seconds(exc.retry_after)
            if tries >= policy.attempts or wait > policy.max_retry_after:
                return Attempt(SendStatus.FLOODED, tries, error=exc.message, flood_waits=floods)
            log.info("flood limit on a %s to chat %s: trying again in %.1f s", what, chat_id, wait)
        except Forbidden as exc:
            return Attempt(SendStatus.UNREACHABLE, tries, error=exc.message, flood_waits=floods)
        except BadRequest as exc:  # before NetworkError: PTB derives it from NetworkError
            return Attempt(SendStatus.REFUSED, tries, error=exc.message, flood_waits=floods)
        except NetworkError as exc:  # 5xx, timeouts, dropped connections
            if tries >= policy.attempts:
                return Attempt(SendStatus.GAVE_UP, tries, error=exc.message, flood_waits=floods)
            wait = policy.backoff(tries)
            log.info(
                "%s to chat %s failed (%s): attempt %d of %d in %.2f s",
                what,
                chat_id,
                exc.message,
                tries + 1,
                policy.attempts,
                wait,
            )
        except TelegramError as exc:
            return Attempt(SendStatus.REFUSED, tries, error=exc.message, flood_waits=floods)
        await policy.sleep(wait)


def _seconds(period: int | timedelta) -> float:
    return period.total_seconds() if isinstance(period, timedelta) else float(period)


# ------------------------------------------------------------------ direction


def oriented(reply: Reply, *, rtl: bool) -> Reply:
    """A message as its reader reads it: for a right-to-left reader, each line of its text and
    each inline button's label starts right to left, within Telegram's 4096 characters."""
    if not rtl:
        return reply
    text = mark_lines(reply.text, limit=MessageLimit.MAX_TEXT_LENGTH)
    return dataclasses.replace(reply, text=text, markup=_labels_oriented(reply.markup))


def oriented_caption(caption: str, *, rtl: bool) -> str:
    """A caption as its reader reads it (see `oriented`), within Telegram's 1024 characters."""
    return mark_lines(caption, limit=MessageLimit.CAPTION_LENGTH) if rtl else caption


def _labels_oriented(markup: Markup | None) -> Markup | None:
    """Inline buttons whose labels start right to left; a reply keyboard as it is (its
    pressed label comes back as text, and must match)."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return markup
    data = markup.to_dict()
    for row in data["inline_keyboard"]:
        for button in row:
            button["text"] = mark_label(button["text"])
    return InlineKeyboardMarkup.de_json(data, None)


def _reader_of(context: RallyContext, chat_id: int, reader: Translator | None) -> Translator | None:
    """Whose language a message to `chat_id` is in: `reader` if given, else the update's
    reader's (`context.tr`) when the chat is theirs; None when unknown (nothing is marked)."""
    if reader is not None:
        return reader
    # an error handler's context is fresh: neither the reader nor their language is in it
    player: Member | None = getattr(context, "player", None)
    tr: Translator | None = getattr(context, "tr", None)
    own = follow_ups.current(chat_id) is not None or (
        player is not None and player.chat_id == chat_id
    )
    return tr if own else None


def _rtl(reader: Translator | None) -> bool:
    return reader is not None and reader.rtl


# ------------------------------------------------------------------ messages


async def send_html(
    bot: ExtBot[Any],
    chat_id: int,
    reply: Reply,
    *,
    rtl: bool,
    priority: Priority,
    what: str = "message",
    policy: RetryPolicy | None = None,
) -> Attempt[Message]:
    """One HTML message (with its keyboard, without link previews) to one chat, each line
    starting right to left for a right-to-left reader (`rtl`: `oriented`)."""
    reply = oriented(reply, rtl=rtl)
    call = functools.partial(
        bot.send_message,
        chat_id,
        reply.text,
        parse_mode=ParseMode.HTML,
        reply_markup=reply.markup,
        link_preview_options=NO_PREVIEW,
        rate_limit_args=priority_args(bot, priority),
    )
    return await attempt(call, chat_id=chat_id, what=what, policy=policy)


async def send(
    context: RallyContext,
    chat_id: int,
    replies: Sequence[Reply],
    *,
    priority: Priority = Priority.REPLY,
    reader: Translator | None = None,
) -> None:
    """Send replies to one chat in order; a player who blocked the bot is marked unreachable.

    In the turn of an update of this chat, its first message goes at once and the rest follow
    once the update is done (`bot.telegram.follow_ups`). A reply that cannot be sent stops the
    ones after it. `reader`: the translator the replies were written with, for a chat that is
    not the update's (else the update's reader's, `context.tr`).
    """
    if not replies:
        return
    rtl = _rtl(_reader_of(context, chat_id, reader))
    replies = _as_read(context, chat_id, replies)
    turn = follow_ups.current(chat_id) if priority is Priority.REPLY else None
    if turn is None:
        await _send_now(context, chat_id, replies, priority, rtl=rtl)
        return
    if turn.replied:
        turn.later.append(functools.partial(_send_now, context, chat_id, replies, rtl=rtl))
        return
    turn.replied = True
    first = await _send_now(context, chat_id, replies[:1], Priority.REPLY, rtl=rtl)
    if first and len(replies) > 1:
        turn.later.append(functools.partial(_send_now, context, chat_id, replies[1:], rtl=rtl))


async def _send_now(
    context: RallyContext,
    chat_id: int,
    replies: Sequence[Reply],
    priority: Priority = Priority.FOLLOW_UP,
    *,
    rtl: bool,
) -> bool:
    """Send replies to one chat in order, each followed by its voices; whether all went (a
    failure stops the rest)."""
    for reply in replies:
        done = await send_html(
            context.bot, chat_id, reply, rtl=rtl, priority=priority, what="reply"
        )
        if not done.sent:
            await _failed(context, chat_id, done, "reply")
            return False
        for key in reply.voices:
            await play(context, chat_id, key, priority=Priority.FOLLOW_UP)
    return True


def _as_read(context: RallyContext, chat_id: int, replies: Sequence[Reply]) -> Sequence[Reply]:
    """The replies with the voices of their texts for their reader (`bot.telegram.voices`);
    a chat that is not the update's player's gets none."""
    if not any(reply.voices for reply in replies):
        return replies
    reader = context.player
    if reader is None or reader.chat_id != chat_id:
        return [dataclasses.replace(reply, voices=()) for reply in replies]
    return for_reader(replies, context.tr, context.runtime.voices, listening=reader.voice)


# ------------------------------------------------------------------ voices


async def send_voice(
    bot: ExtBot[Any],
    chat_id: int,
    voice: Voice,
    *,
    voices: VoiceService,
    priority: Priority,
    policy: RetryPolicy | None = None,
) -> Attempt[Message]:
    """One voice message: by Telegram's file id once known, else its file uploaded and the
    file id Telegram gave it kept (`voices`), so it is never uploaded again."""
    sound: str | InputFile
    if voice.file_id is not None:
        sound = voice.file_id
    else:
        assert voice.path is not None  # a voice without a file id is one on disk
        data = await asyncio.to_thread(voice.path.read_bytes)  # a few dozen KB, not in the loop
        sound = InputFile(data, filename=f"{voice.key.slug.replace(':', '_')}.ogg")
    call = functools.partial(
        bot.send_voice,
        chat_id,
        sound,
        duration=voice.duration_s or None,
        rate_limit_args=priority_args(bot, priority),
    )
    done = await attempt(call, chat_id=chat_id, what="voice", policy=policy)
    message = done.result
    if voice.file_id is None and done.sent and message is not None and message.voice is not None:
        await voices.sent(voice, message.voice.file_id)
    return done


async def play(
    context: RallyContext,
    chat_id: int,
    key: VoiceKey,
    *,
    language: str | None = None,
    priority: Priority = Priority.REPLY,
) -> bool:
    """The voice of a text in the reader's language (or `language`); whether it went. An
    uploaded voice's file id is kept: it is never uploaded again."""
    voices = context.runtime.voices
    voice = voices.voice(key, language or context.tr.language)
    if voice is None:
        return False
    done = await send_voice(context.bot, chat_id, voice, voices=voices, priority=priority)
    if not done.sent:
        await _failed(context, chat_id, done, "voice")
        return False
    return True


async def _failed(context: RallyContext, chat_id: int, done: Attempt[Any], what: str) -> None:
    """Log a call that did not go through; a chat that blocked the bot is marked unreachable."""
    if done.status is SendStatus.UNREACHABLE:
        log.info("chat %s blocked the bot: marked unreachable", chat_id)
        await context.runtime.teams.mark_unreachable(chat_id)
    elif done.status is SendStatus.REFUSED:
        log.error("Telegram refused a %s to chat %s: %s", what, chat_id, done.error)
    else:
        log.warning(
            "%s to chat %s given up: %s (what it told is stored: /clue shows it again)",
            what,
            chat_id,
            done.error,
        )


async def send_document(
    context: RallyContext, chat_id: int, data: bytes, filename: str, caption: str
) -> bool:
    """A file to one chat (an export); whether it was sent.

    Sent at once unless messages of the update wait to follow its reply: then it is kept
    after them, in order, and True means it will be sent.
    """
    caption = oriented_caption(caption, rtl=_rtl(_reader_of(context, chat_id, None)))
    turn = follow_ups.current(chat_id)
    if turn is not None and turn.later:
        turn.later.append(
            functools.partial(_send_document_now, context, chat_id, data, filename, caption)
        )
        return True
    if turn is not None:
        turn.replied = True
    return await _send_document_now(context, chat_id, data, filename, caption, Priority.REPLY)


async def _send_document_now(  # noqa: PLR0917 - the document's parts
    context: RallyContext,
    chat_id: int,
    data: bytes,
    filename: str,
    caption: str,
    priority: Priority = Priority.FOLLOW_UP,
) -> bool:
    call = functools.partial(
        context.bot.send_document,
        chat_id,
        InputFile(data, filename=filename),
        caption=caption,
        parse_mode=ParseMode.HTML,
        rate_limit_args=priority_args(context.bot, priority),
    )
    done = await attempt(call, chat_id=chat_id, what="document")
    if not done.sent:
        await _failed(context, chat_id, done, "document")
    return done.sent


# ------------------------------------------------------------------ teams


async def tell(
    context: RallyContext, outcome: Outcome, *, chat_id: int, quiet: bool = False
) -> None:
    """Tell the actor what their action did, now.

    `quiet` keeps refusals to the actor unsaid (a live location still moving, say); what the
    whole team must know is always told. The update is done once the actor's reply is sent:
    what the teammates are told was queued with the decision, in its transaction
    (`bot.services.news`, rendered by `bot.telegram.team_news`).
    """
    runtime = context.runtime
    actor = outcome.actor
    if actor is None:
        return
    mine = [e for e in outcome.events if e.audience in (Audience.PLAYER, Audience.TEAM)]
    if quiet:
        mine = outcome.for_audience(Audience.TEAM)
    rank = None
    if outcome.team is not None and any(isinstance(e, TeamFinished) for e in mine):
        rank = rank_of(await runtime.leaderboard.ranking(), outcome.team.id)
    scene = Scene(runtime.rally, actor, actor, outcome.team, rank, now=runtime.clock())
    await send(context, chat_id, render(context.tr, scene, mine))


async def tell_team(
    context: RallyContext,
    members: Iterable[Member],
    render_for: Callable[[Translator], Reply],
    *,
    skip_player: int | None = None,
) -> None:
    """Queue one note for each reachable member of a team (but `skip_player`), in their
    language, as teammates' news."""
    catalogs = context.runtime.catalogs
    news = [
        entry
        for member in members
        if member.player_id != skip_player and member.reachable
        for entry in news_of(member, (), [render_for(catalogs.translator(member.language))])
    ]
    await context.runtime.news.queue(news)


# ------------------------------------------------------------------ staff


async def tell_staff(
    context: RallyContext,
    render_for: Callable[[Translator], Reply],
    *,
    photo: str | None = None,
    location: tuple[float, float] | None = None,
    to: Iterable[int] | None = None,
    priority: Priority = Priority.STAFF,
    only_met: bool = False,
) -> int:
    """A note to every organiser (or to `to`), each in their language; how many received it.

    `photo` (a Telegram file id) is sent with the note as its caption; `location` follows the
    note as a map pin. Organisers who never opened the bot cannot be written to and are skipped;
    an alert still tries their user id (they may have opened it before a database was lost),
    a routine note (`only_met`) goes only to those the bot has met.
    """
    runtime = context.runtime
    told = 0
    recipients = sorted(runtime.staff_ids(Role.ORGANISER)) if to is None else list(to)
    for user_id in recipients:
        member = await runtime.teams.find(user_id)
        if member is None and context.bot_data.several:  # known in the rally they work on
            _, member = await context.bot_data.home_of(user_id)
        if member is None and only_met:
            continue
        # a language this rally does not speak falls back to its default (`translator`)
        tr = runtime.catalogs.translator(
            member.language if member else runtime.rally.default_language
        )
        note = render_for(tr)
        note = Reply(context.for_staff(note.text), note.markup)
        chat_id = member.chat_id if member else user_id
        if photo is None:
            done: Attempt[Any] = await send_html(
                context.bot, chat_id, note, rtl=tr.rtl, priority=priority, what="staff note"
            )
        else:
            call = functools.partial(
                context.bot.send_photo,
                chat_id,
                photo,
                caption=oriented_caption(note.text, rtl=tr.rtl),
                parse_mode=ParseMode.HTML,
                reply_markup=_labels_oriented(note.markup) if tr.rtl else note.markup,
                rate_limit_args=priority_args(context.bot, priority),
            )
            done = await attempt(call, chat_id=chat_id, what="staff photo")
        if not done.sent:
            log.info("organiser %s not reachable: %s %s", user_id, done.status, done.error)
            continue
        told += 1
        if location is not None:
            pin = functools.partial(
                context.bot.send_location,
                chat_id,
                *location,
                rate_limit_args=priority_args(context.bot, priority),
            )
            await attempt(pin, chat_id=chat_id, what="staff location")
    return told


# ------------------------------------------------------------------ buttons and menus


async def answer_press(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press (it stops the spinner, or shows `text` as a notice).

    Never stops what follows: a press Telegram no longer takes an answer for (one redelivered
    after a restart, say) still gets its reply in the chat.
    """
    chat_id = query.message.chat.id if query.message is not None else None
    done = await attempt(
        functools.partial(query.answer, text), chat_id=chat_id, what="button answer"
    )
    if not done.sent:
        log.info("button press %s in chat %s left unanswered: %s", query.id, chat_id, done.error)


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the pressed message; one already closed or too old is left as is.

    An edit counts against the flood budget like a message, and a closed keyboard can wait: in
    the turn of the press's chat it is done after the reply, as a follow-up (a second press
    meanwhile is answered as a stale one).
    """
    chat_id = query.message.chat.id if query.message is not None else None
    turn = follow_ups.current(chat_id) if chat_id is not None else None
    if turn is not None:
        turn.later.append(functools.partial(_remove_now, query, chat_id))
        return
    await _remove_now(query, chat_id)


async def _remove_now(query: CallbackQuery, chat_id: int | None) -> bool:
    bot = cast("ExtBot[Any]", query.get_bot())
    message = query.message
    if message is None or chat_id is None:  # a message too old to be shown: nothing to close
        return True
    done = await attempt(
        functools.partial(
            bot.edit_message_reply_markup,
            chat_id=chat_id,
            message_id=message.message_id,
            reply_markup=None,
            rate_limit_args=priority_args(bot, Priority.FOLLOW_UP),
        ),
        chat_id=chat_id,
        what="buttons removal",
    )
    if done.status is SendStatus.REFUSED:
        log.debug("buttons of a message in chat %s already closed", chat_id)
    elif not done.sent:
        log.warning("buttons of a message in chat %s left in place: %s", chat_id, done.error)
    return done.status is not SendStatus.UNREACHABLE


async def set_commands(
    bot: ExtBot[Any],
    menu: Sequence[BotCommand],
    *,
    scope: BotCommandScope | None = None,
    language_code: str | None = None,
) -> bool:
    """Set a command menu (a convenience: a failure is logged, never raised)."""
    done = await attempt(
        functools.partial(bot.set_my_commands, menu, scope=scope, language_code=language_code),
        chat_id=None,
        what="command menu",
    )
    if not done.sent:
        log.info("command menu not set (%s): %s", done.status, done.error)
    return done.sent


async def set_menu_button(bot: ExtBot[Any], chat_id: int, text: str, url: str) -> bool:
    """Give a chat a menu button that opens a Mini App (a convenience: a failure is logged)."""
    button = MenuButtonWebApp(text, WebAppInfo(url))
    done = await attempt(
        functools.partial(bot.set_chat_menu_button, chat_id=chat_id, menu_button=button),
        chat_id=chat_id,
        what="menu button",
    )
    if not done.sent:
        log.info("menu button of chat %s not set (%s): %s", chat_id, done.status, done.error)
    return done.sent
