"""Playing the rally as real people would: reading the bot's messages and pressing its buttons."""

from __future__ import annotations

from bot.core.content import (
    ChoiceQuestion,
    Location,
    NumberQuestion,
    Question,
    Rally,
    TextQuestion,
)
from bot.telegram.buttons import AcknowledgeNotice, FinishRally, encode
from loopback.records import ChatMessage
from loopback.server import LoopbackBotApi
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, World

NOTICE_OK = encode(AcknowledgeNotice(True))
GARE = (45.77861, 3.10083)  # the railway station, away from every stage


def latest_with_button(world: World, user: SimulatedUser, prefix: str) -> ChatMessage:
    """The bot's latest message to `user` with a button whose data starts with `prefix`."""
    for message in reversed(world.api.transcript(user.chat_id)):
        for row in message.inline_keyboard:
            if any(str(b.get("callback_data", "")).startswith(prefix) for b in row):
                return message
    raise LookupError(f"no message with a {prefix!r} button for {user.user['first_name']}")


def press(world: World, user: SimulatedUser, data: str) -> None:
    """Press the button with exactly this callback data on the latest message showing it."""
    prefix = data.rsplit(":", 1)[0] if data.startswith("ans:") else data
    message = latest_with_button(world, user, prefix)
    for row in message.inline_keyboard:
        for button in row:
            if button.get("callback_data") == data:
                user.press_button(button["text"], message=message)
                return
    raise LookupError(f"no button {data!r} in message {message.message_id}")


def right_answer(question: Question, language: str, rally: Rally) -> str:
    """What to type (or the choice number to press) to answer right."""
    if isinstance(question, ChoiceQuestion):
        return str(question.answer[0])
    if isinstance(question, NumberQuestion):
        return f"{question.value:g}"
    assert isinstance(question, TextQuestion)
    accepted = question.accepted.get(language) or question.accepted[rally.default_language]
    return accepted[0]


def wrong_answer(question: Question) -> str:
    """An answer that is wrong but valid, so it costs an attempt."""
    if isinstance(question, ChoiceQuestion):
        return str(next(n for n in range(1, len(question.choices) + 1) if n not in question.answer))
    if isinstance(question, NumberQuestion):
        return f"{question.value + question.tolerance + 7:g}"
    return "zzzz qqqq"


def answer(world: World, user: SimulatedUser, question: Question, given: str) -> None:
    """Answer as a player would: a button for a choice question, typed text otherwise."""
    if isinstance(question, ChoiceQuestion):
        press(world, user, f"ans:{question.id}:{given}")
    else:
        user.send_text(given)


async def join(world: World, user: SimulatedUser, code: str) -> None:
    """The user scans their team's card (`/start CODE`), and accepts the information notice
    if the bot shows it (their first team): they are in the team."""
    seen = len(world.api.transcript(user.chat_id))
    user.start(code)
    await world.settle()
    await accept_notice(world, user, since=seen)


async def accept_notices(world: World, *users: SimulatedUser) -> None:
    """Each user, in turn, accepts the information notice the bot showed them (they join the
    team whose card they scanned, in this order)."""
    for user in users:
        await accept_notice(world, user)


async def accept_notice(world: World, user: SimulatedUser, *, since: int = 0) -> bool:
    """Press "I understand" (or "I agree") on the information notice, if the bot showed it
    after its first `since` messages; whether it did."""
    if press_notice(world.api, user, since=since):
        await world.settle()
        return True
    return False


def press_notice(api: LoopbackBotApi, user: SimulatedUser, *, since: int = 0) -> bool:
    """Press the information notice's "I understand" if the bot showed it after its first
    `since` messages (and it was not pressed yet); whether it did."""
    for message in api.transcript(user.chat_id)[since:]:
        for row in message.inline_keyboard:
            for button in row:
                if button.get("callback_data") == NOTICE_OK:
                    user.press_button(button["text"], message=message)
                    return True
    return False


async def checked_in_at_the_cathedral(
    world: World, player: SimulatedUser, *teammates: SimulatedUser
) -> tuple[SimulatedUser, Location]:
    """Team Pariou (the player, then her teammates) joins, the admin starts the rally, and the
    player checks in at the cathedral, the team's first stage, by sending its location.

    Returns the admin and the position she sent."""
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    for member in (player, *teammates):  # one after the other: members are listed in that order
        await join(world, member, "PARU63")
    admin.send_command("go")
    await world.settle()
    cathedral = world.rally.stage("cathedrale").location
    assert cathedral is not None
    player.send_location(cathedral.lat, cathedral.lon)
    await world.settle()
    assert world.texts(player)[-1].startswith("✅ You are at")
    return admin, cathedral


async def finish(world: World, admin: SimulatedUser) -> None:
    """The admin types /finish and presses "Yes, finish the rally" under its question."""
    admin.send_command("finish")
    await world.settle()
    press(world, admin, encode(FinishRally(world.rally.id, confirmed=True)))
    await world.settle()
