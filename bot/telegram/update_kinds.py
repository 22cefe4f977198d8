"""The update kinds the bot asks Telegram for (`allowed_updates`) and handles."""

from __future__ import annotations

from telegram import Update

ALLOWED_UPDATES = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
)
"""Any other kind is stopped before every handler (`handlers.reader`)."""
