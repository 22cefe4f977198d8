"""The dashboard in a real browser: Debian's Chromium, driven by Selenium through its driver.

The page is opened as Telegram opens a Mini App (launch data in the URL fragment), against the
real bot and its loopback Telegram. Selenium's calls block: they run in a thread, so the bot
(in this test's event loop) keeps answering the page meanwhile. Screenshots go to `var/`
(the README shows `var/dashboard.png`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.bot.conftest import ORGANISER_ID
from tests.bot.players import press
from tests.dashboard.conftest import PLAYERS, Day
from tests.dashboard.launch import launch_data

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = Path(__file__).parents[2] / "var"
WAIT = 20.0
ROWS = "#teams tbody tr[data-team]"
T = TypeVar("T")

if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
    if os.environ.get("CI"):  # CI installs them (.ci/run): their absence is a failure there
        raise RuntimeError("Chromium and its driver are needed: apt-get install chromium-driver")
    pytest.skip("Chromium and chromedriver are not installed", allow_module_level=True)

pytestmark = pytest.mark.asyncio


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="rallye-chromium-")
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",  # nothing but the page may reach the network
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=412,1700",  # a phone's width
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


async def until(driver: WebDriver, condition: Callable[[WebDriver], T], what: str) -> T:
    """Wait (in a thread) until `condition` holds in the page; fail saying `what` did not."""

    def wait() -> T:
        return WebDriverWait(driver, WAIT).until(condition)

    try:
        return await asyncio.to_thread(wait)
    except TimeoutException:
        shot = SHOTS / "dashboard-failure.png"
        await asyncio.to_thread(driver.save_screenshot, str(shot))
        raise AssertionError(f"{what} (the page as it was: {shot})") from None


def mini_app(day: Day, user_id: int = ORGANISER_ID, **options: object) -> str:
    """The Mini App's address as Telegram opens it: launch data in the fragment."""
    data = launch_data(user_id, **options)  # type: ignore[arg-type]
    fragment = f"tgWebAppData={quote(data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=web"
    return f"{day.url}/dashboard/?rally=clermont-ferrand#{fragment}"


def css(driver: WebDriver, selector: str) -> list[str]:
    """The text of every element matching a CSS selector."""
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, selector)]


def errors_in_console(driver: WebDriver) -> list[str]:
    """Severe console messages that are not failed tile loads (the tests have no internet)."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "tile.openstreetmap.org" not in entry["message"]
    ]


async def test_an_organiser_runs_the_day_from_the_dashboard(day: Day, browser: WebDriver) -> None:
    SHOTS.mkdir(exist_ok=True)
    world = day.world
    await asyncio.to_thread(browser.get, mini_app(day))
    markers = await until(
        browser,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map .team-marker")) == len(PLAYERS),
        "every team's marker on the map",
    )
    assert markers
    assert "tgWebAppData" not in browser.current_url  # the launch data left the address bar
    teams = {
        e.get_attribute("data-team")
        for e in browser.find_elements(By.CSS_SELECTOR, "#map .team-marker")
    }
    assert teams == set(PLAYERS)
    rows = browser.find_elements(By.CSS_SELECTOR, "#teams tbody tr[data-team]")
    assert {row.get_attribute("data-team") for row in rows} == set(PLAYERS)
    assert browser.find_elements(By.CSS_SELECTOR, "#map .stage-marker")
    lost = browser.find_elements(
        By.CSS_SELECTOR, '#alerts li[data-kind="lost"][data-team="MTFD63"]'
    )
    assert lost, css(browser, "#alerts li")
    assert "online" in (browser.find_element(By.ID, "status").get_attribute("class") or "")
    await asyncio.to_thread(browser.save_screenshot, str(SHOTS / "dashboard.png"))

    # a team's card from its marker
    marker = browser.find_element(By.CSS_SELECTOR, '#map .team-marker[data-team="PUY63"]')
    await asyncio.to_thread(marker.click)
    card = await until(
        browser,
        lambda d: any("Amina" in text for text in css(d, ".leaflet-popup-content")),
        "the team's card with its members",
    )
    assert card

    # a photo approved from the queue: the team is told in Telegram
    sancy = day.players["SANCY63"]
    seen = len(world.texts(sancy))
    approve = browser.find_element(By.CSS_SELECTOR, "#photos .photo[data-photo] button.approve")
    await asyncio.to_thread(approve.click)
    await until(
        browser,
        lambda d: not d.find_elements(By.CSS_SELECTOR, "#photos .photo[data-photo]"),
        "the photo leaving the queue once approved",
    )
    await world.settle()
    told = world.new_texts(sancy, seen)
    assert any("📸" in text for text in told), told

    # a broadcast to one team, sent once
    amina, claire = day.players["PUY63"], day.players["PARU63"]
    audience = Select(browser.find_element(By.ID, "audience"))
    await asyncio.to_thread(audience.select_by_value, "team:PUY63")
    box = browser.find_element(By.ID, "message")
    await asyncio.to_thread(box.send_keys, "Rendez-vous à 13 h devant la cathédrale")
    await asyncio.to_thread(browser.find_element(By.ID, "send").click)
    await until(
        browser,
        lambda d: d.find_element(By.ID, "broadcast-result").text.strip() != "",
        "the broadcast's answer under the box",
    )
    await world.settle()
    assert sum("Rendez-vous à 13 h" in text for text in world.texts(amina)) == 1
    assert not any("Rendez-vous à 13 h" in text for text in world.texts(claire))
    assert errors_in_console(browser) == []


async def test_the_dashboard_reads_right_to_left_in_arabic(day: Day, browser: WebDriver) -> None:
    day.organiser.send_command("language")
    await day.world.settle()
    press(day.world, day.organiser, "lang:ar")
    await day.world.settle()
    await asyncio.to_thread(browser.get, mini_app(day, language="ar"))
    await until(
        browser,
        lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl",
        "the page right to left",
    )
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ar"
    await until(
        browser,
        lambda d: (
            len(d.find_elements(By.CSS_SELECTOR, "#teams tbody tr[data-team]")) == len(PLAYERS)
        ),
        "the teams listed",
    )
    await asyncio.to_thread(browser.save_screenshot, str(SHOTS / "dashboard-rtl.png"))


@pytest.mark.parametrize(
    ("who", "expired", "panel"),
    [("player", False, "forbidden"), ("organiser", True, "expired")],
    ids=["a player", "expired launch data"],
)
async def test_the_page_tells_who_cannot_read_it(
    day: Day, browser: WebDriver, who: str, expired: bool, panel: str
) -> None:
    user_id = day.players["PUY63"].id if who == "player" else ORGANISER_ID
    options = {"auth_date": 1_000_000_000} if expired else {}
    await asyncio.to_thread(browser.get, mini_app(day, user_id, **options))
    fatal = await until(
        browser,
        lambda d: d.find_element(By.ID, "fatal").is_displayed() and d.find_element(By.ID, "fatal"),
        "the page saying why it shows nothing",
    )
    assert fatal.text.strip()
    assert not browser.find_elements(By.CSS_SELECTOR, "#teams tbody tr[data-team]")
    assert panel
