"""Opening hours in a language's words: Babel's day names and its way of writing times.

Shared by the chat's practical card (`bot.telegram.render.play.card`) and the printed city
guide (`bot.printing.guide`); the sentences around them ("Open now, until ...") are gettext
messages of the chat. A time is written as the language writes it: 16:30 in French,
4:30 PM in English.
"""

from __future__ import annotations

from datetime import time

from babel import Locale
from babel.dates import format_interval, format_time, get_day_names
from babel.lists import format_list

from bot.core.opening import TimeRange, Weekday


def day_name(day: Weekday, locale: Locale, *, alone: bool = False) -> str:
    """A day's full name: inside a sentence ("opens Monday"), or `alone` as a heading."""
    names = get_day_names("wide", context="stand-alone" if alone else "format", locale=locale)
    return str(names[day.value])


def _skeleton(locale: Locale) -> str:
    """Hours and minutes, in 12 or 24 hours as the locale's own short time is."""
    return "hm" if "h" in locale.time_formats["short"].pattern else "Hm"


def time_of_day(moment: time, locale: Locale) -> str:
    """A time of day as the language writes it."""
    return format_time(moment, format="short", locale=locale)


def time_range(hours: TimeRange, locale: Locale) -> str:
    """From opening to closing time, as the language writes an interval (08:30 – 12:00)."""
    return format_interval(hours.start, hours.end, _skeleton(locale), locale=locale)


def time_ranges(ranges: tuple[TimeRange, ...], locale: Locale) -> str:
    """A day's time ranges as the language lists them ("08:30 – 12:00 et 13:30 – 16:30")."""
    return format_list([time_range(hours, locale) for hours in ranges], locale=locale)


def capitalised(text: str) -> str:
    """A day name that begins a line: "lundi" as "Lundi" (scripts without case unchanged)."""
    return text[:1].upper() + text[1:]


def day_range(days: tuple[Weekday, ...], locale: Locale) -> str:
    """Consecutive days as a line of the week begins: "Lundi – vendredi", or "Samedi"."""
    first = capitalised(day_name(days[0], locale, alone=True))
    if len(days) == 1:
        return first
    return f"{first} – {day_name(days[-1], locale, alone=True)}"
