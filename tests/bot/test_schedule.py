"""The day's clock: start and end times from the rally file, the reminder, idle-team alerts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import JobQueue

from bot.core.content import Rally
from bot.core.engine import RallyPhase
from tests.bot.conftest import DEFAULT_RALLY, ORGANISER_ID, World, open_world
from tests.bot.players import accept_notices
from tests.bot.test_several_rallies import SECOND
from tests.clock import FakeClock
from tests.databases import BACKENDS


def timed(start: datetime, end: datetime, rally: Rally = DEFAULT_RALLY) -> Rally:
    """A rally (the default one) with start and end times (naive: local time in its city)."""
    zone = rally.rally.zone
    info = rally.rally.model_copy(
        update={
            "starts_at": start.astimezone(zone).replace(tzinfo=None),
            "ends_at": end.astimezone(zone).replace(tzinfo=None),
        }
    )
    return rally.model_copy(update={"rally": info})


@pytest.fixture(params=BACKENDS)
async def clocked(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    now = datetime.now(UTC).replace(microsecond=0)
    rally = timed(now + timedelta(hours=1), now + timedelta(hours=4))
    async for world in open_world(tmp_path, request.param, rally, FakeClock(now)):
        yield world


async def run_job(world: World, name: str, rally: Rally | None = None) -> None:
    """Run a planned job of a rally (the world's) now, as the job queue would at its time."""
    assert world.application is not None
    queue = world.application.job_queue
    assert queue is not None
    [job] = queue.get_jobs_by_name(f"{(rally or world.rally).id}:{name}")
    await job.run(world.application)
    await world.settle()


def planned(world: World) -> list[str]:
    assert world.application is not None
    queue = world.application.job_queue
    assert queue is not None
    prefix = f"{world.rally.id}:"
    names = [job.name or "" for job in queue.jobs()]
    assert all(name.startswith(prefix) for name in names), names
    return sorted(name.removeprefix(prefix) for name in names)


async def test_the_schedule_starts_reminds_and_finishes_and_survives_a_restart(
    clocked: World,
) -> None:
    world = clocked
    assert planned(world) == ["end-reminder", "finish", "idle-teams", "purge", "start"]
    amina = world.user("Amina", "en")
    amina.start("PUY63")
    await world.settle()
    await accept_notices(world, amina)
    await run_job(world, "start")
    assert await world.application.bot_data.default.timeline.phase() is RallyPhase.RUNNING
    assert "Stage 1 of 8" in world.texts(amina)[-1]

    await world.restart()  # jobs live in memory: rebuilt from the file and the stored phase
    assert planned(world) == ["end-reminder", "finish", "idle-teams", "purge"]

    await run_job(world, "end-reminder")
    await world.api.wait_for(lambda: "ends in 15 minutes" in world.texts(amina)[-1], timeout=10)
    await run_job(world, "finish")
    assert await world.application.bot_data.default.timeline.phase() is RallyPhase.FINISHED
    await world.api.wait_for(
        lambda: world.texts(amina)[-1].startswith("🏁 The rally is over!"), timeout=10
    )
    await world.restart()
    assert planned(world) == ["idle-teams", "purge"]


async def test_organisers_hear_once_about_a_stuck_team(clocked: World) -> None:
    world = clocked
    organiser = world.api.create_user("Orga", user_id=ORGANISER_ID, language_code="en")
    organiser.start()
    amina = world.user("Amina", "en")
    amina.start("PUY63")
    await world.settle()
    await accept_notices(world, amina)
    await run_job(world, "start")
    assert isinstance(world.clock, FakeClock)
    world.clock.advance(minutes=world.rally.rally.idle_alert_minutes + 5)
    before = len(world.texts(organiser))
    await run_job(world, "idle-teams")
    alerts = world.texts(organiser)[before:]
    assert len(alerts) == 6  # every team is idle since the start
    assert any(a.startswith("⚠️ Team Puy de Dôme has not moved for 25 minutes") for a in alerts)
    await run_job(world, "idle-teams")
    assert len(world.texts(organiser)) == before + 6  # told once per idle spell

    amina.send_text("bienvenue")  # Puy de Dôme moves on, then stalls again
    await world.settle()
    world.clock.advance(minutes=world.rally.rally.idle_alert_minutes + 1)
    await run_job(world, "idle-teams")
    again = world.texts(organiser)[before + 6 :]
    assert [a.split(" has not")[0] for a in again] == ["⚠️ Team Puy de Dôme"]

    organiser.send_command("progress")
    await world.settle()
    report = world.texts(organiser)[-1]
    assert report.startswith("🗺 Teams")
    assert "⚠️ Puy de Dôme (PUY63): stage 1/8, arrived at" in report
    assert "6 teams have not moved for 20 minutes or more." in report


async def phase_of(world: World, rally: Rally) -> RallyPhase:
    assert world.application is not None
    return await world.application.bot_data.rallies[rally.id].timeline.phase()


NOW = datetime.now(UTC).replace(microsecond=0)
CLERMONT_DAY = timed(NOW + timedelta(hours=2), NOW + timedelta(hours=6))
SECOND_DAY = timed(NOW + timedelta(hours=1), NOW + timedelta(hours=3), SECOND)


@pytest.fixture(params=BACKENDS)
async def two_days(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    """One bot running Clermont's rally and the second city's, each with its own times."""
    clock = FakeClock(NOW)
    async for world in open_world(tmp_path, request.param, CLERMONT_DAY, clock, (SECOND_DAY,)):
        yield world


async def test_two_rallies_of_one_bot_keep_their_own_day(two_days: World) -> None:
    world, clermont, second = two_days, CLERMONT_DAY, SECOND_DAY
    day = ["end-reminder", "finish", "idle-teams", "purge", "start"]
    assert sorted(job.name or "" for job in queue_of(world).jobs()) == sorted(
        f"{rally.id}:{name}" for rally in (clermont, second) for name in day
    )
    starts = {job.name: job.next_t for job in queue_of(world).jobs()}
    second_start, clermont_start = starts[f"{second.id}:start"], starts[f"{clermont.id}:start"]
    assert second_start is not None and clermont_start is not None
    assert second_start < clermont_start  # each at its own time

    amina, pierre = world.user("Amina", "en"), world.user("Pierre", "en")
    amina.start("PUY63")
    pierre.start("PONTS7")
    await world.settle()
    await accept_notices(world, amina, pierre)
    seen = len(world.texts(amina))

    await run_job(world, "start", second)  # the second city starts first
    assert await phase_of(world, second) is RallyPhase.RUNNING
    assert await phase_of(world, clermont) is not RallyPhase.RUNNING
    assert "Stage 1 of 2" in world.texts(pierre)[-1]
    assert len(world.texts(amina)) == seen  # Clermont's players still wait

    await run_job(world, "start", clermont)
    assert "Stage 1 of 8" in world.texts(amina)[-1]

    await run_job(world, "finish", second)
    assert await phase_of(world, second) is RallyPhase.FINISHED
    assert await phase_of(world, clermont) is RallyPhase.RUNNING
    await world.api.wait_for(
        lambda: world.texts(pierre)[-1].startswith("🏁 The rally is over!"), timeout=10
    )
    assert not any(text.startswith("🏁 The rally is over!") for text in world.texts(amina))

    await world.restart()  # each rally's jobs rebuilt from its file and its stored phase
    assert sorted(job.name or "" for job in queue_of(world).jobs()) == sorted(
        [f"{clermont.id}:end-reminder", f"{clermont.id}:finish"]
        + [f"{rally.id}:{job}" for rally in (clermont, second) for job in ("idle-teams", "purge")]
    )


def queue_of(world: World) -> JobQueue[Any]:
    assert world.application is not None
    queue = world.application.job_queue
    assert queue is not None
    return queue
