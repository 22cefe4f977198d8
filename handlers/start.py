"""/start, /language and /help: the welcome, the language picker and what a player can do."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat, Update

from bot.core.content import Rally
from bot.core.roles import Role, role_of
from bot.i18n.catalogs import Translator
from bot.services.views import Member
from bot.telegram.buttons import ChooseLanguage
from bot.telegram.context import RallyContext
from bot.telegram.delivery import answer_press, remove_buttons, send, set_commands
from bot.telegram.render import onboarding, privacy
from bot.telegram.render.onboarding import (
    command_menu,
    greeting,
    help_text,
    how_to_join,
    language_picker,
    staff_help,
    welcome,
)
from bot.telegram.render.reply import Reply
from bot.telegram.voices import with_voice_choice
from handlers.join import join_team


async def personal_menu(context: RallyContext, user_id: int, chat_id: int) -> None:
    """The command menu of this user's role, in their language, in their chat.

    Players who never changed language keep the per-language default menus; staff always
    get their own (their commands must not show in players' menus).
    """
    runtime = context.runtime
    role = role_of(runtime.settings, runtime.rally, user_id)
    menu = command_menu(context.tr, role)
    if role is Role.PLAYER and runtime.may_record(user_id):  # a translator of the rally file
        menu.append(BotCommand("record", context.tr._("Record the voices of the texts")))
    # the menu is a convenience: one that cannot be set is logged, never a failure
    await set_commands(context.bot, menu, scope=BotCommandScopeChat(chat_id))


async def start(update: Update, context: RallyContext) -> None:
    """`/start`, or `/start CODE` from a team's deep link or QR code."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    runtime = context.runtime
    member = await runtime.teams.meet(user.id, chat.id, user.first_name, user.language_code)
    context.player = member
    tr = context.tr = runtime.catalogs.translator(member.language)
    title = tr.plain(runtime.rally.rally.title)
    if context.args:  # one message answers the scan: the welcome's line over the team's news
        await join_team(update, context, context.args[0], greeting=greeting(tr, title))
    else:
        picker = language_picker(runtime.rally.rally.languages)
        await send(context, chat.id, [Reply(welcome(tr, title).text, picker)])
        role = role_of(runtime.settings, runtime.rally, user.id)
        if role is not Role.PLAYER:
            await send(context, chat.id, [staff_help(tr, role)])
        elif member.team_id is None:
            await send(context, chat.id, [before_joining(tr, runtime.rally, member)])
    await personal_menu(context, user.id, chat.id)


def before_joining(tr: Translator, rally: Rally, member: Member) -> Reply:
    """What a player without a team reads next: the information notice to acknowledge, or how
    to join once they have."""
    return how_to_join(tr) if member.informed else privacy.notice(tr, rally, ask=True)


async def language(update: Update, context: RallyContext) -> None:
    """`/language`: the language picker again."""
    chat = update.effective_chat
    assert chat is not None  # a command in a private chat
    languages = context.runtime.rally.rally.languages
    picker = onboarding.choose_language(context.tr, languages)
    player = context.player
    if context.runtime.voices.speaks(context.tr.language):  # and 🔊, where there are voices
        listening = player is not None and player.voice
        picker = with_voice_choice(picker, context.tr, listening=listening)
    await send(context, chat.id, [picker])


async def choose_language(update: Update, context: RallyContext, choice: ChooseLanguage) -> None:
    """A press on the language picker: store it, confirm it, and translate the command menu."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    runtime = context.runtime
    if context.player is None:
        context.player = await runtime.teams.meet(
            user.id, chat.id, user.first_name, user.language_code
        )
    member = await runtime.teams.set_language(user.id, choice.language)
    if member is None:
        await answer_press(query, onboarding.language_not_offered(context.tr))
        return
    tr = context.tr = runtime.catalogs.translator(member.language)
    await answer_press(query)
    await remove_buttons(query)  # a picker already closed is left as it is
    await send(context, chat.id, [onboarding.language_chosen(tr)])
    await personal_menu(context, user.id, chat.id)
    if member.team_id is None:  # the notice is read again in the language just chosen
        await send(context, chat.id, [before_joining(tr, runtime.rally, member)])


async def show_help(update: Update, context: RallyContext) -> None:
    """`/help`."""
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, [help_text(context.tr)])
