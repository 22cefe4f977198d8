"""/start, /language and /help: the welcome, the language picker and what a player can do."""

from __future__ import annotations

import contextlib

from telegram import BotCommandScopeChat, Update
from telegram.error import BadRequest, TelegramError

from bot.core.roles import Role, role_of
from bot.i18n.catalogs import Translator
from bot.telegram.buttons import ChooseLanguage
from bot.telegram.context import RallyContext
from bot.telegram.delivery import send
from bot.telegram.render.play import Reply, b, command_menu, language_picker
from handlers.join import join_team


async def personal_menu(context: RallyContext, user_id: int, chat_id: int) -> None:
    """The command menu of this user's role, in their language, in their chat.

    Players who never changed language keep the per-language default menus; staff always
    get their own (their commands must not show in players' menus).
    """
    runtime = context.runtime
    assert runtime.settings is not None
    assert runtime.rally is not None
    role = role_of(runtime.settings, runtime.rally, user_id)
    with contextlib.suppress(TelegramError):  # the menu is a convenience, never a failure
        await context.bot.set_my_commands(
            command_menu(context.tr, role), scope=BotCommandScopeChat(chat_id)
        )


def welcome(tr: Translator, rally_title: str) -> Reply:
    """The first message: who the bot is, and the language picker."""
    text = "\n\n".join(
        [
            b(tr._("👋 Welcome to {rally}!", rally=rally_title)),
            tr._(
                "I will guide your team through the city, stage by stage: clues to find each "
                "place, useful information, and questions."
            ),
            tr._("Choose your language:"),
        ]
    )
    return Reply(text)


def how_to_join(tr: Translator) -> Reply:
    """How to join a team."""
    return Reply(
        tr._(
            "To join your team, type /join and the code on your team card, for "
            "example /join ABC123, or scan your team's QR code."
        )
    )


def help_text(tr: Translator) -> Reply:
    """What a player can do."""
    lines = [
        b(tr._("What you can do")),
        tr._("/clue: show the clue or the question again"),
        tr._("/team: your team, its stage and score"),
        tr._("/hint: a hint to find the place (it costs points)"),
        tr._("/join CODE: join your team"),
        tr._("/language: change the language"),
        "",
        tr._(
            "To check in at a place, press “📍 Send my location” or type the code word "
            "given at the desk. To answer, press a button or type the answer."
        ),
    ]
    return Reply("\n".join(lines))


async def start(update: Update, context: RallyContext) -> None:
    """`/start`, or `/start CODE` from a team's deep link or QR code."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    runtime = context.runtime
    assert runtime.rally is not None and runtime.catalogs is not None
    member = await runtime.teams.meet(user.id, chat.id, user.full_name, user.language_code)
    context.player = member
    tr = context.tr = runtime.catalogs.translator(member.language)
    await personal_menu(context, user.id, chat.id)
    title = tr.plain(runtime.rally.rally.title)
    picker = language_picker(runtime.rally.rally.languages)
    await send(context, chat.id, [Reply(welcome(tr, title).text, picker)])
    assert runtime.settings is not None
    role = role_of(runtime.settings, runtime.rally, user.id)
    if context.args:
        await join_team(update, context, context.args[0])
    elif role is not Role.PLAYER:
        await send(context, chat.id, [staff_help(tr, role)])
    elif member.team_id is None:
        await send(context, chat.id, [how_to_join(tr)])


def staff_help(tr: Translator, role: Role) -> Reply:
    """What an organiser or admin can do, from their own command menu."""
    title = (
        tr._("You are an admin of this rally.")
        if role is Role.ADMIN
        else tr._("You are an organiser of this rally.")
    )
    commands = command_menu(tr, role)
    lines = [b(title)] + [f"/{c.command}: {c.description}" for c in commands]
    return Reply("\n".join(lines))


async def language(update: Update, context: RallyContext) -> None:
    """`/language`: the language picker again."""
    chat = update.effective_chat
    assert chat is not None and context.runtime.rally is not None
    picker = language_picker(context.runtime.rally.rally.languages)
    await send(context, chat.id, [Reply(context.tr._("Choose your language:"), picker)])


async def choose_language(update: Update, context: RallyContext, choice: ChooseLanguage) -> None:
    """A press on the language picker: store it, confirm it, and translate the command menu."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    runtime = context.runtime
    assert runtime.catalogs is not None
    if context.player is None:
        context.player = await runtime.teams.meet(
            user.id, chat.id, user.full_name, user.language_code
        )
    member = await runtime.teams.set_language(user.id, choice.language)
    if member is None:
        await query.answer(context.tr._("This language is not offered in this rally."))
        return
    tr = context.tr = runtime.catalogs.translator(member.language)
    await query.answer()
    confirmation = tr._("✅ I will speak to you in this language.")
    with contextlib.suppress(BadRequest):  # the picker was already closed
        await query.edit_message_reply_markup(reply_markup=None)
    await send(context, chat.id, [Reply(confirmation)])
    await personal_menu(context, user.id, chat.id)
    if member.team_id is None:
        await send(context, chat.id, [how_to_join(tr)])


async def show_help(update: Update, context: RallyContext) -> None:
    """`/help`."""
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, [help_text(context.tr)])
