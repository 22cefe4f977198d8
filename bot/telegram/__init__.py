"""Telegram plumbing: the application and its composition root, the typed context, the one
delivery path (retries, flood budget, outbox), the web server, and what the bot says."""
