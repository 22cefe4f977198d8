"""Telegram adapters: read the update, call one service, render the reply, send it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from handlers import errors, fallback, join, locale, lost, photos, play, staff, start, timeline

if TYPE_CHECKING:
    from bot.context import RallyApplication


def register(application: RallyApplication) -> None:
    """Register every handler, in the order they must be tried."""
    add: Any = application.add_handler
    add(TypeHandler(Update, locale.resolve_reader), group=-1)
    add(CommandHandler("start", start.start))
    add(CommandHandler("join", join.join))
    add(CommandHandler("language", start.language))
    add(CommandHandler("help", start.show_help))
    add(CommandHandler("clue", play.show_clue))
    add(CommandHandler("team", play.show_team))
    add(CommandHandler("hint", play.hint))
    add(CommandHandler("open", timeline.open_rally))
    add(CommandHandler("go", timeline.go))
    add(CommandHandler("pause", timeline.pause))
    add(CommandHandler("resume", timeline.resume))
    add(CommandHandler("finish", timeline.finish))
    add(CommandHandler("lost", lost.lost))
    add(CommandHandler("scores", staff.scores))
    add(CommandHandler("progress", staff.progress))
    add(CommandHandler("checkin", staff.checkin))
    add(CommandHandler("skip", staff.skip))
    add(CommandHandler("award", staff.award))
    add(CommandHandler("newteam", staff.newteam))
    add(CommandHandler("export", staff.export))
    add(CommandHandler("photos", photos.pending_photos))
    add(MessageHandler(filters.LOCATION, play.location))
    add(MessageHandler(filters.UpdateType.EDITED_MESSAGE, fallback.edited))
    add(MessageHandler(filters.FORWARDED, fallback.forwarded))
    add(MessageHandler(filters.PHOTO, photos.photo))
    add(MessageHandler(filters.COMMAND, fallback.unknown_command))
    add(MessageHandler(filters.TEXT, play.typed))
    add(CallbackQueryHandler(play.button))
    add(MessageHandler(filters.ALL, fallback.unsupported))
    application.add_error_handler(errors.on_error)
