"""The player's seat: a person plays the rally as a team from the terminal.

Text and commands go to the bot as a Telegram user would send them, `/here` sends the location
of the team's current stage and `/loc LAT LON` any location. The organisers (the demo) have
started the rally.

A number presses that button of the bot's latest message, except while the team answers a
number or text question: the bot then waits for a typed answer, and the number is sent as that
answer (a year, a phone number); `#N` presses button N there (the question's 🔊 Listen).
A choice question takes its buttons' numbers either way. The person plays under their first
name (`--name`, else their login name: `bot.demo.options.person_name`).
"""

from __future__ import annotations

import os
from typing import TextIO

from bot.core.content import ChoiceQuestion, Rally
from bot.core.engine.progress import TeamState
from bot.demo.offline import offline_bot, read_line
from bot.demo.terminal import Terminal, typed_press
from bot.settings import Settings
from bot.telegram.context import RallyApplication
from loopback.records import CallbackQueryRecord
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedUser

PLAYER_ID = 1001
ORGANISER_ID = 1
"""The admin who starts the rally (`/go`) before the player sits down."""

INTRO = """\
Rallye offline demo: you are {name}, a player of the rally "{title}".
The bot runs here against a loopback Telegram; nothing goes to the network.

  /start             open the bot (then choose a language with its number)
  /join CODE         join a team; codes: {codes}
  a number           press that button of the bot's latest message; at a question to answer
                     by typing (✍️), the number is your answer and #N presses button N
  /here              send your location at your current stage (you are there)
  /loc LAT LON       send any location, e.g. /loc 45.7786 3.1008 (the railway station)
  /code              what the staff at the desk would tell you (the code word)
  /voice             hear every text: the voice messages are written to files, to play
  anything else      typed text: a code word, an answer, or a command (/clue, /team, /hint)
  /quit              leave (Ctrl-D too)

The organisers have already started the rally.
"""


class Demo:
    """The player's demo running: the loopback API, the bot, the player and the terminal."""

    def __init__(
        self,
        api: LoopbackBotApi,
        application: RallyApplication,
        rally: Rally,
        player: SimulatedUser,
        terminal: Terminal,
    ) -> None:
        self.api = api
        self.application = application
        self.rally = rally
        self.player = player
        self.terminal = terminal

    async def current_stage(self) -> str | None:
        """The stage the player's team is at or heading to."""
        team = await self.application.bot_data.default.teams.team_of(self.player.id)
        return team.progress.stage_id if team else None

    async def handle(self, line: str) -> bool:
        """Act on one line typed by the person; False to quit."""
        words = line.split()
        if not words:
            return True
        if words[0] in {"/quit", "/exit"}:
            return False
        press = typed_press(line)
        if press is not None and not press.explicit and await self.answer_typed():
            press = None  # the answer to a number (or text) question: sent as typed
        pressed = None
        if press is not None:
            pressed = self.press(press.number)
        elif words[0] == "/here":
            await self.here()
        elif words[0] == "/loc":
            self.location(words[1:])
        elif words[0] == "/code":
            await self.code()
        else:
            self.player.send_text(line)
        await self.api.wait_idle(self.application, timeout=30)
        if pressed is not None:
            self.terminal.notice(pressed)  # once the bot has answered the press
        return True

    async def answer_typed(self) -> bool:
        """Whether the bot waits for the team's typed answer (a number or text question)."""
        team = await self.application.bot_data.default.teams.team_of(self.player.id)
        if team is None or team.progress.state is not TeamState.ANSWERING:
            return False
        stage_id = team.progress.stage_id
        assert stage_id is not None  # answering: at a stage
        questions = self.rally.stage(stage_id).questions
        index = team.progress.question_index
        return index < len(questions) and not isinstance(questions[index], ChoiceQuestion)

    def press(self, number: int) -> CallbackQueryRecord | None:
        """Press button `number` of the latest message with buttons."""
        button = self.terminal.button(number)
        if button is None:
            return None
        message, index = button
        return self.player.press_button(index=index, message=message)

    async def here(self) -> None:
        """Send the location of the current stage, as if standing there."""
        stage_id = await self.current_stage()
        if stage_id is None:
            self.say("(your team is not on its way to a stage yet: /start, /join CODE)")
            return
        location = self.rally.stage(stage_id).location
        if location is None:
            self.say("(this stage has no position: check in with the code word; /code tells it)")
            return
        self.player.send_location(location.lat, location.lon, horizontal_accuracy=12)

    def location(self, args: list[str]) -> None:
        """Send `LAT LON`."""
        try:
            lat, lon = (float(value) for value in args)
        except ValueError:
            self.say("(type /loc LAT LON, e.g. /loc 45.7786 3.1008)")
            return
        self.player.send_location(lat, lon, horizontal_accuracy=15)

    async def code(self) -> None:
        """Tell the code word the desk would give (the demo has no staff)."""
        stage_id = await self.current_stage()
        if stage_id is None:
            self.say("(your team is not on its way to a stage yet)")
            return
        self.say(f"(the staff at the desk say: {self.rally.stage(stage_id).checkin_code})")

    def say(self, text: str) -> None:
        """A note from the demo itself, not from the bot."""
        self.terminal.say(text)


async def play_as_team(
    settings: Settings, rally: Rally, stdin: TextIO, stdout: TextIO, terminal: Terminal
) -> int:
    """Run the player's demo until the person quits or the input ends."""
    async with offline_bot(settings, rally, admins=frozenset({ORGANISER_ID})) as bot:
        api, application = bot.api, bot.application
        language = (os.environ.get("LANG") or "fr")[:2]
        player = api.create_user(terminal.name, user_id=PLAYER_ID, language_code=language)
        organiser = api.create_user(
            "Organisation", user_id=ORGANISER_ID, language_code=rally.default_language
        )
        api.add_message_listener(
            lambda event, message: (
                terminal.show(event, message) if message.chat_id == player.chat_id else None
            )
        )
        async with bot.running():
            demo = Demo(api, application, rally, player, terminal)
            organiser.send_command("go")
            await bot.settle()
            stored = await application.bot_data.default.teams.all_teams()  # codes: stored
            codes = ", ".join(team.code for team in stored) or "(none: ask /newteam)"
            title = rally.rally.title[rally.default_language]
            stdout.write(INTRO.format(name=terminal.name, title=title, codes=codes))
            terminal.prompt(first=True)
            while (line := await read_line(stdin)) is not None:
                terminal.entered()
                if not await demo.handle(line.strip()):
                    break
                terminal.prompt()
    stdout.write("\nBye!\n")
    return 0
