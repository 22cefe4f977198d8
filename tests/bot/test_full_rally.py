"""The whole default rally played in Telegram by 6 teams of 1 to 7 players, in several languages.

Teams act in turns (one action per team, then the bot settles), on rotating routes, checking in
by pin, live location and code word after a wrong try each time; team p takes p wrong answers
and, from team 3 on, a hint. Every member must see every clue, and the final ranking must follow
the scores computed from the rally file.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.content import Rally
from bot.core.engine import route_for
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, World
from tests.bot.players import GARE, accept_notices, answer, press, right_answer, wrong_answer

TEAM_SIZES = (1, 2, 3, 4, 5, 7)
TELEGRAM_LANGUAGES = ("fr", "en-GB", "ar", "fa", "en", "uk", "ar-SA")


def team_actions(world: World, position: int, members: list[SimulatedUser]) -> Iterator[str]:
    """One team's whole rally, one action per step (each step yields what it did)."""
    rally: Rally = world.rally
    turn = 0

    def next_member() -> SimulatedUser:
        nonlocal turn
        turn += 1
        return members[turn % len(members)]

    wrong_left = position
    for stage_id in route_for(rally, position):
        stage = rally.stage(stage_id)
        player = next_member()
        player.send_location(*GARE, horizontal_accuracy=30)  # too far, or "use the code word"
        yield "wrong location"
        player.send_text("pas le bon mot")
        yield "wrong code"
        if position >= 3 and stage.hints:
            press(world, player, f"hint?:{stage_id}")
            yield "hint offer"
            press(world, player, f"hint:{stage_id}:0")
            yield "hint"
        if stage.location is not None and position % 2 == 0:
            player.send_location(stage.location.lat, stage.location.lon, horizontal_accuracy=15)
            yield "pin"
        elif stage.location is not None:
            live = player.send_location(*GARE, live_period=900)
            yield "live start"
            player.move_live_location(
                live["message"]["message_id"],
                stage.location.lat,
                stage.location.lon,
                horizontal_accuracy=10,
            )
            yield "live arrival"
        else:
            assert stage.checkin_code is not None
            player.send_text(f"  {stage.checkin_code.lower()} ")
            yield "code"
        press(world, next_member(), f"begin:{stage_id}")
        yield "begin"
        for question in stage.questions:
            player = next_member()
            if wrong_left:
                wrong_left -= 1
                answer(world, player, question, wrong_answer(question))
                yield "wrong answer"
            answer(world, next_member(), question, right_answer(question, "fr", rally))
            yield "answer"


def expected_score(rally: Rally, position: int) -> int:
    scoring = rally.scoring
    total = -position * scoring.attempt_penalty
    for stage_id in route_for(rally, position):
        stage = rally.stage(stage_id)
        total += scoring.checkin_points + sum(q.points for q in stage.questions)
        if position >= 3 and stage.hints:
            penalty = stage.hints[0].penalty
            total -= scoring.hint_penalty if penalty is None else penalty
    return total


async def test_six_teams_play_the_whole_default_rally(world: World) -> None:
    rally = world.rally
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="fr")
    teams: list[list[SimulatedUser]] = []
    n = 0
    for position, size in enumerate(TEAM_SIZES):
        code = rally.teams[position].code
        members = []
        for _ in range(size):
            player = world.user(f"P{n}", TELEGRAM_LANGUAGES[n % len(TELEGRAM_LANGUAGES)])
            if n % 2:
                player.start(code)  # the team's QR code
            else:
                player.start()
                player.send_command("join", code.lower())
            members.append(player)
            n += 1
        teams.append(members)
    await world.settle()
    await accept_notices(world, *(player for members in teams for player in members))
    admin.send_command("go")
    await world.settle()

    plays = [team_actions(world, p, members) for p, members in enumerate(teams)]
    running = set(range(len(plays)))
    while running:
        for position in sorted(running):
            if next(plays[position], None) is None:
                running.discard(position)
        await world.settle()

    board = await world.application.bot_data.default.leaderboard.ranking()
    scores = {entry.standing.name: entry.standing.score for entry in board}
    for position in range(len(teams)):
        assert scores[rally.teams[position].name] == expected_score(rally, position)
    assert [entry.standing.name for entry in board] == [t.name for t in rally.teams]
    assert [entry.rank for entry in board] == [1, 2, 3, 4, 5, 6]

    for members in teams:
        for member in members:
            texts = "\n".join(world.texts(member))
            known = await world.application.bot_data.default.teams.find(member.id)
            # every member saw every clue in their language, whoever acted: the team kept step
            for stage in rally.stages:
                assert stage.clue[known.language] in texts, (member.user["first_name"], stage.id)
            assert "\U0001f389" in "".join(world.texts(member)[-2:])  # the finish
    failed = [call for call in world.api.calls if call.status not in (200, None)]
    assert failed == []
