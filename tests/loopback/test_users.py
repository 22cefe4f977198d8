"""Simulated users: what they send reaches python-telegram-bot as Telegram would send it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes, TypeHandler

from loopback import ChatMessage, LoopbackBotApi
from loopback.ogg import sample_voice
from loopback.updates import make_text_update

from .harness import App, build_app, polling


class Recorder:
    """Keeps every update the application receives."""

    def __init__(self) -> None:
        self.updates: list[Update] = []

    def build(self, api: LoopbackBotApi) -> App:
        app = build_app(api)
        app.add_handler(TypeHandler(Update, self.keep))
        return app

    async def keep(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.updates.append(update)


async def received(api: LoopbackBotApi) -> list[Update]:
    recorder = Recorder()
    app = recorder.build(api)
    async with polling(app):
        await api.wait_idle(app)
    return recorder.updates


async def test_every_kind_of_user_message_reaches_the_bot(api: LoopbackBotApi) -> None:
    amina = api.create_user("Amina", language_code="pt-br", username="amina")
    group = api.create_group("Team Blue")
    amina.start("TEAM42")
    pin = amina.send_location(45.7772, 3.0870, horizontal_accuracy=25, live_period=900)
    amina.move_live_location(pin["message"]["message_id"], 45.7780, 3.0881)
    amina.send_photo(b"\xff\xd8 a photo")
    amina.send_sticker()
    amina.send_voice(4)
    amina.send_document("cv.pdf", b"%PDF-1.7", mime_type="application/pdf")
    amina.send_contact("+33600000000")
    amina.send_poll("Lunch?", ["Yes", "No"])
    amina.forward_text("Meet at 10", origin_user={"id": 9, "is_bot": False, "first_name": "Ali"})
    typo = amina.send_text("helo")
    amina.edit_text(typo["message"]["message_id"], "hello")
    amina.send_text("where next?", group=group, mention_bot=True)
    amina.send_text("chatting", group=group)
    amina.inject(make_text_update("raw", user=amina.user, update_id=9999))

    updates = await received(api)
    start, live, moved, photo, sticker, voice, document, contact, poll, forward = updates[:10]
    edited, mention, chatter = updates[11:14]
    assert start.effective_message.text == "/start TEAM42"
    assert start.effective_user.language_code == "pt-br"
    assert live.message.location.live_period == timedelta(seconds=900)
    assert live.message.location.horizontal_accuracy == 25
    assert moved.edited_message.location.latitude == 45.7780
    assert moved.edited_message.message_id == live.message.message_id
    assert photo.message.photo
    assert sticker.message.sticker.emoji == "👍"
    assert voice.message.voice.duration == timedelta(seconds=4)
    assert voice.message.voice.file_size == len(sample_voice())
    assert document.message.document.file_name == "cv.pdf"
    assert contact.message.contact.user_id == amina.id
    assert [o.text for o in poll.message.poll.options] == ["Yes", "No"]
    assert forward.message.forward_origin.sender_user.first_name == "Ali"
    assert edited.edited_message.text == "hello"
    assert mention.effective_chat.type == "group"
    assert mention.message.parse_entities(["mention"])
    assert not chatter.message.entities
    assert updates[-1].update_id == 9999
    ids = [update.update_id for update in updates]
    assert ids[:-1] == sorted(ids[:-1])


async def test_a_user_photo_can_be_downloaded(api: LoopbackBotApi) -> None:
    user = api.create_user()
    picture = bytes(range(200))
    update = user.send_photo(picture, caption="our team")
    async with build_app(api) as app:
        file_id = update["message"]["photo"][-1]["file_id"]
        data = await (await app.bot.get_file(file_id)).download_as_bytearray()
        with pytest.raises(BadRequest, match="Invalid file_id"):
            await app.bot.get_file("nope")
    assert bytes(data) == picture


async def test_late_delivery_keeps_the_original_date(api: LoopbackBotApi) -> None:
    user = api.create_user()
    sent_at = datetime(2026, 10, 18, 9, 0, tzinfo=UTC)
    user.send_text("sent while offline", date=sent_at)
    updates = await received(api)
    assert updates[0].message.date == sent_at


async def test_forged_callback_data_and_answer_rules(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    async with build_app(api) as app:
        await app.bot.send_message(user.chat_id, "Question")
        forged = user.send_callback_data("admin:reset")
        with pytest.raises(BadRequest, match="Message_too_long"):
            await app.bot.answer_callback_query(forged.query_id, "x" * 201)
        await app.bot.answer_callback_query(forged.query_id, "Nice try", show_alert=True)
        with pytest.raises(BadRequest, match="Query is too old"):
            await app.bot.answer_callback_query(forged.query_id)
    assert forged.answer_text == "Nice try"
    assert forged.show_alert
    assert api.pending_updates[0]["callback_query"]["data"] == "admin:reset"


async def test_buttons_are_found_by_text_or_index(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("A", callback_data="a"),
                InlineKeyboardButton("B", callback_data="b"),
            ],
            [InlineKeyboardButton("Site", url="https://example.org")],
        ]
    )
    async with build_app(api) as app:
        sent = await app.bot.send_message(user.chat_id, "Pick", reply_markup=markup)
    assert user.press_button(index=1).data == "b"
    assert user.press_button("A", message=sent.message_id).data == "a"
    with pytest.raises(ValueError, match="sends no callback"):
        user.press_button("Site")
    with pytest.raises(LookupError, match="no button 'C'"):
        user.press_button("C")
    pressed = api.pending_updates[0]["callback_query"]
    assert pressed["message"]["reply_markup"] == markup.to_dict()


async def test_reply_keyboards_are_what_the_user_sees(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("📍 Here I am", request_location=True)], ["Skip"]],
        one_time_keyboard=True,
    )
    async with build_app(api) as app:
        await app.bot.send_message(user.chat_id, "Where are you?", reply_markup=keyboard)
        assert api.reply_keyboard(user.chat_id) == [["📍 Here I am"], ["Skip"]]
        with pytest.raises(ValueError, match="send_location"):
            user.press_reply_button("📍 Here I am")
        user.press_reply_button("Skip")
        assert api.reply_keyboard(user.chat_id) == []
        await app.bot.send_message(user.chat_id, "Back", reply_markup=ReplyKeyboardRemove())
    assert api.transcript(user.chat_id, include_user=True)[-2].text == "Skip"


async def test_blocking_unblocking_and_starting(api: LoopbackBotApi) -> None:
    stranger = api.create_user("Stranger")
    user = api.create_user("Nour", started=True)
    async with build_app(api) as app:
        with pytest.raises(Forbidden, match="can't initiate conversation"):
            await app.bot.send_message(stranger.chat_id, "Hello?")
        user.block()
        assert user.blocked_bot
        with pytest.raises(Forbidden, match="blocked by the user"):
            await app.bot.send_chat_action(user.chat_id, "typing")
        user.send_text("I'm back")  # writing again restarts the bot for them
        await app.bot.send_message(user.chat_id, "Welcome back")
    kinds = [next(k for k in u if k != "update_id") for u in api.pending_updates]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]


async def test_group_without_the_bot_is_forbidden(api: LoopbackBotApi) -> None:
    admin = api.create_user("Admin")
    group = api.create_group("Team Red", supergroup=True)
    group.remove_bot(by=admin)
    async with build_app(api) as app:
        with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
            await app.bot.send_message(group.chat_id, "hi")


async def test_telegram_refusals_over_http(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    async with build_app(api) as app:
        bot = app.bot
        with pytest.raises(BadRequest, match="Message caption is too long"):
            await bot.send_photo(user.chat_id, b"img", caption="c" * 1025)
        with pytest.raises(BadRequest, match="text buttons are unallowed"):
            await bot.send_message(
                user.chat_id,
                "x",
                reply_markup={"inline_keyboard": [[{"text": "no action"}]]},
            )
        with pytest.raises(BadRequest, match="reserved and must be escaped"):
            await bot.send_message(user.chat_id, "Stage 1.", parse_mode="MarkdownV2")
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(user.chat_id, 77)
        with pytest.raises(BadRequest, match="Message to be replied not found"):
            await bot.send_message(user.chat_id, "re", reply_to_message_id=77)
        with pytest.raises(BadRequest, match="Wrong parameter action"):
            await bot.send_chat_action(user.chat_id, "dancing")
    assert api.transcript(user.chat_id) == []


@pytest.mark.parametrize(
    ("commands", "error"),
    [
        ([BotCommand("Start", "Begin")], "Bot_command_invalid"),
        ([BotCommand("a" * 33, "Begin")], "Bot_command_invalid"),
        ([BotCommand("start-now", "Begin")], "Bot_command_invalid"),
        ([BotCommand("start", "d" * 257)], "Bot_command_description_invalid"),
        ([BotCommand("start", " ")], "Bot_command_description_invalid"),
        ([BotCommand(f"c{n}", "d") for n in range(101)], "Bot_commands_too_much"),
    ],
)
async def test_command_menus_are_checked(
    api: LoopbackBotApi, commands: list[BotCommand], error: str
) -> None:
    async with build_app(api) as app:
        with pytest.raises(BadRequest, match=error):
            await app.bot.set_my_commands(commands)


async def test_command_menus_by_scope_and_language(api: LoopbackBotApi) -> None:
    user = api.create_user()
    async with build_app(api) as app:
        await app.bot.set_my_commands([("start", "Begin")])
        await app.bot.set_my_commands([("start", "ابدأ")], language_code="ar")
        await app.bot.set_my_commands(
            [("help", "Aide")], scope=BotCommandScopeChat(user.chat_id), language_code="fr"
        )
        arabic = await app.bot.get_my_commands(language_code="ar")
        with pytest.raises(BadRequest, match="Lang_code_invalid"):
            await app.bot.set_my_commands([("start", "x")], language_code="pt-br")
        await app.bot.delete_my_commands()
    assert [(c.command, c.description) for c in arabic] == [("start", "ابدأ")]
    assert api.commands() == []
    assert api.commands(scope={"type": "chat", "chat_id": user.chat_id}, language_code="fr") == [
        {"command": "help", "description": "Aide"}
    ]


async def test_copy_forward_delete_and_listeners(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    group = api.create_group("Organisers")
    events: list[tuple[str, int]] = []

    def listen(event: str, message: ChatMessage) -> None:
        events.append((event, message.message_id))

    api.add_message_listener(listen)
    async with build_app(api) as app:
        original = await app.bot.send_message(user.chat_id, "<b>Stage 2</b>", parse_mode="HTML")
        copied = await app.bot.copy_message(group.chat_id, user.chat_id, original.message_id)
        forwarded = await app.bot.forward_message(group.chat_id, user.chat_id, original.message_id)
        await original.delete()
    assert api.message(group.chat_id, copied.message_id).entities == [
        {"type": "bold", "offset": 0, "length": 7}
    ]
    assert forwarded.forward_origin is not None
    assert api.transcript(user.chat_id) == []
    assert api.transcript(user.chat_id, include_deleted=True)[0].deleted
    assert events == [("sent", 1), ("sent", 1), ("sent", 2), ("deleted", 1)]
