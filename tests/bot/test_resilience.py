"""Hard cases of a shared rally: simultaneous answers, redelivered updates, a restart."""

from __future__ import annotations

from bot.core.content import ChoiceQuestion
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, World
from tests.bot.players import accept_notices, answer, latest_with_button, press, right_answer

CODE = "PUY63"  # route: office de tourisme (code word BIENVENUE) first


async def team_at_first_question(world: World) -> tuple[SimulatedUser, SimulatedUser]:
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    chloe, dawit = world.user("Chloé", "en"), world.user("Dawit", "en")
    chloe.start(CODE)
    dawit.start(CODE)
    await world.settle()
    await accept_notices(world, chloe, dawit)
    admin.send_command("go")
    await world.settle()
    chloe.send_text("Bienvenue")
    await world.settle()
    press(world, dawit, "begin:office-tourisme")
    await world.settle()
    return chloe, dawit


async def test_two_members_pressing_the_right_answer_together_score_once(world: World) -> None:
    chloe, dawit = await team_at_first_question(world)
    question = world.rally.stage("office-tourisme").questions[0]
    assert isinstance(question, ChoiceQuestion)
    right = f"ans:{question.id}:{question.answer[0]}"
    # both presses reach the bot before it handles either
    first = latest_with_button(world, chloe, right)
    second = latest_with_button(world, dawit, right)
    label = next(
        b["text"] for row in first.inline_keyboard for b in row if b["callback_data"] == right
    )
    press_one = chloe.press_button(label, message=first)
    press_two = dawit.press_button(label, message=second)
    await world.settle()
    notices = {world.api.callback_query(q.query_id).answer_text for q in (press_one, press_two)}
    assert world.says("en", "This question is already answered.") in notices
    team = await world.application.bot_data.default.teams.team_of(chloe.id)
    assert team.progress.score == 10 + question.points  # check-in + one right answer
    assert team.progress.question_index == 1
    right_told = [t for t in world.texts(chloe) + world.texts(dawit) if "Right!" in t]
    assert len(right_told) == 2  # once each: one to the player, one to the teammate


async def test_a_redelivered_update_is_handled_once(world: World) -> None:
    chloe, _ = await team_at_first_question(world)
    first = world.rally.stage("office-tourisme").questions[0]
    assert isinstance(first, ChoiceQuestion)
    update = chloe.send_text(str(first.answer[0]))  # a choice can be typed by its number
    await world.settle()
    replies = len(world.api.calls_of("sendMessage"))
    # Telegram delivers an unconfirmed update again after a crash: the same update_id twice
    world.api.inject(update)
    await world.settle()
    assert len(world.api.calls_of("sendMessage")) == replies
    team = await world.application.bot_data.default.teams.team_of(chloe.id)
    assert team.progress.question_index == 1  # answered once, not twice
    assert team.progress.score == 10 + first.points


async def test_a_restart_in_the_middle_resumes_every_team(world: World) -> None:
    chloe, dawit = await team_at_first_question(world)
    stage = world.rally.stage("office-tourisme")
    answer(world, chloe, stage.questions[0], right_answer(stage.questions[0], "en", world.rally))
    await world.settle()
    await world.restart()  # a new process: only the database survives
    dawit.send_command("clue")
    await world.settle()
    assert world.texts(dawit)[-1].startswith("Question 2 of 4")
    answer(world, dawit, stage.questions[1], right_answer(stage.questions[1], "en", world.rally))
    await world.settle()
    assert "Right!" in world.texts(dawit)[-1]
    team = await world.application.bot_data.default.teams.team_of(chloe.id)
    assert team.progress.score == 10 + stage.questions[0].points + stage.questions[1].points


async def test_two_messages_of_one_chat_are_answered_in_the_order_they_were_sent(
    world: World,
) -> None:
    chloe, dawit = await team_at_first_question(world)
    help_title = world.says("en", "What you can do")
    # Telegram is slow to take the first reply: the second must still not overtake it
    slow = world.api.faults.hang(
        "sendMessage",
        seconds=0.5,
        when=lambda params: (
            params.get("chat_id") == str(chloe.chat_id) and help_title in params.get("text", "")
        ),
    )
    before = len(world.texts(chloe))
    chloe.send_command("help")
    chloe.send_command("clue")
    dawit.send_command("clue")  # another chat: not held up by Chloé's
    await world.api.wait_for(
        lambda: len(world.texts(dawit)) > 0 and slow.triggered == 1, 5, "Dawit's clue"
    )
    assert len(world.texts(chloe)) == before  # Dawit was answered while Chloé's help was held
    await world.settle()

    replies = world.texts(chloe)[before:]
    assert len(replies) == 2
    assert help_title in replies[0]
    assert help_title not in replies[1]
    assert replies[1] == world.texts(dawit)[-1]  # the team's clue, as Dawit got it
