"""What the repositories store is what the bot reads back, and what must be unique stays so."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.errors import ConcurrentChange
from bot.storage.models import RallyRow
from bot.storage.uow import SqlUnitOfWork
from tests.storage.conftest import START, Rally, minutes, new_progress


async def test_teams_players_and_progress_read_back_as_stored(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        await uow.progress.add(new_progress(rally.id, rally.team_a))
        await uow.commit()

    async with uow:
        team = await uow.teams.get(rally.team_a)
        player = await uow.players.get(rally.player)
        progress = await uow.progress.get(rally.team_a)

    assert team is not None
    assert (team.rally_id, team.name, team.code, team.position) == ("spring", "Foxes", "FOX-1", 0)
    assert team.created_at == minutes(1)
    assert player is not None
    assert (player.telegram_user_id, player.chat_id, player.display_name, player.language) == (
        1001,
        1001,
        "Amina",
        "ar",
    )
    assert (player.team_id, player.reachable, player.joined_at) == (rally.team_a, True, minutes(3))
    assert progress is not None
    assert progress.route == ["market", "library", "park"]
    assert (progress.state, progress.stage_index, progress.score, progress.version) == (
        "travelling",
        0,
        0,
        1,
    )
    assert progress.started_at == START
    assert progress.finished_at is None


async def test_progress_changes_are_stored_and_bump_the_version(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        await uow.progress.add(new_progress(rally.id, rally.team_a))
        await uow.commit()

    async with uow:
        progress = await uow.progress.get_for_update(rally.team_a)
        assert progress is not None
        progress.route = ["market", "park"]
        progress.stage_index = 1
        progress.score = 15
        progress.last_lat, progress.last_lon = 52.52, 13.405
        progress.last_activity_at = minutes(20)
        await uow.commit()

    async with uow:
        stored = await uow.progress.list(rally.id)
    assert [(p.team_id, p.route, p.stage_index, p.score, p.version) for p in stored] == [
        (rally.team_a, ["market", "park"], 1, 15, 2)
    ]
    assert (stored[0].last_lat, stored[0].last_lon) == (52.52, 13.405)
    assert stored[0].last_activity_at == minutes(20)


async def test_times_come_back_as_utc_whatever_zone_they_were_given_in(
    uow: SqlUnitOfWork, rally: Rally
):
    berlin_summer = timezone(timedelta(hours=2))
    async with uow:
        award = await uow.records.add_award(
            rally_id=rally.id,
            team_id=rally.team_a,
            points=5,
            reason="helped another team",
            actor_user_id=9,
            at=datetime(2025, 6, 14, 12, 30, tzinfo=berlin_summer),
        )
        await uow.commit()

    async with uow:
        (stored,) = await uow.records.awards(rally.team_a)
    assert stored.id == award.id
    assert stored.at == datetime(2025, 6, 14, 10, 30, tzinfo=UTC)
    assert stored.at.utcoffset() == timedelta(0)


async def test_a_naive_time_is_refused(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        with pytest.raises(StatementError, match="naive datetime"):
            await uow.audit.log(rally.id, 9, "start", {}, at=datetime(2025, 6, 14, 9, 0))


async def test_join_codes_are_found_in_any_letter_case(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        lower = await uow.teams.by_code(rally.id, "fox-1")
        upper = await uow.teams.by_code(rally.id, "FOX-1")
        mixed = await uow.teams.by_code(rally.id, "Owl-2")
        other_rally = await uow.teams.by_code("autumn", "fox-1")
        unknown = await uow.teams.by_code(rally.id, "cat-3")

    assert lower is not None
    assert upper is not None
    assert mixed is not None
    assert (lower.id, upper.id, mixed.id) == (rally.team_a, rally.team_a, rally.team_b)
    assert other_rally is None
    assert unknown is None


async def test_a_join_code_cannot_be_given_to_two_teams_in_any_case(
    uow: SqlUnitOfWork, rally: Rally
):
    async with uow:
        with pytest.raises(ConcurrentChange):
            await uow.teams.add(rally.id, "Badgers", "Fox-1", 2, at=minutes(5))


async def test_team_names_and_positions_are_unique_within_a_rally_only(
    uow: SqlUnitOfWork, rally: Rally
):
    async with uow:
        with pytest.raises(ConcurrentChange):
            await uow.teams.add(rally.id, "Foxes", "fox-9", 2, at=minutes(5))
    async with uow:
        with pytest.raises(ConcurrentChange):
            await uow.teams.add(rally.id, "Badgers", "bad-3", 1, at=minutes(5))
    async with uow:
        await uow.rallies.ensure("autumn", at=minutes(5))
        other = await uow.teams.add("autumn", "Foxes", "fox-1", 0, at=minutes(5))
        await uow.commit()
    assert other.code == "FOX-1"


async def test_teams_are_listed_by_position_and_numbered_on(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        assert await uow.teams.next_position("autumn") == 0
        assert await uow.teams.next_position(rally.id) == 2
        await uow.teams.add(rally.id, "Badgers", "bad-3", 2, at=minutes(5))
        teams = await uow.teams.list(rally.id)
        by_name = await uow.teams.by_name(rally.id, "Owls")

    assert [(t.position, t.name) for t in teams] == [(0, "Foxes"), (1, "Owls"), (2, "Badgers")]
    assert by_name is not None
    assert by_name.id == rally.team_b


async def test_players_are_found_by_telegram_user_and_listed_by_join_time(
    uow: SqlUnitOfWork, rally: Rally
):
    async with uow:
        early = await uow.players.add(
            rally.id,
            1002,
            1002,
            "Bilal",
            "uk",
            at=minutes(1),
            team_id=rally.team_a,
            joined_at=minutes(1),
        )
        away = await uow.players.add(rally.id, 1003, 1003, "Chen", "de", at=minutes(4))
        away.reachable = False
        await uow.commit()

    async with uow:
        found = await uow.players.by_user(rally.id, 1002)
        elsewhere = await uow.players.by_user("autumn", 1002)
        members = await uow.players.members(rally.team_a)
        everyone = await uow.players.list(rally.id)
        reachable = await uow.players.reachable(rally.id)

    assert found is not None
    assert found.id == early.id
    assert elsewhere is None
    assert [p.display_name for p in members] == ["Bilal", "Amina"]
    assert [p.display_name for p in everyone] == ["Amina", "Bilal", "Chen"]
    assert [p.display_name for p in reachable] == ["Amina", "Bilal"]


async def test_the_members_of_every_team_come_in_one_read_in_join_order(
    uow: SqlUnitOfWork, rally: Rally
):
    async with uow:
        await uow.players.add(
            rally.id,
            1002,
            1002,
            "Bilal",
            "uk",
            at=minutes(1),
            team_id=rally.team_a,
            joined_at=minutes(1),
        )
        await uow.players.add(
            rally.id,
            1004,
            1004,
            "Dana",
            "fr",
            at=minutes(5),
            team_id=rally.team_b,
            joined_at=minutes(5),
        )
        await uow.players.add(rally.id, 1003, 1003, "Chen", "de", at=minutes(4))  # no team
        await uow.rallies.ensure("autumn", at=START)
        other = await uow.teams.add("autumn", "Bears", "bear-3", 0, at=minutes(1))
        await uow.players.add(
            "autumn",
            1005,
            1005,
            "Eli",
            "en",
            at=minutes(2),
            team_id=other.id,
            joined_at=minutes(2),
        )
        await uow.commit()

    async with uow:
        teams = await uow.players.members_by_team(rally.id)
        one_by_one = {
            team: await uow.players.members(team) for team in (rally.team_a, rally.team_b)
        }

    named = {team: [p.display_name for p in rows] for team, rows in teams.items()}
    assert named == {rally.team_a: ["Bilal", "Amina"], rally.team_b: ["Dana"]}
    assert {team: [p.id for p in rows] for team, rows in teams.items()} == {
        team: [p.id for p in rows] for team, rows in one_by_one.items()
    }


async def test_a_telegram_user_is_one_player_per_rally(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        with pytest.raises(ConcurrentChange):
            await uow.players.add(rally.id, 1001, 1001, "Amina again", "ar", at=minutes(9))
    async with uow:
        await uow.rallies.ensure("autumn", at=minutes(9))
        await uow.players.add("autumn", 1001, 1001, "Amina", "ar", at=minutes(9))
        await uow.commit()


async def test_a_stage_is_checked_in_once_per_team(uow: SqlUnitOfWork, rally: Rally):
    async def check_in(team_id: int, at: datetime) -> None:
        await uow.records.add_checkin(
            rally_id=rally.id,
            team_id=team_id,
            stage_id="market",
            player_id=rally.player,
            method="location",
            points=10,
            at=at,
            lat=52.52,
            lon=13.405,
            accuracy_m=12.0,
            distance_m=30.5,
        )

    async with uow:
        await check_in(rally.team_a, minutes(10))
        await uow.commit()
    async with uow:
        with pytest.raises(ConcurrentChange):
            await check_in(rally.team_a, minutes(11))
    async with uow:
        await check_in(rally.team_b, minutes(12))
        await uow.commit()

    async with uow:
        team_a = await uow.records.checkins(rally.team_a)
        everything = await uow.records.all_checkins(rally.id)
    assert [(c.stage_id, c.at, c.points, c.method) for c in team_a] == [
        ("market", minutes(10), 10, "location")
    ]
    assert (team_a[0].lat, team_a[0].lon, team_a[0].accuracy_m, team_a[0].distance_m) == (
        52.52,
        13.405,
        12.0,
        30.5,
    )
    assert [c.team_id for c in everything] == [rally.team_a, rally.team_b]


async def test_each_attempt_at_a_question_is_recorded_once(uow: SqlUnitOfWork, rally: Rally):
    async def answer(attempt_no: int, given: str, correct: bool, at: datetime) -> None:
        await uow.records.add_answer(
            rally_id=rally.id,
            team_id=rally.team_a,
            stage_id="market",
            question_id="q-bread",
            player_id=rally.player,
            attempt_no=attempt_no,
            given=given,
            correct=correct,
            points=8 if correct else 0,
            at=at,
        )

    async with uow:
        await answer(1, "Brot", False, minutes(13))
        await uow.commit()
    async with uow:
        with pytest.raises(ConcurrentChange):
            await answer(1, "Brötchen", True, minutes(14))
    async with uow:
        await answer(2, "Brötchen", True, minutes(15))
        await uow.commit()

    async with uow:
        answers = await uow.records.answers(rally.team_a)
        everything = await uow.records.all_answers(rally.id)
    assert [(a.attempt_no, a.given, a.correct, a.points) for a in answers] == [
        (1, "Brot", False, 0),
        (2, "Brötchen", True, 8),
    ]
    assert [a.id for a in everything] == [a.id for a in answers]


async def test_a_hint_is_revealed_and_paid_for_once(uow: SqlUnitOfWork, rally: Rally):
    async def reveal(hint_index: int, at: datetime) -> None:
        await uow.records.add_hint(
            rally_id=rally.id,
            team_id=rally.team_a,
            stage_id="market",
            hint_index=hint_index,
            player_id=None,
            penalty=2,
            at=at,
        )

    async with uow:
        await reveal(0, minutes(16))
        await uow.commit()
    async with uow:
        with pytest.raises(ConcurrentChange):
            await reveal(0, minutes(17))
    async with uow:
        await reveal(1, minutes(18))
        await uow.commit()

    async with uow:
        hints = await uow.records.hints(rally.team_a)
        everything = await uow.records.all_hints(rally.id)
    assert [(h.hint_index, h.penalty, h.player_id) for h in hints] == [(0, 2, None), (1, 2, None)]
    assert len(everything) == 2


async def test_awards_may_take_points_away(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        await uow.records.add_award(
            rally_id=rally.id,
            team_id=rally.team_b,
            points=-3,
            reason="left the route",
            actor_user_id=9,
            at=minutes(30),
        )
        await uow.commit()
    async with uow:
        awards = await uow.records.all_awards(rally.id)
    assert [(a.team_id, a.points, a.reason, a.actor_user_id) for a in awards] == [
        (rally.team_b, -3, "left the route", 9)
    ]


async def test_a_missing_team_is_a_bug_not_a_concurrent_change(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        with pytest.raises(IntegrityError):
            await uow.players.add(rally.id, 1009, 1009, "Dana", "fa", at=minutes(1), team_id=999)


async def test_the_audit_log_keeps_details_in_time_order(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        await uow.audit.log(rally.id, 9, "award", {"team": "OWL-2", "points": -3}, at=minutes(30))
        await uow.audit.log(rally.id, 9, "start", {"note": "Los geht's! يلا"}, at=minutes(0))
        await uow.commit()
    async with uow:
        entries = await uow.audit.list(rally.id)
        other = await uow.audit.list("autumn")
    assert [(e.action, e.details, e.at) for e in entries] == [
        ("start", {"note": "Los geht's! يلا"}, minutes(0)),
        ("award", {"team": "OWL-2", "points": -3}, minutes(30)),
    ]
    assert other == []


async def test_an_update_is_claimed_once_per_rally(uow: SqlUnitOfWork, rally: Rally):
    async with uow:
        await uow.rallies.ensure("autumn", at=START)
        assert await uow.updates.claim(rally.id, 7_000_000_001, at=minutes(1)) is True
        assert await uow.updates.claim(rally.id, 7_000_000_001, at=minutes(1)) is False
        assert await uow.updates.claim("autumn", 7_000_000_001, at=minutes(1)) is True
        await uow.commit()
    async with uow:
        assert await uow.updates.claim(rally.id, 7_000_000_001, at=minutes(2)) is False
        assert await uow.updates.claim(rally.id, 7_000_000_002, at=minutes(2)) is True


async def test_a_claim_that_was_not_committed_can_be_claimed_again(
    uow: SqlUnitOfWork, rally: Rally
):
    async with uow:
        assert await uow.updates.claim(rally.id, 42, at=minutes(1)) is True
    async with uow:
        assert await uow.updates.claim(rally.id, 42, at=minutes(2)) is True


async def test_ensuring_a_rally_creates_a_draft_once_and_keeps_its_phase(uow: SqlUnitOfWork):
    async with uow:
        assert await uow.rallies.get("spring") is None
        created = await uow.rallies.ensure("spring", at=START)
        assert (created.phase, created.created_at) == ("draft", START)
        created.phase = "running"
        created.started_at = minutes(5)
        await uow.commit()

    async with uow:
        again = await uow.rallies.ensure("spring", at=minutes(60))
    assert (again.phase, again.created_at, again.started_at) == ("running", START, minutes(5))


async def test_two_processes_ensuring_the_same_rally_both_get_it(
    sessions: async_sessionmaker[AsyncSession],
):
    async def ensure(at: datetime) -> RallyRow:
        async with SqlUnitOfWork(sessions) as uow:
            row = await uow.rallies.ensure("spring", at=at)
            await uow.commit()
            return row

    first, second = await asyncio.gather(ensure(START), ensure(minutes(1)))

    assert first.id == second.id == "spring"
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(RallyRow)) == 1
