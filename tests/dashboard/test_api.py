"""The dashboard's API over HTTP, against the real bot and its loopback Telegram."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.telegram.buttons import DashboardLink
from bot.telegram.render.reply import plain
from tests.bot.conftest import ADMIN_ID, ORGANISER_ID
from tests.dashboard.conftest import PLAYERS, PUBLIC_URL, Day

pytestmark = pytest.mark.asyncio

STATE = "/dashboard/api/state"


def FRENCH_ERRORS(day: Day) -> set[str]:
    """What the organiser may be told, in French, of a refused broadcast."""
    assert day.world.application is not None
    tr = day.world.application.bot_data.default.catalogs.translator("fr")
    languages = ", ".join(day.world.rally.rally.languages)
    return {
        plain(tr._("There is no team with the code {code}.", code="NOPE")),
        plain(
            tr._(
                "{language} is not a language of this rally. Its languages: {languages}.",
                language="xx",
                languages=languages,
            )
        ),
        plain(tr._("This request was not understood: reload the page and try again.")),
        plain(tr._("Write the message first.")),
    }


async def test_the_state_shows_every_team_where_the_bot_keeps_it(day: Day) -> None:
    async with day.client() as client:
        answer = await client.get(STATE, headers=day.launch())
    assert answer.status_code == 200
    state = answer.json()
    assert state["rally"] == {
        "id": "clermont-ferrand",
        "title": day.world.rally.rally.title["fr"],  # the organiser reads French
        "phase": "running",
    }
    assert {stage["id"] for stage in state["stages"]} == {s.id for s in day.world.rally.stages}
    teams = {team["code"]: team for team in state["teams"]}
    assert set(teams) == set(PLAYERS)
    assert all(team["position"] is not None for team in teams.values())
    cathedral = day.world.rally.stage("cathedrale").location
    assert cathedral is not None
    assert teams["PARU63"]["state"] == "checked_in"
    assert teams["PARU63"]["stage"] == "cathedrale"
    assert (teams["PARU63"]["position"]["lat"], teams["PARU63"]["position"]["lon"]) == (
        cathedral.lat,
        cathedral.lon,
    )
    assert teams["PUY63"]["state"] == "en_route"
    assert teams["PUY63"]["members"] == ["Amina"]
    assert teams["MTFD63"]["lost"] is True
    assert [a["team"] for a in state["alerts"] if a["kind"] == "lost"] == ["MTFD63"]
    assert state["photos_pending"] == 1
    assert [photo["team"] for photo in state["photos"]] == ["SANCY63"]
    assert {entry["code"] for entry in state["leaderboard"]} == set(teams)
    ranks = [entry["rank"] for entry in state["leaderboard"]]
    assert ranks == sorted(ranks)
    assert {a["key"] for a in state["announcements"]} == set(day.world.rally.announcements)
    assert state["map"]["tiles"].startswith("https://tile.openstreetmap.org/")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "tma query_id=1&user=%7B%22id%22%3A9002%7D&auth_date=1&hash=00"},
        {"Authorization": "Bearer not-a-session"},
        {"Authorization": "Basic bmFkaWE6c2VjcmV0"},
    ],
    ids=["none", "forged", "made-up session", "another scheme"],
)
async def test_no_valid_launch_data_is_401(day: Day, headers: dict[str, str]) -> None:
    async with day.client() as client:
        answer = await client.get(STATE, headers=headers)
        session = await client.post("/dashboard/api/session", headers=headers)
    assert answer.status_code == 401
    assert session.status_code == 401
    assert "teams" not in answer.text


async def test_expired_launch_data_are_401(day: Day) -> None:
    yesterday = time.time() - 25 * 3600
    async with day.client() as client:
        answer = await client.get(STATE, headers=day.launch(auth_date=yesterday))
    assert answer.status_code == 401


async def test_a_player_with_valid_launch_data_is_403(day: Day) -> None:
    player = day.players["PUY63"]
    async with day.client() as client:
        answer = await client.get(STATE, headers=day.launch(player.id))
        photo = await client.post(
            "/dashboard/api/photos/1", json={"approve": True}, headers=day.launch(player.id)
        )
    assert answer.status_code == 403
    assert photo.status_code == 403
    assert "Amina" not in answer.text


async def test_launch_data_are_exchanged_for_a_session_that_lasts_the_day(day: Day) -> None:
    async with day.client() as client:
        opened = await client.post("/dashboard/api/session", headers=day.launch())
        assert opened.status_code == 200
        token = opened.json()["token"]
        assert opened.cookies.get("rallye_session") == token
        state = await client.get(STATE, headers={"Authorization": f"Bearer {token}"})
    assert state.status_code == 200
    assert len(state.json()["teams"]) == len(PLAYERS)


async def test_a_photo_approved_on_the_dashboard_is_told_to_the_team(day: Day) -> None:
    sancy = day.players["SANCY63"]
    seen = len(day.world.texts(sancy))
    async with day.client() as client:
        state = (await client.get(STATE, headers=day.launch())).json()
        photo_id = state["photos"][0]["id"]
        image = await client.get(f"/dashboard/api/photos/{photo_id}/image", headers=day.launch())
        approved = await client.post(
            f"/dashboard/api/photos/{photo_id}", json={"approve": True}, headers=day.launch()
        )
        again = await client.post(
            f"/dashboard/api/photos/{photo_id}", json={"approve": True}, headers=day.launch()
        )
        await day.world.settle()
        after = (await client.get(STATE, headers=day.launch())).json()
    assert image.status_code == 200
    assert image.content.startswith(b"\xff\xd8")  # the JPEG the player sent
    assert approved.status_code == 200
    assert approved.json()["done"] is True
    assert again.json()["done"] is False  # approved once: the points once
    told = day.world.new_texts(sancy, seen)
    assert any("📸" in text or "photo" in text.lower() for text in told), told
    assert after["photos_pending"] == 0
    sancy_after = next(team for team in after["teams"] if team["code"] == "SANCY63")
    sancy_before = next(team for team in state["teams"] if team["code"] == "SANCY63")
    assert sancy_after["score"] > sancy_before["score"]


async def test_a_broadcast_from_the_dashboard_reaches_its_audience_once(day: Day) -> None:
    amina, claire = day.players["PUY63"], day.players["PARU63"]
    body = {
        "audience": "team:PUY63",
        "text": "Rendez-vous à 13 h place de Jaude",
        "request_id": "r-123456789",
    }
    async with day.client() as client:
        sent = await client.post("/dashboard/api/broadcast", json=body, headers=day.launch())
        again = await client.post("/dashboard/api/broadcast", json=body, headers=day.launch())
        await day.world.settle()
    assert sent.status_code == 200
    assert sent.json()["recipients"] == 1
    assert again.json().get("repeated") is True
    assert sum("Rendez-vous à 13 h" in text for text in day.world.texts(amina)) == 1
    assert not any("Rendez-vous à 13 h" in text for text in day.world.texts(claire))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"audience": "team:NOPE", "text": "Bonjour", "request_id": "r-000000001"}, 422),
        ({"audience": "lang:xx", "text": "Bonjour", "request_id": "r-000000002"}, 422),
        ({"audience": "everyone", "text": "Bonjour", "request_id": "r-000000003"}, 400),
        ({"audience": "all", "text": "", "request_id": "r-000000004"}, 422),
        ({"audience": "all", "text": "x" * 5000, "request_id": "r-000000005"}, 400),
        ({"audience": "all", "text": "Bonjour"}, 400),
    ],
    ids=["unknown team", "unknown language", "unknown audience", "empty", "too long", "no id"],
)
async def test_a_wrong_broadcast_says_why_in_french_and_sends_nothing(
    day: Day, body: dict[str, str], status: int
) -> None:
    before = len(day.world.api.calls_of("sendMessage"))
    async with day.client() as client:
        answer = await client.post("/dashboard/api/broadcast", json=body, headers=day.launch())
        await day.world.settle()
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error in FRENCH_ERRORS(day), error  # the organiser reads French
    assert len(day.world.api.calls_of("sendMessage")) == before


async def test_the_page_is_served_with_its_security_headers(day: Day) -> None:
    async with day.client() as client:
        redirect = await client.get("/dashboard?rally=clermont-ferrand")
        page = await client.get("/dashboard/")
        script = await client.get("/dashboard/app.js")
        leaflet = await client.get("/dashboard/vendor/leaflet/leaflet.js")
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "/dashboard/?rally=clermont-ferrand"
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors https://web.telegram.org" in policy
    assert "https://tile.openstreetmap.org" in policy  # the tiles, and no other host
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text  # no inline script
    assert script.status_code == 200
    assert leaflet.status_code == 200  # served by the bot, not a CDN


async def test_dashboard_opens_the_mini_app_and_a_one_time_link(day: Day) -> None:
    world, organiser = day.world, day.organiser
    organiser.send_command("dashboard")
    await world.settle()
    message = world.last(organiser)
    buttons = [button for row in message.inline_keyboard for button in row]
    assert buttons[0]["web_app"]["url"] == f"{PUBLIC_URL}/dashboard/?rally=clermont-ferrand"
    menu = world.api.state.find_chat(organiser.chat_id).menu_button
    assert menu is not None and menu["web_app"]["url"] == buttons[0]["web_app"]["url"]
    assert buttons[1]["callback_data"] == DashboardLink("clermont-ferrand").data()
    organiser.press_button(buttons[1]["text"], message=message)
    await world.settle()
    link = next(word for word in world.last(organiser).text.split() if word.startswith(PUBLIC_URL))
    path = urlsplit(link).path + "?" + urlsplit(link).query
    assert parse_qs(urlsplit(link).query)["t"]
    async with day.client() as client:
        opened = await client.get(path)
        cookie = opened.cookies.get("rallye_session")
        # Secure: an HTTP client keeps it for HTTPS only (this server is the proxy's back end)
        state = await client.get(STATE, headers={"Cookie": f"rallye_session={cookie}"})
        used = await client.get(path)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/dashboard/"  # the token leaves the address bar
    flags = opened.headers["set-cookie"].lower()
    assert all(flag in flags for flag in ("httponly", "secure", "samesite=strict"))
    assert state.status_code == 200
    assert used.status_code == 401  # once only


async def test_players_are_refused_dashboard(day: Day) -> None:
    amina = day.players["PUY63"]
    amina.send_command("dashboard")
    await day.world.settle()
    message = day.world.last(amina)
    assert not message.inline_keyboard
    assert day.world.api.state.find_chat(amina.chat_id).menu_button is None


async def test_the_admin_reads_the_dashboard_in_their_language(day: Day) -> None:
    async with day.client() as client:
        texts = await client.get("/dashboard/api/texts", headers=day.launch(ADMIN_ID))
        arabic = await client.get(
            "/dashboard/api/texts", headers=day.launch(ORGANISER_ID + 1000, language="ar")
        )
    assert texts.status_code == 200
    assert texts.json()["direction"] == "ltr"
    assert arabic.status_code == 403  # not staff: no texts either
