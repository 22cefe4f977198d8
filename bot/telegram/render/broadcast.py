"""What an organiser reads about broadcasts: how to write one, what was queued or refused why."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from bot.i18n.catalogs import Escaped, Translator
from bot.services.broadcasts import (
    MAX_MESSAGE,
    BroadcastRefusal,
    BroadcastRefused,
    DeliveryReport,
    Queued,
)
from bot.telegram.render.reply import Reply, b

PREVIEW = 60
"""Characters of an announcement shown in the `/announce` list."""


def usage(tr: Translator, default_language: str, languages: Sequence[str]) -> Reply:
    """How to write a broadcast."""
    others = [tag for tag in languages if tag != default_language][:2]
    example = "\n".join(["/broadcast …", *(f"{tag}: …" for tag in others)])
    lines = [
        b(tr._("How to send a message to the players")),
        tr._("/broadcast TEXT: to every player"),
        tr._("/broadcast team CODE TEXT: to the players of one team"),
        tr._("/broadcast lang LANG TEXT: to the players reading one language"),
        tr._("/announce KEY: a prepared announcement, to every player in their language"),
        "",
        tr._(
            "Write the text in {language} (after /broadcast lang, in that language). To add "
            "translations, write each on its own line starting with the language code, "
            "for example:",
            language=tr.name_of(default_language),
        ),
        f"<code>{example}</code>",
    ]
    return Reply("\n".join(lines))


def queued(tr: Translator, result: Queued) -> Reply:
    """How many messages are on their way."""
    if result.recipients == 0:
        text = tr._("Nobody can receive this message: no player matches.")
    else:
        text = tr.n_(
            "📤 Sending to {count} player. You will get a delivery report when it is done.",
            "📤 Sending to {count} players. You will get a delivery report when it is done.",
            result.recipients,
        )
    if result.skipped:
        skipped = tr.n_(
            "{count} player blocked the bot and will not get it.",
            "{count} players blocked the bot and will not get it.",
            result.skipped,
        )
        text = Escaped(f"{text}\n{skipped}")
    return Reply(text)


def refused(
    tr: Translator, refusal: BroadcastRefused, default_language: str, languages: Sequence[str]
) -> Reply:
    """Why nothing was sent, and what would work."""
    choices = ", ".join(refusal.choices)
    if refusal.reason is BroadcastRefusal.UNKNOWN_TEAM:
        return Reply(tr._("There is no team with the code {code}.", code=refusal.given))
    if refusal.reason is BroadcastRefusal.UNKNOWN_LANGUAGE:
        return Reply(
            tr._(
                "{language} is not a language of this rally. Its languages: {languages}.",
                language=refusal.given,
                languages=choices,
            )
        )
    if refusal.reason is BroadcastRefusal.UNKNOWN_ANNOUNCEMENT:
        if not refusal.choices:
            return Reply(tr._("The rally file has no announcements."))
        return Reply(
            tr._(
                "There is no announcement {key}. Announcements: {keys}.",
                key=refusal.given,
                keys=choices,
            )
        )
    if refusal.reason is BroadcastRefusal.TOO_LONG:
        return Reply(
            tr._(
                "This message is too long: {length} characters with its heading, "
                "and Telegram takes at most {limit}. Please shorten it.",
                length=refusal.length,
                limit=MAX_MESSAGE,
            )
        )
    return usage(tr, default_language, languages)


def announcements(tr: Translator, prepared: dict[str, dict[str, str]]) -> Reply:
    """The announcements of the rally file, each with the start of its text."""
    if not prepared:
        return Reply(tr._("The rally file has no announcements."))
    lines = [b(tr._("Announcements: /announce KEY sends one to every player."))]
    for key, localized in prepared.items():
        text = tr.plain(localized)
        preview = text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"
        lines.append(f"• <code>{tr.value(key)}</code>: {tr.value(preview)}")
    return Reply("\n".join(lines))


class BroadcastTexts:
    """What players read of a broadcast, and the organiser's delivery report (the service's
    `BroadcastTexts`)."""

    @staticmethod
    def free_text(
        tr: Translator, *, versions: Mapping[str, str], source: str, source_text: str
    ) -> str:
        """An organiser's text for one reader: their translation, else the text labelled."""
        if tr.language in versions:
            header = tr._("📢 Message from the organisers:")
            return _with_header(header, html.escape(versions[tr.language], quote=False))
        # the language named in the reader's own: "(باللغة الفرنسية)", not "(بلغة Français)"
        header = tr._(
            "📢 Message from the organisers (in {language}):", language=tr.name_of(source)
        )
        return _with_header(header, html.escape(source_text, quote=False))

    @staticmethod
    def announcement(tr: Translator, *, localized: Mapping[str, str]) -> str:
        """A rally file announcement for one reader, in their language or the default."""
        return _with_header(tr._("📢 Message from the organisers:"), tr.text(localized))

    @staticmethod
    def delivery_report(tr: Translator, report: DeliveryReport) -> str:
        """The organiser's report once a broadcast is delivered."""
        title = tr._("📬 Delivery report (message {number})", number=report.broadcast_id)
        lines = [
            f"<b>{title}</b>",
            tr._("✅ Delivered: {count}", count=report.sent),
            tr._("🚫 Unreachable (they blocked the bot): {count}", count=report.unreachable),
            tr._("⚠️ Failed: {count}", count=report.failed),
        ]
        return "\n".join(lines)


TEXTS = BroadcastTexts()
"""The texts the composition root gives the broadcast service."""


def _with_header(header: str, body: str) -> str:
    return f"<b>{header}</b>\n{body}"
