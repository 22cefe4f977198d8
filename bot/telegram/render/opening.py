"""A place's opening hours on its practical card: the week, and whether it is open right now.

The days and times are Babel's, in the reader's language (`bot.i18n.opening`); whether the
place is open is read at the instant the card is sent, on the rally's wall clock (the
translator's timezone is the rally's), by `bot.core.opening`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.opening import OpenNow, Week, Weekday
from bot.i18n.catalogs import Escaped, Translator
from bot.i18n.opening import day_name, day_range, time_ranges


def week_lines(tr: Translator, week: Week) -> list[str]:
    """The opening hours, one line per run of days with the same hours."""
    lines: list[str] = [tr._("🕘 Opening hours:")]
    lines += [
        "• "
        + tr._("{days}: {hours}", days=day_range(days, tr.locale), hours=time_ranges(r, tr.locale))
        for days, r in week.runs()
    ]
    return lines


def open_now(tr: Translator, week: Week, now: datetime) -> Escaped | None:
    """ "Open now, until 16:30" or "Closed now, opens Monday at 08:30" (None: never opens)."""
    status = week.status(now, tr.timezone)
    if isinstance(status, OpenNow):
        return tr._("🟢 Open now, until {time}.", time=tr.clock(status.until))
    opens = status.opens
    if opens is None:
        return None
    today = now.astimezone(tr.timezone).date()
    at = tr.clock(opens)
    if opens.date() == today:
        return tr._("🔴 Closed now, opens today at {time}.", time=at)
    if opens.date() == today + timedelta(days=1):
        return tr._("🔴 Closed now, opens tomorrow at {time}.", time=at)
    day = day_name(Weekday(opens.weekday()), tr.locale)
    return tr._("🔴 Closed now, opens {day} at {time}.", day=day, time=at)
