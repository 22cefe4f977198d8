"""SIGKILL at random moments of a rally: nothing acknowledged is lost, nothing counts twice.

The bot runs as in production, `python -m bot` in its own process, polling a loopback Bot API
of the test, on a SQLite file. Three teams play the whole default rally (code words, location
pins, the start button, answers typed and pressed, a wrong answer now and then) while the test
kills the process KILLS times at moments drawn from SEED, and starts it again each time. Kills
are of three kinds:

- "redelivery": the bot's next getUpdates is held, as if lost on its way to Telegram, so what
  it just fetched stays unconfirmed; once it has handled those updates and replied, it is
  killed. Telegram delivers them again to the next process, which must not apply them twice.
- "silent": a reply is held on its way; the bot dies with the action stored, the player untold.
- "anytime": after a random delay, whatever the bot was doing.

A player whose message was not answered asks /clue once the bot is back, as anyone would, and
goes on. At the end every team has finished, the score is what the stored answers give, each
check-in and verdict a player was shown is stored, none twice, and the bot stops cleanly.
"""

from __future__ import annotations

import asyncio
import html
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.content import ChoiceQuestion, Question
from bot.core.engine import Progress, Refusal, TeamState
from bot.i18n.catalogs import Catalogs, Translator
from bot.telegram.render.play import refusal
from bot.telegram.render.privacy import notice_acknowledged
from loopback.faults import Fault, offset_above
from loopback.records import ChatMessage
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, DEFAULT_RALLY, TOKEN
from tests.bot.players import press_notice, right_answer, wrong_answer
from tests.databases import sqlite_url
from tests.faults.botprocess import START_TIMEOUT, BotProcess, RallyDatabase, TeamRecords
from tests.faults.teams import APOLOGY, ARRIVED

SEED = 20_240_611
KILLS = 4
KINDS = ("redelivery", "redelivery", "silent", "anytime")
TEAMS = 3
WRONG_FIRST = 0.3
"""How often a player answers wrong before answering right (never where it would close)."""
ACTIONS_BETWEEN_KILLS = (4, 14)
WAIT = 30.0
"""Seconds any one condition may take: generous, for a loaded 2-core machine."""
RALLY_FILE = Path(__file__).parents[2] / "data" / "stages.yaml"
RALLY = DEFAULT_RALLY
FINISHED = "🎉 "
VERDICT = re.compile(r"^(✅ Right!|❌ Not right)", re.MULTILINE)

Check = Callable[[], bool | Awaitable[bool]]


async def eventually(
    check: Check,
    describe: str | Callable[[], str],
    timeout: float = WAIT,  # noqa: ASYNC109
) -> None:
    """Return once `check()` holds; looked at again every 20 ms (the database sends no signal)."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() >= deadline:
            what = describe if isinstance(describe, str) else describe()
            raise TimeoutError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.02)


@dataclass
class Crashes:
    """The bot process, killed at chosen moments and started again."""

    bot: BotProcess
    api: LoopbackBotApi
    db: RallyDatabase
    generation: int = 0
    """How many times the bot was killed: a player seeing it change knows the bot went down."""
    actions: int = 0
    players_done: int = 0
    players: int = 0
    senders: dict[int, Player] = field(default_factory=dict)
    """Who sent each update the players sent (/clue aside)."""
    outstanding: set[int] = field(default_factory=set)
    """Updates sent by players and not yet known to be handled or lost."""
    lost: set[int] = field(default_factory=set)
    """Updates a killed process had fetched (and confirmed) but not handled."""
    held_and_answered: set[int] = field(default_factory=set)
    """Updates answered before a kill while their confirmation was held: sure to come again."""
    kinds: list[str] = field(default_factory=list)
    hold_wanted: bool = False
    held: Fault | None = None

    @property
    def everyone_finished(self) -> bool:
        """Whether every player has seen their team finish."""
        return self.players_done == self.players

    async def kill_at_random_moments(self, rng: random.Random) -> None:
        """KILLS kills of the KINDS in a seeded order, each after a seeded number of actions."""
        kinds = list(KINDS)
        rng.shuffle(kinds)
        for kind in kinds:
            target = self.actions + rng.randint(*ACTIONS_BETWEEN_KILLS)
            await eventually(
                lambda target=target: self.actions >= target or self.everyone_finished,  # type: ignore[misc]
                "the players acting",
            )
            if self.everyone_finished:
                return
            if kind == "redelivery":
                await self._hold_confirmation()
            elif kind == "silent":
                held = self.api.faults.hang("sendMessage", times=1)
                await eventually(lambda held=held: held.triggered > 0, "a reply to hold")  # type: ignore[misc]
            else:
                await asyncio.sleep(rng.uniform(0.0, 0.3))  # the moment itself, not a wait
            await self.kill_and_restart()
            self.kinds.append(kind)

    async def _hold_confirmation(self) -> None:
        """Hold the poll confirming the next wrong answer; return once the bot answered it."""
        self.hold_wanted = True
        await eventually(lambda: self.held is not None, "a player answering wrong")
        held, self.held = self.held, None
        assert held is not None
        await eventually(lambda: held.triggered > 0, "the bot polling again")
        fetched = [int(update["update_id"]) for update in self.api.state.updates.unconfirmed]
        for update_id in fetched:
            player = self.senders.get(update_id)
            if player is None:  # a /clue: nothing stored, nothing to count
                continue
            await eventually(
                lambda u=update_id, p=player: p.answered(u),  # type: ignore[misc]
                f"update {update_id} handled and answered while its confirmation is held",
            )
            self.held_and_answered.add(update_id)

    def hold_confirmation(self, update_id: int) -> None:
        """If a kill waits for it: hold the poll that will confirm this update, just sent.

        Called before the loop runs again, so the bot cannot have fetched it yet. A wrong
        answer counted twice costs the team points: it is the update worth sending again.
        """
        if not self.hold_wanted:
            return
        self.hold_wanted = False
        self.held = self.api.faults.hang("getUpdates", times=1, when=offset_above(update_id))

    async def kill_and_restart(self) -> None:
        """SIGKILL, settle what the dead process left, start a new one and wait for its poll."""
        await self.bot.kill()
        self.generation += 1
        await self.api.wait_disconnected(timeout=WAIT)  # its last requests are all answered
        self.api.faults.clear()
        in_flight = list(self.outstanding)
        stored = await self.db.processed(in_flight) | await self.db.in_inbox(in_flight)
        pending = {int(update["update_id"]) for update in self.api.pending_updates}
        # fetched, confirmed by its next poll, in no table: Telegram will not send it again,
        # and the next process cannot resume it from its inbox
        self.lost |= {u for u in in_flight if u not in stored and u not in pending}
        await start_polling(self.bot, self.api)


async def start_polling(bot: BotProcess, api: LoopbackBotApi) -> None:
    """Start the bot's process; return once it polls for updates (its database migrated)."""
    polls = len(api.calls_of("getUpdates"))
    await bot.start()
    await api.wait_for(
        lambda: len(api.calls_of("getUpdates")) > polls,
        timeout=START_TIMEOUT,
        describe="the bot polling",
    )


@dataclass
class Player:
    """One team's acting member, who plays from what the bot shows and the team's state."""

    user: SimulatedUser
    team_id: int
    crashes: Crashes
    rng: random.Random
    answered_wrong: dict[str, list[int]] = field(default_factory=dict)
    """Per question, the update ids of the wrong answers sent."""
    seen_at_send: dict[int, int] = field(default_factory=dict)
    """Per update, how many bot messages the player had when sending it."""
    clues_asked: int = 0
    seen_at_start: int = 0
    """Bot messages the player had when the rally started (joining before it is refused)."""

    @property
    def api(self) -> LoopbackBotApi:
        return self.crashes.api

    def messages(self) -> list[ChatMessage]:
        return self.api.transcript(self.user.chat_id)

    def texts(self) -> list[str]:
        return [message.text or "" for message in self.messages()]

    async def answered(self, update_id: int) -> bool:
        """Whether the bot stored this update and a reply to the player followed it."""
        if len(self.messages()) <= self.seen_at_send[update_id]:
            return False
        return update_id in await self.crashes.db.processed([update_id])

    async def play(self) -> None:
        """Act until the team has finished and the player was told so."""
        while True:
            progress = await self.crashes.db.progress(self.team_id)
            if progress.state is TeamState.FINISHED:
                await self._see(lambda: any(FINISHED in t for t in self.texts()))
                self.crashes.players_done += 1
                return
            generation = self.crashes.generation
            update_id = await self._act(progress)
            self.crashes.actions += 1
            await self._settle(update_id, generation)

    async def _act(self, progress: Progress) -> int:
        stage_id = progress.stage_id
        assert stage_id is not None
        stage = RALLY.stage(stage_id)
        if progress.state is TeamState.EN_ROUTE:
            if stage.location is not None and self.rng.random() < 0.5:
                pin = self.user.send_location(
                    stage.location.lat, stage.location.lon, horizontal_accuracy=10
                )
                return self._sent(pin)
            assert stage.checkin_code is not None
            return self._sent(self.user.send_text(stage.checkin_code.lower()))
        if progress.state is TeamState.CHECKED_IN:
            return await self._press(f"begin:{stage.id}")
        assert progress.state is TeamState.ANSWERING, progress.state
        question = stage.questions[progress.question_index]
        given = right_answer(question, "en", RALLY)
        if (
            question.attempts > 1
            and question.id not in self.answered_wrong
            and self.rng.random() < WRONG_FIRST
        ):
            given = wrong_answer(question)
            update_id = await self._answer(question, given)  # returns as soon as it is sent
            self.crashes.hold_confirmation(update_id)
            self.answered_wrong[question.id] = [update_id]
            return update_id
        return await self._answer(question, given)

    async def _answer(self, question: Question, given: str) -> int:
        if isinstance(question, ChoiceQuestion):
            return await self._press(f"ans:{question.id}:{given}")
        return self._sent(self.user.send_text(given))

    def _sent(self, update: dict[str, object]) -> int:
        update_id = int(str(update["update_id"]))
        self.seen_at_send[update_id] = len(self.messages())
        self.crashes.senders[update_id] = self
        self.crashes.outstanding.add(update_id)
        return update_id

    def _button(self, data: str) -> tuple[ChatMessage, str] | None:
        for message in reversed(self.messages()):
            for row in message.inline_keyboard:
                for button in row:
                    if button.get("callback_data") == data:
                        return message, str(button["text"])
        return None

    async def _press(self, data: str) -> int:
        """Press the button as shown; if the bot died before showing it, ask /clue first."""
        await self._see(lambda: self._button(data) is not None)
        found = self._button(data)
        assert found is not None
        message, label = found
        self.user.press_button(label, message=message)
        # the update the press just queued (no await in between: nobody else queued one)
        return self._sent(self.api.pending_updates[-1])

    async def _see(self, shown: Callable[[], bool]) -> None:
        """Wait until the chat shows something; when the bot went down first, ask /clue."""
        while True:
            generation = self.crashes.generation
            await eventually(
                lambda g=generation: shown() or self.crashes.generation != g,  # type: ignore[misc]
                lambda: f"{self.user.user['first_name']} waiting for the bot: {self.texts()[-3:]}",
            )
            if shown():
                return
            self.clues_asked += 1
            self.user.send_command("clue")

    async def _settle(self, update_id: int, generation: int) -> None:
        """Wait until the update is stored, or known lost with a killed process."""

        async def settled() -> bool:
            if update_id in self.crashes.lost:
                return True
            return update_id in await self.crashes.db.processed([update_id])

        await eventually(settled, f"update {update_id} handled")
        self.crashes.outstanding.discard(update_id)
        if update_id in self.crashes.lost or self.crashes.generation != generation:
            # no answer may ever come: ask where the team is, as a player would
            self.clues_asked += 1
            self.user.send_command("clue")


def english() -> Translator:
    """The rally's English texts, as the players of this test read them."""
    catalogs = Catalogs(RALLY.rally.languages, RALLY.default_language, RALLY.rally.timezone)
    return catalogs.translator("en")


async def join_and_start(api: LoopbackBotApi, db: RallyDatabase) -> list[SimulatedUser]:
    """One player per team joins by the team's QR code; the admin starts the rally."""
    admin = api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    waiting = html.unescape(str(refusal(english(), RALLY, Refusal.RALLY_NOT_STARTED, None)))
    users = []
    for position in range(TEAMS):
        user = api.create_user(f"Team{position}", language_code="en")
        user.start(RALLY.teams[position].code)
        users.append(user)
    accepted: set[int] = set()
    for user in users:

        async def joined(user: SimulatedUser = user) -> bool:
            # the information notice, accepted once it shows: then the player is in the team
            if user.id not in accepted and press_notice(api, user):
                accepted.add(user.id)
            return await db.team_of(user.id) is not None

        await eventually(joined, "the players joining")

        # the join's last follow-up is the team's step, "not started yet": it must be in the
        # chat before the start, or it would count as a refusal seen once the rally runs
        async def told_to_wait(user: SimulatedUser = user) -> bool:
            return any(waiting in (m.text or "") for m in api.transcript(user.chat_id))

        await eventually(told_to_wait, "the players told to wait for the start")
    admin.send_command("go")
    for user in users:

        async def en_route(user: SimulatedUser = user) -> bool:
            team_id = await db.team_of(user.id)
            assert team_id is not None
            return (await db.progress(team_id)).state is TeamState.EN_ROUTE

        await eventually(en_route, "the rally starting")
    return users


def deliveries(api: LoopbackBotApi) -> Counter[int]:
    """How many times each update id was handed to the bot."""
    count: Counter[int] = Counter()
    for call in api.calls_of("getUpdates"):
        if call.ok and call.response is not None:
            count.update(int(update["update_id"]) for update in call.response["result"])
    return count


def expected_score(records: TeamRecords) -> int:
    """The rally file's points for a whole rally, less each stored wrong answer's penalty."""
    scoring = RALLY.scoring
    full = sum(scoring.checkin_points + sum(q.points for q in s.questions) for s in RALLY.stages)
    wrong = sum(1 for _, correct in records.answers if not correct)
    return full - wrong * scoring.attempt_penalty


def refusal_openings() -> list[str]:
    """How each refusal reads in English, up to where it names a stage."""
    tr = english()
    return [html.unescape(str(refusal(tr, RALLY, reason, None)))[:24] for reason in Refusal]


def refusals_shown(api: LoopbackBotApi, players: list[Player]) -> list[str]:
    """Every refusal a player saw since the rally started, in the chat or as a notice."""
    openings = tuple(refusal_openings())
    shown = [
        line
        for player in players
        for text in player.texts()[player.seen_at_start :]
        for line in text.splitlines()
        if line.startswith(openings)
    ]
    answers = api.calls_of("answerCallbackQuery")
    thanks = str(notice_acknowledged(english()))  # the information notice accepted: no refusal
    notices = [
        text for call in answers if (text := str(call.params.get("text") or "")) not in ("", thanks)
    ]
    return shown + notices


def shown_checkins(texts: list[str]) -> list[str]:
    """The stages a player was told they had arrived at, in order."""
    names = {name: stage.id for stage in RALLY.stages for name in stage.name.values()}
    arrived = []
    for text in texts:
        if text.startswith(ARRIVED):
            name = text.removeprefix(ARRIVED).split("!")[0]
            arrived.append(names[name])
    return arrived


def shown_verdicts(texts: list[str]) -> list[bool]:
    """The verdicts on answers a player was shown (True: right), in order."""
    return [match.group(1).startswith("✅") for text in texts for match in VERDICT.finditer(text)]


def is_subsequence(shown: list[bool], stored: list[bool]) -> bool:
    """Whether `shown` is `stored` with some items left out, in the same order."""
    remaining = iter(stored)
    return all(any(item == candidate for candidate in remaining) for item in shown)


async def test_sigkill_at_random_moments_loses_nothing_acknowledged_and_counts_nothing_twice(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    database = sqlite_url(tmp_path / "rallye.sqlite3")
    async with LoopbackBotApi(TOKEN, overall_per_second=None) as api:
        bot = BotProcess(api.base_url, TOKEN, database, RALLY_FILE, {ADMIN_ID}, tmp_path)
        db = RallyDatabase(database)
        try:
            await start_polling(bot, api)
            users = await join_and_start(api, db)
            crashes = Crashes(bot, api, db, players=len(users))
            players = []
            for user in users:
                team_id = await db.team_of(user.id)
                assert team_id is not None
                player = Player(user, team_id, crashes, random.Random(rng.random()))
                player.seen_at_start = len(player.messages())
                players.append(player)
            async with asyncio.timeout(120):
                await asyncio.gather(
                    crashes.kill_at_random_moments(rng), *(player.play() for player in players)
                )
            assert sorted(crashes.kinds) == sorted(KINDS), "the rally ended before every kill"
            for player in players:
                await check_team(player, await db.records(player.team_id))

            # the inbox: nothing a killed process had fetched was lost with it
            assert crashes.lost == set()
            # what was answered while its confirmation was held came again, and did nothing
            assert crashes.held_and_answered, "no kill caught an answered, unconfirmed update"
            delivered = deliveries(api)
            assert all(delivered[u] >= 2 for u in crashes.held_and_answered)
            assert not [t for p in players for t in p.texts() if APOLOGY in t]
            # each player did what the team's state asked for: nothing was refused, so no
            # update was handled again against a state it had already changed
            assert refusals_shown(api, players) == []
            assert await bot.stop() == 0  # SIGTERM at the end of the day: a clean stop
        finally:
            await bot.close()
            await db.close()
    logs = bot.logs()
    assert len(logs) == KILLS + 1
    problems = [line for log in logs for line in log.splitlines() if " ERROR " in line]
    assert problems == [], "\n".join(problems)


async def check_team(player: Player, records: TeamRecords) -> None:
    """What the player was shown is stored, once; the team finished with the right score."""
    name = player.user.user["first_name"]
    texts = player.texts()
    assert records.progress.state is TeamState.FINISHED, name
    # every stage checked in exactly once; each arrival the player was shown is one of them
    assert sorted(records.checkins) == sorted(s.id for s in RALLY.stages), name
    shown = shown_checkins(texts)
    assert len(shown) == len(set(shown)), f"{name} was told twice of an arrival: {shown}"
    assert set(shown) <= set(records.checkins), name
    # each question answered right once; no wrong answer stored more often than sent
    right = Counter(q for q, correct in records.answers if correct)
    assert right == Counter(q.id for s in RALLY.stages for q in s.questions), name
    wrong = Counter(q for q, correct in records.answers if not correct)
    for question_id, count in wrong.items():
        assert count <= len(player.answered_wrong.get(question_id, [])), (name, question_id)
    # the verdicts shown are stored answers, in the order they were given
    verdicts = shown_verdicts(texts)
    stored = [correct for _, correct in records.answers]
    assert is_subsequence(verdicts, stored), (name, verdicts, stored)
    assert records.progress.score == expected_score(records), name
    assert any(FINISHED in t for t in texts), name
