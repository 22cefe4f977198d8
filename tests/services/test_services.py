"""The services over a real database: joining, starting, playing, concurrency, restarts."""

from __future__ import annotations

import asyncio

from bot.core.engine import (
    AdjustScore,
    Answer,
    AnswerJudged,
    AnswerRefused,
    Audience,
    BeginQuestions,
    CheckedIn,
    CheckInAtLocation,
    CheckInByOrganiser,
    CheckInWithCode,
    ClueGiven,
    QuestionAsked,
    RallyPhase,
    Refusal,
    Refused,
    TeamState,
)
from bot.core.phase import Move
from bot.services.base import Services
from bot.services.play import PlayService
from bot.services.teams import JoinStatus, TeamService
from bot.storage.models import AnswerRow, AuditRow, CheckinRow
from tests.services.conftest import ADMIN, App

AMINA, BILAL, CHLOE, DAWIT = 101, 102, 103, 104


async def join(app: App, user: int, code: str, lang: str | None = "fr"):
    """The player reads the information notice, then joins the team with this code."""
    await app.teams.acknowledge_notice(user, user, f"player{user}", lang)
    return await app.teams.join(user, user, f"player{user}", lang, code)


async def count(app: App, model: type) -> int:
    """How many check-ins, answers or audit entries the rally has stored."""
    async with app.uow() as uow:
        listing = {
            CheckinRow: uow.records.all_checkins,
            AnswerRow: uow.records.all_answers,
            AuditRow: uow.audit.list,
        }[model]
        return len(await listing("mini"))


async def test_teams_of_the_rally_file_are_stored_once(app: App) -> None:
    assert await app.teams.sync_from_file() == 0  # already there from the fixture
    teams = await app.teams.all_teams()
    assert [(t.name, t.code, t.position) for t in teams] == [
        ("Les Volcans", "VOLCANS", 0),
        ("Les Dômes", "DOMES", 1),
        ("Jaude", "JAUDE", 2),
    ]
    assert all(t.progress.state is TeamState.WAITING for t in teams)


async def test_a_player_first_seen_gets_their_telegram_language_or_the_default(app: App) -> None:
    assert (await app.teams.meet(AMINA, AMINA, "Amina", "ar")).language == "ar"
    assert (await app.teams.meet(BILAL, BILAL, "Bilal", "en-GB")).language == "en"
    assert (await app.teams.meet(CHLOE, CHLOE, "Chloé", "ti")).language == "fr"
    assert (await app.teams.set_language(CHLOE, "en")).language == "en"
    assert await app.teams.set_language(CHLOE, "xx") is None
    assert (await app.teams.find(CHLOE)).language == "en"


async def test_joining_with_a_code_in_any_case(app: App) -> None:
    result = await join(app, AMINA, "volcans")
    assert result.status is JoinStatus.JOINED
    assert result.team.name == "Les Volcans"
    assert [m.user_id for m in result.team.members] == [AMINA]
    again = await join(app, AMINA, " VOLCANS ")
    assert again.status is JoinStatus.ALREADY_MEMBER


async def test_nobody_joins_before_acknowledging_the_notice_and_the_code_waits_for_it(
    app: App,
) -> None:
    pending = await app.teams.join(AMINA, AMINA, "Amina", "fr", "volcans")
    assert pending.status is JoinStatus.NOTICE_PENDING
    assert pending.team is not None and pending.team.members == ()
    assert (await app.teams.find(AMINA)).team_id is None
    member, code = await app.teams.acknowledge_notice(AMINA, AMINA, "Amina", "fr")
    assert member.informed and code == "VOLCANS"
    # acknowledged once: the code is used once, the next code joins at once
    assert (await app.teams.acknowledge_notice(AMINA, AMINA, "Amina", "fr"))[1] is None
    joined = await app.teams.join(AMINA, AMINA, "Amina", "fr", code)
    assert joined.status is JoinStatus.JOINED
    async with app.uow() as uow:
        row = await uow.players.by_user("mini", AMINA)
        assert row is not None and row.notice_acknowledged_at is not None


async def test_a_wrong_code_changes_nothing(app: App) -> None:
    await join(app, AMINA, "VOLCANS")
    result = await join(app, AMINA, "NOPE42")
    assert result.status is JoinStatus.UNKNOWN_CODE
    assert (await app.teams.team_of(AMINA)).code == "VOLCANS"


async def test_switching_team_before_the_start_but_not_during_the_rally(app: App) -> None:
    await join(app, AMINA, "VOLCANS")
    switched = await join(app, AMINA, "DOMES")
    assert (switched.status, switched.previous_team) == (JoinStatus.SWITCHED, "Les Volcans")
    assert (await app.teams.team_by_code("VOLCANS")).members == ()
    await app.timeline.move(Move.START, ADMIN)
    refused = await join(app, AMINA, "JAUDE")
    assert refused.status is JoinStatus.SWITCH_REFUSED
    assert (await app.teams.team_of(AMINA)).code == "DOMES"


async def test_the_start_gives_every_team_the_first_clue_of_its_own_route(app: App) -> None:
    await join(app, AMINA, "VOLCANS")
    await join(app, BILAL, "DOMES")
    change = await app.timeline.move(Move.START, ADMIN)
    assert change.done and change.after is RallyPhase.RUNNING
    firsts = {o.team.code: o.events[0].stage_id for o in change.team_outcomes}
    assert firsts == {"VOLCANS": "cathedral", "DOMES": "cpam", "JAUDE": "jaude"}
    assert not (await app.timeline.move(Move.START, ADMIN)).done  # already running


async def test_a_team_joined_after_the_start_gets_its_clue_at_once(app: App) -> None:
    await app.timeline.move(Move.START, ADMIN)
    late = await app.teams.create_team("Retardataires", actor_user_id=ADMIN)
    assert late.progress.state is TeamState.EN_ROUTE
    result = await join(app, AMINA, late.code)
    assert result.status is JoinStatus.JOINED


async def test_actions_before_joining_a_team_are_refused(app: App) -> None:
    await app.teams.meet(AMINA, AMINA, "Amina", "ar")
    outcome = await app.play.act(AMINA, CheckInWithCode("Carte Vitale"))
    assert [e.reason for e in outcome.events] == [Refusal.NOT_IN_TEAM]


async def test_playing_a_stage_is_stored_and_told_to_the_whole_team(app: App) -> None:
    await join(app, AMINA, "DOMES")
    await join(app, BILAL, "DOMES")
    await app.timeline.move(Move.START, ADMIN)
    checked = await app.play.act(AMINA, CheckInWithCode("carte vitale"), update_id=1)
    assert [e.audience for e in checked.for_audience(Audience.TEAM)] == [Audience.TEAM]
    assert {m.user_id for m in checked.team.members} == {AMINA, BILAL}
    assert isinstance(checked.events[0], CheckedIn)
    begun = await app.play.act(BILAL, BeginQuestions(), update_id=2)
    assert isinstance(begun.events[0], QuestionAsked)
    judged = await app.play.act(BILAL, Answer(text="quinze"), update_id=3)
    assert judged.events[0].correct
    assert isinstance(judged.events[-1], ClueGiven)
    assert judged.progress.stage_id == "jaude"
    team = await app.teams.team_of(AMINA)
    assert (team.progress.score, team.progress.stage_id) == (20, "jaude")
    assert await count(app, CheckinRow) == 1
    assert await count(app, AnswerRow) == 1


async def test_a_refused_action_changes_nothing_stored(app: App) -> None:
    await join(app, AMINA, "VOLCANS")
    await app.timeline.move(Move.START, ADMIN)
    outcome = await app.play.act(AMINA, CheckInAtLocation(45.70, 3.00))
    assert outcome.events[0].reason is Refusal.TOO_FAR
    assert not outcome.changed
    assert await count(app, CheckinRow) == 0
    assert (await app.teams.team_of(AMINA)).progress.state is TeamState.EN_ROUTE


async def test_a_telegram_update_delivered_twice_is_handled_once(app: App) -> None:
    await join(app, AMINA, "DOMES")
    await app.timeline.move(Move.START, ADMIN)
    first = await app.play.act(AMINA, CheckInWithCode("carte vitale"), update_id=77)
    second = await app.play.act(AMINA, CheckInWithCode("carte vitale"), update_id=77)
    assert first.events and not first.duplicate
    assert second.duplicate and second.events == ()
    assert (await app.teams.team_of(AMINA)).progress.score == 10


async def test_two_members_answering_at_the_same_moment_score_once(app: App) -> None:
    await join(app, AMINA, "VOLCANS")
    await join(app, BILAL, "VOLCANS")
    await app.timeline.move(Move.START, ADMIN)
    await app.play.act(AMINA, CheckInAtLocation(45.77873, 3.08577, 10))
    await app.play.act(AMINA, BeginQuestions())
    press = Answer(choice=2, question_id="q-stone")
    results = await asyncio.gather(app.play.act(AMINA, press), app.play.act(BILAL, press))
    judged = [e for r in results for e in r.events if isinstance(e, AnswerJudged)]
    refused = [e for r in results for e in r.events if isinstance(e, AnswerRefused)]
    assert len(judged) == 1 and judged[0].correct
    assert [e.reason for e in refused] == [Refusal.STALE_QUESTION]
    assert (await app.teams.team_of(AMINA)).progress.score == 20
    assert await count(app, AnswerRow) == 1


async def test_many_concurrent_presses_still_score_once(app: App) -> None:
    for user in (AMINA, BILAL, CHLOE, DAWIT):
        await join(app, user, "VOLCANS")
    await app.timeline.move(Move.START, ADMIN)
    await app.play.act(AMINA, CheckInWithCode("Vercingetorix"))  # jaude's code: refused
    await app.play.act(AMINA, CheckInAtLocation(45.77873, 3.08577))
    await app.play.act(AMINA, BeginQuestions())
    wrong = [Answer(choice=n, question_id="q-stone") for n in (1, 3, 1, 3)]
    users = (AMINA, BILAL, CHLOE, DAWIT)
    results = await asyncio.gather(*(app.play.act(u, c) for u, c in zip(users, wrong, strict=True)))
    judged = [e for r in results for e in r.events if isinstance(e, AnswerJudged)]
    assert len(judged) == 2  # the two attempts, then the question is closed
    assert [j.closed for j in judged] == [False, True]
    async with app.uow() as uow:
        rows = await uow.records.answers((await app.teams.team_of(AMINA)).id)
    assert sorted(r.attempt_no for r in rows) == [1, 2]


async def test_an_answer_sent_before_the_pause_but_delivered_after_counts(app: App) -> None:
    await join(app, AMINA, "DOMES")
    await app.timeline.move(Move.START, ADMIN)
    await app.play.act(AMINA, CheckInWithCode("carte vitale"))
    await app.play.act(AMINA, BeginQuestions())
    written = app.clock()
    app.clock.advance(minutes=1)
    await app.timeline.move(Move.PAUSE, ADMIN)
    app.clock.advance(minutes=3)
    late = await app.play.act(AMINA, Answer(text="15"), at=written)
    assert late.events[0].correct
    now = await app.play.act(AMINA, CheckInWithCode("Vercingetorix"))
    assert [e.reason for e in now.events] == [Refusal.RALLY_PAUSED]


async def test_an_organiser_check_in_is_audited(app: App) -> None:
    await join(app, AMINA, "DOMES")
    await app.timeline.move(Move.START, ADMIN)
    team = await app.teams.team_by_code("domes")
    outcome = await app.play.act_for_team(
        team.id, CheckInByOrganiser("cpam"), actor_user_id=ADMIN, action="checkin"
    )
    assert outcome.progress.state is TeamState.CHECKED_IN
    wrong = await app.play.act_for_team(
        team.id, CheckInByOrganiser("cpam"), actor_user_id=ADMIN, action="checkin"
    )
    assert not wrong.changed and wrong.events[0].audience is Audience.ORGANISERS
    award = await app.play.act_for_team(
        team.id, AdjustScore(-3, "pushed in the queue"), actor_user_id=ADMIN, action="award"
    )
    assert award.progress.score == 7
    async with app.uow() as uow:
        log = await uow.audit.list("mini")
        awards = await uow.records.awards(team.id)
    assert [entry.action for entry in log] == ["start", "checkin", "award"]
    assert [(a.points, a.reason, a.actor_user_id) for a in awards] == [
        (-3, "pushed in the queue", ADMIN)
    ]
    assert await count(app, AuditRow) == 3


async def test_a_restart_resumes_every_team_where_it_was(app: App) -> None:
    await join(app, AMINA, "DOMES")
    await app.timeline.move(Move.START, ADMIN)
    await app.play.act(AMINA, CheckInWithCode("carte vitale"))
    await app.play.act(AMINA, BeginQuestions())
    # a new process: fresh services on the same database, nothing kept in memory
    restarted = Services(app.services.rally, app.services.new_uow, app.clock)
    assert await TeamService(restarted).sync_from_file() == 0
    outcome = await PlayService(restarted).act(AMINA, Answer(text="15"))
    assert outcome.events[0].correct
    assert outcome.progress.stage_id == "jaude"


async def test_the_leaderboard_ranks_by_points_then_finish_time(app: App) -> None:
    for user, code in ((AMINA, "VOLCANS"), (BILAL, "DOMES"), (CHLOE, "JAUDE")):
        await join(app, user, code)
    await app.timeline.move(Move.START, ADMIN)
    teams = {t.code: t for t in await app.teams.all_teams()}
    for code, points in (("VOLCANS", 5), ("DOMES", 5)):
        await app.play.act_for_team(
            teams[code].id, AdjustScore(points, "bonus"), actor_user_id=ADMIN, action="award"
        )
    ranking = await app.leaderboard.ranking()
    assert [(r.rank, r.standing.name) for r in ranking] == [
        (1, "Les Dômes"),
        (1, "Les Volcans"),
        (3, "Jaude"),
    ]


async def test_the_finish_closes_answers(app: App) -> None:
    await join(app, AMINA, "DOMES")
    await app.timeline.move(Move.START, ADMIN)
    app.clock.advance(minutes=1)
    change = await app.timeline.move(Move.FINISH, ADMIN)
    assert change.after is RallyPhase.FINISHED
    app.clock.advance(seconds=1)
    outcome = await app.play.act(AMINA, CheckInWithCode("carte vitale"))
    assert [e.reason for e in outcome.events if isinstance(e, Refused)] == [Refusal.RALLY_FINISHED]
    assert not (await app.timeline.move(Move.PAUSE, ADMIN)).done
