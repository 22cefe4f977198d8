"""Voices on disk: the rally file's `audio:` files and the synthetic drafts, how they are made
(`drafts`), found (`library`) and counted (`coverage`). Played through `bot.services.voices`."""
