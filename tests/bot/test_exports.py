"""Pseudonymised exports (`/export pseudo`), through the real Application over HTTP.

The full export's own test is in `tests/bot/test_organisers.py`.
"""

from __future__ import annotations

import csv
import io

from loopback.users import SimulatedUser
from tests.bot.conftest import World
from tests.bot.players import answer, checked_in_at_the_cathedral, join, press, right_answer

FULL = ("scores.csv", "checkins.csv", "answers.csv")
PSEUDONYMISED = (
    "scores-pseudonymised.csv",
    "checkins-pseudonymised.csv",
    "answers-pseudonymised.csv",
)
TYPED = "Amina et Bilal"
"""A typed answer that names players (wrong, so it is recorded as an attempt)."""
PSEUDONYMISED_CAPTION = (
    "🔒 Pseudonymised: no names, Telegram ids, positions or typed answers; each player is their "
    "team's code and a number. Whoever knows the teams may still tell who is who: share it only "
    "with those who need it."
)


def documents(world: World, user: SimulatedUser, since: int = 0) -> dict[str, tuple[bytes, str]]:
    """The files the bot sent this user after its first `since` messages, with their captions."""
    return {
        m.file.file_name or "": (m.file.data, m.caption or "")
        for m in world.api.transcript(user.chat_id)[since:]
        if m.file is not None
    }


def rows(data: bytes) -> list[dict[str, str]]:
    """A CSV export's rows, by column."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def a_rally_played_by_three(world: World) -> tuple[SimulatedUser, list[SimulatedUser]]:
    """Amina and Bilal (team Puy de Dôme) check in with the code word and answer, Amina types
    an answer naming them both; Zainab (team Pariou) checks in with her position."""
    amina, bilal, zainab = (world.user(name, "en") for name in ("Amina", "Bilal", "Zainab"))
    await join(world, amina, "PUY63")
    await join(world, bilal, "PUY63")
    admin, _ = await checked_in_at_the_cathedral(world, zainab)
    amina.send_text("bienvenue")  # the tourist office's code word
    await world.settle()
    press(world, amina, "begin:office-tourisme")
    await world.settle()
    first, second, third = world.rally.stage("office-tourisme").questions[:3]
    answer(world, amina, first, right_answer(first, "en", world.rally))
    await world.settle()
    answer(world, bilal, second, right_answer(second, "en", world.rally))
    await world.settle()
    assert third.id == "tour-union"  # a question answered by typing
    amina.send_text(TYPED)
    await world.settle()
    return admin, [amina, bilal, zainab]


async def test_a_pseudonymised_export_has_the_scores_without_names_or_positions(
    world: World,
) -> None:
    admin, players = await a_rally_played_by_three(world)
    admin.send_command("export")
    await world.settle()
    sent = len(world.api.transcript(admin.chat_id))
    admin.send_command("export", "pseudo")
    await world.settle()
    full = documents(world, admin)
    pseudonymised = documents(world, admin, since=sent)
    assert set(pseudonymised) == set(PSEUDONYMISED)
    assert all(caption.endswith(PSEUDONYMISED_CAPTION) for _, caption in pseudonymised.values())
    assert "/export pseudo gives the same files" in full["scores.csv"][1]

    # what the full export holds, and the pseudonymised one does not
    checkins = rows(full["checkins.csv"][0])
    (position,) = [(row["lat"], row["lon"]) for row in checkins if row["lat"]]
    names = [str(player.user["first_name"]) for player in players]
    secrets = [*names, *position, TYPED]
    assert all(any(s in data.decode("utf-8-sig") for data, _ in full.values()) for s in secrets)
    ids = [str(player.id) for player in players]  # in neither export
    for name, (data, _) in pseudonymised.items():
        text = data.decode("utf-8-sig")
        assert [s for s in [*secrets, *ids] if s in text] == [], name
        header = next(csv.reader(io.StringIO(text)))
        assert not {"lat", "lon", "accuracy_m", "distance_m", "given"} & set(header), name

    # the same scores and records, each player a pseudonym stable across the files
    scores, pseudo_scores = rows(full["scores.csv"][0]), rows(pseudonymised[PSEUDONYMISED[0]][0])

    def results(table: list[dict[str, str]]) -> list[tuple[str, ...]]:
        columns = ("rank", "team", "code", "points", "stages_done", "stages", "finished_at")
        return [tuple(row[c] for c in columns) for row in table]

    assert results(pseudo_scores) == results(scores)
    assert {row["code"]: row["points"] for row in scores}["PUY63"] != "0"
    members = {row["code"]: row["members"] for row in pseudo_scores}
    assert members == {
        **dict.fromkeys(members, ""),  # the teams nobody joined
        "PUY63": "PUY63-1, PUY63-2",  # Amina, then Bilal: in the order they joined
        "PARU63": "PARU63-1",
    }

    pseudo_checkins = rows(pseudonymised[PSEUDONYMISED[1]][0])
    assert [(r["team"], r["stage"], r["method"], r["points"]) for r in pseudo_checkins] == [
        (r["team"], r["stage"], r["method"], r["points"]) for r in checkins
    ]
    by_name = {"Amina": "PUY63-1", "Bilal": "PUY63-2", "Zainab": "PARU63-1"}
    assert [r["player"] for r in pseudo_checkins] == [by_name[r["player"]] for r in checkins]

    answers, pseudo_answers = rows(full["answers.csv"][0]), rows(pseudonymised[PSEUDONYMISED[2]][0])
    kept = ("time", "team", "stage", "question", "attempt", "correct", "points")
    assert len(answers) == 3
    assert [tuple(r[c] for c in kept) for r in pseudo_answers] == [
        tuple(r[c] for c in kept) for r in answers
    ]
    assert [r["player"] for r in pseudo_answers] == [by_name[r["player"]] for r in answers]
    assert sorted((r["question"], r["player"], r["correct"]) for r in pseudo_answers) == [
        ("tour-puy-height", "PUY63-1", "yes"),
        ("tour-puys-volcanoes", "PUY63-2", "yes"),
        ("tour-union", "PUY63-1", "no"),
    ]

    # audited like the full export, by file
    assert world.application is not None
    async with world.application.bot_data.default.services.new_uow() as uow:
        audit = await uow.audit.list(world.rally.id)
    exports = [entry.details["files"] for entry in audit if entry.action == "export"]
    assert exports == [list(FULL), list(PSEUDONYMISED)]


async def test_export_with_an_unknown_word_says_how_to_type_it(world: World) -> None:
    admin, _ = await a_rally_played_by_three(world)
    admin.send_command("export", "everything")
    await world.settle()
    assert world.texts(admin)[-1] == (
        "Type /export for the files with names, positions and answers, or /export pseudo for "
        "the same files without names, positions or typed answers."
    )
    assert documents(world, admin) == {}
    assert world.application is not None
    async with world.application.bot_data.default.services.new_uow() as uow:
        audit = await uow.audit.list(world.rally.id)
    assert [entry for entry in audit if entry.action == "export"] == []
