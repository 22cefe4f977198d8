"""Rallye: a Telegram bot for citizen-integration city rallies."""

import os

# python-telegram-bot 22 warns on every read of a duration (Location.live_period) unless it is
# told to return timedeltas; the bot reads live locations, so opt in before telegram is imported.
os.environ.setdefault("PTB_TIMEDELTA", "1")
