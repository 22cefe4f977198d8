"""The bot under measurement, in a process of its own, polling the driver's loopback Bot API.

Why a separate process: the loopback Telegram (uvicorn, the simulated players, the latency
bookkeeping) is itself Python doing real work for every request. In one process it would share
the event loop, the GIL and one core with the bot, and every figure would be the sum of both.
With the bot in a child process (started with `spawn`, so it imports nothing of the driver's
state), the bot has its own interpreter and the machine's second core serves the loopback; the
child's own CPU time and peak RSS are read from the kernel. The echo bot runs the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import io
import logging
import multiprocessing
import os
import pstats
import resource
import struct
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Literal

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

TOKEN = "123456:BENCH-token"
ADMIN_ID = 9001
ORGANISER_ID = 9002
CONCURRENT_UPDATES = 32
"""The echo bot's concurrency: the rally bot's (`bot.telegram.app.CONCURRENT_UPDATES`)."""

BotKind = Literal["rally", "echo", "echo-aiohttp"]
"""`echo` is a bare PTB bot (its default httpx client); `echo-aiohttp` the same bare bot with
the rally bot's own Bot API client (`bot/telegram/transport.py`)."""


@dataclass(frozen=True)
class BotSpec:
    """What to run in the child: which bot, against which loopback and database."""

    kind: BotKind
    base_url: str
    database_url: str = ""
    rally_file: str = ""
    flood_limit: int = 0
    cprofile: bool = False
    cprofile_path: str = ""
    """Where to write the raw cProfile stats (for `pstats`), if anywhere."""
    log_level: str = "WARNING"


@dataclass
class BotStats:
    """What the child reports when it stops."""

    pid: int
    maxrss_mb: float
    cpu_seconds: float
    profile: str = ""
    errors: list[str] = field(default_factory=list)
    stopping: list[tuple[str, float]] = field(default_factory=list)
    """The high-water mark of RSS (MB) at each step of stopping: where a late peak comes from."""

    def stopping_line(self) -> str:
        """The high-water mark before and along the bot's stop."""
        return "; ".join(f"{step} {mb:.0f} MB" for step, mb in self.stopping)


class _ErrorLog(logging.Handler):
    """Keeps the bot's errors (failed handlers, refused requests) to report them."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage()[:300])


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await context.bot.send_message(message.chat_id, message.text)


def _echo_application(spec: BotSpec) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(spec.base_url)
        .concurrent_updates(CONCURRENT_UPDATES)
    )
    if spec.kind == "echo-aiohttp":
        from bot.telegram.transport import AiohttpRequest, BotApiTimeouts  # noqa: PLC0415

        builder = builder.request(AiohttpRequest(BotApiTimeouts()))
        builder = builder.get_updates_request(AiohttpRequest(BotApiTimeouts(), pool_size=1))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    return application


def _rally_application(spec: BotSpec) -> Application[Any, Any, Any, Any, Any, Any]:
    from bot.core.rally_file import load_rally  # noqa: PLC0415
    from bot.settings import Settings  # noqa: PLC0415
    from bot.telegram.app import build_application  # noqa: PLC0415 - the echo child needs none of it

    settings = Settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=spec.base_url,
        database_url=spec.database_url,
        rally_admins=frozenset({ADMIN_ID}),
        rally_organisers=frozenset({ORGANISER_ID}),
        rally_flood_limit=spec.flood_limit,
        _env_file=None,
    )
    return build_application(settings, load_rally(spec.rally_file))


DONE = struct.Struct("<q")
"""An update id the bot has finished handling (read by `players.DoneFeed`)."""
REPORT_GROUP = 1_000
"""After every handler group of the bot: the update is handled when this group runs."""


def _reporter(done: Connection) -> Callable[[Update, Any], Coroutine[Any, Any, None]]:
    async def report(update: Update, _context: Any) -> None:
        done.send_bytes(DONE.pack(update.update_id))  # a few bytes down a pipe, no await

    return report


async def _serve(spec: BotSpec, conn: Connection, done: Connection) -> None:
    if spec.kind == "rally":
        from bot.telegram.app import allowed_updates  # noqa: PLC0415

        application = _rally_application(spec)
        updates = allowed_updates()
    else:
        application = _echo_application(spec)
        updates = [Update.MESSAGE]
    application.add_handler(TypeHandler(Update, _reporter(done)), group=REPORT_GROUP)
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)  # as run_polling does
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=10, allowed_updates=updates)

    loop = asyncio.get_running_loop()
    profiler = cProfile.Profile() if spec.cprofile else None
    conn.send(("ready", os.getpid()))
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "profile-on" and profiler is not None:
            profiler.enable()
        elif command == "profile-off" and profiler is not None:
            profiler.disable()
        elif command == "stop":
            break
        conn.send(("ok", command))

    stopping = [("running", _own_mb("VmHWM:"))]
    await application.updater.stop()
    stopping.append(("updater stopped", _own_mb("VmHWM:")))
    await application.stop()
    stopping.append(("application stopped", _own_mb("VmHWM:")))
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    stopping.append(("shut down", _own_mb("VmHWM:")))

    text = ""
    if profiler is not None:
        if spec.cprofile_path:
            profiler.dump_stats(spec.cprofile_path)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)
        text = out.getvalue()
    conn.send(("stopped", text, stopping))


def _child(spec: BotSpec, conn: Connection, done: Connection) -> None:
    errors = _ErrorLog()
    logging.basicConfig(level=spec.log_level, format="bot: %(levelname)s %(name)s: %(message)s")
    logging.getLogger().addHandler(errors)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        asyncio.run(_serve(spec, conn, done))
    finally:
        # the kernel's high-water mark of this process's memory, not getrusage's ru_maxrss:
        # Linux carries ru_maxrss over exec from the forked image of the driver, so a bot
        # started by a driver holding 600 MB of loopback state would report 600 MB
        conn.send(("stats", _own_mb("VmHWM:"), _cpu_seconds(), errors.messages))
        conn.close()


class BotProcess:
    """The bot in a child process: `await start()`, measure, `await stop()` for its stats."""

    def __init__(self, spec: BotSpec) -> None:
        self.spec = spec
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self.done, child_done = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child, args=(spec, child_conn, child_done), daemon=True
        )
        self.pid = 0

    async def _receive(self, within: float) -> tuple[Any, ...]:
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + within
        while not await loop.run_in_executor(None, self._conn.poll, 0.2):
            if not self._process.is_alive():
                raise RuntimeError(f"the {self.spec.kind} bot process died")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the {self.spec.kind} bot process did not answer")
        message: tuple[Any, ...] = self._conn.recv()
        return message

    async def start(self) -> None:
        """Start the child and wait until it polls the loopback."""
        self._process.start()
        kind, pid = await self._receive(60)
        assert kind == "ready", kind
        self.pid = int(pid)

    async def command(self, name: str) -> None:
        """Send a command to the child (profile-on, profile-off) and wait for its receipt."""
        self._conn.send(name)
        await self._receive(10)

    def cpu_seconds(self) -> float:
        """The child's CPU time so far (user + system), from /proc."""
        with open(f"/proc/{self.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def rss_mb(self) -> float:
        """The child's resident memory now and at its peak (VmHWM), in MB."""
        return _status_mb(self.pid, "VmRSS:")

    def peak_rss_mb(self) -> float:
        """The child's peak resident memory so far (the kernel's VmHWM), in MB."""
        return _status_mb(self.pid, "VmHWM:")

    async def stop(self) -> BotStats:
        """Stop the bot as `run_polling` would; its peak RSS, CPU time and profile."""
        self._conn.send("stop")
        kind, profile, stopping = await self._receive(60)
        assert kind == "stopped", kind
        _, maxrss_mb, cpu, errors = await self._receive(30)
        await asyncio.get_running_loop().run_in_executor(None, self._process.join, 10)
        stats = BotStats(self.pid, float(maxrss_mb), float(cpu), str(profile), list(errors))
        stats.stopping = list(stopping)
        return stats

    def kill(self) -> None:
        """End the child if it is still running (after a failure of the driver)."""
        if self._process.is_alive():
            self._process.kill()
        with contextlib.suppress(Exception):
            self._process.join(5)


def _status_mb(pid: int, key: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return 0.0


class RssWatch:
    """Samples the bot's resident memory every `interval` s while the block runs."""

    def __init__(self, bot: BotProcess, interval: float = 1.0) -> None:
        self.bot, self.interval = bot, interval
        self.samples: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> RssWatch:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._record(time.perf_counter())

    def _record(self, now: float) -> None:
        with contextlib.suppress(OSError):
            self.samples.append((now, self.bot.rss_mb()))

    async def _sample(self) -> None:
        while True:
            self._record(time.perf_counter())
            await asyncio.sleep(self.interval)

    def line(self) -> str:
        """RSS at the start, its peak (and when), at the end, and the kernel's high-water mark."""
        if not self.samples:
            return "no RSS samples"
        began = self.samples[0][0]
        at, peak = max(self.samples, key=lambda sample: sample[1])
        return (
            f"bot RSS during the run: {self.samples[0][1]:.0f} MB at the start, "
            f"peak {peak:.0f} MB after {at - began:.0f} s, {self.samples[-1][1]:.0f} MB at the "
            f"end; high-water mark {self.bot.peak_rss_mb():.0f} MB"
        )


def _own_mb(key: str) -> float:
    return _status_mb(os.getpid(), key)
