"""The logs hold no token, name, text or position, even at DEBUG, through the real Application.

What the loopback Bot API logs stands for Telegram's servers, not the bot: it is left out.
"""

from __future__ import annotations

import logging

import pytest

from bot import logs
from bot.settings import SettingsError, load_settings
from tests.bot.conftest import TOKEN, World
from tests.bot.players import checked_in_at_the_cathedral

NAME = "Zainabqx"
TYPED = "monmotsecretqx"


def bot_log(caplog: pytest.LogCaptureFixture) -> str:
    """Every line the bot's side logged, with its tracebacks, as a formatter would print it."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(
        formatter.format(record)
        for record in caplog.records
        if not record.name.startswith("loopback")
    )


async def test_at_debug_the_logs_hold_no_token_name_text_or_position(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    player = world.api.create_user(NAME, language_code="en")
    _, stage = await checked_in_at_the_cathedral(world, player)  # a check-in by location
    player.send_text(TYPED)
    await world.settle()
    assert world.texts(player)[-1]  # the bot answered: the run did happen

    logged = bot_log(caplog)
    assert "Calling Bot API endpoint `sendMessage`" in logged  # PTB's debug lines were there
    assert "Processing update" in logged
    assert TOKEN not in logged
    assert TOKEN.split(":")[1] not in logged
    assert NAME not in logged
    assert TYPED not in logged
    for coordinate in (stage.lat, stage.lon):
        assert f"{coordinate}" not in logged
        assert f"{coordinate:.4f}" not in logged


def test_a_wrong_database_url_is_reported_without_its_password() -> None:
    for url in (
        "postgres://rallye:S3cretPw@db/rally",  # the scheme SQLAlchemy calls postgresql
        "postgresql+asyncpg://rallye:S3cretPw@db:notaport/rally",
    ):
        with pytest.raises(SettingsError) as caught:
            load_settings(database_url=url, _env_file=None)
        assert "DATABASE_URL" in str(caught.value)
        assert "S3cretPw" not in str(caught.value)
        assert "rallye:***@db" in str(caught.value)
        assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_the_token_and_a_database_password_are_masked_wherever_they_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logs.protect([TOKEN])
    caplog.set_level(logging.DEBUG)
    ptb = logging.getLogger("telegram.ext.ExtBot")
    ptb.debug("Set Bot API URL: %s", f"https://api.telegram.org/bot{TOKEN}")
    ours = logging.getLogger("bot.storage")
    ours.error("cannot connect to %s", "postgresql+asyncpg://rallye:S3cretPw@db:5432/rally")
    try:
        refuse_with_the_url()
    except ConnectionError:
        ours.exception("Telegram does not answer")
    printed = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    assert "Set Bot API URL: <redacted>" in printed  # a debug argument that is no method name
    assert "postgresql+asyncpg://rallye:***@db:5432/rally" in printed
    assert "/bot<token>/getMe refused" in printed  # in the traceback too
    assert TOKEN not in printed
    assert "S3cretPw" not in printed


def refuse_with_the_url() -> None:
    """Fail as a client whose error message holds the request's URL (and so the token)."""
    raise ConnectionError(f"https://api.telegram.org/bot{TOKEN}/getMe refused")
