"""/broadcast and /announce: organisers write to every player, a team or a language.

`/broadcast TEXT` goes to every player, `/broadcast team CODE TEXT` to one team and
`/broadcast lang LANG TEXT` to the players of one language. TEXT may run over several lines and
carry translations, one per line starting with a language tag (`ar: ...`). `/announce KEY`
sends a pre-translated announcement of the rally file; `/announce` alone lists them. The
organiser is told at once how many messages are queued, and gets the delivery report later.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message, Update

from bot.core.roles import Role
from bot.i18n.catalogs import Escaped, Translator, language_name
from bot.services.broadcasts import MAX_MESSAGE, Audience, Queued, Refusal, Refused
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send
from bot.telegram.render.play import Reply, b
from handlers.roles import requires

PREVIEW = 60
"""Characters of an announcement shown in the `/announce` list."""


def after_command(message: Message) -> str:
    """The message's text after its command, line breaks kept (`context.args` loses them)."""
    parts = (message.text or "").split(maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


def audience_and_text(rest: str) -> tuple[Audience, str] | None:
    """`team CODE TEXT`, `lang LANG TEXT` or `TEXT`; None if the audience lacks its name."""
    words = rest.split(maxsplit=2)
    if words and words[0].casefold() in ("team", "lang"):
        if len(words) < 2:
            return None
        text = words[2] if len(words) == 3 else ""
        if words[0].casefold() == "team":
            return Audience.team(words[1]), text
        return Audience.language(words[1]), text
    return Audience.everyone(), rest.strip()


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
            language=language_name(default_language),
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
    tr: Translator, refusal: Refused, default_language: str, languages: Sequence[str]
) -> Reply:
    """Why nothing was sent, and what would work."""
    choices = ", ".join(refusal.choices)
    if refusal.reason is Refusal.UNKNOWN_TEAM:
        return Reply(tr._("There is no team with the code {code}.", code=refusal.given))
    if refusal.reason is Refusal.UNKNOWN_LANGUAGE:
        return Reply(
            tr._(
                "{language} is not a language of this rally. Its languages: {languages}.",
                language=refusal.given,
                languages=choices,
            )
        )
    if refusal.reason is Refusal.UNKNOWN_ANNOUNCEMENT:
        if not refusal.choices:
            return Reply(tr._("The rally file has no announcements."))
        return Reply(
            tr._(
                "There is no announcement {key}. Announcements: {keys}.",
                key=refusal.given,
                keys=choices,
            )
        )
    if refusal.reason is Refusal.TOO_LONG:
        return Reply(
            tr._(
                "This message is too long: {length} characters with its heading, "
                "and Telegram takes at most {limit}. Please shorten it.",
                length=refusal.length,
                limit=MAX_MESSAGE,
            )
        )
    return usage(tr, default_language, languages)


@requires(Role.ORGANISER)
async def broadcast(update: Update, context: RallyContext) -> None:
    """`/broadcast [team CODE | lang LANG] TEXT`."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    tr, info = context.tr, context.rally.rally
    parsed = audience_and_text(after_command(message))
    if parsed is None:
        await send(context, chat.id, [usage(tr, info.default_language, info.languages)])
        return
    audience, text = parsed
    result = await context.runtime.broadcasts.create(user.id, chat.id, audience, text)
    if isinstance(result, Queued):
        reply = queued(tr, result)
    else:
        reply = refused(tr, result, info.default_language, info.languages)
    await send(context, chat.id, [reply])


@requires(Role.ORGANISER)
async def announce(update: Update, context: RallyContext) -> None:
    """`/announce KEY`, or `/announce` for the list of announcements."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    tr, rally = context.tr, context.rally
    if not context.args:
        await send(context, chat.id, [announcements(tr, rally.announcements)])
        return
    audience = Audience.announcement(context.args[0])
    result = await context.runtime.broadcasts.create(user.id, chat.id, audience)
    if isinstance(result, Queued):
        reply = queued(tr, result)
    else:
        reply = refused(tr, result, rally.default_language, rally.rally.languages)
    await send(context, chat.id, [reply])


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
