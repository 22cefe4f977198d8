"""The offline demo: the real bot against a loopback Bot API inside this process, played here.

A person plays the rally as a team from the terminal: text and commands go to the bot as a
Telegram user would send them, a number presses a button of the bot's latest message, `/here`
sends the location of the team's current stage and `/loc LAT LON` any location. The database
is a throwaway SQLite file; nothing touches the network.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot import logs
from bot.core.content import Rally
from bot.settings import Settings
from bot.telegram.app import allowed_updates, build_application
from bot.telegram.context import RallyApplication
from bot.telegram.render.reply import plain
from loopback.records import ChatMessage
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedUser

DEMO_TOKEN = "4242:DEMO-offline"  # noqa: S105 - the loopback server's own fake token
PLAYER_ID = 1001
ORGANISER_ID = 1

INTRO = """\
Rallye offline demo: you are a player of the rally "{title}".
The bot runs here against a loopback Telegram; nothing goes to the network.

  /start             open the bot (then choose a language with its number)
  /join CODE         join a team; codes: {codes}
  a number           press that button of the bot's latest message
  /here              send your location at your current stage (you are there)
  /loc LAT LON       send any location, e.g. /loc 45.7786 3.1008 (the railway station)
  /code              what the staff at the desk would tell you (the code word)
  /voice             hear every text: the voice messages are written to files, to play
  anything else      typed text: a code word, an answer, or a command (/clue, /team, /hint)
  /quit              leave (Ctrl-D too)

The organisers have already started the rally.
"""


class Terminal:
    """Shows the bot's messages to the demo player and numbers their buttons."""

    def __init__(self, out: TextIO, voices: Path | None = None) -> None:
        self.out = out
        self.buttons: list[tuple[ChatMessage, int]] = []
        self.voices = voices or Path(tempfile.gettempdir()) / "rallye-demo-voices"
        """Where the voice messages the bot sends are written, to play them."""

    def show(self, event: str, message: ChatMessage) -> None:
        """Print a new message (edits only matter for the buttons they remove)."""
        if message.from_bot is False:
            return
        if event != "sent":
            shown = self.buttons and self.buttons[0][0].message_id == message.message_id
            if shown and not message.inline_keyboard:
                self.buttons = []
            return
        if message.kind == "voice" and message.file is not None:
            self._voice(message)
            return
        text = plain(message.text or message.caption or "")
        lines = [f"  {line}" if line else "" for line in text.splitlines()]
        self.out.write("\n🤖 " + "\n".join(lines).lstrip() + "\n")
        flat = [button for row in message.inline_keyboard for button in row]
        if flat:
            self.buttons = [(message, index) for index in range(len(flat))]
            for number, button in enumerate(flat, start=1):
                self.out.write(f"   [{number}] {plain(str(button['text']))}\n")
        keyboard = message.reply_keyboard
        if keyboard:
            labels = ", ".join(plain(label) for row in keyboard for label in row)
            self.out.write(f"   (keyboard: {labels}: type /here to use it)\n")
        self.out.flush()

    def _voice(self, message: ChatMessage) -> None:
        """A voice message: written to a file (Ogg/Opus, as Telegram plays it), and where."""
        assert message.file is not None
        self.voices.mkdir(parents=True, exist_ok=True)
        path = self.voices / f"voice-{message.message_id}.ogg"
        path.write_bytes(message.file.data)
        seconds = message.file.duration or 0
        self.out.write(f"\n🔊 (a voice message, {seconds} s, written to {path})\n")
        self.out.flush()


class Demo:
    """The running demo: the loopback API, the bot, the player and the terminal."""

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
        if line.isdigit():
            self.press(int(line))
        elif words[0] == "/here":
            await self.here()
        elif words[0] == "/loc":
            self.location(words[1:])
        elif words[0] == "/code":
            await self.code()
        else:
            self.player.send_text(line)
        await self.api.wait_idle(self.application, timeout=30)
        return True

    def press(self, number: int) -> None:
        """Press button `number` of the latest message with buttons."""
        if not 1 <= number <= len(self.terminal.buttons):
            self.say(f"(there is no button {number})")
            return
        message, index = self.terminal.buttons[number - 1]
        self.player.press_button(index=index, message=message)

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
        self.terminal.out.write(f"{text}\n")
        self.terminal.out.flush()


async def _read_line(stream: TextIO) -> str | None:
    line = await asyncio.get_running_loop().run_in_executor(None, stream.readline)
    return line if line else None


async def run(settings: Settings, rally: Rally, stdin: TextIO, stdout: TextIO) -> int:
    """Run the demo until the person quits or the input ends."""
    with tempfile.TemporaryDirectory(prefix="rallye-demo-") as tmp:
        async with LoopbackBotApi(DEMO_TOKEN, bot_username="rallye_demo_bot") as api:
            demo_settings = settings.model_copy(
                update={
                    "telegram_bot_token": SecretStr(DEMO_TOKEN),
                    "telegram_api_base_url": api.base_url,
                    "database_url": f"sqlite+aiosqlite:///{Path(tmp) / 'demo.sqlite3'}",
                    "rally_admins": frozenset({ORGANISER_ID}),
                }
            )
            application = build_application(demo_settings, rally)
            terminal = Terminal(stdout)
            language = (os.environ.get("LANG") or "fr")[:2]
            player = api.create_user("Vous", user_id=PLAYER_ID, language_code=language)
            organiser = api.create_user(
                "Organisation", user_id=ORGANISER_ID, language_code=rally.default_language
            )
            api.add_message_listener(
                lambda event, message: (
                    terminal.show(event, message) if message.chat_id == player.chat_id else None
                )
            )
            await application.initialize()
            if application.post_init:
                await application.post_init(application)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0, timeout=5, allowed_updates=allowed_updates()
            )
            demo = Demo(api, application, rally, player, terminal)
            try:
                organiser.send_command("go")
                await api.wait_idle(application, timeout=30)
                stored = await application.bot_data.default.teams.all_teams()  # codes: stored
                codes = ", ".join(team.code for team in stored) or "(none: ask /newteam)"
                stdout.write(
                    INTRO.format(title=rally.rally.title[rally.default_language], codes=codes)
                )
                stdout.write("> ")
                stdout.flush()
                while (line := await _read_line(stdin)) is not None:
                    if not await demo.handle(line.strip()):
                        break
                    stdout.write("\n> ")
                    stdout.flush()
            finally:
                await application.updater.stop()
                await application.stop()
                await application.shutdown()
                if application.post_shutdown:
                    await application.post_shutdown(application)
    stdout.write("\nBye!\n")
    return 0


def play_demo(settings: Settings, rally: Rally) -> int:
    """`python -m bot demo` (and `make run` without a token)."""
    logs.configure("WARNING" if settings.log_level == "INFO" else settings.log_level)
    return asyncio.run(run(settings, rally, sys.stdin, sys.stdout))
