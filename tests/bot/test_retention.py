"""Storage limitation: once a rally's retention period is over, its personal data is gone.

Through the real Application over HTTP with a fake clock: a day with a check-in by location,
an award naming a player, a broadcast naming her; the rally finishes; the purge job leaves
everything in place until the retention period is over, then erases, and after it no table
holds the player's name, Telegram ids or position, while the scores stay.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main as cli_main
from bot.services.privacy import PurgeStatus
from bot.storage.models import Base, ProgressRow
from bot.telegram.context import Runtime
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, DEFAULT_RALLY, World, open_world
from tests.bot.players import accept_notices, checked_in_at_the_cathedral, finish
from tests.bot.test_bad_input import tap, team_card
from tests.bot.test_schedule import run_job
from tests.clock import FakeClock
from tests.databases import BACKENDS

NAME = "Zainabqx"


@pytest.fixture(params=BACKENDS)
async def clocked(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    now = datetime.now(UTC).replace(microsecond=0)
    async for world in open_world(tmp_path, request.param, DEFAULT_RALLY, FakeClock(now)):
        yield world


async def every_value(world: World) -> list[object]:
    """Every value of every column of every table, as stored."""
    assert world.application is not None
    engine = world.application.bot_data.engine
    assert engine is not None
    found: list[object] = []
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in (await connection.execute(select(table))).all():
                found.extend(row)
    return found


async def handled_marks_written(world: World) -> None:
    """The inbox's handled marks written now (the bot writes them in batches, every 0.25 s):
    the purge deletes handled updates, and leaves the ones not handled yet."""
    assert world.application is not None
    intake = world.application.bot_data.intake
    assert intake is not None
    await intake.flush()


def runtime(world: World) -> Runtime:
    """The world's rally, as the bot runs it."""
    assert world.application is not None
    return world.application.bot_data.default


def traces(values: list[object], player: SimulatedUser, lat: float, lon: float) -> Iterator[str]:
    """What, among the values, still leads back to the player or where she was."""
    for value in values:
        if value in (player.id, player.chat_id):
            yield f"her Telegram id {value}"
        if isinstance(value, float) and round(value, 5) in (round(lat, 5), round(lon, 5)):
            yield f"her position {value}"
        if NAME in str(value):
            yield f"her name in {str(value)[:80]!r}"


async def a_day(world: World) -> tuple[SimulatedUser, float, float]:
    """A finished day: Zainab checks in by location, an award and a broadcast name her."""
    zainab = world.api.create_user(NAME, language_code="en")
    admin, cathedral = await checked_in_at_the_cathedral(world, zainab)
    admin.send_command("award", f"PARU63 5 {NAME} helped another team")
    await world.settle()
    admin.send_command("broadcast", f"all {NAME}, your team is waited for at the town hall")
    await world.settle()
    await finish(world, admin)
    assert world.texts(zainab)[-1].startswith("🏁 The rally is over!")
    return zainab, cathedral.lat, cathedral.lon


async def test_the_personal_data_goes_when_the_retention_period_is_over(clocked: World) -> None:
    world = clocked
    zainab, lat, lon = await a_day(world)
    assert isinstance(world.clock, FakeClock)
    score = (await runtime(world).leaderboard.ranking())[0].standing.score
    before = list(traces(await every_value(world), zainab, lat, lon))
    assert any("Telegram id" in trace for trace in before)  # the scan sees what is kept
    assert any("position" in trace for trace in before)
    assert any("name" in trace for trace in before)

    world.clock.advance(days=29)
    await run_job(world, "purge")  # the job runs every hour: not yet
    assert list(traces(await every_value(world), zainab, lat, lon)) == before

    world.clock.advance(days=1, seconds=1)
    await handled_marks_written(world)  # as they are long before a real retention period ends
    await run_job(world, "purge")
    assert list(traces(await every_value(world), zainab, lat, lon)) == []
    ranking = await runtime(world).leaderboard.ranking()
    assert ranking[0].standing.score == score  # the anonymous figures stay
    assert (await runtime(world).privacy.purge()).status is PurgeStatus.ALREADY_PURGED


async def test_purging_by_hand_says_what_it_would_erase_then_erases_it(
    clocked: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = clocked
    zainab, lat, lon = await a_day(world)
    monkeypatch.setenv("DATABASE_URL", world.settings.database_url)
    monkeypatch.setenv("RALLY_FILE", str(DEFAULT_RALLY_FILE))
    before = list(traces(await every_value(world), zainab, lat, lon))

    assert await _cli(["purge"]) == 0  # the retention period is not over
    assert "kept until" in capsys.readouterr().out
    assert await _cli(["purge", "--rally", DEFAULT_RALLY.id, "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"{DEFAULT_RALLY.id}: would erase: 2 players,")
    assert list(traces(await every_value(world), zainab, lat, lon)) == before

    await handled_marks_written(world)
    assert await _cli(["purge", "--rally", DEFAULT_RALLY.id]) == 0
    assert capsys.readouterr().out.startswith(f"{DEFAULT_RALLY.id}: erased: 2 players,")
    assert list(traces(await every_value(world), zainab, lat, lon)) == []
    assert await _cli(["purge", "--rally", "no-such-rally"]) == 2


DEFAULT_RALLY_FILE = Path(__file__).resolve().parents[2] / "data" / "stages.yaml"


async def _cli(argv: list[str]) -> int:
    """`python -m bot ARGV` in this process (it runs its own event loop: in a thread)."""
    return await asyncio.to_thread(cli_main, argv)


async def test_a_player_erases_what_the_bot_keeps_about_her(clocked: World) -> None:
    world = clocked
    zainab = world.api.create_user(NAME, language_code="en")
    bilal = world.user("Bilal", "en")
    # a check-in: 10 points, her position
    _, cathedral = await checked_in_at_the_cathedral(world, zainab, bilal)
    score = await runtime(world).teams.team_of(bilal.id)
    assert score is not None and score.progress.score > 0
    before = list(traces(await every_value(world), zainab, cathedral.lat, cathedral.lon))
    assert before

    zainab.send_command("forget")
    await world.settle()
    assert world.texts(zainab)[-1].startswith("This erases what the bot keeps about you")
    pressed = tap(world, zainab, "forget:no")
    await world.settle()
    assert world.api.callback_query(pressed.query_id).answer_text == "OK, nothing was erased."
    kept = list(traces(await every_value(world), zainab, cathedral.lat, cathedral.lon))
    assert set(before) <= set(kept)  # all still there (and her two new updates in the inbox)
    member = await runtime(world).teams.find(zainab.id)
    assert member is not None and member.name == NAME

    zainab.send_command("forget")
    await world.settle()
    tap(world, zainab, "forget:yes")
    await world.settle()
    assert world.texts(zainab)[-1].startswith("Done: what the bot kept about you is erased.")
    left = list(traces(await every_value(world), zainab, cathedral.lat, cathedral.lon))
    assert left == []
    team = await runtime(world).teams.team_of(bilal.id)
    assert team is not None
    assert team.progress.score == score.progress.score  # her check-in still counts
    assert [member.name for member in team.members] == ["Bilal"]
    assert NAME not in await team_card(world, bilal)


async def last_positions(world: World) -> list[tuple[float | None, float | None]]:
    """Every team's last shared position, as stored."""
    assert world.application is not None
    engine = world.application.bot_data.engine
    assert engine is not None
    async with engine.connect() as connection:
        rows = await connection.execute(select(ProgressRow.last_lat, ProgressRow.last_lon))
        return [(lat, lon) for lat, lon in rows.all()]


async def test_a_position_is_kept_only_while_the_team_is_on_its_way(clocked: World) -> None:
    world = clocked
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    zainab = world.api.create_user(NAME, language_code="en")
    zainab.start("PARU63")
    await world.settle()
    await accept_notices(world, zainab)
    somewhere = (45.7600, 3.1100)  # in town, far from every stage
    zainab.send_location(*somewhere)  # before the start: not kept
    await world.settle()
    assert somewhere not in await last_positions(world)

    admin.send_command("go")
    await world.settle()
    zainab.send_location(*somewhere)  # on its way, too far: kept for the 🆘 alert
    await world.settle()
    assert somewhere in await last_positions(world)
    zainab.send_text("VICTOIRE")  # checked in at the cathedral by its code word: not on its way
    await world.settle()
    assert world.texts(zainab)[-1].startswith("✅ You are at")
    assert somewhere not in await last_positions(world)

    tap(world, zainab, "begin:cathedrale")
    await world.settle()
    admin.send_command("skip", "PARU63")  # on its way to the next stage
    await world.settle()
    zainab.send_location(*somewhere)
    await world.settle()
    assert somewhere in await last_positions(world)
    await finish(world, admin)
    assert all(position == (None, None) for position in await last_positions(world))
