"""Opening hours: the days and hours a place is open, and whether it is open at an instant.

A week is written as slots, each a set of days and the time ranges of those days
(`mon-fri` and `08:30-12:00, 13:30-16:30`), the way a rally file and the State's
*Annuaire de l'administration* both give it. A day no slot names is a closed day. The
instant is always passed in, with the place's timezone: nothing here reads a clock.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo


class OpeningHoursError(ValueError):
    """Opening hours written so that they cannot be read; the message says what to write."""


class Weekday(enum.IntEnum):
    """A day of the week, numbered as `datetime.weekday()` and Babel's day names (Monday 0)."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6

    @property
    def code(self) -> str:
        """The day as a rally file writes it: mon, tue, wed, thu, fri, sat, sun."""
        return DAY_CODES[self.value]


DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_DAY_WORDS: dict[str, Weekday] = {}
for _day, _words in zip(
    Weekday,
    (
        ("mon", "monday", "lun", "lundi"),
        ("tue", "tuesday", "mar", "mardi"),
        ("wed", "wednesday", "mer", "mercredi"),
        ("thu", "thursday", "jeu", "jeudi"),
        ("fri", "friday", "ven", "vendredi"),
        ("sat", "saturday", "sam", "samedi"),
        ("sun", "sunday", "dim", "dimanche"),
    ),
    strict=True,
):
    for _word in _words:
        _DAY_WORDS[_word] = _day
"""English and French day names and their usual abbreviations (the annuaire writes "Lundi")."""

_DAY_HELP = "write mon, tue, wed, thu, fri, sat or sun"


def _folded(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip(".")


def parse_day(word: str) -> Weekday:
    """A day from its name: `mon`, `Monday`, `lundi`, `Lun.` (any case, accents optional)."""
    day = _DAY_WORDS.get(_folded(word))
    if day is None:
        raise OpeningHoursError(f"'{word.strip()}' is not a day ({_DAY_HELP})")
    return day


def day_span(first: Weekday, last: Weekday) -> tuple[Weekday, ...]:
    """The days from `first` to `last`, going round the week's end (`fri-mon`: four days)."""
    count = (last - first) % 7 + 1
    return tuple(Weekday((first + offset) % 7) for offset in range(count))


def parse_days(text: str) -> tuple[Weekday, ...]:
    """Days written as `mon-fri`, `tue`, `mon, wed, fri` or `sat-sun`, in week order."""
    days: list[Weekday] = []
    for part in text.split(","):
        if not part.strip():
            raise OpeningHoursError(f"no days in '{text.strip()}' ({_DAY_HELP}, or mon-fri)")
        ends = re.split(r"\s*[-–—]\s*", part.strip())
        if len(ends) > 2:
            raise OpeningHoursError(f"'{part.strip()}' is not a range of days (write mon-fri)")
        first = parse_day(ends[0])
        span = day_span(first, parse_day(ends[-1])) if len(ends) == 2 else (first,)
        twice = [day for day in span if day in days]
        if twice:
            raise OpeningHoursError(f"'{twice[0].code}' is given twice in '{text.strip()}'")
        days.extend(span)
    return tuple(sorted(days))


def days_text(days: Iterable[Weekday]) -> str:
    """Days as a rally file writes them: runs of three or more as `mon-fri`, else `sat, sun`."""
    ordered = sorted(set(days))
    parts: list[str] = []
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append(f"{ordered[start].code}-{ordered[end].code}")
        else:
            parts.extend(day.code for day in ordered[start : end + 1])
        start = end + 1
    return ", ".join(parts)


_TIME = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})(?::(\d{2}))?$")


def parse_time(text: str) -> time:
    """A time of day: `08:30`, `8:30`, `8h30`, or the annuaire's `08:30:00`."""
    match = _TIME.match(text.strip())
    if match is None:
        raise OpeningHoursError(f"'{text.strip()}' is not a time of day (write it as 08:30)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise OpeningHoursError(f"'{text.strip()}' is not a time of day (00:00 to 23:59)")
    return time(hour, minute)


@dataclass(frozen=True, order=True)
class TimeRange:
    """From an opening time to a closing time the same day (`08:30-12:00`)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise OpeningHoursError(
                f"{self}: the closing time must come after the opening time "
                "(hours past midnight are not supported)"
            )

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def holds(self, moment: time) -> bool:
        """Whether a time of day falls in this range (open at the start, closed at the end)."""
        return self.start <= moment < self.end


def parse_range(text: str) -> TimeRange:
    """A time range: `08:30-12:00` (an en dash also works)."""
    ends = re.split(r"\s*[-–—]\s*|\s+(?:to|à|a)\s+", text.strip())
    if len(ends) != 2 or not all(ends):
        raise OpeningHoursError(f"'{text.strip()}' is not a time range (write it as 08:30-12:00)")
    return TimeRange(parse_time(ends[0]), parse_time(ends[1]))


def _in_order(ranges: Sequence[TimeRange], where: str) -> tuple[TimeRange, ...]:
    """Ranges sorted, refused if two of them overlap."""
    ordered = sorted(ranges)
    for before, after in pairwise(ordered):
        if after.start < before.end:
            raise OpeningHoursError(f"{where}{before} overlaps {after}")
    return tuple(ordered)


def parse_hours(text: str | Sequence[str]) -> tuple[TimeRange, ...]:
    """The time ranges of a day: `08:30-12:00, 13:30-16:30`, or a list of ranges."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    if not [part for part in parts if part.strip()]:
        raise OpeningHoursError("no hours: write them as 08:30-12:00, 13:30-16:30")
    return _in_order([parse_range(part) for part in parts], "")


def hours_text(ranges: Iterable[TimeRange]) -> str:
    """Time ranges as a rally file writes them: `08:30-12:00, 13:30-16:30`."""
    return ", ".join(str(r) for r in ranges)


@dataclass(frozen=True)
class OpenNow:
    """Open at the instant asked about, until `until` (in the place's timezone)."""

    until: datetime


@dataclass(frozen=True)
class ClosedNow:
    """Closed at the instant asked about; it opens at `opens`, or None if it never opens."""

    opens: datetime | None


Status = OpenNow | ClosedNow


@dataclass(frozen=True)
class Week:
    """The time ranges of each day of the week, Monday first; a day without any is closed."""

    days: tuple[tuple[TimeRange, ...], ...]

    @classmethod
    def of(cls, slots: Iterable[tuple[Iterable[Weekday], Iterable[TimeRange]]]) -> Week:
        """The week of some slots (days, ranges); a day in two slots has both their ranges,
        refused if they overlap."""
        days: list[list[TimeRange]] = [[] for _ in Weekday]
        for slot_days, ranges in slots:
            listed = list(ranges)
            for day in slot_days:
                days[day].extend(listed)
        return cls(
            tuple(
                _in_order(ranges, f"{day.code}: ")
                for day, ranges in zip(Weekday, days, strict=True)
            )
        )

    def ranges(self, day: Weekday) -> tuple[TimeRange, ...]:
        """The time ranges of one day (none: closed)."""
        return self.days[day]

    @property
    def open_days(self) -> tuple[Weekday, ...]:
        """The days it opens at all."""
        return tuple(day for day in Weekday if self.days[day])

    def runs(self) -> tuple[tuple[tuple[Weekday, ...], tuple[TimeRange, ...]], ...]:
        """The open days grouped as a reader takes them in: consecutive days with the same
        hours together (`mon-fri 08:30-12:00`), in week order."""
        runs: list[tuple[list[Weekday], tuple[TimeRange, ...]]] = []
        for day in self.open_days:
            ranges = self.days[day]
            if runs and runs[-1][0][-1] == day - 1 and runs[-1][1] == ranges:
                runs[-1][0].append(day)
            else:
                runs.append(([day], ranges))
        return tuple((tuple(days), ranges) for days, ranges in runs)

    def status(self, moment: datetime, zone: ZoneInfo) -> Status:
        """Open or closed at an instant, by the wall clock of `zone` (summer time included)."""
        if moment.tzinfo is None:
            raise ValueError("the instant must carry its timezone")
        local = moment.astimezone(zone)
        today, now = local.date(), local.time()
        for index, current in enumerate(ranges := self.days[local.weekday()]):
            if current.holds(now):
                end = current.end
                for following in ranges[index + 1 :]:  # 12:00-13:00 then 13:00-16:00: one stretch
                    if following.start != end:
                        break
                    end = following.end
                return OpenNow(_at(today, end, zone))
        for offset in range(8):  # today's later ranges, then the next seven days'
            day = today + timedelta(days=offset)
            for current in self.days[day.weekday()]:
                if offset or current.start > now:
                    return ClosedNow(_at(day, current.start, zone))
        return ClosedNow(None)


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)
