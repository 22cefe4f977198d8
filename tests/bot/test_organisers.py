"""Organisers and admins run the day from Telegram, through the real Application over HTTP."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, DEFAULT_RALLY, ORGANISER_ID, World, open_world
from tests.bot.players import accept_notices, finish, press
from tests.clock import FakeClock

ORGANISER_ONLY = "This command is for the rally's organisers."
ADMIN_ONLY = "This command is for the rally's admins."

ORGANISER_COMMANDS = [
    ("progress", None),
    ("checkin", "PUY63 office-tourisme"),
    ("photos", None),
    ("broadcast", "Hello everyone"),
    ("announce", "lunch"),
    ("erase", "PUY63"),
]
ADMIN_COMMANDS = [
    ("scores", None),
    ("export", None),
    ("skip", "PUY63"),
    ("award", "PUY63 50 bonus"),
    ("newteam", "Intrus"),
    ("open", None),
    ("go", None),
    ("pause", None),
    ("resume", None),
    ("finish", None),
]


def staff(world: World) -> tuple[SimulatedUser, SimulatedUser]:
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    organiser = world.api.create_user("Orga", user_id=ORGANISER_ID, language_code="en")
    return admin, organiser


async def state_of(world: World) -> tuple[object, ...]:
    runtime = world.application.bot_data.default
    teams = await runtime.teams.all_teams()
    async with runtime.services.new_uow() as uow:
        audit = await uow.audit.list(world.rally.id)
    return (
        await runtime.timeline.phase(),
        [(t.code, t.progress) for t in teams],
        len(audit),
    )


@pytest.mark.parametrize("who", ["player", "stranger"])
async def test_every_staff_command_is_refused_to_everyone_else(world: World, who: str) -> None:
    player = world.user("Amina", "en")
    if who == "player":
        player.start("PUY63")  # a player in a team
    await world.settle()
    await accept_notices(world, player)
    before = await state_of(world)
    for command, args in ORGANISER_COMMANDS + ADMIN_COMMANDS:
        sent = len(world.texts(player))
        player.send_command(command, args)
        await world.settle()
        expected = ADMIN_ONLY if (command, args) in ADMIN_COMMANDS else ORGANISER_ONLY
        assert world.texts(player)[sent:] == [expected], command
    assert await state_of(world) == before
    assert world.api.calls_of("sendDocument") == []


async def test_an_organiser_is_not_an_admin(world: World) -> None:
    _, organiser = staff(world)
    for command, args in ADMIN_COMMANDS:
        organiser.send_command(command, args)
        await world.settle()
        assert world.texts(organiser)[-1] == ADMIN_ONLY, command


async def test_staff_commands_only_show_in_staff_menus(world: World) -> None:
    admin, organiser = staff(world)
    player = world.user("Bilal", "en")
    for user in (admin, organiser, player):
        user.start()
    await world.settle()

    def menu(user: SimulatedUser) -> set[str]:
        scope = {"type": "chat", "chat_id": user.chat_id}
        return {c["command"] for c in world.api.commands(scope=scope)}

    assert {"scores", "export", "go", "finish", "progress", "broadcast"} <= menu(admin)
    assert {"progress", "broadcast", "checkin", "photos"} <= menu(organiser)
    assert not {"scores", "export", "go"} & menu(organiser)
    assert not {"progress", "broadcast", "scores"} & menu(player)
    default = {c["command"] for c in world.api.commands()}
    assert "clue" in default
    assert not {"progress", "scores", "go"} & default


async def test_the_day_from_open_to_finish(world: World) -> None:
    admin, _ = staff(world)
    amina, bilal = world.user("Amina", "en"), world.user("Bilal", "en")
    admin.send_command("open")
    await world.settle()
    assert world.texts(admin)[-1] == "Done: the rally is now open for joining."
    amina.start("PUY63")
    bilal.start("PARU63")
    await world.settle()
    await accept_notices(world, amina, bilal)
    admin.send_command("go")
    await world.settle()
    assert world.texts(admin)[-1] == "Done: the rally is now running."
    assert "Stage 1 of 8" in world.texts(amina)[-1]
    assert "Stage 1 of 8" in world.texts(bilal)[-1]
    admin.send_command("pause")
    await world.settle()
    amina.send_text("bienvenue")
    await world.settle()
    assert world.texts(amina)[-1] == "The rally is paused. Please wait for the organisers."
    admin.send_command("pause")
    await world.settle()
    assert world.texts(admin)[-1] == "Not possible now: the rally is paused."
    admin.send_command("resume")
    await world.settle()
    amina.send_text("bienvenue")
    await world.settle()
    assert world.texts(amina)[-1].startswith("✅ You are at")
    await finish(world, admin)  # after its confirmation button
    said = world.texts(admin)
    assert (
        "Done: the rally is now finished.\nThe final ranking is on its way to 3 players." in said
    )  # the admin too
    assert any(text.startswith("🏁 The rally is over! Final ranking:") for text in said)
    for player in (amina, bilal):
        final = world.texts(player)[-1]
        assert final.startswith("🏁 The rally is over! Final ranking:")
        assert "1. Puy de Dôme: 10 points" in final
    assert "Your team's place: 1 of 6" in world.texts(amina)[-1]
    assert "Your team's place: 2 of 6" in world.texts(bilal)[-1]
    async with world.application.bot_data.default.services.new_uow() as uow:
        actions = [entry.action for entry in await uow.audit.list(world.rally.id)]
    assert actions[:4] == ["open", "start", "pause", "resume"]
    assert "finish" in actions


async def test_corrections_are_told_to_the_team_and_audited(world: World) -> None:
    admin, organiser = staff(world)
    amina = world.user("Amina", "en")
    amina.start("PUY63")
    await world.settle()
    await accept_notices(world, amina)
    admin.send_command("go")
    await world.settle()

    organiser.send_command("checkin", "PUY63 cathedrale")
    await world.settle()
    assert world.texts(organiser)[-1].startswith("Nothing changed for team Puy de Dôme")
    organiser.send_command("checkin", "PUY63 office-tourisme")
    await world.settle()
    assert world.texts(organiser)[-1] == "Done for team Puy de Dôme. Score: 10."
    assert "An organiser checked your team in" in world.texts(amina)[-1]

    admin.send_command("award", "puy63 -3 late at the meeting point")
    await world.settle()
    assert world.texts(organiser)[-1] == "Done for team Puy de Dôme. Score: 10."
    assert "changed your score by -3 (late at the meeting point)" in world.texts(amina)[-1]
    admin.send_command("award", "PUY63 lots")
    await world.settle()
    assert world.texts(admin)[-1].startswith("Type /award TEAM-CODE POINTS REASON")

    admin.send_command("skip", "PUY63")
    await world.settle()
    assert "An organiser moved your team on" in world.texts(amina)[-1]
    assert "Stage 2 of 8" in world.texts(amina)[-1]
    admin.send_command("skip", "NOPE")
    await world.settle()
    assert world.texts(admin)[-1].startswith("No team has the code NOPE.")

    admin.send_command("scores")
    await world.settle()
    board = world.texts(admin)[-1]
    assert board.startswith("🏆 Leaderboard")
    assert "1. Puy de Dôme: 7 points, 1/8 stages" in board

    async with world.application.bot_data.default.services.new_uow() as uow:
        audit = [(e.actor_user_id, e.action) for e in await uow.audit.list(world.rally.id)]
    assert (ORGANISER_ID, "checkin") in audit
    assert (ADMIN_ID, "award") in audit
    assert (ADMIN_ID, "skip") in audit


async def test_a_new_team_gets_a_code_and_a_link_that_work(world: World) -> None:
    admin, _ = staff(world)
    admin.send_command("newteam", "Les Dômes")
    await world.settle()
    created = world.texts(admin)[-1]
    assert created.startswith("✅ Team Les Dômes created. Join code: ")
    code = created.split("Join code: ")[1].split("\n")[0]
    assert f"https://t.me/rallye_test_bot?start={code}" in created
    newcomer = world.user("Dawit", "en")
    newcomer.start(code)
    await world.settle()
    await accept_notices(world, newcomer)
    assert any("You joined team Les Dômes!" in t for t in world.texts(newcomer))
    admin.send_command("newteam", "Les Dômes")
    await world.settle()
    assert world.texts(admin)[-1] == "A team named Les Dômes already exists."


async def test_exports_are_csv_documents(world: World) -> None:
    admin, _ = staff(world)
    amina = world.user("Amina", "en")
    amina.start("PUY63")
    await world.settle()
    await accept_notices(world, amina)
    admin.send_command("go")
    await world.settle()
    amina.send_text("=BIENVENUE")  # a formula-looking answer must not run in a spreadsheet
    amina.send_text("bienvenue")
    await world.settle()
    press(world, amina, "begin:office-tourisme")
    await world.settle()
    amina.send_text("=2")  # the right choice, typed by its number after an "="
    await world.settle()
    admin.send_command("export")
    await world.settle()
    documents = {
        m.file.file_name: m.file.data
        for m in world.api.transcript(admin.chat_id)
        if m.file is not None
    }
    assert set(documents) == {"scores.csv", "checkins.csv", "answers.csv"}
    captions = [m.caption or "" for m in world.api.transcript(admin.chat_id) if m.file]
    assert all("🔒 Personal data: share it only with those who need it" in c for c in captions)

    def rows(name: str) -> list[dict[str, str]]:
        text = documents[name].decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    scores = rows("scores.csv")
    assert scores[0]["team"] == "Puy de Dôme"
    assert scores[0]["points"] == "20"  # the check-in and one right answer
    assert scores[0]["members"] == "Amina"
    checkins = rows("checkins.csv")
    assert [(r["team"], r["stage"], r["method"], r["player"]) for r in checkins] == [
        ("Puy de Dôme", "office-tourisme", "code", "Amina")
    ]
    answers = rows("answers.csv")
    assert len(answers) == 1
    assert answers[0]["given"] == "'=2"
    assert answers[0]["correct"] == "yes"


async def test_a_team_photo_is_reviewed_by_the_organisers(world: World) -> None:
    admin, organiser = staff(world)
    for user in (admin, organiser):
        user.start()
    sancy = world.user("Sancy", "en")
    sancy.start("SANCY63")  # route starts at place de Jaude, which has a photo mission
    await world.settle()
    await accept_notices(world, sancy)
    admin.send_command("go")
    await world.settle()
    sancy.send_photo()
    await world.settle()
    assert world.texts(sancy)[-1].startswith("I cannot use this")  # not there yet
    sancy.send_text("statue")
    await world.settle()
    assert "📸 Photo mission" in world.texts(sancy)[-1]
    sancy.send_photo()
    await world.settle()
    assert world.texts(sancy)[-1] == "📸 Thank you! The organisers will look at your photo."
    shown = world.api.last_message(organiser.chat_id)
    assert shown.kind == "photo"
    assert "Team Sancy" in (shown.caption or "")
    approve = next(b for row in shown.inline_keyboard for b in row if "Approve" in b["text"])
    organiser.press_button(approve["text"], message=shown)
    await world.settle()
    assert world.texts(sancy)[-1].startswith("📸 Your team photo at")
    assert "was approved! +15 points. Score: 25." in world.texts(sancy)[-1]
    team = await world.application.bot_data.default.teams.team_of(sancy.id)
    assert team.progress.score == 10 + 15
    # the admin's copy of the same photo: a second approval gives nothing more
    copy = world.api.last_message(admin.chat_id)
    record = admin.press_button(approve["text"], message=copy)
    await world.settle()
    assert (
        world.api.callback_query(record.query_id).answer_text == "This photo was already reviewed."
    )
    assert (await world.application.bot_data.default.teams.team_of(sancy.id)).progress.score == 25
    sancy.send_photo()
    await world.settle()
    assert world.texts(sancy)[-1] == "Your team's photo was already approved. Thank you!"


async def test_the_help_button_tells_the_organisers_where_the_team_is(world: World) -> None:
    admin, organiser = staff(world)
    organiser.start()
    amina, bilal = world.user("Amina", "en"), world.user("Bilal", "en")
    amina.start("PARU63")
    bilal.start("PARU63")
    await world.settle()
    await accept_notices(world, amina, bilal)
    admin.send_command("go")
    await world.settle()
    amina.send_location(45.7700, 3.0750, horizontal_accuracy=20)  # lost in the south-west
    await world.settle()
    amina.press_reply_button("🆘 We are lost")
    await world.settle()
    assert world.texts(amina)[-1].startswith("🆘 The organisers have been told")
    assert world.texts(bilal)[-1] == "🆘 Amina asked the organisers for help. Stay together."
    alert = world.api.transcript(organiser.chat_id)[-2:]
    assert "Team Pariou asks for help" in (alert[0].text or "")
    assert alert[1].kind == "location"


async def test_the_help_button_pressed_again_reminds_the_team_instead_of_alerting_again(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async for world in open_world(tmp_path, "sqlite", DEFAULT_RALLY, clock):
        admin, organiser = staff(world)
        organiser.start()
        amina, bilal = world.user("Amina", "en"), world.user("Bilal", "en")
        amina.start("PARU63")
        bilal.start("PARU63")
        await world.settle()
        await accept_notices(world, amina, bilal)
        admin.send_command("go")
        await world.settle()
        amina.press_reply_button("🆘 We are lost")
        await world.settle()
        alerts = len(world.api.transcript(organiser.chat_id))

        clock.advance(minutes=1)
        amina.press_reply_button("🆘 We are lost")  # an anxious second tap
        bilal.send_command("lost")  # and a teammate's phone
        await world.settle()
        assert len(world.api.transcript(organiser.chat_id)) == alerts  # no second alert
        reminder = "🆘 The organisers were told 1 minute ago. Stay where you are: they will"
        assert world.texts(amina)[-1].startswith(reminder)
        assert world.texts(bilal)[-1].startswith(reminder)

        clock.advance(minutes=2)  # past the cooldown: a new alert goes out
        amina.press_reply_button("🆘 We are lost")
        await world.settle()
        assert world.texts(amina)[-1].startswith("🆘 The organisers have been told")
        assert "Team Pariou asks for help" in (
            world.api.transcript(organiser.chat_id)[-1].text or ""
        )


async def test_staff_opening_the_bot_see_their_commands(world: World) -> None:
    admin, organiser = staff(world)
    admin.start()
    organiser.start()
    await world.settle()
    admin_help, organiser_help = world.texts(admin)[-1], world.texts(organiser)[-1]
    assert admin_help.startswith("You are an admin of this rally.")
    assert "/finish: Finish the rally and send the ranking" in admin_help
    assert organiser_help.startswith("You are an organiser of this rally.")
    assert "/broadcast: " in organiser_help
    assert "/finish" not in organiser_help
