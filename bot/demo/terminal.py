"""The demo's terminal: the bot's messages to the person playing, their buttons numbered.

Files the bot sends are written out, to open: documents (an export, `/mydata`) and photos
under the demo's files folder, by their own name; voice messages as Ogg/Opus files, to play.
What Telegram shows over the chat when a button is pressed (the bot's answer to the press) is
printed too: a notice on one line, an alert as a box.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TextIO

from bot.demo.options import FILES
from bot.telegram.render.reply import plain
from loopback.records import CallbackQueryRecord, ChatMessage

"""Where the documents and photos the bot sends are written, by default."""
BIDI_ISOLATES = dict.fromkeys(range(0x2066, 0x206A))
"""U+2066-U+2069, which Telegram shows as nothing and a terminal may not: deleted."""
PRESS_MARK = "#"
"""`#3` presses button 3 wherever a bare `3` would be an answer typed to the bot."""


@dataclass(frozen=True)
class ButtonPress:
    """A line typed to press a numbered button."""

    number: int
    explicit: bool
    """Typed `#N`: a press even where the bot waits for a typed answer."""


def typed_press(line: str) -> ButtonPress | None:
    """The button press a typed line asks for (`3` or `#3`), None for any other line."""
    explicit = line.startswith(PRESS_MARK)
    digits = line.removeprefix(PRESS_MARK).strip() if explicit else line
    if not digits.isdecimal():  # int() reads every decimal digit (Arabic-Indic ones too)
        return None
    return ButtonPress(int(digits), explicit)


class Terminal:
    """Shows the bot's messages to the person at the keyboard and numbers their buttons."""

    def __init__(
        self,
        out: TextIO,
        name: str = "",
        voices: Path | None = None,
        files: Path | None = None,
    ) -> None:
        self.out = out
        self.name = name
        """The person's name in the bot, at the start of their lines (the prompt)."""
        self.buttons: list[tuple[ChatMessage, int]] = []
        self.voices = voices or Path(tempfile.gettempdir()) / "rallye-demo-voices"
        """Where the voice messages the bot sends are written, to play them."""
        self.files = files or FILES
        """Where the documents and photos the bot sends are written, to open them."""
        self.at_prompt = False
        """Whether the prompt is the last thing printed (a note then starts on a new line)."""

    def show(self, event: str, message: ChatMessage) -> None:
        """Print a new message (edits only matter for the buttons they remove)."""
        if message.from_bot is False:
            return
        if event != "sent":
            shown = self.buttons and self.buttons[0][0].message_id == message.message_id
            if shown and not message.inline_keyboard:
                self.buttons = []
            return
        self.at_prompt = False
        if message.kind == "voice" and message.file is not None:
            self._voice(message)
            return
        if message.kind == "location":
            self._location(message)
            return
        text = plain(message.text or message.caption or "")
        lines = [f"  {line}" if line else "" for line in text.splitlines()]
        self.out.write("\n🤖 " + "\n".join(lines).lstrip() + "\n")
        if message.kind in {"document", "photo"} and message.file is not None:
            self._file(message)
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

    def say(self, text: str) -> None:
        """A note from the demo itself, not from the bot."""
        self.out.write(("\n" if self.at_prompt else "") + f"{text}\n")
        self.at_prompt = False
        self.out.flush()

    def button(self, number: int) -> tuple[ChatMessage, int] | None:
        """The message and index of button `number` shown last, None (and said) if none."""
        if not 1 <= number <= len(self.buttons):
            self.say(f"(there is no button {number})")
            return None
        return self.buttons[number - 1]

    def notice(self, press: CallbackQueryRecord) -> None:
        """What Telegram shows over the chat after a press: the bot's answer to it, if any
        (a notice that fades, or with `show_alert` a box to close with OK)."""
        if not press.answer_text:
            return
        # plain text, as Telegram shows it (no HTML), without the invisible bidi isolates
        text = press.answer_text.translate(BIDI_ISOLATES)
        if press.show_alert:
            lines = ["┌─ pop-up ─", *(f"│ {line}" for line in text.splitlines()), "└─ [OK]"]
            self.out.write("\n" + "\n".join(lines) + "\n")
        else:
            self.out.write(f"\n💬 {text}\n")
        self.at_prompt = False
        self.out.flush()

    def prompt(self, first: bool = False) -> None:
        """Ask for the next line: the person's name, then `> `."""
        mark = f"{self.name} > " if self.name else "> "
        self.out.write(mark if first else "\n" + mark)
        self.at_prompt = True
        self.out.flush()

    def entered(self) -> None:
        """The person typed a line: the prompt's line ended with their Enter."""
        self.at_prompt = False

    def _voice(self, message: ChatMessage) -> None:
        """A voice message: written to a file (Ogg/Opus, as Telegram plays it), and where."""
        assert message.file is not None
        self.voices.mkdir(parents=True, exist_ok=True)
        path = self.voices / f"voice-{message.message_id}.ogg"
        path.write_bytes(message.file.data)
        seconds = message.file.duration or 0
        self.out.write(f"\n🔊 (a voice message, {seconds} s, written to {path})\n")
        self.out.flush()

    def _file(self, message: ChatMessage) -> None:
        """A document or a photo: written under `files` (a document by its own name), and where."""
        assert message.file is not None
        self.files.mkdir(parents=True, exist_ok=True)
        if message.kind == "photo":
            path, what = self.files / f"photo-{message.message_id}.jpg", "a photo"
        else:
            # the bot names its files; a name is still never a path out of the folder
            name = PurePath(message.file.file_name or f"file-{message.message_id}").name
            path, what = self.files / name, name
        path.write_bytes(message.file.data)
        self.out.write(f"   📎 ({what}, {len(message.file.data)} bytes, written to {path})\n")

    def _location(self, message: ChatMessage) -> None:
        """A map pin (the position of a team that asked for help)."""
        point = message.content.get("location") or {}
        lat, lon = (round(float(point.get(key, 0.0)), 5) for key in ("latitude", "longitude"))
        self.out.write(f"\n📍 (a map pin: {lat}, {lon}: https://www.openstreetmap.org/")
        self.out.write(f"?mlat={lat}&mlon={lon}#map=17/{lat}/{lon})\n")
        self.out.flush()
