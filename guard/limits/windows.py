"""Calendar windows in UTC, for budgets ("this month") and rate limits ("this minute").

A budget's window is a calendar period, not a rolling one: ``month`` resets at
00:00 UTC on the first, ``week`` on Monday 00:00 UTC. Keys name the window's
start, so a new window is a new key and nothing has to be reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

RATE_WINDOWS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
"""Rate-limit window lengths in seconds."""

GRACE = timedelta(days=1)
"""How long a window's keys outlive it: late settlements of its reservations still land."""


@dataclass(frozen=True, slots=True)
class Window:
    """One calendar window: ``[start, end)``."""

    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """Compact start time, used in store keys."""
        return self.start.strftime("%Y%m%dT%H%M")

    @property
    def expires_at(self) -> float:
        return (self.end + GRACE).timestamp()


def calendar_window(period: str, now: datetime) -> Window:
    """The ``minute``, ``hour``, ``day``, ``week`` or ``month`` containing ``now``."""
    now = now.astimezone(UTC)
    if period == "month":
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return Window(start, start.replace(year=year, month=month))
    if period == "week":
        monday = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
            days=now.weekday())
        return Window(monday, monday + timedelta(days=7))
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return Window(day, day + timedelta(days=1))
    hour = now.replace(minute=0, second=0, microsecond=0)
    if period == "hour":
        return Window(hour, hour + timedelta(hours=1))
    minute = now.replace(second=0, microsecond=0)
    return Window(minute, minute + timedelta(minutes=1))
