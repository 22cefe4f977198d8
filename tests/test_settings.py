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
    ],
)
def test_a_wrong_value_names_the_variable(monkeypatch, variable, value, message) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


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
