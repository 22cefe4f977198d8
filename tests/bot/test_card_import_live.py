"""`python -m bot cards import`, end to end: the sample annuaire's CPAM record imported into a
copy of the bundled rally, then that copy played through the real bot over the loopback Bot API,
on a fake clock: a clue sent while the CPAM is open says so, one sent after it closed says when
it opens again."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import cli
from bot.core.rally_file import load_rally
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, World, open_world
from tests.bot.players import join
from tests.clock import FakeClock
from tests.databases import BACKENDS
from tests.printing.reading import readable

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "data" / "annuaire-sample.json"
BUNDLED = ROOT / "data" / "stages.yaml"
CPAM_ID = "00000000-0000-4000-a000-000000000001"  # the sample's CPAM record, of three
ADDRESS = "Bâtiment Solaris, rue du Clos-Four, 63100 Clermont-Ferrand"
PHONE = "36 46"
WEBSITE = "https://www.ameli.fr/puy-de-dome"
OPEN = "🟢 Open now, until {time}."
CLOSED_TILL_TOMORROW = "🔴 Closed now, opens tomorrow at {time}."
MONDAY_3PM = datetime(2026, 10, 19, 13, 0, tzinfo=UTC)  # 15:00 in Paris (summer time)
MONDAY_5PM = datetime(2026, 10, 19, 15, 0, tzinfo=UTC)  # 17:00 in Paris: closed at 16:30


async def new_team(world: World, admin: SimulatedUser, name: str) -> str:
    """The admin creates a team with /newteam; its join code."""
    admin.send_command("newteam", name)
    await world.settle()
    created = world.texts(admin)[-1]
    assert created.startswith(f"✅ Team {name} created. Join code: "), created
    return created.split("Join code: ")[1].split("\n")[0]


def card_lines(world: World, user: SimulatedUser, since: int) -> list[str]:
    """The lines of the one message with a practical card the user got after `since`."""
    (clue,) = [text for text in world.new_texts(user, since) if "📋" in text]
    return [readable(line) for line in clue.splitlines()]


def french_says(world: World, message: str, **values: object) -> str:
    """An interface line as a French player reads it (the English msgid if not translated)."""
    return readable(world.says("fr", message, **values))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_an_imported_card_says_open_or_closed_in_the_live_bot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    copy = tmp_path / "stages.yaml"
    shutil.copy(BUNDLED, copy)
    arguments = ["cards", "import", str(SAMPLE), "--stage", "cpam", "--into", str(copy)]
    assert cli.main([*arguments, "--id", CPAM_ID]) == 0
    assert capsys.readouterr().out.startswith("cpam: ")
    rally = load_rally(copy)
    imported = rally.stage("cpam").card
    assert imported is not None
    assert (imported.address, imported.phone, imported.website) == (ADDRESS, PHONE, WEBSITE)
    # rotate: the team at position n starts at stage n; the six listed teams hold 0 to 5
    cpam_at = [stage.id for stage in rally.stages].index("cpam")
    assert cpam_at == len(rally.teams) + 1

    clock = FakeClock(MONDAY_3PM)
    async for world in open_world(tmp_path, backend, rally, clock):
        admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
        later = await new_team(world, admin, "Les Dômes")  # starts the stage before cpam
        first = await new_team(world, admin, "Lac Pavin")  # starts at cpam
        amina, rania = world.user("Amina", "fr"), world.user("Rania", "ar")
        chloe = world.user("Chloé", "fr")
        for player, code in ((amina, first), (rania, first), (chloe, later)):
            await join(world, player, code)
        seen = {name: len(world.texts(user)) for name, user in world.users.items()}

        admin.send_command("go")  # Monday 15:00 in Paris: the CPAM is open until 16:30
        await world.settle()
        french = card_lines(world, amina, seen["Amina"])
        text = "\n".join(french)
        assert rally.stage("cpam").clue["fr"] in text
        assert french_says(world, "📍 Address: {address}", address=ADDRESS) in french
        assert french_says(world, "☎️ Phone: {phone}", phone=PHONE) in french
        assert WEBSITE in text
        assert "• Lundi – vendredi : 08:30 – 12:00 et 13:30 – 16:30" in french  # Babel's French
        (status,) = [line for line in french if line.startswith(("🟢", "🔴"))]
        assert status == french_says(world, OPEN, time="16:30")
        assert "16:30" in status

        arabic = card_lines(world, rania, seen["Rania"])
        (status,) = [line for line in arabic if line.lstrip("\u200f").startswith(("🟢", "🔴"))]
        assert "4:30 م" in status  # Babel's Arabic: 16:30 on a 12-hour clock
        assert ADDRESS in "\n".join(arabic)
        assert PHONE in "\n".join(arabic)

        # 17:00: the other team is moved on to the CPAM, which has just closed
        clock.current = MONDAY_5PM
        since = len(world.texts(chloe))
        admin.send_command("skip", later)
        await world.settle()
        closed = card_lines(world, chloe, since)
        assert ADDRESS in "\n".join(closed)
        (status,) = [line for line in closed if line.startswith(("🟢", "🔴"))]
        assert status == french_says(world, CLOSED_TILL_TOMORROW, time="08:30")
        assert "Open now" not in "\n".join(closed)

        # a clue asked again with /clue says it too
        since = len(world.texts(amina))
        amina.send_command("clue")
        await world.settle()
        again = card_lines(world, amina, since)
        (status,) = [line for line in again if line.startswith(("🟢", "🔴"))]
        assert status == french_says(world, CLOSED_TILL_TOMORROW, time="08:30")
