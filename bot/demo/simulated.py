"""Simulated teams for the staff's demo: they join by their code and play the day on their own.

Each team is an asyncio task over loopback users. Like a player reading their screen, it reads
where it is from the bot's own services, and acts as players do: it walks to its stage and
sends its position there (or types the code word of a stage with none), presses "Start the
questions", answers from the rally file (now and then a wrong answer first), one after the
other. A few teams are slow; one gets lost on its way to its first stage and presses 🆘; one
sends its team photo at a photo mission. The bot's messages to them are not shown: the demo
prints a line of activity instead (`feed`).

The organiser's lines hold the teams (`SimulatedDay.held`): what the bot answers them is
printed before anything the teams do next.
"""

from __future__ import annotations

import asyncio
import io
import logging
import random
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.core.content import ChoiceQuestion, Location, NumberQuestion, Question, Rally, Stage
from bot.core.engine import Progress, TeamState, route_for
from bot.core.phase import RallyPhase
from bot.i18n.catalogs import negotiate_language
from bot.services.views import TeamView
from bot.telegram.buttons import AcknowledgeNotice, BeginStage, ChooseAnswer, encode
from bot.telegram.context import Runtime
from loopback.records import CallbackQueryRecord, ChatMessage
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedUser

log = logging.getLogger(__name__)

MAX_TEAMS = 6
"""Teams of the rally file that play (the first ones)."""
PLAYERS = (
    ("Amina", "ar"),
    ("Bilal", "fr"),
    ("Chen", "en"),
    ("Daria", "uk"),
    ("Emre", "tr"),
    ("Farid", "fa"),
    ("Goitom", "ti"),
    ("Hana", "ar"),
    ("Ilyas", "ps"),
    ("Jamila", "fr"),
)
"""The simulated players' names and Telegram languages, dealt in turn."""
REPLY_SECONDS = 15.0
"""How long a simulated player waits for the bot's answer before looking again."""
NOTICE_OK = encode(AcknowledgeNotice(True))
WRONG_FIRST = 0.3
"""How often a team gives a wrong answer before the right one (when it has attempts left)."""
ASTRAY = (-0.0055, -0.0048)
"""Where the lost team wanders, from its stage (degrees: about 700 m south-west)."""


@dataclass(frozen=True)
class Pace:
    """How long the simulated players take, in seconds, all scaled by `factor` (`--pace`)."""

    factor: float = 1.0
    walk: float = 9.0
    """From one stage to the next."""
    think: float = 2.0
    """Before pressing a button or answering."""
    lost_for: float = 45.0
    """How long the lost team stays where it is after pressing 🆘."""
    slow: float = 1.8
    """How much longer a slow team takes."""

    def day_minutes(self, rally: Rally) -> float:
        """About how long a slow team takes for the whole rally, in minutes."""
        per_stage = (self.walk + self.think * (len(stage.questions) + 1) for stage in rally.stages)
        return sum(per_stage) * self.slow * self.factor / 60


@dataclass(frozen=True)
class Quirks:
    """What sets a simulated team apart."""

    slow: bool = False
    gets_lost: bool = False
    takes_photo: bool = False

    def describe(self) -> str:
        """In a few words, for the demo's introduction."""
        parts = ["slow"] if self.slow else []
        if self.gets_lost:
            parts.append("will get lost and press 🆘")
        if self.takes_photo:
            parts.append("will send its team photo")
        return ", ".join(parts)


def quirks_for(rally: Rally, positions: Sequence[int]) -> list[Quirks]:
    """The quirks of the teams at these positions (their routes): the team that reaches a
    photo mission first takes the photo; another whose first stage has a position gets lost;
    the last two of the others are slow."""
    routes = [route_for(rally, position) for position in positions]
    photo_at = [
        next((i for i, stage_id in enumerate(route) if rally.stage(stage_id).photo), None)
        for route in routes
    ]
    with_photo = [n for n, at in enumerate(photo_at) if at is not None]
    photographer = min(with_photo, key=lambda n: photo_at[n] or 0) if with_photo else None
    others = [n for n in range(len(routes)) if n != photographer]
    located = [n for n in others if routes[n] and rally.stage(routes[n][0]).location is not None]
    lost = located[0] if located else None
    slow = [n for n in others if n != lost][-2:]
    return [
        Quirks(slow=n in slow, gets_lost=n == lost, takes_photo=n == photographer)
        for n in range(len(routes))
    ]


def right_answer(question: Question, language: str, rally: Rally) -> str:
    """What to type (or the number of the choice to press) to answer right."""
    if isinstance(question, ChoiceQuestion):
        return str(question.answer[0])
    if isinstance(question, NumberQuestion):
        return f"{question.value:g}"
    return (question.accepted.get(language) or question.accepted[rally.default_language])[0]


def wrong_answer(question: Question) -> str:
    """An answer that is wrong but valid, so it costs an attempt."""
    if isinstance(question, ChoiceQuestion):
        return str(next(n for n in range(1, len(question.choices) + 1) if n not in question.answer))
    if isinstance(question, NumberQuestion):
        return f"{question.value + question.tolerance + 7:g}"
    return "je ne sais pas"


def astray(location: Location) -> tuple[float, float]:
    """A point well outside a stage's zone, where a lost team stands."""
    return location.lat + ASTRAY[0], location.lon + ASTRAY[1]


def team_photo() -> bytes:
    """A small JPEG for the photo mission: four players in front of a statue, drawn."""
    # only the photo team draws: the bot's command line need not load Pillow
    from PIL import Image, ImageDraw  # noqa: PLC0415

    image = Image.new("RGB", (480, 360), (140, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, 480, 360), fill=(168, 160, 150))  # the square
    draw.rectangle((190, 170, 290, 250), fill=(110, 105, 100))  # the plinth
    draw.polygon([(215, 170), (265, 170), (255, 70), (225, 70)], fill=(70, 80, 75))  # the statue
    draw.ellipse((225, 40, 255, 72), fill=(70, 80, 75))
    for n, colour in enumerate([(200, 60, 60), (60, 140, 70), (230, 170, 40), (70, 90, 190)]):
        x = 70 + n * 100
        draw.ellipse((x, 215, x + 36, 251), fill=(225, 185, 150))  # a face
        draw.rectangle((x - 6, 251, x + 42, 340), fill=colour)  # a coat
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


Feed = Callable[[str], None]
"""Where the teams' activity lines go (the terminal)."""


class SimulatedTeam:
    """One team of simulated players, playing its rally as a task."""

    def __init__(
        self,
        day: SimulatedDay,
        team: TeamView,
        members: Sequence[SimulatedUser],
        quirks: Quirks,
    ) -> None:
        self.day = day
        self.name = team.name
        self.code = team.code
        self.members = list(members)
        self.quirks = quirks
        self._turn = 0
        self._was_lost = False
        self._photo_sent = False

    # ------------------------------------------------------------ the day

    async def play(self) -> None:
        """Play until the team finishes or the rally does; a failure is logged, not hidden."""
        try:
            while await self._step():
                pass
        except Exception:
            log.exception("simulated team %s stopped playing", self.code)

    async def _step(self) -> bool:
        """Wait as long as the next move takes, then make it; False once there is no more."""
        before = await self._progress()
        await self._wait(self.day.pace.walk if before.state is TeamState.EN_ROUTE else None)
        await self.day.gate.wait()
        phase = await self.day.runtime.timeline.phase()
        if phase is RallyPhase.FINISHED:
            return False
        if phase is not RallyPhase.RUNNING:  # not started yet, or paused: the team waits
            return True
        progress = await self._progress()
        if progress.state is TeamState.FINISHED:
            self.day.note(f"🏁 {self.name} finished the rally with {progress.score} points")
            return False
        if progress.stage_id is None:  # the rally has not started for the team yet
            return True
        stage = self.day.rally.stage(progress.stage_id)
        if progress.state is TeamState.EN_ROUTE:
            await self._arrive(stage)
        elif progress.state is TeamState.CHECKED_IN:
            await self._at(stage)
        elif progress.state is TeamState.ANSWERING:
            await self._answer(stage, progress)
        return True

    async def _arrive(self, stage: Stage) -> None:
        """At the stage: its position sent from there, or its code word typed."""
        name = self.day.stage_name(stage)
        member = self._next_member()
        location = stage.location
        if self.quirks.gets_lost and not self._was_lost and location is not None:
            self._was_lost = True
            lat, lon = astray(location)
            await self._act(member, lambda: member.send_location(lat, lon, horizontal_accuracy=25))
            self.day.note(f"🆘 {self.name} is lost on the way to {name}: it asks for help")
            await self._act(member, lambda: member.send_command("lost"))
            await self._wait(self.day.pace.lost_for)
            return
        code = stage.checkin_code
        if location is not None and (code is None or self.day.rng.random() < 0.8):
            accuracy = round(self.day.rng.uniform(8, 30))
            await self._act(
                member,
                lambda: member.send_location(
                    location.lat, location.lon, horizontal_accuracy=accuracy
                ),
            )
        else:
            assert code is not None  # a stage has a position, a code word, or both
            await self._act(member, lambda: member.send_text(code.lower()))
        after = await self._progress()
        if after.stage_id == stage.id and after.state is not TeamState.EN_ROUTE:
            self.day.note(f"✅ {self.name} checked in at {name}")

    async def _at(self, stage: Stage) -> None:
        """Checked in: the team photo first if it is the photo team, then the questions."""
        if self.quirks.takes_photo and stage.photo is not None and not self._photo_sent:
            self._photo_sent = True
            member = self._next_member(keep=True)
            photo = team_photo()
            await self._act(member, lambda: member.send_photo(photo))
            self.day.note(f"📸 {self.name} sent its team photo at {self.day.stage_name(stage)}")
            return
        await self._press(encode(BeginStage(stage.id)))

    async def _answer(self, stage: Stage, progress: Progress) -> None:
        """The current question: sometimes a wrong answer first, then the right one."""
        question = stage.questions[progress.question_index]
        member = self._next_member(keep=True)
        found = await self.day.runtime.teams.find(member.id)
        language = found.language if found else self.day.rally.default_language
        wrong = (
            progress.attempts_used == 0
            and question.attempts > 1
            and self.day.rng.random() < WRONG_FIRST
        )
        given = (
            wrong_answer(question) if wrong else right_answer(question, language, self.day.rally)
        )
        if isinstance(question, ChoiceQuestion):
            await self._press(encode(ChooseAnswer(question.id, int(given))))
        else:
            await self._act(member, lambda: member.send_text(given))

    # ------------------------------------------------------------ acting

    def _next_member(self, *, keep: bool = False) -> SimulatedUser:
        """Who acts: the phone goes round the team at each check-in, and stays for the stage."""
        if not keep:
            self._turn += 1
        return self.members[self._turn % len(self.members)]

    async def _progress(self) -> Progress:
        """Where the team is, as the bot keeps it."""
        team = await self.day.runtime.teams.team_of(self.members[0].id)
        assert team is not None  # every member joined before the day began
        return team.progress

    async def _wait(self, seconds: float | None) -> None:
        """Take a while (`think` by default): a slow team longer, never twice the same."""
        base = self.day.pace.think if seconds is None else seconds
        slowness = self.day.pace.slow if self.quirks.slow else 1.0
        await asyncio.sleep(base * slowness * self.day.pace.factor * self.day.rng.uniform(0.7, 1.3))

    async def _act(self, member: SimulatedUser, action: Callable[[], object]) -> None:
        """Do something as `member`, then wait for the bot's answer in their chat."""
        api = self.day.api
        seen = len(api.transcript(member.chat_id))
        action()
        await self._until(lambda: len(api.transcript(member.chat_id)) > seen)

    async def _press(self, data: str) -> None:
        """Press the button with this data, once the bot has shown it to a member."""
        found: tuple[SimulatedUser, ChatMessage, int] | None = None

        def shown() -> bool:
            nonlocal found
            found = self._button(data)
            return found is not None

        if not await self._until(shown) or found is None:
            return
        member, message, index = found
        record = member.press_button(index=index, message=message)
        await self._until(lambda: record.answered)

    def _button(self, data: str) -> tuple[SimulatedUser, ChatMessage, int] | None:
        """The latest message showing the button (to the acting member first), and where."""
        acting = self.members[self._turn % len(self.members)]
        for member in [acting, *(m for m in self.members if m is not acting)]:
            for message in reversed(self.day.api.transcript(member.chat_id)):
                buttons = [button for row in message.inline_keyboard for button in row]
                for index, button in enumerate(buttons):
                    if button.get("callback_data") == data:
                        return member, message, index
        return None

    async def _until(self, condition: Callable[[], bool]) -> bool:
        """Wait for the bot (re-checked at each change); False if it took too long."""
        try:
            await self.day.api.wait_for(condition, REPLY_SECONDS, "the bot's answer")
        except TimeoutError:
            log.debug("team %s: no answer from the bot within %s s", self.code, REPLY_SECONDS)
            return False
        return True


class SimulatedDay:
    """The simulated teams of one rally: they join, then play while the organiser watches."""

    def __init__(  # noqa: PLR0917 - the day's parts
        self,
        api: LoopbackBotApi,
        runtime: Runtime,
        pace: Pace,
        rng: random.Random,
        feed: Feed,
        language: str,
    ) -> None:
        self.api = api
        self.runtime = runtime
        self.rally = runtime.rally
        self.pace = pace
        self.rng = rng
        self.feed = feed
        self.feed_on = True
        """Whether the activity lines are shown (`/feed` turns them off and on)."""
        self.language = negotiate_language(
            language, self.rally.rally.languages, self.rally.default_language
        )
        self.gate = asyncio.Event()
        """Set while the teams may act; cleared while an organiser's line is answered."""
        self.gate.set()
        self.teams: list[SimulatedTeam] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def join(self) -> list[SimulatedTeam]:
        """The rally's first teams, with one or two players each, joined by their code: each
        scans the team's card (`/start CODE`) and accepts the information notice."""
        stored = (await self.runtime.teams.all_teams())[:MAX_TEAMS]
        quirks = quirks_for(self.rally, [view.position for view in stored])
        dealt = 0
        for position, (view, quirk) in enumerate(zip(stored, quirks, strict=True)):
            members = []
            for _ in range(2 if position % 2 == 0 else 1):  # teams of two and of one
                name, language = PLAYERS[dealt % len(PLAYERS)]
                members.append(self.api.create_user(name, language_code=language))
                dealt += 1
            self.teams.append(SimulatedTeam(self, view, members, quirk))
        for team in self.teams:
            for player in team.members:
                player.start(team.code)
        everyone = [player for team in self.teams for player in team.members]
        await self.api.wait_for(
            lambda: all(self._notice(player) is not None for player in everyone),
            REPLY_SECONDS * 2,
            "every simulated player shown the information notice",
        )
        presses: list[CallbackQueryRecord] = []
        for player in everyone:
            notice = self._notice(player)
            assert notice is not None  # waited for above
            message, index = notice
            presses.append(player.press_button(index=index, message=message))
        await self.api.wait_for(
            lambda: all(press.answered for press in presses),
            REPLY_SECONDS * 2,
            "every simulated player joined",
        )
        return self.teams

    def _notice(self, member: SimulatedUser) -> tuple[ChatMessage, int] | None:
        """The information notice's "I understand" button the bot showed a member, if any."""
        for message in self.api.transcript(member.chat_id):
            buttons = [button for row in message.inline_keyboard for button in row]
            for index, button in enumerate(buttons):
                if button.get("callback_data") == NOTICE_OK:
                    return message, index
        return None

    def start(self) -> None:
        """Every team sets off, each in its own task."""
        self._tasks = [
            asyncio.create_task(team.play(), name=f"team {team.code}") for team in self.teams
        ]

    async def stop(self) -> None:
        """Every team stops where it is."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """The teams wait for the block (an organiser's line and the bot's answers to it)."""
        self.gate.clear()
        try:
            yield
        finally:
            self.gate.set()

    def note(self, text: str) -> None:
        """A line of activity, if the organiser wants them."""
        if self.feed_on:
            self.feed(f"· {text}")

    def stage_name(self, stage: Stage) -> str:
        """A stage's name in the organiser's language."""
        return stage.name.get(self.language) or stage.name[self.rally.default_language]
