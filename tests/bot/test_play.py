"""A team on two phones plays the rally in Telegram, through the real Application over HTTP."""

from __future__ import annotations

from bot.core.content import ChoiceQuestion
from tests.bot.conftest import ADMIN_ID, World
from tests.bot.players import GARE, accept_notices, answer, press, right_answer, wrong_answer


async def test_a_team_on_two_phones_plays_a_stage_together(world: World) -> None:
    rally = world.rally
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="fr")
    amina = world.user("Amina", "ar")
    bilal = world.user("Bilal", "en")

    # Amina opens the bot: a welcome in Arabic with every language in its own name
    amina.start()
    await world.settle()
    picker = world.api.transcript(amina.chat_id)[0]
    labels = [b["text"] for row in picker.inline_keyboard for b in row]
    assert labels == [
        "Français",
        "English",
        "العربية",
        "دری",
        "پښتو",
        "ትግርኛ",
        "Українська",
        "Русский",
        "Türkçe",
        "বাংলা",
    ]

    # Bilal scans the team's QR code (a deep link); Amina types the code in lower case
    bilal.start("PARU63")
    await world.settle()
    await accept_notices(world, bilal)
    # one message answers the scan: the welcome over what is kept about him, to accept, with
    # the languages to read it in; once he accepts, he is in the team and reads its step
    scan_reply, join_reply, waiting = world.texts(bilal)
    assert scan_reply.startswith("👋 Welcome to Citizen integration rally")
    assert "🔒 Your data" in scan_reply
    assert "Choose your language:" not in world.texts(bilal)  # the languages were on the notice
    assert join_reply.startswith("✅ You joined team Pariou!")
    assert world.api.reply_keyboard(bilal.chat_id) == [["📍 Send my location", "🆘 We are lost"]]
    assert waiting.startswith("The rally has not started yet")
    amina.send_command("join", "paru63")
    await world.settle()
    await accept_notices(world, amina)
    assert "Amina joined your team" in world.texts(bilal)[-1]

    # before the start, a location changes nothing
    amina.send_location(*GARE)
    await world.settle()
    not_started = "The rally has not started yet. You will get your first clue here when it starts."
    assert world.texts(amina)[-1] == world.says("ar", not_started)
    assert world.says("ar", not_started) != not_started  # Amina reads it in Arabic

    admin.send_command("go")
    await world.settle()
    first = rally.stage("cathedrale")
    clue_en = world.texts(bilal)[-1]
    name = first.name["en"]
    assert clue_en.startswith(f"Stage 1 of 8: {name}")
    assert first.clue["en"] in clue_en
    assert "Practical card" in clue_en
    assert first.clue["ar"] in world.texts(amina)[-1]

    # a hint: its cost first, then the hint for the whole team
    bilal.send_command("hint")
    await world.settle()
    penalty = first.hints[0].penalty or rally.scoring.hint_penalty
    assert f"A hint costs {penalty} points" in world.texts(bilal)[-1]
    press(world, bilal, "hint:cathedrale:0")
    await world.settle()
    assert first.hints[0].text["en"] in world.texts(bilal)[-1]
    assert first.hints[0].text["ar"] in world.texts(amina)[-1]

    # a location at the station: too far, with the distance and the direction
    amina.send_location(*GARE, horizontal_accuracy=25)
    await world.settle()
    assert "\u2068" in world.texts(amina)[-1]  # Arabic: values isolated
    bilal.send_location(*GARE, horizontal_accuracy=25)
    await world.settle()
    assert f"Not there yet: {name} is about 1.1 km to the west." in world.texts(bilal)[-1]

    # at the cathedral: checked in, for the whole team
    assert first.location is not None
    bilal.send_location(first.location.lat + 0.0003, first.location.lon, horizontal_accuracy=20)
    await world.settle()
    assert world.texts(bilal)[-1].startswith(f"✅ You are at {name}! +10 points")
    assert "Bilal" in world.texts(amina)[-1]

    press(world, amina, "begin:cathedrale")
    await world.settle()
    q1, q2, q3 = first.questions
    assert isinstance(q1, ChoiceQuestion)
    assert world.texts(bilal)[-1].startswith("Question 1 of 3")
    assert len(world.last(bilal).inline_keyboard) == len(q1.choices)

    # Bilal gets it wrong, Amina right on her own phone: the question closes for both
    answer(world, bilal, q1, wrong_answer(q1))
    await world.settle()
    assert "Not right. 1 more try." in world.texts(bilal)[-1]
    assert "Bilal" in world.texts(amina)[-1]
    answer(world, amina, q1, right_answer(q1, "ar", rally))
    await world.settle()
    # one message per action to a teammate: the answer, its explanation and the next question
    told = world.texts(bilal)[-1]
    assert told.startswith(f"Amina answered {q1.choices[q1.answer[0] - 1]['en']}: ✅ Right!")
    assert q1.explanation["en"] in told
    assert "Question 2 of 3" in told

    answer(world, bilal, q2, right_answer(q2, "en", rally))
    await world.settle()
    answer(world, amina, q3, right_answer(q3, "ar", rally))
    await world.settle()
    last_en = world.texts(bilal)[-1]
    assert "🏁 Stage done! Your team's score:" in last_en
    assert f"Stage 2 of 8: {rally.stage('notre-dame-du-port').name['en']}" in last_en

    bilal.send_command("team")
    await world.settle()
    status = world.texts(bilal)[-1]
    score = 10 + q1.points - rally.scoring.attempt_penalty + q2.points + q3.points - penalty
    assert f"Score: {score}" in status
    assert "Members: Bilal, Amina" in status
