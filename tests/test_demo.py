"""The offline demo, driven as a person would: lines typed into its input, its output read."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
PROMPT = "\n> "
VOICE_WRITTEN = re.compile(r"🔊 \(a voice message, (?P<seconds>\d+) s, written to (?P<path>\S+)\)")


class DemoSession:
    """`python -m bot demo` in a subprocess, talked to through pipes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output = ""

    async def read_until_prompt(self, timeout: float = 30) -> str:  # noqa: ASYNC109
        """Everything the demo printed until it asks for the next line."""
        start = len(self.output)
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while PROMPT not in self.output[start:] and not self.output[start:].startswith("> "):
                chunk = await self.process.stdout.read(4096)
                if not chunk:
                    break
                self.output += chunk.decode()
        return self.output[start:]

    async def type(self, line: str) -> str:
        """Type a line, return what the demo answered."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()
        return await self.read_until_prompt()


async def test_a_person_plays_the_first_stage_in_the_demo(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "en_GB.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "HOME": str(tmp_path),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    demo = DemoSession(process)
    try:
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
    finally:
        if process.returncode is None:
            assert process.stdin is not None
            process.stdin.write(b"/quit\n")
            await process.stdin.drain()
            process.stdin.close()
        async with asyncio.timeout(30):
            rest, _ = await process.communicate()
        demo.output += rest.decode()
    assert process.returncode == 0, demo.output
    assert "Bye!" in demo.output
    assert "Traceback" not in demo.output
