"""A day under way, with the bot's web server (and so the dashboard) on a local port.

Six teams of the bundled rally, one player each, in as many languages; the admin started the
rally; every team has a position on the map:

- Puy de Dôme (Arabic) shared a position on its way to the tourist office (a code-word stage);
- Pariou and Gergovie checked in by location at the cathedral and Notre-Dame-du-Port;
- Volvic shared a position on its way to the tram;
- Sancy typed the code word of Place de Jaude and sent the photo of its mission;
- Montferrand shared a position on its way to the médiathèque, then pressed 🆘.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.telegram.webhook import WebServer, web_app
from loopback.users import SimulatedUser
from tests.bot.conftest import ADMIN_ID, DEFAULT_RALLY, ORGANISER_ID, World, open_world
from tests.bot.players import join
from tests.dashboard.launch import launch_data

PUBLIC_URL = "https://rallye.example.org"
PLAYERS = {  # team code: (name, language)
    "PUY63": ("Amina", "ar"),
    "PARU63": ("Claire", "fr"),
    "GERG63": ("Olena", "uk"),
    "VLVC63": ("Reza", "fa"),
    "SANCY63": ("Yonas", "en"),
    "MTFD63": ("Karim", "fr"),
}
ON_THE_WAY = {"PUY63": (45.7760, 3.0905), "VLVC63": (45.7808, 3.0830), "MTFD63": (45.7772, 3.0870)}
"""Between the stages: where the teams on their way send their position."""


@dataclass
class Day:
    """The running bot, its web server, the people of the day."""

    world: World
    url: str
    """The web server's root (the dashboard is at /dashboard/)."""
    organiser: SimulatedUser
    admin: SimulatedUser
    players: dict[str, SimulatedUser]
    """By team code."""

    def client(self) -> httpx.AsyncClient:
        """An HTTP client of the web server."""
        return httpx.AsyncClient(base_url=self.url, timeout=10)

    def launch(
        self, user_id: int = ORGANISER_ID, *, language: str = "fr", auth_date: float | None = None
    ) -> dict[str, str]:
        """The Authorization header of a Mini App opened by a user."""
        data = launch_data(user_id, language=language, auth_date=auth_date)
        return {"Authorization": f"tma {data}"}


async def play_the_morning(
    world: World,
) -> tuple[SimulatedUser, SimulatedUser, dict[str, SimulatedUser]]:
    """The day as the module's note tells it; (organiser, admin, players by team code)."""
    organiser = world.api.create_user("Nadia", user_id=ORGANISER_ID, language_code="fr")
    admin = world.api.create_user("Admin", user_id=ADMIN_ID, language_code="en")
    organiser.start()
    await world.settle()
    players = {}
    for code, (name, language) in PLAYERS.items():
        players[code] = world.user(name, language)
        await join(world, players[code], code)
    admin.send_command("go")
    await world.settle()
    rally = world.rally
    for code, (lat, lon) in ON_THE_WAY.items():
        players[code].send_location(lat, lon)
    for code, stage in (("PARU63", "cathedrale"), ("GERG63", "notre-dame-du-port")):
        location = rally.stage(stage).location
        assert location is not None
        players[code].send_location(location.lat, location.lon)
    players["SANCY63"].send_text("STATUE")
    await world.settle()
    players["SANCY63"].send_photo()
    players["MTFD63"].send_command("lost")
    await world.settle()
    return organiser, admin, players


@pytest.fixture
async def day(tmp_path: Path) -> AsyncIterator[Day]:
    async for world in open_world(
        tmp_path, "sqlite", DEFAULT_RALLY, settings={"rally_public_url": PUBLIC_URL}
    ):
        assert world.application is not None
        server = WebServer.bind("127.0.0.1", 0)
        await server.start(web_app(world.application))
        try:
            organiser, admin, players = await play_the_morning(world)
            yield Day(world, server.url, organiser, admin, players)
        finally:
            await server.stop()
