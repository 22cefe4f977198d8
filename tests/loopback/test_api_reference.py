"""The loopback server speaks the real Bot API: methods, parameters and shapes as documented."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, Update
from telegram import ReplyKeyboardMarkup as Keyboard
from telegram.ext import ExtBot

from loopback import LoopbackBotApi, updates
from loopback.errors import UndeclaredParameterError
from loopback.methods import METHODS
from loopback.ogg import sample_voice
from loopback.params import RequestBody, RequestParams

from .harness import build_app
from .reference import method_fields, problems, reference, result_problems


def test_every_implemented_method_exists_in_the_reference() -> None:
    known = set(reference()["methods"])
    assert sorted(spec.name for spec in METHODS.values() if spec.name not in known) == []


@pytest.mark.parametrize("name", sorted(spec.name for spec in METHODS.values()))
def test_every_parameter_read_is_a_parameter_of_the_method(name: str) -> None:
    spec = METHODS[name.lower()]
    assert sorted(spec.params - method_fields(name)) == []


def test_reading_an_undeclared_parameter_is_a_server_bug() -> None:
    params = RequestParams("getMe", RequestBody({"x": "1"}, {}), frozenset())
    with pytest.raises(UndeclaredParameterError):
        params.optional_text("x")


USER = updates.make_user(7, "Amina", language_code="ar", username="amina")
BOT = updates.make_user(123456, "Rallye", is_bot=True, username="rallye_test_bot")
GROUP = updates.make_group_chat(-100, "Team Blue")

FACTORIES = {
    "text": lambda: updates.make_text_update("/start TEAM42", user=USER),
    "command": lambda: updates.make_command_update("help", user=USER, bot_username="rallye_bot"),
    "location": lambda: updates.make_location_update(
        45.77, 3.08, user=USER, horizontal_accuracy=12.5, live_period=900
    ),
    "live edit": lambda: updates.make_live_location_edit_update(
        45.78, 3.09, user=USER, message_id=5, original_date=1_760_000_000, live_period=900
    ),
    "edited text": lambda: updates.make_edited_text_update(
        "fixed", user=USER, message_id=3, original_date=1_760_000_000
    ),
    "callback": lambda: updates.make_callback_update(
        "answer:q1:2",
        user=USER,
        message=updates.make_message(user=BOT, chat=updates.make_private_chat(USER), text="Q1"),
    ),
    "forged callback": lambda: updates.make_callback_update("x" * 64, user=USER),
    "photo": lambda: updates.make_photo_update("photo-1", user=USER, caption="our team"),
    "document": lambda: updates.make_document_update("doc-1", user=USER),
    "sticker": lambda: updates.make_sticker_update(user=USER),
    "voice": lambda: updates.make_voice_update(user=USER),
    "contact": lambda: updates.make_contact_update("+33 6 00 00 00 00", "Amina", user=USER),
    "poll": lambda: updates.make_poll_update("Lunch?", ["yes", "no"], user=USER),
    "forwarded": lambda: updates.make_forwarded_text_update("hi", user=USER, origin_user=BOT),
    "forwarded hidden": lambda: updates.make_forwarded_text_update("hi", user=USER),
    "group mention": lambda: updates.make_text_update(
        "@rallye_test_bot where next?", user=USER, chat=GROUP
    ),
    "blocked": lambda: updates.make_my_chat_member_update(
        user=USER, bot_user=BOT, old_status="member", new_status="kicked"
    ),
    "admin in group": lambda: updates.make_my_chat_member_update(
        user=USER, bot_user=BOT, old_status="member", new_status="administrator", chat=GROUP
    ),
}


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_update_factories_fit_the_reference_and_ptb(kind: str) -> None:
    data = FACTORIES[kind]()
    assert problems(data, "Update") == []
    update = Update.de_json(data, ExtBot("123456:TEST"))
    assert update.update_id == data["update_id"]
    assert update.api_kwargs == {}


def test_the_reference_checker_catches_misshapen_objects() -> None:
    message = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "txet": "hi"}
    assert problems({"update_id": 1, "message": message}, "Update") == [
        "$.message.txet: not a field of Message"
    ]
    assert problems({"update_id": "1"}, "Update") == ["$.update_id: expected Integer, got '1'"]
    assert problems({"chat": {}}, "Message") != []


def test_text_entities_find_commands_and_mentions() -> None:
    text = "/start@rallye_bot TEAM42 hi @amina /help"
    assert updates.text_entities(text) == [
        {"type": "bot_command", "offset": 0, "length": 17},
        {"type": "mention", "offset": 28, "length": 6},
        {"type": "bot_command", "offset": 35, "length": 5},
    ]


async def test_every_result_fits_the_reference(api: LoopbackBotApi) -> None:
    user = api.create_user("Amina", language_code="ar")
    group = api.create_group("Team Blue")
    user.start()
    user.send_location(45.77, 3.08, live_period=600)
    user.send_photo(b"jpeg bytes")
    user.send_voice(caption="here")
    async with build_app(api) as app:
        bot = app.bot
        polled = await bot.get_updates(timeout=0)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
        sent = await bot.send_message(
            user.chat_id, "<b>Hi</b>", parse_mode="HTML", reply_markup=keyboard
        )
        await bot.send_message(
            user.chat_id,
            "Share your location",
            reply_markup=Keyboard([[KeyboardButton("📍", request_location=True)]]),
            reply_parameters={"message_id": sent.message_id},
        )
        await bot.send_message(group.chat_id, "Hello group")
        await sent.edit_text("Hi!", reply_markup=keyboard)
        await sent.edit_reply_markup(None)
        await bot.send_photo(user.chat_id, b"\x89PNG fake", caption="map")
        await bot.send_location(user.chat_id, 45.7, 3.1, horizontal_accuracy=10)
        document = await bot.send_document(user.chat_id, b"%PDF", filename="a.pdf")
        voice = await bot.send_voice(user.chat_id, sample_voice(), caption="<i>listen</i>")
        await bot.send_voice(group.chat_id, polled[3].message.voice.file_id, duration=4)
        await bot.get_file(voice.voice.file_id)
        await bot.copy_message(user.chat_id, user.chat_id, document.message_id, caption="copy")
        await bot.forward_message(group.chat_id, user.chat_id, sent.message_id)
        await bot.send_chat_action(user.chat_id, "typing")
        await bot.get_file(polled[2].message.photo[-1].file_id)
        await bot.get_chat(user.chat_id)
        await bot.set_my_commands([("start", "Begin")], language_code="ar")
        await bot.get_my_commands(language_code="ar")
        await bot.delete_my_commands(language_code="ar")
        await bot.set_chat_menu_button(user.chat_id)
        await bot.get_chat_menu_button(user.chat_id)
        await bot.get_webhook_info()
        await bot.delete_message(user.chat_id, sent.message_id)
    assert [call for call in api.calls if not call.ok] == []
    checked = set()
    for call in api.calls:
        assert call.response is not None
        assert result_problems(call.method, call.response["result"]) == [], call.method
        checked.add(call.method)
    assert len(checked) >= 20
    for update in polled:
        assert problems(update.to_dict(), "Update") == []
