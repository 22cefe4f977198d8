"""Fuzzing the real `Application` over HTTP: whatever arrives, nothing breaks and nothing moves.

Hypothesis generates what players (or Telegram) might send a bot in the middle of a rally: text
in any script up to Telegram's 4096 characters, commands with garbage arguments, callback data
of any bytes up to Telegram's 64, locations off the globe, edits of earlier messages, and update
kinds the bot never asked for, built from the Bot API's own description
(api.min.json in ../shared, beside the checkout). For each example, through the loopback API:

- the error handler is never reached (it logs at ERROR, as does any unhandled exception);
- every reply respects Telegram's limits (the loopback refuses what Telegram refuses: any call
  answered with an error fails the test);
- no invalid input changes the rally: the teams' progress rows, memberships and every scored
  record are the same before and after.

The profile (`ci` in conftest: derandomized, bounded) keeps it fast and the same on every run.

Found: an update of a kind the bot never asked for but carrying a message (a business client's
message; Telegram may deliver kinds created before allowed_updates was set) reached the
catch-all handler, which answered the client as if they were a player. A guard registered
before every handler (`handlers.reader.only_what_the_bot_asked_for`) now stops such updates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.models import (
    AnswerRow,
    AwardRow,
    CheckinRow,
    HintRow,
    PhotoRow,
    PlayerRow,
    ProgressRow,
)
from bot.telegram.app import allowed_updates
from bot.telegram.buttons import ConfirmHint, decode
from loopback.users import SimulatedUser
from tests.bot.conftest import ORGANISER_ID, World
from tests.faults.conftest import ErrorRecords
from tests.faults.teams import current_stage, teams_playing
from tests.loopback.reference import REFERENCE

API_DESCRIPTION = REFERENCE
API = (
    json.loads(API_DESCRIPTION.read_text(encoding="utf-8"))
    if API_DESCRIPTION.exists()
    else {"types": {}}
)
EDITED = "Edited messages do not count. Please send a new message instead."
MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
COMMANDS = [
    "start",
    "join",
    "language",
    "help",
    "clue",
    "team",
    "hint",
    "lost",
    "open",
    "go",
    "pause",
    "resume",
    "finish",
    "scores",
    "progress",
    "checkin",
    "skip",
    "award",
    "newteam",
    "export",
    "photos",
    "broadcast",
    "announce",
]

# --- what the rally is ------------------------------------------------------------------------

Snapshot = dict[str, list[tuple[Any, ...]]]
SCORED = (CheckinRow, AnswerRow, HintRow, AwardRow, PhotoRow)


async def snapshot(engine: AsyncEngine) -> Snapshot:
    """Every team's progress, who is in which team, and every scored record."""
    tables: Snapshot = {}
    async with engine.connect() as connection:
        for model in (ProgressRow, *SCORED):
            rows = await connection.execute(select(model).order_by(*model.__table__.primary_key))
            tables[model.__tablename__] = [tuple(row) for row in rows]
        members = await connection.execute(
            select(PlayerRow.telegram_user_id, PlayerRow.team_id).order_by(PlayerRow.id)
        )
        tables["members"] = [tuple(row) for row in members]
    return tables


class Rally:
    """The bot with a team on its way to its first stage, and someone in no team."""

    def __init__(self, world: World, player: SimulatedUser, stranger: SimulatedUser) -> None:
        assert world.application is not None
        self.world = world
        self.player = player
        self.stranger = stranger
        engine = world.application.bot_data.engine
        assert engine is not None
        self.engine: AsyncEngine = engine
        self.codes = frozenset(team.code.casefold() for team in world.rally.teams)

    def __repr__(self) -> str:  # hypothesis prints a failing example's arguments: keep it short
        return "Rally(a team of two en route, a stranger)"

    async def unchanged_by(self, send: Any, errors: ErrorRecords) -> None:
        """Send (a callable queuing updates), let the bot answer, check nothing moved."""
        before = await snapshot(self.engine)
        calls = len(self.world.api.calls)
        send()
        await self.world.settle()
        refused = [
            (call.method, call.status, call.description)
            for call in self.world.api.calls[calls:]
            if call.status not in (200, None)
        ]
        assert refused == []  # every reply within Telegram's limits
        assert errors.describe() == []  # the error handler was never reached
        assert await snapshot(self.engine) == before  # invalid input changed nothing


@pytest.fixture
async def rally(world: World) -> Rally:
    """One team of two en route; a stranger who never joined."""
    ((player, _),) = await teams_playing(world, (2,))
    organiser = world.api.create_user("Organiser", user_id=ORGANISER_ID, language_code="en")
    organiser.start()  # opened the bot before the day: a team that is lost can reach them
    stranger = world.user("Stranger", "en")
    stranger.start()
    await world.settle()
    return Rally(world, player, stranger)


@contextmanager
def fresh(errors: ErrorRecords) -> Iterator[None]:
    """Each example starts with no error recorded."""
    errors.records.clear()
    yield


# --- strategies -------------------------------------------------------------------------------

TRICKY = st.sampled_from(
    [
        "\u200f\u202e",  # right-to-left marks
        "<b>bold</b> & <a href='x'>",
        "\x00\x01\x7f",
        "👨‍👩‍👧‍👦" * 50,
        "a\u0301" * 200,  # combining accents
        "ﷺ" * 300,
        "   ",
        "/",
        "@rallye_test_bot",
        "\n\n\n",
        "𝔹𝕚𝕖𝕟𝕧𝕖𝕟𝕦𝕖",
    ]
)
texts = st.one_of(
    st.text(min_size=1, max_size=60), st.text(min_size=1, max_size=MAX_TEXT), TRICKY
).filter(lambda text: text.strip() != "" or text == "   ")
garbage = st.one_of(st.text(max_size=80), TRICKY, st.integers().map(str))
commands = st.tuples(
    st.one_of(st.sampled_from(COMMANDS), st.from_regex(r"[A-Za-z0-9_]{1,32}", fullmatch=True)),
    st.lists(garbage, max_size=3),
)


def _utf8_within(text: str, limit: int) -> str:
    data = text.encode()[:limit]
    return data.decode("utf-8", errors="ignore")


callback_data = st.one_of(
    st.none(),  # a game button: no data at all
    st.binary(max_size=MAX_CALLBACK_BYTES).map(lambda b: b.decode("utf-8", errors="replace")),
    st.tuples(
        st.sampled_from(["lang:", "ans:", "hint?:", "hint:", "hint-no", "begin:", "photo:ok:"]),
        st.text(max_size=60),
    ).map("".join),
).map(lambda data: None if data is None else _utf8_within(data, MAX_CALLBACK_BYTES))

off_the_globe = st.floats(allow_nan=False, allow_infinity=False)
locations = st.tuples(off_the_globe, off_the_globe).filter(
    lambda point: not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180)
)
accuracies = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))


# --- update kinds from the Bot API description -------------------------------------------------


def _scalar(kind: str) -> st.SearchStrategy[Any] | None:
    return {
        "Integer": st.integers(min_value=1, max_value=2**31),
        "Float": st.floats(-1e6, 1e6),
        "String": st.text(max_size=20),
        "Boolean": st.booleans(),
        "True": st.just(True),
    }.get(kind)


def api_object(name: str, depth: int = 0) -> st.SearchStrategy[Any]:
    """An object of the Bot API type `name` with its required fields, as Telegram sends it."""
    scalar = _scalar(name)
    if scalar is not None:
        return scalar
    if name.startswith("Array of "):
        return st.lists(api_object(name.removeprefix("Array of "), depth + 1), max_size=2)
    if name == "User":
        return st.builds(
            lambda n: {"id": n, "is_bot": False, "first_name": "Fuzz"}, st.integers(1, 2**31)
        )
    if name == "Chat":
        return st.just({"id": 1, "type": "private", "first_name": "Fuzz"})
    spec = API["types"].get(name)
    if spec is None or depth > 4:
        return st.just({})
    if "subtypes" in spec:
        return st.one_of([api_object(sub, depth + 1) for sub in spec["subtypes"]])
    fields = {
        field["name"]: st.one_of([api_object(kind, depth + 1) for kind in field["types"]])
        for field in spec.get("fields", [])
        if field.get("required")
    }
    return st.fixed_dictionaries(fields)


def unasked_kinds(*, messages: bool) -> list[tuple[str, str]]:
    """(field, type) of the kinds of update the bot does not ask Telegram for.

    `messages`: those carrying a Message (channel posts, business messages), else the others.
    """
    update = API["types"].get("Update", {"fields": []})
    asked = set(allowed_updates()) | {"update_id"}
    return [
        (f["name"], f["types"][0])
        for f in update["fields"]
        if f["name"] not in asked and (f["types"][0] == "Message") == messages
    ]


UNASKED = unasked_kinds(messages=False)
UNASKED_MESSAGES = [name for name, _ in unasked_kinds(messages=True)]
unasked_updates = (
    st.sampled_from(UNASKED).flatmap(
        lambda kind: api_object(kind[1]).map(lambda body: {kind[0]: body})
    )
    if UNASKED
    else st.nothing()
)


# --- the tests --------------------------------------------------------------------------------


@given(text=texts, who=st.sampled_from(["player", "stranger"]))
async def test_any_text_is_answered_and_changes_nothing(
    rally: Rally, error_records: ErrorRecords, text: str, who: str
) -> None:
    stage = await current_stage(rally.world, rally.player)
    assume(stage.checkin_code is None or text.strip().casefold() != stage.checkin_code.casefold())
    user = getattr(rally, who)
    seen = len(rally.world.texts(user))
    with fresh(error_records):
        await rally.unchanged_by(lambda: user.send_text(text), error_records)
    assert len(rally.world.texts(user)) > seen  # always an answer, never silence


@given(command=commands, who=st.sampled_from(["player", "stranger"]))
async def test_commands_with_garbage_arguments_change_nothing(
    rally: Rally, error_records: ErrorRecords, command: tuple[str, list[str]], who: str
) -> None:
    name, arguments = command
    # a real team's code joins that team: a valid command, not garbage
    assume(not any(a.strip().casefold() in rally.codes for a in arguments))
    assume(not (name in {"start", "join"} and not arguments and who == "stranger"))
    user = getattr(rally, who)
    with fresh(error_records):
        payload = " ".join(arguments) or None
        await rally.unchanged_by(lambda: user.send_command(name, payload), error_records)


@given(data=callback_data, who=st.sampled_from(["player", "stranger"]))
async def test_forged_callback_data_changes_nothing(
    rally: Rally, error_records: ErrorRecords, data: str | None, who: str
) -> None:
    stage = await current_stage(rally.world, rally.player)
    pressed = decode(data)
    # the team's own first hint, confirmed, is a real (paid) button, not a forgery
    assume(not (who == "player" and pressed == ConfirmHint(stage.id, 0)))
    user = getattr(rally, who)
    queries = len(rally.world.api.state.callback_queries)
    with fresh(error_records):
        await rally.unchanged_by(lambda: user.send_callback_data(data), error_records)
    assert len(rally.world.api.state.callback_queries) == queries + 1
    assert all(q.answered for q in rally.world.api.state.callback_queries.values())


@given(point=locations, accuracy=accuracies, live=st.booleans(), moving=st.booleans())
async def test_locations_off_the_globe_change_nothing(
    rally: Rally,
    error_records: ErrorRecords,
    point: tuple[float, float],
    accuracy: float | None,
    live: bool,
    moving: bool,
) -> None:
    user = rally.player
    lat, lon = point
    with fresh(error_records):
        if moving:  # a live location shared far from the stage, then moving off the globe
            shared = user.send_location(45.77, 3.08, live_period=900)
            await rally.world.settle()
            message_id = shared["message"]["message_id"]
            await rally.unchanged_by(
                lambda: user.move_live_location(message_id, lat, lon, horizontal_accuracy=accuracy),
                error_records,
            )
        else:
            period = 900 if live else None
            await rally.unchanged_by(
                lambda: user.send_location(
                    lat, lon, horizontal_accuracy=accuracy, live_period=period
                ),
                error_records,
            )


@given(first=texts, edited=texts)
async def test_edited_messages_are_answered_and_change_nothing(
    rally: Rally, error_records: ErrorRecords, first: str, edited: str
) -> None:
    stage = await current_stage(rally.world, rally.player)
    code = (stage.checkin_code or "").casefold()
    assume(first.strip().casefold() != code and edited.strip().casefold() != code)
    user = rally.player
    with fresh(error_records):
        await rally.unchanged_by(lambda: user.send_text(first), error_records)
        message_id = next(
            m.message_id for m in reversed(user.chat.messages.values()) if not m.from_bot
        )
        seen = len(rally.world.texts(user))
        await rally.unchanged_by(lambda: user.edit_text(message_id, edited), error_records)
    told = rally.world.texts(user)[seen:]
    assert told == [rally.world.says("en", EDITED)]


@pytest.mark.skipif(not UNASKED, reason="the Bot API description is not available")
@given(update=unasked_updates)
async def test_update_kinds_the_bot_did_not_ask_for_change_nothing(
    rally: Rally, error_records: ErrorRecords, update: dict[str, Any]
) -> None:
    api = rally.world.api
    with fresh(error_records):
        await rally.unchanged_by(lambda: api.inject(update, predates_filter=True), error_records)


def _unasked_message(kind: str, text: str | None) -> tuple[dict[str, Any], int]:
    """An update of `kind` as Telegram shapes it, and the chat it comes from."""
    if "business" in kind:  # a customer writing to a business account the bot helps run
        chat_id = 424_242
        chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": "Client"}
        extra: dict[str, Any] = {
            "business_connection_id": "bc1",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Client"},
        }
    else:
        chat_id = -100_777
        chat = {"id": chat_id, "type": "channel", "title": "Rallye news"}
        extra = {}
    message: dict[str, Any] = {"message_id": 1, "date": 1_700_000_000, "chat": chat, **extra}
    if text is not None:
        message["text"] = text
    return {kind: message}, chat_id


@pytest.mark.parametrize("kind", UNASKED_MESSAGES or ["channel_post"])
@pytest.mark.parametrize("text", ["hello", None])
async def test_channel_posts_and_business_messages_get_no_reply(
    rally: Rally, error_records: ErrorRecords, kind: str, text: str | None
) -> None:
    update, chat_id = _unasked_message(kind, text)
    api = rally.world.api
    with fresh(error_records):
        await rally.unchanged_by(lambda: api.inject(update, predates_filter=True), error_records)
    assert [c for c in api.calls_of("sendMessage") if int(c.params["chat_id"]) == chat_id] == []


@pytest.mark.parametrize("kind", ["message", "edited_message"])
@pytest.mark.parametrize("text", ["bienvenue", "/clue", None])
async def test_a_private_message_without_a_sender_is_dropped_before_any_handler(
    rally: Rally, error_records: ErrorRecords, kind: str, text: str | None
) -> None:
    """Valid by the Bot API's types (`from` is optional), never sent by Telegram in practice:
    found by generating updates from the reference, where it crashed two handlers."""
    player = rally.player
    message: dict[str, Any] = {
        "message_id": 99,
        "date": 1_700_000_000,
        "chat": {"id": player.chat_id, "type": "private", "first_name": "Amina"},
    }
    if kind == "edited_message":
        message["edit_date"] = 1_700_000_001
    if text is not None:
        message["text"] = text
    else:
        message["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 9, "height": 9}]
    api = rally.world.api
    seen = len(api.calls_of("sendMessage"))
    with fresh(error_records):
        await rally.unchanged_by(lambda: api.inject({kind: message}), error_records)
    assert api.calls_of("sendMessage")[seen:] == []
