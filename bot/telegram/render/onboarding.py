"""What a newcomer reads: the welcome, the language picker, help, and the command menus."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.core.roles import Role
from bot.i18n.catalogs import Escaped, Translator, language_name
from bot.services.teams import JoinResult, JoinStatus
from bot.services.views import TeamView
from bot.telegram.buttons import ChooseLanguage, encode
from bot.telegram.render.reply import Reply, b


def lost_button_label(tr: Translator) -> Escaped:
    """The label of the 🆘 keyboard button (a typed text equal to it is the button)."""
    return tr._("🆘 We are lost")


def location_keyboard(tr: Translator) -> ReplyKeyboardMarkup:
    """The keyboard under the chat with a button that sends the phone's location."""
    return ReplyKeyboardMarkup(
        [
            [
                KeyboardButton(tr._("📍 Send my location"), request_location=True),
                KeyboardButton(lost_button_label(tr)),
            ]
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def language_picker(languages: Sequence[str]) -> InlineKeyboardMarkup:
    """Every language of the rally, each in its own name, two per row."""
    buttons = [
        InlineKeyboardButton(language_name(tag), callback_data=encode(ChooseLanguage(tag)))
        for tag in languages
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def command_menu(tr: Translator, role: Role = Role.PLAYER) -> list[BotCommand]:
    """The command menu of a role in one language: players see only theirs."""
    menu = [
        BotCommand("clue", tr._("Show the clue again")),
        BotCommand("team", tr._("Your team, its stage and score")),
        BotCommand("hint", tr._("A hint to find the place")),
        BotCommand("join", tr._("Join a team with its code")),
        BotCommand("lost", tr._("We are lost: call the organisers")),
        BotCommand("language", tr._("Change the language")),
        BotCommand("voice", tr._("Hear every text (on or off)")),
        BotCommand("guide", tr._("Your city guide, after the finish")),
        BotCommand("certificate", tr._("Your certificate of participation")),
        BotCommand("survey", tr._("A few questions about the day (anonymous)")),
        BotCommand("help", tr._("What you can do")),
        BotCommand("mydata", tr._("See your data and get a copy")),
        BotCommand("forget", tr._("Erase what the bot keeps about you")),
        BotCommand("privacy", tr._("What the bot keeps about you, and why")),
    ]
    if role in (Role.ORGANISER, Role.ADMIN):
        menu += [
            BotCommand("progress", tr._("Where every team is")),
            BotCommand("dashboard", tr._("The live map of the day, alerts and photos")),
            BotCommand("broadcast", tr._("Message all players, a team or a language")),
            BotCommand("announce", tr._("Send a prepared announcement")),
            BotCommand("checkin", tr._("Check a team in at its stage")),
            BotCommand("photos", tr._("Team photos waiting for review")),
            BotCommand("erase", tr._("Erase a player's data")),
            BotCommand("rally", tr._("Which rally you work on")),
            BotCommand("record", tr._("Record the voices of the texts")),
        ]
    if role is Role.ADMIN:
        menu += [
            BotCommand("scores", tr._("The leaderboard")),
            BotCommand("export", tr._("Scores, check-ins and answers as CSV")),
            BotCommand("award", tr._("Give or take points")),
            BotCommand("skip", tr._("Move a stuck team on")),
            BotCommand("newteam", tr._("Create a team and its join code")),
            BotCommand("open", tr._("Open the rally for joining")),
            BotCommand("go", tr._("Start the rally")),
            BotCommand("pause", tr._("Pause the rally")),
            BotCommand("resume", tr._("Resume the rally")),
            BotCommand("finish", tr._("Finish the rally and send the ranking")),
        ]
    return menu


def welcome(tr: Translator, rally_title: str) -> Reply:
    """The first message: who the bot is, and the language picker."""
    text = "\n\n".join(
        [
            greeting(tr, rally_title),
            tr._(
                "I will guide your team through the city, stage by stage: clues to find each "
                "place, useful information, and questions."
            ),
            tr._("Choose your language:"),
        ]
    )
    return Reply(text)


def greeting(tr: Translator, rally_title: str) -> str:
    """The welcome's first line, also above a deep-link join's confirmation."""
    return b(tr._("👋 Welcome to {rally}!", rally=rally_title))


def with_languages(reply: Reply, languages: Sequence[str]) -> Reply:
    """A reply whose buttons are followed by the language picker's (the information notice
    after a scan: one message, read in the player's language or switched to it)."""
    rows = (
        list(reply.markup.inline_keyboard) if isinstance(reply.markup, InlineKeyboardMarkup) else []
    )
    picker = language_picker(languages)
    return Reply(reply.text, InlineKeyboardMarkup([*rows, *picker.inline_keyboard]), reply.voices)


def greeted(greeting_line: str | None, reply: Reply) -> Reply:
    """A reply with the welcome's line above it (the first message of a deep-link join)."""
    if greeting_line is None:
        return reply
    return Reply(f"{greeting_line}\n\n{reply.text}", reply.markup)


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
        tr._("/voice: hear every text as a voice message (on or off)"),
        tr._("/mydata: see your data and get a copy"),
        tr._("/forget: erase what the bot keeps about you"),
        tr._("/privacy: what the bot keeps about you, why, and for how long"),
        "",
        tr._(
            "To check in at a place, press “📍 Send my location” or type its code word "
            "(the clue says who gives it). To answer, press a button or type the answer."
        ),
    ]
    return Reply("\n".join(lines))


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


def choose_language(tr: Translator, languages: Sequence[str]) -> Reply:
    """`/language`: the language picker again."""
    return Reply(tr._("Choose your language:"), language_picker(languages))


def language_not_offered(tr: Translator) -> Escaped:
    """A language button of a language the rally does not speak (an old or forged one)."""
    return tr._("This language is not offered in this rally.")


def language_chosen(tr: Translator) -> Reply:
    """The confirmation, in the language just chosen."""
    return Reply(tr._("✅ I will speak to you in this language."))


def join_usage(tr: Translator) -> Reply:
    """`/join` without one code."""
    return Reply(tr._("Type /join and your team code, for example /join ABC123."))


def not_a_code(tr: Translator, typed: str) -> Reply:
    """What was typed after /join cannot be a team code."""
    return Reply(
        tr._(
            "“{code}” is not a team code. A code has letters and digits, like ABC123.",
            code=typed[:40],
        )
    )


def unknown_code(tr: Translator, code: str) -> Reply:
    """No team has this code."""
    return Reply(tr._("No team has the code {code}. Check the code on your team card.", code=code))


def too_many_wrong_codes(tr: Translator, wait: timedelta) -> Reply:
    """Too many wrong codes lately: the next one is looked up after the wait."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    return Reply(
        tr.n_(
            "Too many wrong codes. Please wait {count} second, then type your team's code "
            "again, or ask an organiser.",
            "Too many wrong codes. Please wait {count} seconds, then type your team's code "
            "again, or ask an organiser.",
            seconds,
        )
    )


def team_full(tr: Translator, team: str, size: int) -> Reply:
    """A join to a team that has all the players it may have: nothing changed."""
    return Reply(
        tr.n_(
            "Team {team} is full: it already has {count} player. Ask an organiser which team "
            "to join.",
            "Team {team} is full: it already has {count} players. Ask an organiser which team "
            "to join.",
            size,
            team=team,
        )
    )


def switch_refused(tr: Translator, team: str) -> Reply:
    """A player of a team that started may not change team by themselves."""
    return Reply(
        tr._(
            "You are in team {team}. To change team during the rally, ask an organiser.", team=team
        )
    )


def joined(tr: Translator, result: JoinResult, team: TeamView) -> Reply:
    """What joining did (joined, switched, already there), with the location keyboard."""
    members = ", ".join(m.name for m in team.members)
    if result.status is JoinStatus.ALREADY_MEMBER:
        text = tr._("You are already in team {team}.", team=team.name)
    elif result.status is JoinStatus.SWITCHED:
        text = tr._(
            "You left team {old} and joined team {team}. Members: {members}.",
            old=result.previous_team or "",
            team=team.name,
            members=members,
        )
    else:
        text = tr._(
            "✅ You joined team {team}! Members: {members}.", team=team.name, members=members
        )
    return Reply(text, location_keyboard(tr))
