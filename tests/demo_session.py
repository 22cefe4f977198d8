"""`python -m bot demo` in a subprocess, driven as a person would: lines typed into its input,
its output read."""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).parents[1]
LOGIN = "sam"
"""The login name the demo runs under: the person at the keyboard is then "Sam"."""


class DemoSession:
    """The demo's process, talked to through pipes; `output` is everything it printed."""

    def __init__(self, process: asyncio.subprocess.Process, name: str) -> None:
        self.process = process
        self.prompt = f"{name} > "
        """What the demo prints when it waits for a line: the person's name, then `> `."""
        self.output = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        """A character may be split between two chunks."""

    async def _read_more(self) -> bool:
        """One more chunk of output; False at its end."""
        assert self.process.stdout is not None
        chunk = await self.process.stdout.read(4096)
        self.output += self._decoder.decode(chunk, final=not chunk)
        return bool(chunk)

    async def read_until_prompt(self, timeout: float = 30) -> str:  # noqa: ASYNC109
        """Everything the demo printed until it asks for the next line."""
        start = len(self.output)
        async with asyncio.timeout(timeout):
            while not self._prompted(self.output[start:]):
                if not await self._read_more():
                    break
        return self.output[start:]

    def _prompted(self, printed: str) -> bool:
        """Whether the demo asked for a line in `printed` (at its start or on a line of its own)."""
        return printed.startswith(self.prompt) or f"\n{self.prompt}" in printed

    async def read_until(self, pattern: str, timeout: float = 20) -> re.Match[str]:  # noqa: ASYNC109
        """Read on until `pattern` (a regular expression) matches what the demo printed."""
        found = re.compile(pattern)
        async with asyncio.timeout(timeout):
            while (match := found.search(self.output)) is None:
                if not await self._read_more():
                    raise AssertionError(f"the demo ended without printing {pattern!r}")
        return match

    async def type(self, line: str) -> str:
        """Type a line, return what the demo answered."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()
        return await self.read_until_prompt()

    async def close(self) -> None:
        """Type /quit (if it still runs) and read the rest of its output."""
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.write(b"/quit\n")
            await self.process.stdin.drain()
            self.process.stdin.close()
        async with asyncio.timeout(30):
            rest, _ = await self.process.communicate()
        self.output += self._decoder.decode(rest, final=True)


@asynccontextmanager
async def demo_session(
    tmp_path: Path, *args: str, login: str = LOGIN
) -> AsyncIterator[DemoSession]:
    """`python -m bot demo ARGS` in English by the user `login`, quit at the end of the block:
    it must then say goodbye, exit with 0 and have printed no traceback."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "en_GB.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "HOME": str(tmp_path),
        "USER": login,
    }
    # the name the person plays under, which the prompt shows (`bot.demo.options.person_name`)
    name = args[args.index("--name") + 1] if "--name" in args else login.capitalize()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        *args,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    demo = DemoSession(process, name)
    try:
        yield demo
    except BaseException as exc:
        if process.returncode is None:
            process.kill()
        await process.wait()
        exc.add_note(f"the demo printed:\n{demo.output[-4000:]}")
        raise
    await demo.close()
    assert process.returncode == 0, demo.output
    assert "Bye!" in demo.output
    assert "Traceback" not in demo.output, demo.output
