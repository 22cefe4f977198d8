"""The end-of-rally survey through the real Application over HTTP, on the mini rally with a
survey: a team plays to the finish and is invited; its players answer with the buttons, in
their languages (a press twice counts once, a question can be skipped, `/survey` afterwards
says it is done); the final ranking offers it to those whose team had not finished; and what is
stored names nobody: the counts of the answers share nothing with the participations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.core.engine import route_for
from bot.core.rally_file import load_rally
from bot.storage.models import InboxRow, SurveyParticipationRow, SurveyTallyRow
from bot.telegram.buttons import BeginStage, SurveyPress, encode
from loopback.records import ChatMessage
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, World, open_world
from tests.bot.players import answer, finish, join, latest_with_button, press, right_answer
from tests.bot.test_bad_input import tap
from tests.databases import BACKENDS

MINI = Path(__file__).parents[1] / "rally_files" / "mini.yaml"


def choices(*written: tuple[str, str, str, str]) -> list[dict[str, Any]]:
    """Survey choices: (emoji, fr, en, ar)."""
    return [{"emoji": e, "text": {"fr": fr, "en": en, "ar": ar}} for e, fr, en, ar in written]


YES, NO = ("Oui", "Yes", "نعم"), ("Non", "No", "لا")
SURVEY = {
    "questions": [
        {
            "id": "where-to-go",
            "text": {
                "fr": "Savez-vous où aller ?",
                "en": "Do you know where to go?",
                "ar": "هل تعرف إلى أين تذهب؟",
            },
            "choices": choices(("👍", *YES), ("🤏", "Un peu", "A little", "قليلًا"), ("👎", *NO)),
        },
        {
            "id": "go-back",
            "text": {"fr": "Y retourneriez-vous ?", "en": "Would you go back?", "ar": "هل ستعود؟"},
            "choices": choices(("✅", *YES), ("❌", *NO)),
        },
        {
            "id": "the-day",
            "text": {"fr": "Et la journée ?", "en": "How was the day?", "ar": "كيف كان اليوم؟"},
            "choices": choices(
                ("😀", "Très bien", "Very good", "جيد جدًا"),
                ("🙂", "Bien", "Good", "جيد"),
                ("😐", "Moyen", "So-so", "متوسط"),
                ("🙁", "Pas bien", "Not good", "ليس جيدًا"),
            ),
        },
    ]
}
START = encode(SurveyPress())
STALE = "This question is already answered."
DONE = "You have already answered the survey. Thank you!"
THANKS = "🙏 Thank you! Your answers are counted without your name."
NOT_OPEN = "The survey opens when your team has finished the rally."
UNDER_WAY = "The survey has started: its question is just above."
RANKING = "🏁 The rally is over! Final ranking:"
OFFER = "📝 3 quick questions about the day, optional and anonymous: /survey"
ANONYMOUS = "Optional and anonymous: your answers are counted without your name or your team."


@pytest.fixture(params=BACKENDS)
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    """The mini rally with a survey of three questions (its file next to the test's data)."""
    path = tmp_path / "mini-survey.yaml"
    section = yaml.safe_dump({"survey": SURVEY}, allow_unicode=True)
    path.write_text(MINI.read_text(encoding="utf-8") + "\n" + section, encoding="utf-8")
    # a player plays a whole route in seconds: more updates than the flood guard lets through
    async for running in open_world(
        tmp_path, request.param, load_rally(path), chat_update_burst=500
    ):
        yield running


def choice(question_id: str, number: int) -> str:
    """The data of a survey question's button (0: Skip)."""
    return encode(SurveyPress(question_id, number))


async def play_to_the_finish(world: World, player: SimulatedUser, position: int) -> None:
    """The player's team, at `position`, goes through its whole route and answers right."""
    rally = world.rally
    for stage_id in route_for(rally, position):
        stage = rally.stage(stage_id)
        if stage.location is not None:
            player.send_location(stage.location.lat, stage.location.lon, horizontal_accuracy=10)
        else:
            assert stage.checkin_code is not None
            player.send_text(stage.checkin_code)
        await world.settle()
        press(world, player, encode(BeginStage(stage_id)))
        await world.settle()
        for asked in stage.questions:
            answer(world, player, asked, right_answer(asked, "fr", rally))
            await world.settle()


async def press_and_settle(world: World, player: SimulatedUser, data: str) -> Any:
    """Press a survey button on the latest message showing it; the press, once handled."""
    pressed = tap(world, player, data)
    await world.settle()
    return pressed


def invitations(world: World, player: SimulatedUser) -> list[ChatMessage]:
    """The messages with the survey's button: a team's finish."""
    return [
        message
        for message in world.api.transcript(player.chat_id)
        if any(b.get("callback_data") == START for row in message.inline_keyboard for b in row)
    ]


async def player_id(world: World, user: SimulatedUser) -> int:
    """The user's row id in the rally."""
    assert world.application is not None
    member = await world.application.bot_data.default.teams.find(user.id)
    assert member is not None
    return member.player_id


async def stored(world: World) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The survey's two tables as stored: participations, and counts of answers."""
    assert world.application is not None and world.application.bot_data.engine is not None
    async with world.application.bot_data.engine.connect() as connection:
        took = (await connection.execute(select(SurveyParticipationRow.__table__))).mappings()
        participations = [dict(row) for row in took]
        counted = (await connection.execute(select(SurveyTallyRow.__table__))).mappings()
        tallies = [dict(row) for row in counted]
    return participations, tallies


def nonzero(tallies: list[dict[str, Any]]) -> dict[tuple[str, str, int], int]:
    """The counters above zero, by question, language and choice."""
    return {
        (row["question_id"], row["language"], row["choice"]): row["count"]
        for row in tallies
        if row["count"]
    }


async def test_a_team_at_its_finish_answers_the_survey_once_per_player_and_per_language(
    world: World,
) -> None:
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    amina, youssef = world.user("Amina", "fr"), world.user("Youssef", "ar")
    await join(world, amina, "VOLCANS")
    await join(world, youssef, "VOLCANS")
    admin.send_command("go")
    await world.settle()
    youssef.send_command("survey")  # still playing: too early
    await world.settle()
    assert world.texts(youssef)[-1] == world.says("ar", NOT_OPEN)

    await play_to_the_finish(world, amina, position=0)
    # both find the survey's button under their team's finish (Youssef's through the outbox)
    (finished,) = invitations(world, amina)
    assert "🎉" in (finished.text or "")
    assert len(invitations(world, youssef)) == 1

    await press_and_settle(world, amina, START)
    shown = world.texts(amina)[-1]
    assert world.says("fr", ANONYMOUS) in shown  # said before the first answer
    assert "Savez-vous où aller ?" in shown
    assert invitations(world, amina) == [finished]  # the finish keeps its buttons
    first = latest_with_button(world, amina, choice("where-to-go", 2))
    labels = [b["text"] for row in first.inline_keyboard for b in row]
    assert labels == ["1 👍 Oui", "2 🤏 Un peu", "3 👎 Non", world.says("fr", "⏭ Skip")]
    # a double tap: the second press of the same button counts for nothing, and says so
    once = amina.press_button("2 🤏 Un peu", message=first)
    twice = amina.press_button("2 🤏 Un peu", message=first)
    await world.settle()
    assert once.answered and once.answer_text is None
    assert twice.answer_text == world.says("fr", STALE)
    assert world.api.message(amina.chat_id, first.message_id).inline_keyboard == []  # closed
    assert "Y retourneriez-vous ?" in world.texts(amina)[-1]
    await press_and_settle(world, amina, choice("go-back", 1))
    # the old question pressed again, later (a phone showing an old screen): nothing counted
    late = amina.send_callback_data(choice("where-to-go", 3), message=first)
    await world.settle()
    assert late.answer_text == world.says("fr", STALE)
    await press_and_settle(world, amina, choice("the-day", 1))
    assert world.texts(amina)[-1] == world.says("fr", THANKS)

    # her teammate, in Arabic, taps the button twice, then skips the second question
    tap(world, youssef, START)
    again = tap(world, youssef, START)
    await world.settle()
    assert again.answer_text == world.says("ar", UNDER_WAY)
    assert "هل تعرف إلى أين تذهب؟" in world.texts(youssef)[-1]
    await press_and_settle(world, youssef, choice("where-to-go", 1))
    await press_and_settle(world, youssef, choice("go-back", 0))
    assert "كيف كان اليوم؟" in world.texts(youssef)[-1]
    await press_and_settle(world, youssef, choice("the-day", 2))
    assert world.texts(youssef)[-1] == world.says("ar", THANKS)

    # answered once: /survey and the button say so, and nothing more is counted
    amina.send_command("survey")
    await world.settle()
    assert world.texts(amina)[-1] == world.says("fr", DONE)
    after = await press_and_settle(world, amina, START)
    assert after.answer_text == world.says("fr", DONE)

    assert world.application is not None
    results = await world.application.bot_data.default.survey.results()
    assert {r.question_id: dict(r.by_language) for r in results} == {
        "where-to-go": {"fr": (0, 1, 0), "ar": (1, 0, 0)},
        "go-back": {"fr": (1, 0)},  # Youssef skipped it
        "the-day": {"fr": (1, 0, 0, 0), "ar": (0, 1, 0, 0)},
    }
    assert results[0].total == (1, 1, 0)

    participations, tallies = await stored(world)
    assert {(row["player_id"], row["status"]) for row in participations} == {
        (await player_id(world, amina), "answered"),
        (await player_id(world, youssef), "answered"),
    }
    assert nonzero(tallies) == {
        ("where-to-go", "fr", 2): 1,
        ("where-to-go", "ar", 1): 1,
        ("go-back", "fr", 1): 1,
        ("the-day", "fr", 1): 1,
        ("the-day", "ar", 2): 1,
    }
    # the counts name nobody and share nothing with the participations but the rally: no
    # player, team, time or row id; every counter (3 languages) was made before any answer
    assert set(tallies[0]) == {"rally_id", "question_id", "language", "choice", "count"}
    assert set(tallies[0]) & set(participations[0]) == {"rally_id"}
    assert {fk.column.table.name for fk in SurveyTallyRow.__table__.foreign_keys} == {"rallies"}
    assert len(tallies) == 3 * (3 + 2 + 4)
    # the presses as they came (sender and choice) are not kept in the inbox either
    engine = world.application.bot_data.engine
    assert engine is not None
    async with engine.connect() as connection:
        payloads = (await connection.execute(select(InboxRow.payload))).scalars().all()
    assert payloads and not [p for p in payloads if "survey:where-to-go" in p]


async def test_the_final_ranking_offers_the_survey_to_the_others_and_forget_keeps_the_counts(
    world: World,
) -> None:
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    amina, bob = world.user("Amina", "fr"), world.user("Bob", "en")
    await join(world, amina, "VOLCANS")
    await join(world, bob, "DOMES")
    admin.send_command("go")
    await world.settle()
    await play_to_the_finish(world, amina, position=0)
    assert invitations(world, bob) == []  # his team is still on its way
    await press_and_settle(world, amina, START)  # she begins, and leaves it there

    await finish(world, admin)
    # the final ranking offers the survey to Bob, whose team had not finished; not to Amina,
    # who has begun it
    assert world.texts(bob)[-1].startswith(world.says("en", RANKING))
    assert world.texts(bob)[-1].endswith(world.says("en", OFFER))
    assert world.texts(amina)[-1].startswith(world.says("fr", RANKING))
    assert "/survey" not in world.texts(amina)[-1]
    bob.send_command("survey")
    await world.settle()
    assert "Do you know where to go?" in world.texts(bob)[-1]
    for question_id, number in (("where-to-go", 3), ("go-back", 2), ("the-day", 4)):
        await press_and_settle(world, bob, choice(question_id, number))
    assert world.texts(bob)[-1] == world.says("en", THANKS)
    # Amina comes back to it: /survey shows her where she was
    amina.send_command("survey")
    await world.settle()
    assert "Savez-vous où aller ?" in world.texts(amina)[-1]

    # Bob erases his data: his participation goes, the anonymous counts stay
    bob_id = await player_id(world, bob)
    before = nonzero((await stored(world))[1])
    bob.send_command("forget")
    await world.settle()
    tap(world, bob, "forget:yes")
    await world.settle()
    participations, tallies = await stored(world)
    assert [row["player_id"] for row in participations] == [await player_id(world, amina)]
    assert bob_id not in {row["player_id"] for row in participations}
    assert (
        nonzero(tallies)
        == before
        == {
            ("where-to-go", "en", 3): 1,
            ("go-back", "en", 2): 1,
            ("the-day", "en", 4): 1,
        }
    )
