"""The staff's seat: the person at the keyboard runs the day while simulated teams play it.

They are an organiser (`--as organiser`) or an admin (`--as admin`) of the rally: what they type
goes to the bot as their Telegram messages (`/progress`, `/broadcast`, `/photos`, `/scores`,
`/export`...), a number presses a button of the bot's latest message (a photo's ✅ or ❌), and
the bot's answers are printed, its files written out (`Terminal`). The teams
(`bot.demo.simulated`) join by their code; a simulated admin, the coordinator, starts the
rally. The dashboard is served on 127.0.0.1 and opened with a one-time login link: no
Telegram, no public address.
"""

from __future__ import annotations

import asyncio
import os
import random
import webbrowser
from typing import TextIO

from starlette.applications import Starlette

from bot.core.content import Rally
from bot.dashboard.access import LOGIN_LINK_LIFETIME, DashboardAccess, Viewer
from bot.dashboard.web import Dashboard
from bot.demo.offline import OfflineBot, offline_bot, read_line
from bot.demo.options import DemoOptions, Seat
from bot.demo.simulated import Pace, SimulatedDay, SimulatedTeam
from bot.demo.terminal import Terminal, typed_press
from bot.settings import DASHBOARD_PATH, Settings
from bot.telegram.webhook import WebServer
from loopback.records import CallbackQueryRecord
from loopback.users import SimulatedUser

ORGANISER_ID = 1
"""The person at the keyboard."""
COORDINATOR_ID = 2
"""The simulated admin who starts the rally."""
HOST = "127.0.0.1"

COMMANDS = """\
  /progress          where every team is, and how long since it last moved
  /broadcast TEXT    a message to every player (/broadcast team CODE TEXT: to one team)
  /photos            the team photos waiting for review; then a number: ✅ approve, ❌ reject
  /checkin CODE STAGE  check a team in yourself (as a desk would, by phone)
"""
ADMIN_COMMANDS = """\
  /scores            the leaderboard
  /export            the day's CSV files, written to {files}/ (/export pseudo: without names)
  /pause, /resume    stop the day for a while; /finish ends it (it asks first)
"""
NOT_ADMIN = """\
  (/scores and /export are for admins: run the demo with --as admin)
"""
DEMO_COMMANDS = """\
  a number           press that button of the bot's latest message (#N too)
  /web               a new login link for the dashboard
  /feed              hide the teams' activity lines (· ...), or show them again
  anything else      goes to the bot as you typed it (/help: every command of yours)
  /quit              leave (Ctrl-D too)
"""


def staff_ids(seat: Seat) -> tuple[frozenset[int], frozenset[int]]:
    """The demo's admins and organisers: the coordinator, and the person in their seat."""
    if seat is Seat.ADMIN:
        return frozenset({COORDINATOR_ID, ORGANISER_ID}), frozenset()
    return frozenset({COORDINATOR_ID}), frozenset({ORGANISER_ID})


def intro(  # noqa: PLR0917 - what the introduction tells
    seat: Seat,
    rally: Rally,
    language: str,
    teams: list[SimulatedTeam],
    link: str,
    options: DemoOptions,
    pace: Pace,
    name: str,
) -> str:
    """What the person reads before the first prompt: who they are, the teams, what to type,
    the dashboard's link."""
    title = rally.rally.title.get(language) or rally.rally.title[rally.default_language]
    role = "an admin" if seat is Seat.ADMIN else "an organiser"
    lines = [
        f'Rallye offline demo: you are {name}, {role} of the rally "{title}".',
        "The bot runs here against a loopback Telegram; nothing goes to the network",
        "(but the map tiles your browser loads for the dashboard).",
        f"{len(teams)} simulated teams play the day on their own (the slowest in about "
        f"{max(round(pace.day_minutes(rally)), 1)} min);",
        "only your chat with the bot is shown, and a line (·) for what the teams do.",
        f"The files the bot sends you are written to {options.files}/.",
        "",
        "Teams:",
    ]
    for team in teams:
        names = ", ".join(str(member.user["first_name"]) for member in team.members)
        quirks = team.quirks.describe()
        lines.append(f"  {team.name} ({team.code}): {names}" + (f" ({quirks})" if quirks else ""))
    lines.append("")
    commands = COMMANDS
    commands += ADMIN_COMMANDS.format(files=options.files) if seat is Seat.ADMIN else NOT_ADMIN
    minutes = int(LOGIN_LINK_LIFETIME.total_seconds() // 60)
    lines += [
        commands + DEMO_COMMANDS,
        f"The dashboard, in your browser (the link works once, within {minutes} minutes):",
        f"  {link}",
        "",
        "The coordinator (a simulated admin) has started the rally: the teams are on their way.",
        "",
    ]
    return "\n".join(lines)


class DashboardLinks:
    """One-time login links to the dashboard served here, for the person at the keyboard."""

    def __init__(self, server: WebServer, access: DashboardAccess, viewer: Viewer) -> None:
        self.server = server
        self.access = access
        self.viewer = viewer

    def fresh(self) -> str:
        """A new link: it opens a dashboard session once, within `LOGIN_LINK_LIFETIME`."""
        token = self.access.links.issue(self.viewer)
        return f"{self.server.url}{DASHBOARD_PATH}/login?t={token}"


class StaffDemo:
    """The staff's demo running: the bot, the organiser at the keyboard, the simulated day."""

    def __init__(
        self,
        bot: OfflineBot,
        organiser: SimulatedUser,
        terminal: Terminal,
        day: SimulatedDay,
        links: DashboardLinks,
    ) -> None:
        self.bot = bot
        self.organiser = organiser
        self.terminal = terminal
        self.day = day
        self.links = links

    async def handle(self, line: str) -> bool:
        """Act on one line typed by the person; False to quit."""
        words = line.split()
        if not words:
            return True
        command = words[0].casefold()
        if command in {"/quit", "/exit"}:
            return False
        if command == "/web":
            self.say(f"(the dashboard, for one use: {self.links.fresh()})")
            return True
        if command == "/feed":
            self.day.feed_on = not self.day.feed_on
            self.say("(the teams' activity is shown)" if self.day.feed_on else "(hidden: /feed)")
            return True
        press = typed_press(line)  # the staff never type an answer: a number is a press
        async with self.day.held():  # the bot's answers first, then what the teams do
            pressed = self.press(press.number) if press is not None else None
            if press is None:
                self.organiser.send_text(line)
            try:
                await self.bot.settle()
            except TimeoutError:
                self.say("(the bot is still busy: its answer will follow)")
        if pressed is not None:
            self.terminal.notice(pressed)  # what Telegram shows over the chat
        return True

    def press(self, number: int) -> CallbackQueryRecord | None:
        """Press button `number` of the latest message with buttons."""
        button = self.terminal.button(number)
        if button is None:
            return None
        message, index = button
        return self.organiser.press_button(index=index, message=message)

    def say(self, text: str) -> None:
        """A note from the demo itself, not from the bot."""
        self.terminal.say(text)


def telegram_language() -> str:
    """The person's language as Telegram would report it, from the terminal's (`LANG`)."""
    return os.environ.get("LANG", "").partition(".")[0].replace("_", "-")


async def run_the_day(  # noqa: PLR0917 - the demo's parts
    settings: Settings,
    rally: Rally,
    stdin: TextIO,
    stdout: TextIO,
    terminal: Terminal,
    options: DemoOptions,
) -> int:
    """Run the staff's demo until the person quits or the input ends.

    Raises `ListenError` when the dashboard's port cannot be listened on.
    """
    server = WebServer.bind(HOST, options.port, variable="--port")
    admins, organisers = staff_ids(options.seat)
    try:
        async with offline_bot(settings, rally, admins=admins, organisers=organisers) as bot:
            api, application = bot.api, bot.application
            language = telegram_language() or rally.default_language
            organiser = api.create_user(terminal.name, user_id=ORGANISER_ID, language_code=language)
            coordinator = api.create_user(
                "Coordination", user_id=COORDINATOR_ID, language_code=rally.default_language
            )
            api.add_message_listener(
                lambda event, message: (
                    terminal.show(event, message) if message.chat_id == organiser.chat_id else None
                )
            )
            async with bot.running():
                runtime = application.bot_data.default
                access = application.bot_data.access
                if access is None:
                    raise RuntimeError("the application was built without the dashboard's access")
                pace = Pace(factor=options.pace)
                whims = random.Random()  # noqa: S311 - the teams' whims, no secret
                day = SimulatedDay(api, runtime, pace, whims, terminal.say, language)
                organiser.start()  # the staff's help, in their language
                await bot.settle()
                teams = await day.join()
                coordinator.send_command("go")
                await bot.settle()
                await server.start(Starlette(routes=Dashboard(application).routes()))
                links = DashboardLinks(server, access, Viewer(ORGANISER_ID, rally.id))
                try:
                    intro_text = intro(
                        options.seat,
                        rally,
                        day.language,
                        teams,
                        links.fresh(),
                        options,
                        pace,
                        terminal.name,
                    )
                    stdout.write("\n" + intro_text)
                    if options.open_browser:
                        opened = await asyncio.to_thread(webbrowser.open, links.fresh())
                        stdout.write(
                            "(a second link was opened in your browser)\n"
                            if opened
                            else "(no browser could be opened here: use the link above)\n"
                        )
                    demo = StaffDemo(bot, organiser, terminal, day, links)
                    day.start()
                    terminal.prompt(first=True)
                    while (line := await read_line(stdin)) is not None:
                        terminal.entered()
                        if not await demo.handle(line.strip()):
                            break
                        terminal.prompt()
                finally:
                    await day.stop()
                    await server.stop()
    finally:
        server.close()  # never started: its socket is still bound
    stdout.write("\nBye!\n")
    return 0
