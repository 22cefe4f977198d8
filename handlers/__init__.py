"""Telegram adapters: read the update, call one service, render the reply, send it.

One module per feature, named after it. `register` is the one call the composition root
(`bot.telegram.app`) makes into this package: it adds every handler and gives back the day's
planner (`handlers.day.schedule_day`), which `post_init` runs for each rally.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from handlers import (
    broadcast,
    dashboard,
    day,
    errors,
    fallback,
    join,
    keepsakes,
    lost,
    photos,
    play,
    privacy,
    rallies,
    reader,
    report,
    staff,
    start,
    survey,
    timeline,
    voices,
)

if TYPE_CHECKING:
    from bot.core.phase import RallyPhase
    from bot.telegram.context import RallyApplication, Runtime

DayPlanner = Callable[["RallyApplication", "Runtime", datetime, "RallyPhase"], object]
"""Plans one rally's scheduled jobs from its file and stored phase (run in `post_init`)."""


def register(application: RallyApplication) -> DayPlanner:
    """Register every handler, in the order they must be tried; the day's planner."""
    add: Any = application.add_handler

    def command(name: str, callback: Any) -> CommandHandler[Any, Any]:
        # an edited command does not run again (an old /join edited must not switch teams)
        return CommandHandler(name, callback, filters=~filters.UpdateType.EDITED_MESSAGE)

    add(TypeHandler(Update, reader.only_what_the_bot_asked_for), group=-2)
    add(TypeHandler(Update, reader.resolve_reader), group=-1)
    add(command("start", start.start))
    add(command("join", join.join))
    add(command("language", start.language))
    add(command("help", start.show_help))
    add(command("forget", privacy.forget))
    add(command("mydata", privacy.my_data))
    add(command("erase", privacy.erase))
    add(command("privacy", privacy.show_privacy))
    add(command("voice", voices.voice))
    add(command("record", voices.record))
    add(command("clue", play.show_clue))
    add(command("team", play.show_team))
    add(command("hint", play.hint))
    add(command("survey", survey.open_survey))
    add(command("guide", keepsakes.guide))
    add(command("certificate", keepsakes.certificate))
    add(command("open", timeline.open_rally))
    add(command("go", timeline.go))
    add(command("pause", timeline.pause))
    add(command("resume", timeline.resume))
    add(command("finish", timeline.finish))
    add(command("lost", lost.lost))
    add(command("scores", staff.scores))
    add(command("progress", staff.progress))
    add(command("checkin", staff.checkin))
    add(command("skip", staff.skip))
    add(command("award", staff.award))
    add(command("newteam", staff.newteam))
    add(command("export", staff.export))
    add(command("report", report.report))
    add(command("photos", photos.pending_photos))
    add(command("rally", rallies.rally))
    add(command("dashboard", dashboard.open_dashboard))
    add(MessageHandler(filters.LOCATION, play.location))
    add(MessageHandler(filters.UpdateType.EDITED_MESSAGE, fallback.edited))
    add(MessageHandler(filters.FORWARDED, fallback.forwarded))
    add(MessageHandler(filters.PHOTO, photos.photo))
    add(MessageHandler(filters.VOICE, voices.voice_message))
    add(command("broadcast", broadcast.broadcast))
    add(command("announce", broadcast.announce))
    add(MessageHandler(filters.COMMAND, fallback.unknown_command))
    add(MessageHandler(filters.TEXT, play.typed))
    add(CallbackQueryHandler(play.button))
    add(MessageHandler(filters.ALL, fallback.unsupported))
    application.add_error_handler(errors.on_error)
    return day.schedule_day
