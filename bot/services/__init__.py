"""The service layer: what the Telegram handlers call, one unit of work per decision."""
