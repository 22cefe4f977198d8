"""Bad input and hard cases, played over HTTP: what a player sees, and that nothing changed.

Players speak English ("en", the catalogs' source language) so the texts can be asserted exactly.
Every test ends with the checks of `telegram_accepted_everything`: no Bot API call was refused
(malformed HTML, a text over 4096 characters...), no text showed a trace, and every button press
was answered once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from bot.core.content import ChoiceQuestion, NumberQuestion
from bot.core.engine import Progress, TeamState
from bot.services.play import PlayService
from bot.telegram.context import Runtime
from loopback.records import CallbackQueryRecord, CallRecord
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, World
from tests.bot.players import (
    NOTICE_OK,
    accept_notices,
    finish,
    latest_with_button,
    press,
    right_answer,
    wrong_answer,
)

UNSUPPORTED = (
    "I cannot use this. Please type text, send your location, or press a button. "
    "/help shows what you can do."
)
FORWARDED = "Forwarded messages do not count: please type the answer yourself."
EDITED = "Edited messages do not count. Please send a new message instead."
UNKNOWN_COMMAND = "I do not know this command. /help shows what you can do."
TOO_LONG = "This message is too long. Please type only the code word or the answer."
JOIN_USAGE = "Type /join and your team code, for example /join ABC123."
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
NOT_STARTED = "The rally has not started yet. You will get your first clue here when it starts."
PAUSED = "The rally is paused. Please wait for the organisers."
OVER = "The rally is over: answers are closed. Thank you!"
EMPTY_ANSWER = "Please type your answer."
NO_SUCH_CHOICE = "Press one of the buttons, or type its number."
NOT_A_NUMBER = "Please type a number, for example 12."
ALREADY_ANSWERED = "This question is already answered."
INVALID_BUTTON = "This button is no longer valid."
HINTS_NOT_NOW = "Hints help to find the place, and your team is already there."
CATHEDRAL = "Clermont-Ferrand Cathedral"
WRONG_CODE = (  # a heritage stage: no desk, the clue says who gives the word
    f"This is not the code word of {CATHEDRAL}. Read the clue again, or ask the organisers."
)


def not_a_code(code: str) -> str:
    """The refusal of a `/join` argument that cannot be a team code."""
    return f"“{code}” is not a team code. A code has letters and digits, like ABC123."


# ------------------------------------------------------------------ every test's closing checks


@dataclass
class ExpectedRefusals:
    """Bot API refusals a test provokes on purpose: (method, chat id, status)."""

    allowed: set[tuple[str, int, int]] = field(default_factory=set)

    def allow(self, method: str, chat_id: int, status: int) -> None:
        """Accept this refusal (the test asserts it itself)."""
        self.allowed.add((method, chat_id, status))


@pytest.fixture(autouse=True)
async def telegram_accepted_everything(world: World) -> AsyncIterator[ExpectedRefusals]:
    """After each test: no refused call, no trace shown, every button press answered once.

    Calls made while the bot started (before the test) are the start-up's business.
    """
    expected = ExpectedRefusals()
    started = len(world.api.calls)
    yield expected
    await world.settle()
    calls = world.api.calls[started:]
    # status None: not answered yet, which after settling only a long poll may be
    pending = [call.method for call in calls if call.status is None]
    assert set(pending) <= {"getUpdates"}, f"calls never answered: {pending}"
    refused = [
        f"{call.method}({call.params}) -> {call.status} {call.description}"
        for call in calls
        if call.status is not None
        and not call.ok
        and (call.method, int(call.params.get("chat_id", 0)), call.status) not in expected.allowed
    ]
    assert not refused, "Telegram refused calls:\n" + "\n".join(refused)
    for call in calls:
        for name in ("text", "caption"):
            assert "Traceback" not in call.params.get(name, ""), call.params[name]
    queries = world.api.state.callback_queries
    assert all(query.answered for query in queries.values()), [
        query.data for query in queries.values() if not query.answered
    ]
    answered = [
        call.params["callback_query_id"] for call in calls if call.method == "answerCallbackQuery"
    ]
    assert sorted(answered) == sorted(queries), "each press must be answered exactly once"


# ------------------------------------------------------------------ a team in play


@dataclass
class Team:
    """Team Pariou: two English-speaking players, and the rally's admin."""

    admin: SimulatedUser
    bilal: SimulatedUser
    chloe: SimulatedUser


def runtime(world: World) -> Runtime:
    """The running bot's services."""
    assert world.application is not None
    return world.application.bot_data.default


async def progress(world: World, user: SimulatedUser) -> Progress:
    """Where the user's team is, read from the database."""
    team = await runtime(world).teams.team_of(user.id)
    assert team is not None, f"{user.user['first_name']} is in no team"
    return team.progress


async def membership(world: World, user: SimulatedUser) -> tuple[str, tuple[int, ...]]:
    """The user's team and its members' user ids."""
    team = await runtime(world).teams.team_of(user.id)
    assert team is not None
    return team.name, tuple(member.user_id for member in team.members)


async def team_card(world: World, user: SimulatedUser) -> str:
    """What `/team` shows the user now."""
    user.send_command("team")
    await world.settle()
    return world.texts(user)[-1]


async def replies(world: World, user: SimulatedUser, act: Callable[[], object]) -> list[str]:
    """The texts the bot sent `user` in answer to one action."""
    before = len(world.texts(user))
    act()
    await world.settle()
    return world.new_texts(user, before)


async def pariou(world: World, *, go: bool = True) -> Team:
    """Team Pariou with Bilal and Chloe; the rally started unless `go` is False."""
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    team = Team(admin, world.user("Bilal", "en"), world.user("Chloe", "en"))
    team.bilal.start("PARU63")
    await world.settle()  # one after the other: members are listed in the order they joined
    await accept_notices(world, team.bilal)
    team.chloe.start("PARU63")
    await world.settle()
    await accept_notices(world, team.chloe)
    if go:
        admin.send_command("go")
        await world.settle()
        assert world.texts(team.bilal)[-1].startswith(f"Stage 1 of 8: {CATHEDRAL}")
    return team


async def at_first_question(world: World, team: Team) -> None:
    """Bilal checks in at the cathedral with its code word and starts the questions."""
    team.bilal.send_text("VICTOIRE")
    await world.settle()
    tap(world, team.bilal, "begin:cathedrale")
    await world.settle()
    assert (await progress(world, team.bilal)).state is TeamState.ANSWERING
    assert world.texts(team.chloe)[-1].startswith("Question 1 of 3")


def tap(world: World, user: SimulatedUser, data: str) -> CallbackQueryRecord:
    """Press the button with this data on the latest message of `user` that shows it."""
    message = latest_with_button(world, user, data)
    button = next(b for row in message.inline_keyboard for b in row if b["callback_data"] == data)
    return user.press_button(button["text"], message=message)


def sends_to(world: World, user: SimulatedUser) -> list[CallRecord]:
    """Every sendMessage call addressed to the user's chat, in order."""
    return [
        call
        for call in world.api.calls_of("sendMessage")
        if int(call.params["chat_id"]) == user.chat_id
    ]


def bot_calls(world: World) -> list[CallRecord]:
    """Every call the bot made, but polling for updates."""
    return [call for call in world.api.calls if call.method != "getUpdates"]


def edit_calls(world: World) -> int:
    """How many times the bot edited a message."""
    return sum(
        len(world.api.calls_of(method))
        for method in ("editMessageText", "editMessageReplyMarkup", "editMessageCaption")
    )


# ------------------------------------------------------------------ messages the rally cannot use


async def test_media_forwards_and_edits_get_a_short_answer_and_change_nothing(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    card = await team_card(world, bilal)
    before = await progress(world, bilal)
    told = len(world.texts(team.chloe))
    typed = bilal.send_text("hello")
    await world.settle()
    assert world.texts(bilal)[-1] == WRONG_CODE

    unusable: list[tuple[str, Callable[[], object], str]] = [
        ("sticker", lambda: bilal.send_sticker("👍"), UNSUPPORTED),
        ("photo with the code word", lambda: bilal.send_photo(caption="VICTOIRE"), UNSUPPORTED),
        ("voice note", lambda: bilal.send_voice(4), UNSUPPORTED),
        ("document", lambda: bilal.send_document("code.pdf", b"%PDF-1.4 VICTOIRE"), UNSUPPORTED),
        ("contact", lambda: bilal.send_contact("+33 6 12 34 56 78"), UNSUPPORTED),
        ("poll", lambda: bilal.send_poll("Where is it?", ["here", "there"]), UNSUPPORTED),
        ("forwarded code word", lambda: bilal.forward_text("VICTOIRE"), FORWARDED),
        (
            "code word forwarded from a teammate",
            lambda: bilal.forward_text("VICTOIRE", origin_user=team.chloe.user),
            FORWARDED,
        ),
        (
            "message edited into the code word",
            lambda: bilal.edit_text(typed["message"]["message_id"], "VICTOIRE"),
            EDITED,
        ),
    ]
    for what, act, expected in unusable:
        assert await replies(world, bilal, act) == [expected], what
        assert await progress(world, bilal) == before, what
    assert await team_card(world, bilal) == card
    assert len(world.texts(team.chloe)) == told  # the team heard nothing of it


async def test_a_forwarded_or_edited_answer_does_not_count(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    await at_first_question(world, team)
    question = world.rally.stage("cathedrale").questions[0]
    right = right_answer(question, "en", world.rally)
    before = await progress(world, bilal)
    typed = bilal.send_text("zzz")
    await world.settle()
    assert world.texts(bilal)[-1] == NO_SUCH_CHOICE

    assert await replies(world, bilal, lambda: bilal.forward_text(right)) == [FORWARDED]
    edit = typed["message"]["message_id"]
    assert await replies(world, bilal, lambda: bilal.edit_text(edit, right)) == [EDITED]
    assert await replies(world, bilal, lambda: bilal.send_sticker("✅")) == [UNSUPPORTED]
    assert await progress(world, bilal) == before
    assert world.texts(team.chloe)[-1].startswith("Question 1 of 3")


# ------------------------------------------------------------------ text no answer can be


async def test_too_long_rtl_emoji_and_invisible_texts_as_code_words(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    before = await progress(world, bilal)
    cases = [
        ("1000 characters", "VICTOIRE " * 111 + "V", TOO_LONG),
        ("4096 characters", "x" * 4096, TOO_LONG),
        ("Arabic", "مرحبا، أين نحن؟", WRONG_CODE),
        ("emoji only", "⛪🎉👍🏽", WRONG_CODE),
        ("zero-width only", "\u200b\u200c", WRONG_CODE),
        ("direction marks only", "\u200f\u2067\u2069", WRONG_CODE),
    ]
    for what, text, expected in cases:
        said = await replies(world, bilal, functools.partial(bilal.send_text, text))
        assert said == [expected], what
        assert await progress(world, bilal) == before, what


async def test_too_long_rtl_emoji_and_invisible_texts_as_answers(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    await at_first_question(world, team)
    stage = world.rally.stage("cathedrale")
    choice, number = stage.questions[0], stage.questions[1]
    assert isinstance(choice, ChoiceQuestion) and isinstance(number, NumberQuestion)

    async def judge(cases: list[tuple[str, str, str]]) -> None:
        before = await progress(world, bilal)
        for what, text, expected in cases:
            said = await replies(world, bilal, functools.partial(bilal.send_text, text))
            assert said == [expected], what
            assert await progress(world, bilal) == before, what

    # the right answer hidden in a too long text still does not count
    right = right_answer(choice, "en", world.rally)
    await judge(
        [
            ("1000 characters", right + " " + "a" * 998, TOO_LONG),
            ("Arabic", "حجر بركاني", NO_SUCH_CHOICE),
            ("emoji only", "🪨🌋", EMPTY_ANSWER),
            ("zero-width only", "\u200b\u200c", EMPTY_ANSWER),
        ]
    )
    tap(world, bilal, f"ans:{choice.id}:{right}")
    await world.settle()
    assert "Question 2 of 3" in world.texts(bilal)[-1]
    await judge(
        [
            ("Arabic words", "ألف ومئتان", NOT_A_NUMBER),
            ("emoji only", "🔢", EMPTY_ANSWER),
            ("zero-width only", "\u200b\u200c\ufeff", EMPTY_ANSWER),
            ("too long", "1248" * 250, TOO_LONG),
        ]
    )


# ------------------------------------------------------------------ commands with bad arguments


async def test_commands_with_missing_or_garbage_arguments(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    before = await progress(world, bilal)
    members = await membership(world, bilal)
    told = len(world.texts(team.chloe))
    long_code = "B" * 200
    cases = [
        ("/join alone", "join", None, [JOIN_USAGE]),
        ("/join with two words", "join", "PARU 63", [JOIN_USAGE]),
        ("/join <script>", "join", "<script>", [not_a_code("<script>")]),
        ("/join with 200 characters", "join", long_code, [not_a_code(long_code[:40])]),
        (
            "/join with an unknown code",
            "join",
            "ZZZ99",
            ["No team has the code ZZZ99. Check the code on your team card."],
        ),
        (
            "/join another team during the rally",
            "join",
            "PUY63",
            ["You are in team Pariou. To change team during the rally, ask an organiser."],
        ),
        ("unknown command", "foo", None, [UNKNOWN_COMMAND]),
        ("unknown command with arguments", "foo", "bar <b>", [UNKNOWN_COMMAND]),
    ]
    for what, command, payload, expected in cases:
        said = await replies(world, bilal, functools.partial(bilal.send_command, command, payload))
        assert said == expected, what
        assert await membership(world, bilal) == members, what
        assert await progress(world, bilal) == before, what

    # a deep link with a payload no team card has: welcome and why the code is no code in one
    # message, then the language picker
    garbage = "x'); DROP TABLE teams;--"
    said = await replies(world, bilal, lambda: bilal.start(garbage))
    assert said[0].startswith("👋 Welcome to Citizen integration rally")
    assert said[0].endswith("\n\n" + not_a_code("x');"))
    assert said[1:] == ["Choose your language:"]
    assert await membership(world, bilal) == members
    assert await progress(world, bilal) == before
    assert len(world.texts(team.chloe)) == told


# ------------------------------------------------------------------ outside the rally's hours


async def test_before_the_start_nothing_counts(world: World) -> None:
    team = await pariou(world, go=False)
    bilal = team.bilal
    before = await progress(world, bilal)
    assert before.state is TeamState.WAITING
    cathedral = world.rally.stage("cathedrale").location
    assert cathedral is not None
    acts: list[tuple[str, Callable[[], object]]] = [
        ("location", lambda: bilal.send_location(cathedral.lat, cathedral.lon)),
        ("code word", lambda: bilal.send_text("VICTOIRE")),
        ("answer", lambda: bilal.send_text("1")),
    ]
    for what, act in acts:
        assert await replies(world, bilal, act) == [NOT_STARTED], what
        assert await progress(world, bilal) == before, what
    pressed = bilal.send_callback_data("ans:cath-stone:1")
    await world.settle()
    assert world.api.callback_query(pressed.query_id).answer_text == NOT_STARTED
    assert await progress(world, bilal) == before


async def test_while_paused_nothing_counts_until_the_rally_resumes(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    await at_first_question(world, team)
    team.admin.send_command("pause")
    await world.settle()
    before = await progress(world, bilal)
    # Message dates are whole seconds and a message dated before the pause still counts:
    # these are written two seconds after it.
    later = world.api.state.now() + 2
    cathedral = world.rally.stage("cathedrale").location
    assert cathedral is not None
    question = world.rally.stage("cathedrale").questions[0]
    right = right_answer(question, "en", world.rally)
    acts: list[tuple[str, Callable[[], object]]] = [
        ("location", lambda: bilal.send_location(cathedral.lat, cathedral.lon, date=later)),
        ("code word", lambda: bilal.send_text("VICTOIRE", date=later)),
        ("typed answer", lambda: bilal.send_text(right, date=later)),
    ]
    for what, act in acts:
        assert await replies(world, bilal, act) == [PAUSED], what
        assert await progress(world, bilal) == before, what
    pressed = tap(world, team.chloe, f"ans:{question.id}:{right}")
    await world.settle()
    assert world.api.callback_query(pressed.query_id).answer_text == PAUSED
    assert await progress(world, bilal) == before

    team.admin.send_command("resume")
    await world.settle()
    tap(world, team.chloe, f"ans:{question.id}:{right}")
    await world.settle()
    assert world.texts(team.chloe)[-1].startswith("✅ Right!")
    assert (await progress(world, bilal)).score == before.score + question.points


async def test_after_the_finish_nothing_counts(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    await at_first_question(world, team)
    await finish(world, team.admin)
    before = await progress(world, bilal)
    later = world.api.state.now() + 2  # after the finish (dates are whole seconds)
    cathedral = world.rally.stage("cathedrale").location
    assert cathedral is not None
    question = world.rally.stage("cathedrale").questions[0]
    right = right_answer(question, "en", world.rally)
    acts: list[tuple[str, Callable[[], object]]] = [
        ("location", lambda: bilal.send_location(cathedral.lat, cathedral.lon, date=later)),
        ("code word", lambda: bilal.send_text("VICTOIRE", date=later)),
        ("typed answer", lambda: bilal.send_text(right, date=later)),
    ]
    for what, act in acts:
        assert await replies(world, bilal, act) == [OVER], what
        assert await progress(world, bilal) == before, what
    pressed = tap(world, team.chloe, f"ans:{question.id}:{right}")
    await world.settle()
    assert world.api.callback_query(pressed.query_id).answer_text == OVER
    assert await progress(world, bilal) == before


# ------------------------------------------------------------------ groups


async def test_in_a_group_the_bot_only_points_to_the_private_chat(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    group = world.api.create_group("Pariou and friends")
    before = await progress(world, bilal)
    calls = len(bot_calls(world))
    cathedral = world.rally.stage("cathedrale").location
    assert cathedral is not None

    bilal.send_text("VICTOIRE", group=group)
    bilal.send_location(cathedral.lat, cathedral.lon, group=group)
    team.chloe.send_text("where are we going next?", group=group)
    bilal.send_photo(group=group)
    await world.settle()
    assert len(bot_calls(world)) == calls  # not a word, not even an error
    assert world.api.transcript(group.chat_id) == []
    assert await progress(world, bilal) == before

    link = f"Please write to me in a private chat: https://t.me/{world.api.state.bot_username}"
    bilal.send_text("what is the code word?", group=group, mention_bot=True)
    await world.settle()
    assert [m.text for m in world.api.transcript(group.chat_id)] == [link]
    bilal.send_command("clue", group=group)
    await world.settle()
    assert [m.text for m in world.api.transcript(group.chat_id)] == [link, link]
    assert [c.method for c in bot_calls(world)[calls:]] == ["sendMessage"] * 2  # to the group
    assert await progress(world, bilal) == before


# ------------------------------------------------------------------ buttons


async def assert_refused(
    world: World,
    user: SimulatedUser,
    pressed: CallbackQueryRecord,
    notice: str | None,
    before: Progress,
) -> None:
    """The press was answered with a short notice (this one, if given) and changed nothing."""
    answer = world.api.callback_query(pressed.query_id)
    assert answer.answered, pressed.data
    assert answer.answer_text, f"{pressed.data!r}: answered without a notice"
    assert len(answer.answer_text) <= 200
    if notice is not None:
        assert answer.answer_text == notice, pressed.data
    assert await progress(world, user) == before, pressed.data


async def test_buttons_of_old_messages_are_refused_with_a_notice(world: World) -> None:
    team = await pariou(world)
    bilal, chloe = team.bilal, team.chloe
    team.bilal.send_text("VICTOIRE")
    await world.settle()
    seen, edited = len(world.texts(chloe)), edit_calls(world)

    # the hint button under the clue, after the team arrived
    before = await progress(world, chloe)
    pressed = tap(world, chloe, "hint?:cathedrale")
    await world.settle()
    await assert_refused(world, chloe, pressed, HINTS_NOT_NOW, before)
    assert len(world.texts(chloe)) == seen and edit_calls(world) == edited

    tap(world, bilal, "begin:cathedrale")
    await world.settle()
    question = world.rally.stage("cathedrale").questions[0]
    right = right_answer(question, "en", world.rally)
    first_question = latest_with_button(world, bilal, "ans:").message_id
    tap(world, bilal, f"ans:{question.id}:{right}")
    await world.settle()
    assert "Question 2 of 3" in world.texts(chloe)[-1]
    seen, seen_bilal, edited = len(world.texts(chloe)), len(world.texts(bilal)), edit_calls(world)
    before = await progress(world, chloe)

    # Chloe's copy of question 1 still shows its buttons
    wrong = wrong_answer(question)
    for choice in (wrong, right):
        pressed = tap(world, chloe, f"ans:{question.id}:{choice}")
        await world.settle()
        await assert_refused(world, chloe, pressed, ALREADY_ANSWERED, before)
    # Bilal's own question 1 lost its buttons; a client showing it still presses them
    assert world.api.message(bilal.chat_id, first_question).inline_keyboard == []
    pressed = bilal.send_callback_data(f"ans:{question.id}:{right}", message=first_question)
    await world.settle()
    await assert_refused(world, bilal, pressed, ALREADY_ANSWERED, before)
    assert len(world.texts(chloe)) == seen and len(world.texts(bilal)) == seen_bilal
    assert edit_calls(world) == edited


async def test_a_teammates_start_button_after_the_questions_began(world: World) -> None:
    team = await pariou(world)
    bilal, chloe = team.bilal, team.chloe
    await at_first_question(world, team)
    seen = len(world.texts(chloe))
    before = await progress(world, chloe)
    pressed = tap(world, chloe, "begin:cathedrale")  # her copy of the arrival message
    await world.settle()
    assert world.new_texts(chloe, seen) == []
    await assert_refused(world, chloe, pressed, None, before)
    forged = bilal.send_callback_data("begin:office-tourisme")
    await world.settle()
    await assert_refused(world, bilal, forged, None, before)


async def test_an_answer_button_pressed_twice_counts_once(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    await at_first_question(world, team)
    question = world.rally.stage("cathedrale").questions[0]
    right = right_answer(question, "en", world.rally)
    before = await progress(world, bilal)
    seen = len(world.texts(bilal))
    first = tap(world, bilal, f"ans:{question.id}:{right}")
    second = tap(world, bilal, f"ans:{question.id}:{right}")  # a double tap: no wait between
    await world.settle()
    said = world.new_texts(bilal, seen)
    assert len(said) == 1 and said[0].startswith("✅ Right!")
    notices = {world.api.callback_query(q.query_id).answer_text for q in (first, second)}
    assert notices == {None, ALREADY_ANSWERED}  # the first press answered silently
    after = await progress(world, bilal)
    assert after.score == before.score + question.points
    assert after.question_index == 1


async def test_a_wrong_answer_pressed_twice_costs_one_attempt(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    await at_first_question(world, team)
    question = world.rally.stage("cathedrale").questions[0]
    wrong = wrong_answer(question)
    seen = len(world.texts(bilal))
    first = tap(world, bilal, f"ans:{question.id}:{wrong}")
    second = tap(world, bilal, f"ans:{question.id}:{wrong}")
    await world.settle()
    said = world.new_texts(bilal, seen)
    assert len(said) == 1 and said[0].startswith("❌ Not right. 1 more try."), said
    notices = [world.api.callback_query(q.query_id).answer_text for q in (first, second)]
    assert notices.count(None) == 1 and any(notices), notices
    after = await progress(world, bilal)
    assert (after.question_index, after.attempts_used) == (0, 1)


async def test_forged_button_data_is_refused_with_a_notice(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    await at_first_question(world, team)
    before = await progress(world, bilal)
    seen, seen_chloe, edited = (
        len(world.texts(bilal)),
        len(world.texts(team.chloe)),
        edit_calls(world),
    )
    forged: list[tuple[str | None, str | None]] = [
        ("hello", INVALID_BUTTON),
        ("🔥🔥🔥", INVALID_BUTTON),
        ("ans:nope:1", ALREADY_ANSWERED),
        ("ans:cath-stone:9", NO_SUCH_CHOICE),
        ("ans:cath-stone:0", INVALID_BUTTON),
        ("ans:cath-stone:-1", INVALID_BUTTON),
        ("ans:CATH-STONE:1", INVALID_BUTTON),
        ("ans:cath-stone:1:extra", INVALID_BUTTON),
        ("hint:cathedrale:7", HINTS_NOT_NOW),
        ("lang:xx", "This language is not offered in this rally."),
        ("ans:" + "é" * 31, INVALID_BUTTON),  # 66 bytes
        ("a" * 65, INVALID_BUTTON),
        ("", INVALID_BUTTON),
        (None, INVALID_BUTTON),
    ]
    for data, notice in forged:
        pressed = bilal.send_callback_data(data)
        await world.settle()
        await assert_refused(world, bilal, pressed, notice, before)
    assert len(world.texts(bilal)) == seen and len(world.texts(team.chloe)) == seen_chloe
    assert edit_calls(world) == edited


# ------------------------------------------------------------------ a player who blocks the bot


async def test_a_player_who_blocked_the_bot_is_not_written_to_again(
    world: World, telegram_accepted_everything: ExpectedRefusals
) -> None:
    team = await pariou(world)
    bilal, chloe = team.bilal, team.chloe
    chloe.block()
    await world.settle()
    attempts = len(sends_to(world, chloe))

    # the team goes on: arrival, questions, answers, each told to the team
    bilal.send_text("VICTOIRE")
    await world.settle()
    assert world.texts(bilal)[-1].startswith(f"✅ You are at {CATHEDRAL}!")
    tap(world, bilal, "begin:cathedrale")
    await world.settle()
    stage = world.rally.stage("cathedrale")
    q1, q2 = stage.questions[0], stage.questions[1]
    tap(world, bilal, f"ans:{q1.id}:{right_answer(q1, 'en', world.rally)}")
    await world.settle()
    bilal.send_text(wrong_answer(q2))
    await world.settle()
    assert world.texts(bilal)[-1].startswith("❌ Not right. 2 more tries.")
    assert (await progress(world, bilal)).question_index == 1

    tried = sends_to(world, chloe)[attempts:]
    assert [call.status for call in tried] == [403]  # the first team message, never again
    assert tried[0].description == "Forbidden: bot was blocked by the user"
    telegram_accepted_everything.allow("sendMessage", chloe.chat_id, 403)


async def test_a_player_who_unblocks_the_bot_hears_the_team_again(
    world: World, telegram_accepted_everything: ExpectedRefusals
) -> None:
    team = await pariou(world)
    bilal, chloe = team.bilal, team.chloe
    chloe.block()
    await world.settle()
    bilal.send_text("VICTOIRE")  # the team message to Chloe is refused: she is unreachable
    await world.settle()
    telegram_accepted_everything.allow("sendMessage", chloe.chat_id, 403)

    said = await replies(world, chloe, lambda: chloe.send_command("clue"))  # she is back
    assert said == [f"✅ Your team is at {CATHEDRAL}."]
    tap(world, bilal, "begin:cathedrale")
    await world.settle()
    assert world.texts(chloe)[-1].startswith("Question 1 of 3")


# ------------------------------------------------------------------ errors


async def test_a_failing_handler_logs_the_update_id_and_apologises(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    team = await pariou(world)
    bilal = team.bilal
    before = await progress(world, bilal)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(PlayService, "act", broken)
    caplog.set_level(logging.ERROR)
    update = bilal.send_text("VICTOIRE")
    await world.settle()
    assert world.texts(bilal)[-1] == APOLOGY
    pressed = tap(world, bilal, "hint?:cathedrale")
    await world.settle()
    assert world.api.callback_query(pressed.query_id).answered
    assert world.texts(bilal)[-2:] == [APOLOGY, APOLOGY]

    logged = {
        record.getMessage(): record
        for record in caplog.records
        if record.levelno >= logging.ERROR and record.exc_info
    }
    message_log = f"error while handling update {update['update_id']}"
    assert message_log in logged, list(logged)
    exc_info = logged[message_log].exc_info
    assert exc_info is not None and isinstance(exc_info[1], RuntimeError)
    assert len(logged) == 2  # the button's update too, with its own id
    for call in world.api.calls:
        assert "on fire" not in call.params.get("text", "")

    monkeypatch.undo()  # the next message works again
    bilal.send_text("VICTOIRE")
    await world.settle()
    assert world.texts(bilal)[-1].startswith(f"✅ You are at {CATHEDRAL}!")
    assert (await progress(world, bilal)).score == before.score + 10


# ------------------------------------------------------------------ user text inside replies


async def test_a_name_with_html_reaches_teammates_literally(world: World) -> None:
    team = await pariou(world)
    bilal = team.bilal
    bob = world.api.create_user("<b>Bob</b> & co", language_code="en")
    bob.start("PARU63")
    await world.settle()
    said = await replies(world, bob, lambda: press(world, bob, NOTICE_OK))
    name = "<b>Bob</b> & co"
    assert said[0] == f"✅ You joined team Pariou! Members: Bilal, Chloe, {name}."
    assert world.texts(bilal)[-1] == f"👋 {name} joined your team."
    assert f"Members: Bilal, Chloe, {name}" in await team_card(world, bilal)

    # what Bob types is shown to his teammates as he typed it
    await at_first_question(world, team)
    stage = world.rally.stage("cathedrale")
    q1, q2 = stage.questions[0], stage.questions[1]
    tap(world, bilal, f"ans:{q1.id}:{right_answer(q1, 'en', world.rally)}")
    await world.settle()
    typed = f"<i>{wrong_answer(q2)}</i> & <script>"
    bob.send_text(typed)
    await world.settle()
    told = world.texts(team.chloe)[-1]
    assert told.startswith(f"{name} answered {typed}: ❌ Not right.")
    assert not any(e["type"] in ("bold", "italic") for e in world.last(team.chloe).entities)


async def test_a_hint_button_of_a_stage_already_left_is_refused_and_costs_nothing(
    world: World,
) -> None:
    team = await pariou(world)
    chloe = team.chloe
    tap(world, chloe, "hint?:cathedrale")  # the offer of the cathedral's first hint
    await world.settle()
    assert latest_with_button(world, chloe, "hint:cathedrale:0")
    team.admin.send_command("skip", "PARU63")  # the organisers move the team on
    await world.settle()
    before = await progress(world, chloe)
    assert before.stage_id != "cathedrale"
    assert before.state is TeamState.EN_ROUTE  # where a hint of the next stage could be paid
    seen = len(world.texts(chloe))

    pressed = tap(world, chloe, "hint:cathedrale:0")  # "Yes, show it", from stage 1
    await world.settle()
    await assert_refused(world, chloe, pressed, "This button is no longer valid.", before)
    assert len(world.texts(chloe)) == seen  # no hint of stage 2 shown, no points taken


async def test_a_name_is_kept_as_a_first_name_that_cannot_mislead_its_readers(
    world: World,
) -> None:
    team = await pariou(world, go=False)
    mallory = world.api.create_user("/start\u202e", last_name="Family-Name", language_code="en")
    mallory.start("PARU63")
    await world.settle()
    await accept_notices(world, mallory)
    news = world.texts(team.bilal)[-1]
    assert news == "👋 /\u2060start joined your team."  # no command to tap, no text reversed
    member = await runtime(world).teams.find(mallory.id)
    assert member is not None and member.name == "/\u2060start"  # the family name is not kept
    assert "Family-Name" not in await team_card(world, team.bilal)
