"""The day's clock: start and end times from the rally file, the reminder, idle-team alerts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.content import Rally
from bot.engine import RallyPhase
from tests.bot.conftest import DEFAULT_RALLY, ORGANISER_ID, World, open_world
from tests.clock import FakeClock
from tests.databases import BACKENDS


def timed(start: datetime, end: datetime) -> Rally:
    """The default rally with start and end times (naive: local time in Clermont)."""
    zone = DEFAULT_RALLY.rally.zone
    info = DEFAULT_RALLY.rally.model_copy(
        update={
            "starts_at": start.astimezone(zone).replace(tzinfo=None),
            "ends_at": end.astimezone(zone).replace(tzinfo=None),
        }
    )
    return DEFAULT_RALLY.model_copy(update={"rally": info})


@pytest.fixture(params=BACKENDS)
async def clocked(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    now = datetime.now(UTC).replace(microsecond=0)
    rally = timed(now + timedelta(hours=1), now + timedelta(hours=4))
    async for world in open_world(tmp_path, request.param, rally, FakeClock(now)):
        yield world


async def run_job(world: World, name: str) -> None:
    """Run a planned job now, as the job queue would at its time."""
    assert world.application is not None
    queue = world.application.job_queue
    assert queue is not None
    [job] = queue.get_jobs_by_name(f"{world.rally.id}:{name}")
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
    assert planned(world) == ["end-reminder", "finish", "idle-teams", "start"]
    amina = world.user("Amina", "en")
    amina.start("PUY63")
    await world.settle()
    await run_job(world, "start")
    assert await world.application.bot_data.default.timeline.phase() is RallyPhase.RUNNING
    assert "Stage 1 of 8" in world.texts(amina)[-1]

    await world.restart()  # jobs live in memory: rebuilt from the file and the stored phase
    assert planned(world) == ["end-reminder", "finish", "idle-teams"]

    await run_job(world, "end-reminder")
    await world.api.wait_for(lambda: "ends in 15 minutes" in world.texts(amina)[-1], timeout=10)
    await run_job(world, "finish")
    assert await world.application.bot_data.default.timeline.phase() is RallyPhase.FINISHED
    await world.api.wait_for(
        lambda: world.texts(amina)[-1].startswith("🏁 The rally is over!"), timeout=10
    )
    await world.restart()
    assert planned(world) == ["idle-teams"]


async def test_organisers_hear_once_about_a_stuck_team(clocked: World) -> None:
    world = clocked
    organiser = world.api.create_user("Orga", user_id=ORGANISER_ID, language_code="en")
    organiser.start()
    amina = world.user("Amina", "en")
    amina.start("PUY63")
    await world.settle()
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
