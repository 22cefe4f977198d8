"""The offline demo from the staff's chair: simulated teams play, the person at the keyboard
follows them, reviews their photo, exports the day and opens the dashboard."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bot.core.rally_file import load_rally
from tests.demo_session import ROOT, demo_session

RALLY = load_rally(ROOT / "data" / "stages.yaml")
TEAMS = {team.name: team.code for team in RALLY.teams}
STAGE_NAMES = [stage.name.get("en") or stage.name["fr"] for stage in RALLY.stages]
FAST = ("--pace", "0.2")
"""The simulated day five times faster: the teams set off within two seconds."""
LINK = re.compile(r"http://127\.0\.0\.1:\d+/dashboard/login\?t=[\w-]+")
PHOTO_WRITTEN = re.compile(r"📎 \(a photo, \d+ bytes, written to (?P<path>\S+)\)")
FILE_WRITTEN = re.compile(
    r"📎 \((?P<name>[\w.-]+), (?P<size>\d+) bytes, written to (?P<path>\S+)\)"
)


def team_with(intro: str, quirk: str) -> str:
    """The team the introduction says has this quirk."""
    found = re.search(rf"^  (?P<name>.+) \([A-Z0-9]+\): .*{re.escape(quirk)}", intro, re.MULTILINE)
    assert found is not None, intro
    return found["name"]


async def test_the_organiser_follows_the_teams_and_hears_the_lost_one(tmp_path: Path) -> None:
    files = tmp_path / "files"
    async with demo_session(tmp_path, "--as", "organiser", *FAST, "--files", str(files)) as demo:
        intro = await demo.read_until_prompt()
        assert "you are Sam, an organiser of the rally" in intro  # the login name, made a name
        assert all(f"{name} ({code})" in intro for name, code in TEAMS.items())
        lost = team_with(intro, "will get lost")

        alert = await demo.read_until(
            r"🆘 Team (?P<team>.+) asks for help\n(?:.+\n)*?.*Last position sent: 45\.\d+, 3\.\d+"
        )
        assert alert["team"] == lost  # and where to look for them
        await demo.read_until(r"📍 \(a map pin: 45\.\d+, 3\.\d+")  # and it on a map
        await demo.read_until(r"· ✅ .+ checked in at ")

        progress = await demo.type("/progress")
        assert "🗺 Teams" in progress
        lines = {
            name: line
            for name, code in TEAMS.items()
            for line in progress.splitlines()
            if line.lstrip(" ⚠️").startswith(f"{name} ({code}): ")
        }
        assert set(lines) == set(TEAMS), progress  # every team has its line
        moved = [
            line
            for line in lines.values()
            if any(stage in line for stage in STAGE_NAMES) and re.search(r" [1-9]\d* points", line)
        ]
        assert moved, progress  # someone checked in at a stage and scored


async def test_the_photo_team_s_photo_is_approved_from_the_terminal(tmp_path: Path) -> None:
    files = tmp_path / "files"
    args = ("--as", "organiser", *FAST, "--files", str(files), "--name", "Nour")
    async with demo_session(tmp_path, *args) as demo:
        intro = await demo.read_until_prompt()
        assert "you are Nour, an organiser" in intro
        assert "\nNour > " in intro  # the prompt (the teams' lines may follow it)
        photographer = team_with(intro, "will send its team photo")

        await demo.read_until(rf"📸 Team {re.escape(photographer)}: ")  # it came by itself
        written = await demo.read_until(PHOTO_WRITTEN.pattern)
        image = await asyncio.to_thread(Path(written["path"]).read_bytes)
        assert image[:2] == b"\xff\xd8"  # a JPEG, as Telegram sends photos
        assert Path(written["path"]).parent == files

        waiting = await demo.type("/photos")
        assert f"📸 Team {photographer}: " in waiting
        assert "[1] ✅ Approve (+15)" in waiting
        assert "[2] ❌ Reject" in waiting
        assert "💬 Approved." in await demo.type("1")
        assert "No photo is waiting for review." in await demo.type("/photos")


async def test_the_admin_exports_the_day_and_reads_the_scores(tmp_path: Path) -> None:
    files = tmp_path / "files"
    async with demo_session(tmp_path, "--as", "admin", *FAST, "--files", str(files)) as demo:
        intro = await demo.read_until_prompt()
        assert "you are Sam, an admin of the rally" in intro
        assert f"written to {files}/" in intro
        await demo.read_until(r"· ✅ .+ checked in at ")

        scores = await demo.type("/scores")
        assert "🏆 Leaderboard" in scores
        assert all(re.search(rf"\d\. {re.escape(name)}: \d+ points", scores) for name in TEAMS)

        exported = await demo.type("/export")
        written = {found["name"]: found for found in FILE_WRITTEN.finditer(exported)}
        assert set(written) == {"scores.csv", "checkins.csv", "answers.csv"}, exported
        tables = {}
        for name, found in written.items():
            assert Path(found["path"]) == files / name
            data = await asyncio.to_thread((files / name).read_bytes)
            assert len(data) == int(found["size"]) > 0
            tables[name] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert {row["team"] for row in tables["scores.csv"]} == set(TEAMS)
        assert tables["checkins.csv"]  # the teams checked in while the admin watched


async def test_the_printed_link_opens_the_dashboard_once(tmp_path: Path) -> None:
    async with demo_session(tmp_path, "--as", "organiser", *FAST) as demo:
        intro = await demo.read_until_prompt()
        link = LINK.search(intro)
        assert link is not None, intro
        root = "{0.scheme}://{0.netloc}".format(urlsplit(link.group()))
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            opened = await client.get(link.group(), follow_redirects=False)
            assert opened.status_code == 303
            assert opened.headers["location"] == "/dashboard/"
            session = opened.cookies.get("rallye_session")
            assert session
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            state = await client.get(
                f"{root}/dashboard/api/state", headers={"Cookie": f"rallye_session={session}"}
            )
            assert state.status_code == 200
            assert {team["name"] for team in state.json()["teams"]} == set(TEAMS)
            assert (await client.get(link.group(), follow_redirects=False)).status_code == 401
            assert (await client.get(f"{root}/dashboard/api/state")).status_code == 401

            again = LINK.search(await demo.type("/web"))
            assert again is not None
            assert again.group() != link.group()
            assert (await client.get(again.group(), follow_redirects=False)).status_code == 303
