"""The final message's words per language, as its voice reads them (`bot.core.voices.FINAL_KEY`).

The rally file does not write the final message: the bot's catalogs do. Its voice reads the
sentence in a language only where the catalog translates it; elsewhere gettext would give the
English msgid, which the language's synthesiser voice (or a volunteer) would then read.
"""

from __future__ import annotations

import gettext
import html
from collections.abc import Callable

from bot.core.voices import Interface
from bot.i18n.catalogs import SOURCE_LANGUAGE, Catalogs, Translator

FinalWords = Callable[[Translator], str]
"""The bot's final words in a translator's language (`bot.telegram.render.play.final_words`)."""


def final_interface(catalogs: Catalogs, words: FinalWords) -> Interface:
    """The final words in each language of `catalogs` that translates them, as plain text
    (None in the others, and in languages without a catalog)."""
    english = words(
        Translator(
            SOURCE_LANGUAGE,
            gettext.NullTranslations(),
            catalogs.default_language,
            catalogs.timezone,
        )
    )

    def said(language: str) -> str | None:
        if language not in catalogs.languages:
            return None
        text = words(catalogs.translator(language))
        if language != SOURCE_LANGUAGE and text == english:
            return None  # not translated yet: no voice rather than English in its voice
        return html.unescape(text)

    return said
