"""The organisers' dashboard: a Telegram Mini App served by the bot's own web server."""
