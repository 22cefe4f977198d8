"""The offline demo, driven as a person would: lines typed into its input, its output read."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.demo_session import demo_session

VOICE_WRITTEN = re.compile(r"🔊 \(a voice message, (?P<seconds>\d+) s, written to (?P<path>\S+)\)")


async def test_a_person_plays_the_first_stage_in_the_demo(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo:
        intro = await demo.read_until_prompt()
        assert "offline demo" in intro
        assert "PUY63" in intro

        welcome = await demo.type("/start")
        assert "Welcome to" in welcome
        assert "[2] English" in welcome
        # then what the bot keeps, to accept before joining (its button is now the latest)
        assert "🔒 Your data" in welcome
        assert "[1] ✅ I understand" in welcome
        assert "To join your team, type /join" in await demo.type("1")

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
        assert "Score: 10" in team

        # 🔊: the bundled rally's first stage has synthetic voices; the demo writes them out
        assert "🔊 Voice on" in await demo.type("/voice")
        again = await demo.type("/clue")
        found = VOICE_WRITTEN.search(again)
        assert found is not None, again
        assert (await asyncio.to_thread(Path(found["path"]).read_bytes))[:4] == b"OggS"
        assert int(found["seconds"]) >= 1
