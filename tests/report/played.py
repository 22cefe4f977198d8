"""A rally played through the real Application, for its report: three teams, on a fake clock.

- Puy de Dôme (Amina, en; Bilal, fr) takes a hint at the cathedral, checks in at the tourist
  office by code word and answers its questions (the first wrong once), then checks in at the
  cathedral by position and answers one question.
- Pariou (Zainab, ar; Yasmin, uk) checks in at the cathedral by position and answers its
  questions (the second wrong once); an organiser checks it in at Notre-Dame-du-Port.
- Sancy (Karim, fr) takes a hint, checks in at place de Jaude by code word, sends a photo the
  organiser rejects, then one he approves; the admin skips the stage, then the next one.

Then the clock moves on 25 minutes and the idle teams are flagged, as the day's job does.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.content import Location
from loopback.records import ChatMessage
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, ORGANISER_ID, World
from tests.bot.players import answer, join, press, right_answer, wrong_answer
from tests.clock import FakeClock

PLAYERS = {
    "Amina": "en",
    "Bilal": "fr",
    "Zainab": "ar",
    "Yasmin": "uk",
    "Karim": "fr",
}
"""The players' first names (never in the report) and their Telegram languages."""
TEAMS = ("Puy de Dôme", "Pariou", "Sancy")


@dataclass(frozen=True)
class Played:
    """The people of the played rally."""

    admin: SimulatedUser
    organiser: SimulatedUser
    players: dict[str, SimulatedUser]


def _located(world: World, stage_id: str) -> Location:
    location = world.rally.stage(stage_id).location
    assert location is not None
    return location


async def _answer_all(
    world: World,
    clock: FakeClock,
    members: list[SimulatedUser],
    stage_id: str,
    *,
    wrong_first: int | None = None,
    only: int | None = None,
) -> None:
    """The team answers the stage's questions (the `only` first), one a minute and a half, the
    question numbered `wrong_first` wrong once first."""
    questions = world.rally.stage(stage_id).questions[:only]
    for number, question in enumerate(questions):
        player = members[number % len(members)]
        if number == wrong_first:
            clock.advance(minutes=1.5)
            answer(world, player, question, wrong_answer(question))
            await world.settle()
        clock.advance(minutes=1.5)
        answer(world, player, question, right_answer(question, "fr", world.rally))
        await world.settle()


def _review_buttons(world: World, organiser: SimulatedUser) -> ChatMessage:
    shown = world.api.last_message(organiser.chat_id)
    assert shown.kind == "photo"
    return shown


async def _hint(world: World, player: SimulatedUser, stage_id: str) -> None:
    press(world, player, f"hint?:{stage_id}")
    await world.settle()
    press(world, player, f"hint:{stage_id}:0")
    await world.settle()


async def play(world: World, clock: FakeClock) -> Played:
    """Play the rally described above; its people."""
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="fr")
    organiser = world.api.create_user("Organiser", user_id=ORGANISER_ID, language_code="fr")
    for user in (admin, organiser):
        user.start()
    people = {name: world.user(name, language) for name, language in PLAYERS.items()}
    amina, bilal, zainab, yasmin, karim = people.values()
    for player, code in (
        (amina, "PUY63"),
        (bilal, "PUY63"),
        (zainab, "PARU63"),
        (yasmin, "PARU63"),
        (karim, "SANCY63"),
    ):
        await join(world, player, code)
    admin.send_command("go")
    await world.settle()

    clock.advance(minutes=5)
    await _hint(world, karim, "place-de-jaude")
    clock.advance(minutes=3)
    amina.send_text("bienvenue")  # the tourist office's code word
    await world.settle()
    clock.advance(minutes=4)
    cathedral = _located(world, "cathedrale")
    zainab.send_location(cathedral.lat, cathedral.lon, horizontal_accuracy=15)
    await world.settle()
    clock.advance(minutes=2)
    karim.send_text("statue")  # place de Jaude's code word
    await world.settle()

    # Sancy's photo mission: one photo rejected, the next approved
    karim.send_photo()
    await world.settle()
    shown = _review_buttons(world, organiser)
    approve, reject = shown.inline_keyboard[0]
    clock.advance(minutes=1)
    organiser.press_button(reject["text"], message=shown)
    await world.settle()
    karim.send_photo()
    await world.settle()
    shown = _review_buttons(world, organiser)
    approve, reject = shown.inline_keyboard[0]
    organiser.press_button(approve["text"], message=shown)
    await world.settle()

    clock.advance(minutes=1)
    press(world, amina, "begin:office-tourisme")
    await world.settle()
    await _answer_all(world, clock, [amina, bilal], "office-tourisme", wrong_first=0)
    clock.advance(minutes=2)
    press(world, yasmin, "begin:cathedrale")
    await world.settle()
    await _answer_all(world, clock, [yasmin, zainab], "cathedrale", wrong_first=1)

    # Puy de Dôme walks to the cathedral with a hint; Pariou is checked in by an organiser
    clock.advance(minutes=4)
    await _hint(world, bilal, "cathedrale")
    clock.advance(minutes=9)
    bilal.send_location(cathedral.lat, cathedral.lon, horizontal_accuracy=20)
    await world.settle()
    clock.advance(minutes=1)
    press(world, bilal, "begin:cathedrale")
    await world.settle()
    await _answer_all(world, clock, [bilal], "cathedrale", only=1)
    clock.advance(minutes=3)
    organiser.send_command("checkin", "PARU63 notre-dame-du-port")
    await world.settle()

    # Sancy is skipped past place de Jaude, then past the media library it never reached
    clock.advance(minutes=2)
    admin.send_command("skip", "SANCY63")
    await world.settle()
    clock.advance(minutes=1)
    admin.send_command("skip", "SANCY63")
    await world.settle()

    clock.advance(minutes=25)
    assert world.application is not None
    await world.application.bot_data.default.monitoring.newly_stuck()
    return Played(admin, organiser, people)
