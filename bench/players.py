"""Simulated teams playing the default rally against the loopback Bot API, and the drivers.

Each team follows a script through its whole route (check-ins by pin, live location and code
word, a wrong place and a wrong code word first, hints for every other team, answers by button
and by typed text, some wrong). A team acts again only once the bot has *finished* handling its
previous update: the bot process reports each update it has handled (`DoneFeed`), so the first
bot message to the actor after an update is that update's reply, never the tail of the one
before. The drivers:

- `saturate`: every team acts as soon as it may, so up to one update per team (200) is always
  waiting for the bot: the bot never waits for work.
- `steady`: one update every 1/rate seconds, from the next team that may act (round robin).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import yaml
from botprocess import DONE

from bot.core.content import ChoiceQuestion, NumberQuestion, Question, Rally, TextQuestion
from bot.core.engine import route_for
from bot.core.rally_file import parse_rally
from bot.i18n.catalogs import negotiate_language
from bot.telegram.buttons import AcknowledgeNotice, encode
from loopback.methods import BotApiMethods, MethodSpec
from loopback.params import RequestParams
from loopback.records import ChatMessage
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedUser

DEFAULT_RALLY = Path(__file__).resolve().parents[1] / "data" / "stages.yaml"
GARE = (45.77861, 3.10083)  # the railway station, away from every stage
TELEGRAM_LANGUAGES = ("fr", "ar", "en", "fa", "uk", "ps", "ti", "ru", "tr", "bn")
FINISHED = "\U0001f389"  # 🎉 ends a team's route


def add_population_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every benchmark shares: how many players, in how many teams, on which database."""
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")


def bench_rally(teams: int, directory: Path) -> tuple[Rally, Path]:
    """The default rally with `teams` teams instead of the file's own (written to `directory`)."""
    data: dict[str, Any] = yaml.safe_load(DEFAULT_RALLY.read_text(encoding="utf-8"))
    data["teams"] = [{"name": f"Équipe {n + 1}", "code": f"BENCH{n + 1:03d}"} for n in range(teams)]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path = directory / "bench-rally.yaml"
    path.write_text(text, encoding="utf-8")
    return parse_rally(text, str(path)), path


# ------------------------------------------------------------------ steps


@dataclass(frozen=True)
class Text:
    """A member types a text (a code word, an answer)."""

    member: int
    text: str


@dataclass(frozen=True)
class Place:
    """A member shares a location: a pin, or the start of a live location."""

    member: int
    lat: float
    lon: float
    accuracy: float
    live: bool = False


@dataclass(frozen=True)
class Move:
    """A member's live location moves (an `edited_message`)."""

    member: int
    lat: float
    lon: float
    accuracy: float


@dataclass(frozen=True)
class Press:
    """A member presses the inline button with this callback data, once the bot has shown it."""

    member: int
    data: str


Step = Text | Place | Move | Press


def _answer(question: Question, language: str, rally: Rally, *, right: bool) -> str:
    if isinstance(question, ChoiceQuestion):
        if right:
            return str(question.answer[0])
        return str(next(n for n in range(1, len(question.choices) + 1) if n not in question.answer))
    if isinstance(question, NumberQuestion):
        return f"{question.value:g}" if right else f"{question.value + question.tolerance + 7:g}"
    assert isinstance(question, TextQuestion)
    if not right:
        return "zzzz qqqq"
    accepted = question.accepted.get(language) or question.accepted[rally.default_language]
    return accepted[0]


def team_script(rally: Rally, position: int, languages: list[str], stages: int = 0) -> list[Step]:
    """One team's rally: its route (the first `stages` only, if given), wrong tries, hints."""
    steps: list[Step] = []
    turn = itertools.count(position)
    size = len(languages)

    def member() -> int:
        return next(turn) % size

    route = route_for(rally, position)
    for stage_id in route[:stages] if stages else route:
        stage = rally.stage(stage_id)
        actor = member()
        steps.append(Place(actor, *GARE, accuracy=30))  # too far, or "use the code word"
        steps.append(Text(actor, "pas le bon mot"))
        if position % 2 and stage.hints:
            steps.append(Press(actor, f"hint?:{stage_id}"))
            steps.append(Press(actor, f"hint:{stage_id}:0"))
        actor = member()
        if stage.location is not None and position % 4 < 2:
            steps.append(Place(actor, stage.location.lat, stage.location.lon, accuracy=15))
        elif stage.location is not None:
            steps.append(Place(actor, *GARE, accuracy=20, live=True))
            steps.append(Move(actor, stage.location.lat, stage.location.lon, accuracy=10))
        else:
            assert stage.checkin_code is not None
            steps.append(Text(actor, f"  {stage.checkin_code.lower()} "))
        steps.append(Press(member(), f"begin:{stage_id}"))
        for number, question in enumerate(stage.questions):
            if number == 0 and position % 3 == 0:
                steps.append(_step(question, member(), languages, rally, right=False))
            steps.append(_step(question, member(), languages, rally, right=True))
    return steps


def _step(
    question: Question, actor: int, languages: list[str], rally: Rally, *, right: bool
) -> Step:
    given = _answer(question, languages[actor], rally, right=right)
    if isinstance(question, ChoiceQuestion):
        return Press(actor, f"ans:{question.id}:{given}")
    return Text(actor, given)


# ------------------------------------------------------------------ a team in play


@dataclass
class Pending:
    """An update sent by a team and what became of it."""

    update_id: int
    chat_id: int
    query_id: str | None
    sent_at: float
    replied_at: float | None = None
    done_at: float | None = None


@dataclass
class TeamPlay:
    """A team's members, its script and the update it is waiting on."""

    position: int
    members: list[SimulatedUser]
    languages: list[str]
    steps: list[Step]
    next_step: int = 0
    pending: Pending | None = None
    live_messages: dict[int, int] = field(default_factory=dict)
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def finished(self) -> bool:
        """Whether every step was taken and handled."""
        return self.next_step >= len(self.steps) and self.pending is None

    def target(self, step: Press) -> ChatMessage | None:
        """The bot's latest message to the presser showing this button, if it came yet."""
        chat = self.members[step.member].chat
        for message in reversed(chat.messages.values()):
            if not message.from_bot or message.deleted:
                continue
            for row in message.inline_keyboard:
                if any(button.get("callback_data") == step.data for button in row):
                    return message
        return None

    def ready(self) -> bool:
        """Whether the team may act now: its last update was handled, its button is shown."""
        if self.pending is not None or self.next_step >= len(self.steps):
            return False
        step = self.steps[self.next_step]
        return not isinstance(step, Press) or self.target(step) is not None

    def act(self, api: LoopbackBotApi, now: float) -> Pending:
        """Take the next step (the team must be `ready`)."""
        step = self.steps[self.next_step]
        self.next_step += 1
        user = self.members[step.member]
        query_id = None
        if isinstance(step, Text):
            update = user.send_text(step.text)
        elif isinstance(step, Place):
            update = user.send_location(
                step.lat,
                step.lon,
                horizontal_accuracy=step.accuracy,
                live_period=900 if step.live else None,
            )
            if step.live:
                self.live_messages[step.member] = int(update["message"]["message_id"])
        elif isinstance(step, Move):
            update = user.move_live_location(
                self.live_messages[step.member],
                step.lat,
                step.lon,
                horizontal_accuracy=step.accuracy,
            )
        else:
            message = self.target(step)
            assert message is not None
            button = next(
                b for row in message.inline_keyboard for b in row if b["callback_data"] == step.data
            )
            record = user.press_button(str(button["text"]), message=message)
            query_id = record.query_id
            update = {"update_id": api.state.updates.last_update_id}
        self.pending = Pending(int(update["update_id"]), user.chat_id, query_id, now)
        return self.pending


class _TimedMethods(BotApiMethods):
    """The loopback's methods, telling the tracker when a button press was answered."""

    on_answer: Callable[[str], None] | None = None

    async def call(self, spec: MethodSpec, params: RequestParams) -> Any:
        result = await super().call(spec, params)
        if spec.name == "answerCallbackQuery" and self.on_answer is not None:
            self.on_answer(params.text("callback_query_id"))
        return result


class Tracker:
    """Matches the bot's replies and handled updates to the teams' pending updates."""

    def __init__(
        self,
        api: LoopbackBotApi,
        clock: Callable[[], float] = time.perf_counter,
        *,
        ignore: Callable[[ChatMessage], bool] | None = None,
    ) -> None:
        self.api = api
        self.clock = clock
        self.ignore = ignore
        """Bot messages that are no reply to anyone (a broadcast arriving meanwhile)."""
        self.by_chat: dict[int, TeamPlay] = {}
        self.by_update: dict[int, TeamPlay] = {}
        self.by_query: dict[str, TeamPlay] = {}
        self.finished: list[Pending] = []
        self.any_done = asyncio.Event()
        methods = _TimedMethods(api.state, api.flood, strict_html=api.methods.strict_html)
        methods.on_answer = self._answered
        api.methods = methods
        api.add_message_listener(self._message)

    def add(self, team: TeamPlay) -> None:
        """Follow a team's chats."""
        for member in team.members:
            self.by_chat[member.chat_id] = team

    def act(self, team: TeamPlay) -> Pending:
        """Let a ready team take its next step, and follow the update."""
        pending = team.act(self.api, self.clock())
        self.by_update[pending.update_id] = team
        if pending.query_id is not None:
            self.by_query[pending.query_id] = team
        return pending

    def _replied(self, team: TeamPlay | None, match: Callable[[Pending], bool]) -> None:
        if team is None:
            return
        pending = team.pending
        if pending is not None and pending.replied_at is None and match(pending):
            pending.replied_at = self.clock()
        team.wake.set()

    def _message(self, event: str, message: ChatMessage) -> None:
        if self.ignore is not None and self.ignore(message):
            return
        if event == "sent" and message.from_bot:
            chat_id = message.chat_id
            self._replied(self.by_chat.get(chat_id), lambda p: p.chat_id == chat_id)
        elif message.from_bot:
            team = self.by_chat.get(message.chat_id)
            if team is not None:
                team.wake.set()

    def _answered(self, query_id: str) -> None:
        team = self.by_query.pop(query_id, None)
        self._replied(team, lambda p: p.query_id == query_id)

    def handled(self, update_id: int) -> None:
        """The bot finished handling an update: its team may act again."""
        team = self.by_update.pop(update_id, None)
        if team is None or team.pending is None or team.pending.update_id != update_id:
            return
        pending, team.pending = team.pending, None
        pending.done_at = self.clock()
        self.finished.append(pending)
        team.wake.set()
        self.any_done.set()


class DoneFeed:
    """Reads the update ids the bot process reports as handled, inside the driver's loop."""

    def __init__(self, conn: Connection, on_done: Callable[[int], None]) -> None:
        self.conn = conn
        self.on_done = on_done
        self.count = 0

    def __enter__(self) -> DoneFeed:
        asyncio.get_running_loop().add_reader(self.conn.fileno(), self._read)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.get_running_loop().remove_reader(self.conn.fileno())

    def _read(self) -> None:
        while self.conn.poll():
            try:
                data = self.conn.recv_bytes()
            except EOFError:
                asyncio.get_running_loop().remove_reader(self.conn.fileno())
                return
            for (update_id,) in DONE.iter_unpack(data):
                self.count += 1
                self.on_done(update_id)


# ------------------------------------------------------------------ drivers


async def saturate(tracker: Tracker, teams: list[TeamPlay], *, stall: float = 30.0) -> float:
    """Every team plays its whole script as fast as the bot allows; returns the seconds taken."""

    async def play(team: TeamPlay) -> None:
        while not team.finished:
            team.wake.clear()
            if team.ready():
                tracker.act(team)
                continue
            try:
                async with asyncio.timeout(stall):
                    await team.wake.wait()
            except TimeoutError:
                raise RuntimeError(
                    f"team {team.position} stalled at step {team.next_step}: "
                    f"{team.steps[min(team.next_step, len(team.steps) - 1)]}"
                ) from None

    began = time.perf_counter()
    await asyncio.gather(*(play(team) for team in teams))
    return time.perf_counter() - began


@dataclass
class SteadyRun:
    """What the steady driver did."""

    sent: list[Pending]
    missed_slots: int
    seconds: float


async def steady(
    tracker: Tracker,
    teams: list[TeamPlay],
    *,
    rate: float,
    seconds: float,
    drain: float = 30.0,
    stop: asyncio.Event | None = None,
) -> SteadyRun:
    """One update every 1/rate s from the next team that may act, for `seconds` (or to `stop`)."""
    interval = 1.0 / rate
    loop = asyncio.get_running_loop()
    began = loop.time()
    slot = began
    sent: list[Pending] = []
    missed = 0
    turn = 0
    while slot < began + seconds and not (stop is not None and stop.is_set()):
        delay = slot - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        for offset in range(len(teams)):
            team = teams[(turn + offset) % len(teams)]
            if team.ready():
                sent.append(tracker.act(team))
                turn = (turn + offset + 1) % len(teams)
                break
        else:
            missed += 1
        slot += interval
    elapsed = loop.time() - began
    deadline = loop.time() + drain
    while any(p.done_at is None for p in sent) and loop.time() < deadline:
        tracker.any_done.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(deadline - loop.time(), 0.01)):
                await tracker.any_done.wait()
    return SteadyRun(sent, missed, elapsed)


# ------------------------------------------------------------------ setting up


NOTICE_OK = encode(AcknowledgeNotice(True))


def accept_notice(api: LoopbackBotApi, user: SimulatedUser) -> None:
    """Press "I understand" on the information notice the bot showed this user."""
    for message in reversed(api.transcript(user.chat_id)):
        for row in message.inline_keyboard:
            for button in row:
                if button.get("callback_data") == NOTICE_OK:
                    user.press_button(button["text"], message=message)
                    return
    raise LookupError(f"no information notice for {user.user['first_name']}")


async def join_teams(
    api: LoopbackBotApi, rally: Rally, players: int, *, stages: int = 0, settle: float = 600.0
) -> list[TeamPlay]:
    """Players open the bot with their team's code (its QR code), spread evenly over teams."""
    teams_count = len(rally.teams)
    groups: list[list[SimulatedUser]] = [[] for _ in range(teams_count)]
    languages: list[list[str]] = [[] for _ in range(teams_count)]
    rally_languages = rally.rally.languages
    for n in range(players):
        code = TELEGRAM_LANGUAGES[n % len(TELEGRAM_LANGUAGES)]
        user = api.create_user(f"Joueur {n + 1}", language_code=code)
        groups[n % teams_count].append(user)
        languages[n % teams_count].append(
            negotiate_language(code, rally_languages, rally.default_language)
        )
        user.start(rally.teams[n % teams_count].code)
    await api.wait_idle(None, timeout=settle, quiet=1.0)
    for members in groups:  # each accepts the information notice: then they are in the team
        for user in members:
            accept_notice(api, user)
    await api.wait_idle(None, timeout=settle, quiet=1.0)
    return [
        TeamPlay(
            position,
            groups[position],
            languages[position],
            team_script(rally, position, languages[position], stages),
        )
        for position in range(teams_count)
        if groups[position]
    ]


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0-100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share / 100 * len(ordered))))
    return ordered[rank - 1]
