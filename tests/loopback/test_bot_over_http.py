"""A real python-telegram-bot Application against the loopback server, over HTTP."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from loopback import LoopbackBotApi

from .harness import App, StepClock, build_app, polling


class EchoBot:
    """A small bot: echoes text, greets /start with a keyboard, edits on a button press."""

    def __init__(self) -> None:
        self.errors: list[object] = []
        self.update_ids: list[int] = []

    def build(self, api: LoopbackBotApi, **timeouts: float) -> App:
        app = build_app(api, **timeouts)
        app.add_handler(TypeHandler(Update, self.record), group=-1)
        app.add_handler(CommandHandler("start", self.start))
        app.add_handler(CommandHandler("long", self.long))
        app.add_handler(CallbackQueryHandler(self.pressed))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.echo))
        app.add_error_handler(self.on_error)
        return app

    async def record(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.update_ids.append(update.update_id)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        team = context.args[0] if context.args else "none"
        await update.effective_message.reply_html(
            f"Welcome, team <b>{team}</b>!",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Ready", callback_data="ready")]]
            ),
        )

    async def long(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("x" * 4097)

    async def pressed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Let's go")
        await query.edit_message_text(f"You pressed {query.data}")

    async def echo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.errors.append(context.error)


@pytest.fixture
def echo_bot() -> EchoBot:
    return EchoBot()


async def test_text_is_echoed(api: LoopbackBotApi, echo_bot: EchoBot) -> None:
    amina = api.create_user("Amina", language_code="ar")
    app = echo_bot.build(api)
    async with polling(app):
        amina.send_text("Salam 👋")
        await api.wait_idle(app)
    reply = api.last_message(amina.chat_id)
    assert reply.text == "Salam 👋"
    assert reply.from_bot
    assert echo_bot.errors == []


async def test_start_command_with_deep_link_payload(api: LoopbackBotApi, echo_bot: EchoBot) -> None:
    omar = api.create_user("Omar")
    app = echo_bot.build(api)
    async with polling(app):
        omar.start("TEAM42")
        await api.wait_idle(app)
    welcome = api.last_message(omar.chat_id)
    assert welcome.text == "Welcome, team TEAM42!"
    assert welcome.parse_mode == "HTML"
    assert welcome.entities == [{"type": "bold", "offset": 14, "length": 6}]
    assert [b["text"] for row in welcome.inline_keyboard for b in row] == ["Ready"]


async def test_button_press_is_answered_and_message_edited(
    api: LoopbackBotApi, echo_bot: EchoBot
) -> None:
    lina = api.create_user("Lina")
    app = echo_bot.build(api)
    async with polling(app):
        lina.start()
        await api.wait_idle(app)
        welcome = api.last_message(lina.chat_id)
        query = lina.press_button("Ready")
        await api.wait_idle(app)
    assert query.answered
    assert query.answer_text == "Let's go"
    assert welcome.text == "You pressed ready"
    assert welcome.history[0].content["text"] == "Welcome, team none!"
    assert welcome.inline_keyboard == []  # an edit without reply_markup drops the keyboard
    assert welcome.edit_date is not None


async def test_text_over_4096_characters_is_refused(api: LoopbackBotApi, echo_bot: EchoBot) -> None:
    sara = api.create_user("Sara")
    app = echo_bot.build(api)
    async with polling(app):
        sara.send_command("long")
        await api.wait_idle(app)
    assert len(echo_bot.errors) == 1
    error = echo_bot.errors[0]
    assert isinstance(error, BadRequest)
    assert error.message == "Message is too long"
    assert api.transcript(sara.chat_id) == []


async def test_length_is_counted_in_utf16_after_entity_parsing(api: LoopbackBotApi) -> None:
    sara = api.create_user("Sara", started=True)
    async with build_app(api) as app:
        # 2048 emoji are 4096 UTF-16 code units: just fits; one more does not.
        await app.bot.send_message(sara.chat_id, "<b>" + "😀" * 2048 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="Message is too long"):
            await app.bot.send_message(sara.chat_id, "😀" * 2048 + "!")
        with pytest.raises(BadRequest, match="Message text is empty"):
            await app.bot.send_message(sara.chat_id, "<i> </i>", parse_mode="HTML")


async def test_callback_data_of_65_bytes_is_refused(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    async with build_app(api) as app:
        fits = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])
        await app.bot.send_message(user.chat_id, "64 bytes", reply_markup=fits)
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("no", callback_data="a" * 65)]])
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await app.bot.send_message(user.chat_id, "65 bytes", reply_markup=too_long)
    assert [m.text for m in api.transcript(user.chat_id)] == ["64 bytes"]


async def test_identical_edit_is_refused(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    async with build_app(api) as app:
        sent = await app.bot.send_message(user.chat_id, "Question 1", reply_markup=markup)
        with pytest.raises(BadRequest, match="Message is not modified"):
            await sent.edit_text("Question 1", reply_markup=markup)
        await sent.edit_text("Question 1")  # dropping the keyboard is a change
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await app.bot.edit_message_text("x", chat_id=user.chat_id, message_id=999)
    assert api.message(user.chat_id, sent.message_id).inline_keyboard == []


@pytest.mark.parametrize(
    ("html", "description"),
    [
        ("3 < 4", 'Unsupported start tag "" at byte offset 2'),
        ("<blink>hi</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("Fish & chips", 'Unescaped "&"'),
    ],
)
async def test_malformed_html_is_refused(api: LoopbackBotApi, html: str, description: str) -> None:
    user = api.create_user(started=True)
    async with build_app(api) as app:
        with pytest.raises(BadRequest) as refused:
            await app.bot.send_message(user.chat_id, html, parse_mode=ParseMode.HTML)
    assert refused.value.message.startswith("Can't parse entities: ")
    assert description.lower() in refused.value.message.lower()


async def test_flood_limit_answers_retry_after(api: LoopbackBotApi, clock: StepClock) -> None:
    user = api.create_user(started=True)
    api.set_flood_limits(overall_per_second=5)
    async with build_app(api) as app:
        for number in range(5):
            await app.bot.send_message(user.chat_id, f"message {number}")
            clock.advance(0.1)
        with pytest.raises(RetryAfter) as flood:
            await app.bot.send_message(user.chat_id, "one too many")
        assert flood.value.retry_after.total_seconds() == 1
        clock.advance(0.6)  # the first message left the 1-second window
        await app.bot.send_message(user.chat_id, "after the window")
    assert api.too_many_requests_sent == 1
    refused = api.calls_of("sendMessage")[5]
    assert refused.status == 429
    assert refused.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }


async def test_blocked_user_gives_forbidden(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    update = user.block()
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    async with build_app(api) as app:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(user.chat_id, "Are you there?")
        with pytest.raises(BadRequest, match="Chat not found"):
            await app.bot.send_message(424242, "nobody")


async def test_unknown_method_is_404(api: LoopbackBotApi) -> None:
    async with build_app(api) as app:
        with pytest.raises(EndPointNotFound, match="'sendTelepathy' not found"):
            await app.bot.do_api_request("sendTelepathy")
    assert api.calls_of("sendTelepathy")[0].response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found",
    }


async def test_wrong_token_is_401(api: LoopbackBotApi) -> None:
    bot = Bot("654321:WRONG", base_url=api.base_url)
    with pytest.raises(InvalidToken, match="was rejected"):
        async with bot:
            pass
    assert api.calls_of("getMe")[0].response == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized",
    }


async def test_redelivered_update_reaches_the_application_twice(
    api: LoopbackBotApi, echo_bot: EchoBot
) -> None:
    user = api.create_user()
    app = echo_bot.build(api)
    async with polling(app):
        update = user.send_text("only once, please")
        await api.wait_idle(app)
        api.inject(update)  # Telegram may deliver the same update again
        await api.wait_idle(app)
    assert echo_bot.update_ids == [update["update_id"], update["update_id"]]
    assert [m.text for m in api.transcript(user.chat_id)] == ["only once, please"] * 2


async def test_unconfirmed_updates_come_again_after_a_restart(
    api: LoopbackBotApi, echo_bot: EchoBot
) -> None:
    user = api.create_user()
    first = echo_bot.build(api, get_updates_read_timeout=0.3)
    async with polling(first):
        await api.wait_for(lambda: api.is_polling)
        # The poll that would confirm the update and the final confirming poll never answer:
        # the bot "crashes" after fetching the update.
        api.faults.hang("getUpdates", times=2)
        update = user.send_text("are you there?")
        await api.wait_for(lambda: len(echo_bot.update_ids) == 1)
    assert update in api.pending_updates
    api.faults.clear()
    second_bot = EchoBot()
    second = second_bot.build(api)
    async with polling(second):
        await api.wait_idle(second)
    assert second_bot.update_ids == [update["update_id"]]
    assert api.pending_updates == []


async def test_multipart_document_is_recorded_with_its_bytes(api: LoopbackBotApi) -> None:
    user = api.create_user(started=True)
    payload = bytes(range(256)) * 4 + b"\r\n--not-a-boundary\r\n"
    async with build_app(api) as app:
        sent = await app.bot.send_document(
            user.chat_id,
            payload,
            filename="certificate.pdf",
            caption="Your <i>certificate</i>",
            parse_mode="HTML",
        )
        downloaded = await (await app.bot.get_file(sent.document.file_id)).download_as_bytearray()
    call = api.calls_of("sendDocument")[0]
    assert call.files["document"].data == payload
    message = api.last_message(user.chat_id)
    assert message.kind == "document"
    assert message.caption == "Your certificate"
    assert message.file is not None
    assert message.file.file_name == "certificate.pdf"
    assert message.file.data == payload
    assert bytes(downloaded) == payload


async def test_errors_reach_the_error_handler_not_the_test_runner(
    api: LoopbackBotApi, echo_bot: EchoBot
) -> None:
    user = api.create_user()
    app = echo_bot.build(api)
    async with polling(app):
        user.send_command("long")
        user.send_text("still alive")
        await api.wait_idle(app)
    assert [type(e) for e in echo_bot.errors] == [BadRequest]
    assert all(isinstance(e, TelegramError) for e in echo_bot.errors)
    assert api.last_message(user.chat_id).text == "still alive"
