"""Settings: read from the environment, and a wrong value named in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings

ROOT = Path(__file__).parents[1]
VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_URL",
    "RALLY_FILE",
    "RALLY_ADMINS",
    "RALLY_ORGANISERS",
    "LOG_LEVEL",
    "RALLY_FLOOD_LIMIT",
    "RALLY_WEBHOOK_URL",
    "RALLY_WEBHOOK_SECRET",
    "RALLY_LISTEN",
    "RALLY_PORT",
    "RALLY_HEALTH_LISTEN",
    "RALLY_HEALTH_PORT",
    "RALLY_PUBLIC_URL",
    "RALLY_MAP_TILES",
    "RALLY_MAP_ATTRIBUTION",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout


def test_defaults_run_the_demo_on_sqlite_under_var() -> None:
    settings = load_settings()
    assert settings.token is None
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert str(settings.rally_file) == "data/stages.yaml"
    assert settings.staff == frozenset()
    assert not settings.webhook  # long polling
    assert settings.webhook_secret == ""
    assert (settings.rally_listen, settings.rally_port) == ("0.0.0.0", 8080)
    assert not settings.health_apart  # /healthz on RALLY_PORT


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABC-def_ghi")
    monkeypatch.setenv("RALLY_ADMINS", "11, 12")
    monkeypatch.setenv("RALLY_ORGANISERS", "13,,14")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.token == "123456:ABC-def_ghi"
    assert settings.rally_admins == {11, 12}
    assert settings.staff == {11, 12, 13, 14}
    assert settings.log_level == "DEBUG"


def test_webhook_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RALLY_WEBHOOK_URL", "https://rallye.example.org:8443/tg/hook")
    monkeypatch.setenv("RALLY_WEBHOOK_SECRET", "A" * 200 + "z_9-")
    monkeypatch.setenv("RALLY_LISTEN", "127.0.0.1")
    monkeypatch.setenv("RALLY_PORT", "9000")
    settings = load_settings()
    assert settings.webhook
    assert settings.webhook_path == "/tg/hook"
    assert settings.webhook_secret == "A" * 200 + "z_9-"
    assert "z_9-" not in repr(settings)  # the secret stays out of logs and tracebacks
    assert (settings.rally_listen, settings.rally_port) == ("127.0.0.1", 9000)


def test_health_on_a_port_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RALLY_HEALTH_PORT", "8081")
    settings = load_settings()
    assert settings.health_apart
    assert (settings.rally_health_listen, settings.rally_health_port) == ("127.0.0.1", 8081)
    monkeypatch.setenv("RALLY_HEALTH_LISTEN", " 10.0.0.5 ")
    assert load_settings().rally_health_listen == "10.0.0.5"


@pytest.mark.parametrize(("port", "listen"), [("", ""), (" ", "127.0.0.1")])
def test_an_empty_health_port_keeps_healthz_on_rally_port(
    monkeypatch: pytest.MonkeyPatch, port: str, listen: str
) -> None:
    monkeypatch.setenv("RALLY_HEALTH_PORT", port)
    monkeypatch.setenv("RALLY_HEALTH_LISTEN", listen)
    settings = load_settings()
    assert not settings.health_apart
    assert settings.rally_health_listen == "127.0.0.1"


def test_an_empty_webhook_url_means_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RALLY_WEBHOOK_URL", "")
    monkeypatch.setenv("RALLY_WEBHOOK_SECRET", "")
    assert not load_settings().webhook


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("RALLY_ADMINS=42\nRALLY_FILE=other.yaml\n")
    settings = load_settings()
    assert settings.rally_admins == {42}
    assert str(settings.rally_file) == "other.yaml"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RALLY_ADMINS", "12,abc", "RALLY_ADMINS: 'abc' is not a Telegram user id"),
        ("RALLY_ORGANISERS", "@someone", "RALLY_ORGANISERS: '@someone' is not a Telegram user id"),
        ("TELEGRAM_BOT_TOKEN", "not a token", "TELEGRAM_BOT_TOKEN: does not look like a bot token"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: 'mysql://x' is not supported"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org", "TELEGRAM_API_BASE_URL: 'api.telegram.org'"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: Input should be"),
        ("RALLY_WEBHOOK_URL", "http://x.org/tg", "RALLY_WEBHOOK_URL: 'http://x.org/tg' is not an"),
        ("RALLY_WEBHOOK_URL", "rallye.org/tg", "RALLY_WEBHOOK_URL: 'rallye.org/tg' is not an"),
        ("RALLY_WEBHOOK_URL", "https://x.org/healthz", "RALLY_WEBHOOK_URL: its path cannot be"),
        ("RALLY_WEBHOOK_SECRET", "has space", "RALLY_WEBHOOK_SECRET: must be 1 to 256"),
        ("RALLY_WEBHOOK_SECRET", "é" * 3, "RALLY_WEBHOOK_SECRET: must be 1 to 256"),
        ("RALLY_WEBHOOK_SECRET", "a" * 257, "RALLY_WEBHOOK_SECRET: must be 1 to 256"),
        ("RALLY_PORT", "65536", "RALLY_PORT: Input should be less than or equal to 65535"),
        ("RALLY_PORT", "http", "RALLY_PORT: Input should be a valid integer"),
        ("RALLY_HEALTH_PORT", "65536", "RALLY_HEALTH_PORT: Input should be less than or equal"),
        ("RALLY_HEALTH_PORT", "-1", "RALLY_HEALTH_PORT: Input should be greater than or equal"),
        ("RALLY_HEALTH_PORT", "health", "RALLY_HEALTH_PORT: Input should be a valid integer"),
        ("RALLY_HEALTH_PORT", "8080", "RALLY_HEALTH_PORT: 8080 is RALLY_PORT too"),
        ("RALLY_WEBHOOK_URL", "https://x.org/dashboard/tg", "RALLY_WEBHOOK_URL: its path cannot"),
        ("RALLY_PUBLIC_URL", "http://x.org", "RALLY_PUBLIC_URL: 'http://x.org' is not an https"),
        ("RALLY_PUBLIC_URL", "https://x.org/?a=1", "RALLY_PUBLIC_URL: 'https://x.org/?a=1' must"),
        ("RALLY_MAP_TILES", "tiles.org/{z}/{x}/{y}", "RALLY_MAP_TILES: 'tiles.org/{z}/{x}/{y}'"),
        (
            "RALLY_MAP_TILES",
            "https://t.org/{z}.png",
            "RALLY_MAP_TILES: 'https://t.org/{z}.png' lacks",
        ),
    ],
)
def test_a_wrong_value_names_the_variable(monkeypatch, variable, value, message) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_the_dashboard_needs_a_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not load_settings().dashboard
    monkeypatch.setenv("RALLY_PUBLIC_URL", "https://rallye.example.org/")
    monkeypatch.setenv("RALLY_MAP_TILES", "")
    settings = load_settings()
    assert settings.dashboard_url == "https://rallye.example.org/dashboard/"
    assert settings.rally_map_tiles == ""  # a plain background, no request to a tile server


def test_a_webhook_needs_its_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RALLY_WEBHOOK_URL", "https://rallye.example.org/tg")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value) == (
        "RALLY_WEBHOOK_SECRET: required when RALLY_WEBHOOK_URL is set "
        "(1 to 256 letters, digits, _ or -)"
    )


def test_the_start_stops_with_one_line_naming_the_variable(tmp_path: Path) -> None:
    env = {"RALLY_ADMINS": "12,abc", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "rallye: RALLY_ADMINS: 'abc' is not a Telegram user id (comma-separated numbers expected)"
    ]


def test_rally_file_names_several_rallies_by_list_or_folder(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    # a rally's translation states are not a rally (`bot.i18n.review`)
    for name in ("vichy.yaml", "clermont.yml", "notes.txt", "vichy.translations.yaml"):
        (events / name).write_text("")
    listed = load_settings(rally_file="data/stages.yaml, other.yaml")
    assert listed.rally_files == (Path("data/stages.yaml"), Path("other.yaml"))
    folder = load_settings(rally_file=str(events))
    assert folder.rally_files == (events / "clermont.yml", events / "vichy.yaml")


def test_an_empty_rally_file_is_refused_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match=r"^RALLY_FILE: name a rally file"):
        load_settings(rally_file=" , ")
