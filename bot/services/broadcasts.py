"""Broadcasts: organisers' messages to every player, a team or a language, through the outbox.

A broadcast is stored with one outbox row per player of its audience, each holding the final
HTML that player will read, in their language (rendered by the `BroadcastTexts` the composition
root gives: `bot.telegram.render.broadcast`): the outbox worker (`bot/telegram/outbox.py`) only
sends rows and records what Telegram said. Players already known to have blocked the bot get a row
marked `unreachable` straight away: they are not written to, and the delivery report counts
them with the ones found blocked while sending.

An organiser's free text goes as written, labelled with its language, to readers of other
languages; translations may follow in the same message, one per line starting with a rally
language tag and a colon (`ar: ...`). Untagged text is taken to be in the rally's default
language (in the audience's language for a broadcast to one language). Pre-translated
announcements of the rally file go to each player in their language,
falling back (visibly) to the rally's default.
"""

from __future__ import annotations

import enum
import functools
import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from bot.core.content import Rally
from bot.core.voices import VoiceKey, announcement_key
from bot.i18n.catalogs import Catalogs, Translator
from bot.services.base import Services
from bot.storage.models import PlayerRow
from bot.storage.repositories import OutboxEntry
from bot.storage.uow import SqlUnitOfWork

MAX_MESSAGE = 4096
"""Telegram's limit for one message, in UTF-16 code units of the text as shown."""


class OutboxStatus(enum.StrEnum):
    """Where an outbox row is: waiting, or what came of sending it."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it, or the network failed on every try
    UNREACHABLE = "unreachable"  # the player blocked the bot


_TAG_LINE = re.compile(r"^\s*(?P<tag>[A-Za-z]{2,3}(?:[_-][A-Za-z]{2,4})?)\s*:[ \t]*(?P<rest>.*)$")
_TAGS = re.compile(r"<[^>]*>")


class AudienceKind(enum.StrEnum):
    """Who a broadcast goes to (stored as the broadcast's kind)."""

    ALL = "all"
    TEAM = "team"
    LANGUAGE = "lang"
    ANNOUNCEMENT = "announce"  # a pre-translated announcement of the rally file, to everyone


@dataclass(frozen=True)
class BroadcastAudience:
    """All players, one team (by join code), one language, or an announcement to everyone."""

    kind: AudienceKind
    target: str | None = None

    @classmethod
    def everyone(cls) -> BroadcastAudience:
        """Every player of the rally."""
        return cls(AudienceKind.ALL)

    @classmethod
    def team(cls, code: str) -> BroadcastAudience:
        """The players of the team with this join code."""
        return cls(AudienceKind.TEAM, code.strip().upper())

    @classmethod
    def language(cls, tag: str) -> BroadcastAudience:
        """The players reading this language."""
        return cls(AudienceKind.LANGUAGE, tag.strip())

    @classmethod
    def announcement(cls, key: str) -> BroadcastAudience:
        """The rally file's announcement `key`, to every player."""
        return cls(AudienceKind.ANNOUNCEMENT, key.strip())


class BroadcastRefusal(enum.StrEnum):
    """Why a broadcast was not created."""

    EMPTY_TEXT = "empty_text"
    TOO_LONG = "too_long"
    UNKNOWN_TEAM = "unknown_team"
    UNKNOWN_LANGUAGE = "unknown_language"
    UNKNOWN_ANNOUNCEMENT = "unknown_announcement"


@dataclass(frozen=True)
class BroadcastRefused:
    """A broadcast refused, changing nothing: why, what was wrong, and what would do."""

    reason: BroadcastRefusal
    given: str = ""
    choices: tuple[str, ...] = ()  # the rally's languages or announcement keys
    length: int = 0  # for TOO_LONG: the longest message it would have made
    limit: int = MAX_MESSAGE


@dataclass(frozen=True)
class Queued:
    """A broadcast stored: its id, the messages queued, and the players skipped."""

    broadcast_id: int
    recipients: int
    skipped: int  # players known to have blocked the bot: not written to


@dataclass(frozen=True)
class DeliveryReport:
    """Where a broadcast's messages are: sent, failed, unreachable, still pending."""

    broadcast_id: int
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    pending: int = 0

    @property
    def done(self) -> bool:
        """Whether every message has been dealt with."""
        return self.pending == 0


class PersonalMessage(NamedTuple):
    """One message for `enqueue`: the chat, the player (if any), and its final HTML."""

    chat_id: int
    player_id: int | None
    html_text: str


@dataclass(frozen=True)
class Parsed:
    """An organiser's text split into the text as written and its translations."""

    original: str
    translations: dict[str, str] = field(default_factory=dict)


def visible_length(html_text: str) -> int:
    """The length Telegram counts for an HTML message: tags dropped, entities as one, UTF-16."""
    shown = html.unescape(_TAGS.sub("", html_text))
    return len(shown.encode("utf-16-le")) // 2


class QueuedSignal:
    """Tells the outbox worker of a rally, in this process, that messages were just queued.

    Any `BroadcastService` notifies it, however it was built, so a feature that queues
    messages needs no reference to the worker; the worker also polls, so a queue filled by
    another process is sent too, a moment later.
    """

    def __init__(self) -> None:
        self._listeners: dict[str, list[Callable[[], None]]] = {}

    def subscribe(self, rally_id: str, listener: Callable[[], None]) -> None:
        """Call `listener` whenever messages of the rally are queued."""
        self._listeners.setdefault(rally_id, []).append(listener)

    def unsubscribe(self, rally_id: str, listener: Callable[[], None]) -> None:
        """Stop calling `listener`."""
        listeners = self._listeners.get(rally_id, [])
        if listener in listeners:
            listeners.remove(listener)

    def notify(self, rally_id: str) -> None:
        """Messages of the rally were committed to the outbox."""
        for listener in list(self._listeners.get(rally_id, [])):
            listener()


queued_signal = QueuedSignal()
"""The process's signal from broadcasts to the outbox worker."""
news_signal = QueuedSignal()
"""The process's signal from teammates' news to the outbox worker's news senders (apart from
the broadcasts' one: every action queues news, and the broadcast senders need not wake)."""


@functools.cache
def _catalogs_for(languages: tuple[str, ...], default: str, timezone: str) -> Catalogs:
    return Catalogs(languages, default, timezone)


def parse(text: str, languages: Sequence[str]) -> Parsed:
    """Split `text` into the original (lines before the first language tag) and translations.

    A translation starts on a line beginning with one of `languages` and a colon (`ar: ...`,
    `fa_AF: ...`, any letter case, `-` for `_`) and runs to the next such line. A line whose
    prefix is not a rally language (`Note: ...`) is text. A language given twice keeps the last.
    """
    known = {tag.replace("-", "_").casefold(): tag for tag in languages}
    original: list[str] = []
    translations: dict[str, list[str]] = {}
    current = original
    for line in text.splitlines():
        match = _TAG_LINE.match(line)
        tag = known.get(match["tag"].replace("-", "_").casefold()) if match else None
        if match is not None and tag is not None:
            current = translations[tag] = [match["rest"]]
        else:
            current.append(line)
    joined = {tag: "\n".join(lines).strip() for tag, lines in translations.items()}
    return Parsed("\n".join(original).strip(), {tag: text for tag, text in joined.items() if text})


class BroadcastTexts(Protocol):
    """How broadcasts read (`bot.telegram.render.broadcast`): the service stores each
    recipient's final text in the outbox, so it renders them when it queues them."""

    def free_text(
        self, tr: Translator, *, versions: Mapping[str, str], source: str, source_text: str
    ) -> str:
        """An organiser's text for one reader: their translation, else the text labelled."""

    def announcement(self, tr: Translator, *, localized: Mapping[str, str]) -> str:
        """A rally file announcement for one reader, in their language or the default."""

    def delivery_report(self, tr: Translator, report: DeliveryReport) -> str:
        """The organiser's report once a broadcast is delivered."""


class BroadcastService:
    """Creates broadcasts and their outbox rows; reports and completes their delivery."""

    def __init__(
        self,
        services: Services,
        texts: BroadcastTexts,
        catalogs: Catalogs | None = None,
        has_voice: Callable[[VoiceKey, str], bool] | None = None,
    ) -> None:
        self.services = services
        self.texts = texts
        self.has_voice = has_voice or (lambda _key, _language: False)
        """Whether a text has a voice in a language (`VoiceService.has`)."""
        self.rally: Rally = services.rally
        info = self.rally.rally
        self.catalogs = catalogs or _catalogs_for(
            tuple(info.languages), info.default_language, info.timezone
        )

    # ------------------------------------------------------------ creating

    def parse(self, text: str) -> tuple[str, dict[str, str]]:
        """An organiser's text as (original, {language: translation}) for this rally."""
        parsed = parse(text, self.rally.rally.languages)
        return parsed.original, parsed.translations

    async def create(
        self,
        actor_user_id: int,
        actor_chat_id: int | None,
        audience: BroadcastAudience,
        text: str = "",
        *,
        update_id: int | None = None,
    ) -> Queued | BroadcastRefused | None:
        """Store a broadcast and one outbox row per player of the audience, or refuse it.

        The actor is not among the recipients: they get the delivery report instead. Nothing
        is stored when it is refused. None if this Telegram update was queued before (a
        redelivery after a crash): it is sent once.
        """
        audience_or_refusal = self._normalized(audience)
        if isinstance(audience_or_refusal, BroadcastRefused):
            return audience_or_refusal
        audience = audience_or_refusal
        render = self._renderer(audience, text)
        if isinstance(render, BroadcastRefused):
            return render
        render_for, stored_text, translations = render

        async def work(uow: SqlUnitOfWork) -> Queued | BroadcastRefused | None:
            now = self.services.clock()
            await uow.rallies.ensure(self.rally.id, at=now)
            if update_id is not None and not await uow.updates.claim(
                self.rally.id, update_id, at=now
            ):
                return None
            players = await self._audience(uow, audience)
            if isinstance(players, BroadcastRefused):
                return players
            voice = (
                announcement_key(audience.target or "")
                if audience.kind is AudienceKind.ANNOUNCEMENT
                else None
            )
            entries = self._entries(
                (p for p in players if p.telegram_user_id != actor_user_id), render_for, voice
            )
            row = await uow.broadcasts.add(
                rally_id=self.rally.id,
                actor_user_id=actor_user_id,
                actor_chat_id=actor_chat_id,
                kind=audience.kind.value,
                target=audience.target,
                text=stored_text,
                translations=translations,
                at=now,
            )
            await uow.outbox.add_many(self.rally.id, row.id, entries, at=now)
            queued = sum(1 for e in entries if e.status == OutboxStatus.PENDING)
            if queued == 0:  # nothing to send: no report will follow
                row.finished_at = now
            await uow.audit.log(
                self.rally.id,
                actor_user_id,
                "announce" if audience.kind is AudienceKind.ANNOUNCEMENT else "broadcast",
                {
                    "broadcast_id": row.id,
                    "audience": audience.kind.value,
                    "target": audience.target,
                    "recipients": queued,
                    "skipped": len(entries) - queued,
                },
                at=now,
            )
            await uow.commit()
            return Queued(row.id, queued, len(entries) - queued)

        result = await self.services.retrying(work)
        if isinstance(result, Queued) and result.recipients:
            self._queued()
        return result

    async def enqueue(
        self,
        actor_user_id: int,
        actor_chat_id: int | None,
        kind: str,
        messages: Sequence[tuple[int, int | None, str]],
        *,
        target: str | None = None,
        summary: str = "",
        voices: Mapping[int, str] | None = None,
    ) -> Queued:
        """Queue personal messages (chat_id, player_id, HTML) as one broadcast of `kind`
        (`voices`: by chat, the voices to play after the message, for who listens).

        For features that write to many players at once (the final ranking, each in their
        language): the outbox sends them within the flood limits and the actor's chat, if
        given, gets the delivery report. Players known to have blocked the bot are skipped.
        """
        if not kind or len(kind) > 16:
            raise ValueError(f"a broadcast kind has 1 to 16 characters, not {kind!r}")
        chats = [chat_id for chat_id, _, _ in messages]
        if len(set(chats)) != len(chats):
            raise ValueError("one message per chat in a broadcast")
        for chat_id, _, text in messages:
            if visible_length(text) > MAX_MESSAGE:
                raise ValueError(f"the message for chat {chat_id} is longer than {MAX_MESSAGE}")

        async def work(uow: SqlUnitOfWork) -> Queued:
            now = self.services.clock()
            await uow.rallies.ensure(self.rally.id, at=now)
            unreachable = {p.id for p in await uow.players.list(self.rally.id) if not p.reachable}
            entries = [
                OutboxEntry(
                    chat_id,
                    player_id,
                    text,
                    OutboxStatus.UNREACHABLE if player_id in unreachable else OutboxStatus.PENDING,
                    (voices or {}).get(chat_id),
                )
                for chat_id, player_id, text in messages
            ]
            row = await uow.broadcasts.add(
                rally_id=self.rally.id,
                actor_user_id=actor_user_id,
                actor_chat_id=actor_chat_id,
                kind=kind,
                target=target,
                text=summary,
                translations={},
                at=now,
            )
            await uow.outbox.add_many(self.rally.id, row.id, entries, at=now)
            queued = sum(1 for e in entries if e.status == OutboxStatus.PENDING)
            if queued == 0:
                row.finished_at = now
            await uow.commit()
            return Queued(row.id, queued, len(entries) - queued)

        result = await self.services.retrying(work)
        if result.recipients:
            self._queued()
        return result

    def _queued(self) -> None:
        queued_signal.notify(self.rally.id)

    # ------------------------------------------------------------ reporting

    async def report(self, broadcast_id: int) -> DeliveryReport | None:
        """How many messages of a broadcast were sent, failed, unreachable or still pending."""
        async with self.services.new_uow() as uow:
            if await uow.broadcasts.get(broadcast_id) is None:
                return None
            return _report(broadcast_id, await uow.outbox.counts(broadcast_id))

    async def complete(self, broadcast_id: int) -> DeliveryReport | None:
        """Finish a broadcast whose messages are all dealt with, and queue the actor's report.

        Returns the report if this call finished it; None if messages are still pending or it
        was already finished (by this or another worker). The report goes through the outbox
        itself, as a message of no broadcast, so it too is sent once and within the limits;
        a broadcast without an actor's chat (a scheduled one) is finished without a report.
        """

        async def work(uow: SqlUnitOfWork) -> DeliveryReport | None:
            row = await uow.broadcasts.get(broadcast_id)
            if row is None or row.finished_at is not None:
                return None
            if await uow.outbox.pending_count(broadcast_id):
                return None
            now = self.services.clock()
            if not await uow.broadcasts.finish(broadcast_id, at=now):
                return None
            report = _report(broadcast_id, await uow.outbox.counts(broadcast_id))
            if row.actor_chat_id is None:
                await uow.commit()
                return report
            actor = await uow.players.by_user(self.rally.id, row.actor_user_id)
            language = actor.language if actor is not None else self.rally.default_language
            text = self.texts.delivery_report(self.catalogs.translator(language), report)
            entry = OutboxEntry(row.actor_chat_id, actor.id if actor else None, text)
            await uow.outbox.add_many(self.rally.id, None, [entry], at=now)
            await uow.commit()
            return report

        report = await self.services.retrying(work)
        if report is not None:
            self._queued()
        return report

    async def complete_all(self) -> int:
        """Complete every unfinished broadcast with nothing pending (after a restart, say)."""
        async with self.services.new_uow() as uow:
            ids = [row.id for row in await uow.broadcasts.unfinished(self.rally.id)]
        completed = 0
        for broadcast_id in ids:
            if await self.complete(broadcast_id) is not None:
                completed += 1
        return completed

    # ------------------------------------------------------------ rendering

    def _normalized(self, audience: BroadcastAudience) -> BroadcastAudience | BroadcastRefused:
        """The audience with its language tag spelled as the rally does, or why it is wrong."""
        rally = self.rally
        target = audience.target or ""
        if audience.kind is AudienceKind.LANGUAGE:
            tag = self._language(target)
            if tag is None:
                return BroadcastRefused(
                    BroadcastRefusal.UNKNOWN_LANGUAGE, target, tuple(rally.rally.languages)
                )
            return BroadcastAudience.language(tag)
        if audience.kind is AudienceKind.ANNOUNCEMENT and target not in rally.announcements:
            return BroadcastRefused(
                BroadcastRefusal.UNKNOWN_ANNOUNCEMENT, target, tuple(rally.announcements)
            )
        return audience

    def _renderer(
        self, audience: BroadcastAudience, text: str
    ) -> tuple[Callable[[Translator], str], str, dict[str, str]] | BroadcastRefused:
        """What each reader gets, by their translator; plus the text and translations stored."""
        rally = self.rally
        render_for: Callable[[Translator], str]
        stored: tuple[str, dict[str, str]]
        if audience.kind is AudienceKind.ANNOUNCEMENT:
            announcement = rally.announcements[audience.target or ""]
            render_for = functools.partial(self.texts.announcement, localized=announcement)
            stored = (announcement[rally.default_language], dict(announcement))
        else:
            parsed = parse(text, rally.rally.languages)
            versions = dict(parsed.translations)
            # untagged text is in the audience's language, else in the rally's default
            source = audience.target or "" if audience.kind is AudienceKind.LANGUAGE else ""
            source = source or rally.default_language
            if parsed.original:
                versions.setdefault(source, parsed.original)
                source_text = parsed.original
            elif versions:  # only tagged text: the default language's, else the first given
                source = source if source in versions else next(iter(versions))
                source_text = versions[source]
            else:
                return BroadcastRefused(BroadcastRefusal.EMPTY_TEXT)
            render_for = functools.partial(
                self.texts.free_text, versions=versions, source=source, source_text=source_text
            )
            stored = (parsed.original, parsed.translations)
        longest = max(
            visible_length(render_for(self.catalogs.translator(tag)))
            for tag in rally.rally.languages
        )
        if longest > MAX_MESSAGE:
            return BroadcastRefused(BroadcastRefusal.TOO_LONG, length=longest)
        return render_for, stored[0], stored[1]

    def _language(self, given: str) -> str | None:
        """The rally language a tag names (any case, `-` or `_`), if any."""
        wanted = given.replace("-", "_").casefold()
        return next((tag for tag in self.rally.rally.languages if tag.casefold() == wanted), None)

    async def _audience(
        self, uow: SqlUnitOfWork, audience: BroadcastAudience
    ) -> Sequence[PlayerRow] | BroadcastRefused:
        rally_id = self.rally.id
        if audience.kind is AudienceKind.TEAM:
            code = audience.target or ""
            team = await uow.teams.by_code(rally_id, code) if code else None
            if team is None:
                return BroadcastRefused(BroadcastRefusal.UNKNOWN_TEAM, code)
            return await uow.players.members(team.id)
        players = await uow.players.audience(rally_id)
        if audience.kind is AudienceKind.LANGUAGE:
            return [p for p in players if p.language == audience.target]
        return players

    def _entries(
        self,
        players: Iterable[PlayerRow],
        render_for: Callable[[Translator], str],
        voice: VoiceKey | None = None,
    ) -> list[OutboxEntry]:
        texts: dict[str, str] = {}
        entries: list[OutboxEntry] = []
        seen: set[int] = set()
        for player in players:
            if player.chat_id in seen:
                continue
            seen.add(player.chat_id)
            if player.language not in texts:
                texts[player.language] = render_for(self.catalogs.translator(player.language))
            status = OutboxStatus.PENDING if player.reachable else OutboxStatus.UNREACHABLE
            heard = voice is not None and player.voice and self.has_voice(voice, player.language)
            voices = voice.slug if heard and voice is not None else None
            entries.append(
                OutboxEntry(player.chat_id, player.id, texts[player.language], status, voices)
            )
        return entries


def _report(broadcast_id: int, counts: Mapping[str, int]) -> DeliveryReport:
    return DeliveryReport(
        broadcast_id,
        sent=counts.get(OutboxStatus.SENT, 0),
        failed=counts.get(OutboxStatus.FAILED, 0),
        unreachable=counts.get(OutboxStatus.UNREACHABLE, 0),
        pending=counts.get(OutboxStatus.PENDING, 0),
    )
