"""The Bot API failing under the bot: 5xx, hangs past the timeout, dropped connections, 429s.

Every reply is tried again within `RETRY`'s bounds and delivered once; the player's action is
stored before any of it; other players are served while one player's reply keeps failing; a
reply that cannot be sent at all is logged with its chat id, and /clue shows the step again.
The retry pauses are recorded, never slept (`pauses` in conftest).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from pathlib import Path

import pytest

import bot.telegram.delivery
from bot.core.engine import TeamState
from bot.telegram.render.play import current_step
from tests.bot.conftest import World
from tests.bot.players import press, right_answer
from tests.faults.conftest import READ_TIMEOUT, Pauses, fault_world
from tests.faults.teams import (
    APOLOGY,
    ARRIVED,
    code_word,
    current_stage,
    progress,
    sends_to,
    teams_playing,
)


def plain(text: str) -> str:
    """An HTML reply as the player reads it."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def no_apology(world: World) -> None:
    for user in world.users.values():
        assert APOLOGY not in world.texts(user), user.user["first_name"]


async def test_a_reply_failing_with_5xx_is_sent_again_while_others_are_served(
    world: World, pauses: Pauses
) -> None:
    (amina,), (bilal,) = await teams_playing(world, (1, 1))
    api = world.api
    seen_a, seen_b = len(world.texts(amina)), len(world.texts(bilal))
    pauses.hold_next = True  # her first retry waits until the test lets it go
    api.faults.fail("sendMessage", times=1, status=502)

    amina.send_text(await code_word(world, amina))
    async with asyncio.timeout(10):
        await pauses.holding.wait()
    # her check-in is stored, though nobody has told her yet
    assert (await progress(world, amina)).state is TeamState.CHECKED_IN
    bilal.send_text(await code_word(world, bilal))
    await api.wait_idle(timeout=10)  # every update handled but Amina's, held in its pause
    assert world.texts(bilal)[seen_b].startswith(ARRIVED)
    assert world.texts(amina)[seen_a:] == []

    api.faults.fail("sendMessage", times=2, status=500)
    pauses.release()
    await world.settle()

    told = world.texts(amina)[seen_a:]
    assert [t for t in told if t.startswith(ARRIVED)] == [told[0]]  # once, and first
    statuses = [call.status for call in sends_to(world, amina)[-4:]]
    assert statuses == [502, 500, 500, 200]
    assert pauses.waits == [0.5, 1.0, 2.0]  # a growing pause between tries
    no_apology(world)


async def test_a_reply_hanging_past_the_timeout_is_sent_again_while_others_are_served(
    world: World, pauses: Pauses
) -> None:
    (amina,), (bilal,) = await teams_playing(world, (1, 1))
    api = world.api
    seen_a, seen_b = len(world.texts(amina)), len(world.texts(bilal))
    hang = api.faults.hang("sendMessage", times=1)  # until the bot's client gives up

    amina.send_text(await code_word(world, amina))
    await api.wait_for(lambda: hang.triggered == 1, timeout=10)
    hung = next(call for call in api.calls if call.fault == "hang")
    bilal.send_text(await code_word(world, bilal))
    await api.wait_for(
        lambda: len(world.texts(bilal)) > seen_b, timeout=READ_TIMEOUT, describe="Bilal's reply"
    )
    assert hung.status is None  # Bilal was answered while Amina's reply still hung

    await world.settle()
    told = world.texts(amina)[seen_a:]
    assert len(told) == 1 and told[0].startswith(ARRIVED)  # sent again, shown once
    assert [call.status for call in sends_to(world, amina)[-2:]] == [502, 200]
    assert pauses.waits == [0.5]
    no_apology(world)


async def test_dropped_connections_on_a_button_press_are_retried(
    world: World, pauses: Pauses
) -> None:
    ((amina,),) = await teams_playing(world, (1,))
    api = world.api
    amina.send_text(await code_word(world, amina))
    await world.settle()
    stage = await current_stage(world, amina)
    press(world, amina, f"begin:{stage.id}")
    await world.settle()
    question = stage.questions[0]
    seen = len(world.texts(amina))
    for method in ("answerCallbackQuery", "editMessageReplyMarkup", "sendMessage"):
        api.faults.drop(method, times=1)

    press(world, amina, f"ans:{question.id}:{right_answer(question, 'en', world.rally)}")
    await world.settle()

    told = world.texts(amina)[seen:]
    assert len(told) == 1, told  # sent again after the drop, shown once
    assert told[0].startswith("✅ Right!") and "Question 2 of" in told[0]
    answers = api.calls_of("answerCallbackQuery")[-2:]
    assert [call.status for call in answers] == [502, 200]  # dropped, then answered once
    assert all(query.answered for query in api.state.callback_queries.values())
    assert api.calls_of("editMessageReplyMarkup")[-1].ok  # the pressed buttons were removed
    assert pauses.waits == [0.5, 0.5, 0.5]  # one retry for each of the three calls
    assert (await progress(world, amina)).question_index == 1


async def test_flood_waits_are_waited_out_when_no_rate_limiter_runs(
    tmp_path: Path, backend: str, pauses: Pauses
) -> None:
    clock = FloodClock()
    pauses.on_pause = clock.advance  # waiting the time Telegram asks moves its clock on
    async with fault_world(tmp_path, backend, flood_limit=0, api_clock=clock) as world:
        ((amina, bilal, chloe),) = await teams_playing(world, (3,))
        world.api.set_flood_limits(overall_per_second=1)
        world.api.flood.reset()
        seen = {user.id: len(world.texts(user)) for user in (amina, bilal, chloe)}

        amina.send_text(await code_word(world, amina))
        await world.settle()

        # one message a second: the teammates' messages (sent by the outbox, side by side)
        # each met a 429 at least once and waited it out, the time Telegram asked
        assert world.api.too_many_requests_sent >= 2
        assert pauses.waits == [1.0] * world.api.too_many_requests_sent
        for user in (amina, bilal, chloe):
            told = world.new_texts(user, seen[user.id])
            assert len(told) == 1, told  # delivered, and once
        assert "checked your team in" in world.texts(bilal)[-1]
        no_apology(world)


async def test_flood_waits_under_the_rate_limiter_reach_nobody(
    tmp_path: Path, pauses: Pauses
) -> None:
    async with fault_world(tmp_path, "sqlite") as world:  # the limiter retries 429s itself
        ((amina, bilal),) = await teams_playing(world, (2,))
        world.api.set_flood_limits(overall_per_second=1)
        world.api.flood.reset()
        seen = {user.id: len(world.texts(user)) for user in (amina, bilal)}

        amina.send_text(await code_word(world, amina))
        await world.settle()

        assert world.api.too_many_requests_sent == 1
        assert pauses.waits == []  # PTB's limiter waited; our retries were not needed
        for user in (amina, bilal):
            assert len(world.new_texts(user, seen[user.id])) == 1
        no_apology(world)


async def test_a_reply_that_cannot_be_sent_is_given_up_and_clue_shows_the_step(
    world: World, pauses: Pauses, caplog: pytest.LogCaptureFixture
) -> None:
    ((amina,),) = await teams_playing(world, (1,))
    api = world.api
    seen = len(world.texts(amina))
    attempts = bot.telegram.delivery.RETRY.attempts
    api.faults.fail("sendMessage", times=attempts, status=503)

    with caplog.at_level(logging.WARNING, logger="bot.telegram.delivery"):
        amina.send_text(await code_word(world, amina))
        await world.settle()

    assert world.texts(amina)[seen:] == []
    assert [call.status for call in sends_to(world, amina)[-attempts:]] == [503] * attempts
    assert len(pauses.waits) == attempts - 1
    given_up = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(amina.chat_id) in r.getMessage() for r in given_up), caplog.text
    stored = await progress(world, amina)
    assert stored.state is TeamState.CHECKED_IN  # the check-in is kept all the same

    amina.send_command("clue")
    await world.settle()
    assert world.application is not None
    step = current_step(
        world.application.bot_data.default.catalogs.translator("en"), world.rally, stored
    )
    assert world.texts(amina)[seen:] == [plain(step[0].text)]
    assert world.api.inline_buttons(amina.chat_id)  # with the button to start the questions


async def test_a_button_press_that_cannot_be_answered_still_gets_its_reply(
    world: World, pauses: Pauses
) -> None:
    ((amina,),) = await teams_playing(world, (1,))
    api = world.api
    amina.send_text(await code_word(world, amina))
    await world.settle()
    stage = await current_stage(world, amina)
    seen = len(world.texts(amina))
    api.faults.fail("answerCallbackQuery", times=bot.telegram.delivery.RETRY.attempts, status=500)

    press(world, amina, f"begin:{stage.id}")
    await world.settle()

    assert world.texts(amina)[seen:][0].startswith("Question 1 of")
    assert (await progress(world, amina)).state is TeamState.ANSWERING
    no_apology(world)


class FloodClock:
    """The loopback's flood-control clock: time moves only when the bot waits."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move on by `seconds`."""
        self.now += seconds
