"""The offline demo, driven as a person would: lines typed into its input, its output read."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest

from bot.demo.options import DemoOptions, Seat, person_name
from bot.demo.terminal import ButtonPress, Terminal, typed_press
from loopback.records import CallbackQueryRecord
from tests.demo_session import demo_session

VOICE_WRITTEN = re.compile(r"🔊 \(a voice message, (?P<seconds>\d+) s, written to (?P<path>\S+)\)")


async def test_a_person_plays_the_first_stage_in_the_demo(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo:
        intro = await demo.read_until_prompt()
        assert "offline demo: you are Sam, a player" in intro  # the login name, made a name
        assert "PUY63" in intro
        assert "#N presses button N" in intro  # how to press a button at a typed question
        assert intro.endswith("\nSam > ")

        welcome = await demo.type("/start")
        assert "Welcome to" in welcome
        assert "[2] English" in welcome
        # then what the bot keeps, to accept before joining (its button is now the latest)
        assert "🔒 Your data" in welcome
        assert "[1] ✅ I understand" in welcome
        understood = await demo.type("1")
        assert "To join your team, type /join" in understood
        assert "\n💬 Thank you.\n" in understood  # the bot's answer to the press, a notice

        assert "[2] English" in await demo.type("/language")
        assert "I will speak to you in this language" in await demo.type("2")

        joined = await demo.type("/join puy63")
        assert "You joined team Puy de Dôme!" in joined
        assert "Stage 1 of 8" in joined  # the organisers started the rally: the first clue
        assert "Practical card" in joined

        assert "No team has the code" in await demo.type("/join NOPE99")

        code = await demo.type("/code")
        assert "BIENVENUE" in code
        far = await demo.type("/loc 45.77861 3.10083")
        assert "code word" in far  # the tourist office has no position: the desk's word
        arrived = await demo.type("bienvenue")
        assert "You are at" in arrived
        assert "[1] ▶️ Start the questions" in arrived

        question = await demo.type("1")
        assert "Question 1 of 4" in question
        assert "[2]" in question

        assert "(there is no button 9)" in await demo.type("9")
        team = await demo.type("/team")
        assert "Team Puy de Dôme" in team
        assert "Members: Sam\n" in team  # the player's own name, as the bot keeps it
        assert "Score: 10" in team

        # 🔊: the bundled rally's first stage has synthetic voices; the demo writes them out
        assert "🔊 Voice on" in await demo.type("/voice")
        again = await demo.type("/clue")
        found = VOICE_WRITTEN.search(again)
        assert found is not None, again
        assert (await asyncio.to_thread(Path(found["path"]).read_bytes))[:4] == b"OggS"
        assert int(found["seconds"]) >= 1


async def test_a_typed_number_answers_a_number_question(tmp_path: Path) -> None:
    async with demo_session(tmp_path, "--name", "Amina") as demo:
        assert "you are Amina, a player" in await demo.read_until_prompt()
        await demo.type("/start")
        await demo.type("2")  # English
        await demo.type("1")  # the privacy notice understood
        await demo.type("/join PUY63")
        await demo.type("bienvenue")
        await demo.type("1")  # ▶️ Start the questions
        assert "Question 2 of 4" in await demo.type("2")
        text_question = await demo.type("2")
        assert "✍️ Type your answer." in text_question
        assert "[1] 🔊 Listen" in text_question  # a typed question has a button too
        typed = await demo.type("1")  # an answer, not the press of 🔊 Listen
        assert "❌ Not right. 2 more tries." in typed
        assert "🔊 (a voice message" not in typed
        assert "🔊 (a voice message" in await demo.type("#1")  # the button, pressed on purpose
        assert "(there is no button 7)" in await demo.type("#7")
        assert "Question 4 of 4" in await demo.type("Montferrand")
        assert "Stage 2 of 8: Clermont-Ferrand Cathedral" in await demo.type("1")  # 112
        await demo.type("/here")
        assert "Question 1 of 3" in await demo.type("1")
        number_question = await demo.type("1")  # Volvic stone
        assert "✍️ Type a number." in number_question
        year = await demo.type("1248")
        assert "✅ Right! +20 points" in year
        assert "Building began in 1248" in year
        assert "there is no button" not in year
        assert "Members: Amina\n" in await demo.type("/team")
        assert "\nAmina > " in demo.output


@pytest.mark.parametrize(
    ("line", "press"),
    [
        ("3", ButtonPress(3, explicit=False)),
        ("#3", ButtonPress(3, explicit=True)),
        ("# 12", ButtonPress(12, explicit=True)),
        ("1248", ButtonPress(1248, explicit=False)),
        ("٢", ButtonPress(2, explicit=False)),  # an Arabic-Indic digit
        ("²", None),  # a digit int() cannot read
        ("#tag", None),
        ("12 m", None),
        ("/join PUY63", None),
        ("", None),
    ],
)
def test_a_typed_line_presses_a_button_only_as_a_number(
    line: str, press: ButtonPress | None
) -> None:
    assert typed_press(line) == press


@pytest.mark.parametrize(
    ("options", "environ", "name"),
    [
        (DemoOptions(name="Amina"), {"USER": "lucas"}, "Amina"),
        (DemoOptions(name="  "), {"USER": "lucas"}, "Lucas"),
        (DemoOptions(), {"LOGNAME": "goitom"}, "Goitom"),
        (DemoOptions(), {"USER": "root"}, "Alex"),  # a container's account is no one's name
        (DemoOptions(), {"USER": "j.dupont"}, "Alex"),
        (DemoOptions(), {}, "Alex"),
        (DemoOptions(seat=Seat.ORGANISER), {}, "Camille"),
        (DemoOptions(seat=Seat.ADMIN), {"USER": "nour"}, "Nour"),
    ],
)
def test_the_person_plays_under_a_first_name(
    options: DemoOptions, environ: dict[str, str], name: str
) -> None:
    assert person_name(options, environ) == name


def answered(text: str | None, *, alert: bool = False) -> CallbackQueryRecord:
    """A button press the bot answered with `text`."""
    return CallbackQueryRecord(
        "q1", 1001, "data", 1001, 7, answered=True, answer_text=text, show_alert=alert
    )


def test_the_bot_s_answer_to_a_press_is_shown_as_telegram_shows_it() -> None:
    out = io.StringIO()
    terminal = Terminal(out, "Sam")
    terminal.notice(answered("Thank you."))
    assert out.getvalue() == "\n💬 Thank you.\n"

    out = io.StringIO()
    alert = "Not yet: the rally\nstarts at \u206810:00\u2069 <soon> & then"  # plain text
    Terminal(out, "Sam").notice(answered(alert, alert=True))
    assert out.getvalue() == (
        "\n┌─ pop-up ─\n│ Not yet: the rally\n│ starts at 10:00 <soon> & then\n└─ [OK]\n"
    )

    out = io.StringIO()
    Terminal(out, "Sam").notice(answered(None))  # a silent answer: Telegram shows nothing
    assert out.getvalue() == ""
