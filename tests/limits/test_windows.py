"""Calendar windows in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guard.limits.windows import calendar_window

PERIODS = ["minute", "hour", "day", "week", "month"]


def test_windows_of_a_new_years_eve() -> None:
    now = datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC)
    starts = {p: calendar_window(p, now).start for p in PERIODS}
    assert starts == {"minute": datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
                      "hour": datetime(2026, 12, 31, 23, tzinfo=UTC),
                      "day": datetime(2026, 12, 31, tzinfo=UTC),
                      "week": datetime(2026, 12, 28, tzinfo=UTC),  # a Monday
                      "month": datetime(2026, 12, 1, tzinfo=UTC)}
    assert calendar_window("month", now).end == datetime(2027, 1, 1, tzinfo=UTC)


def test_local_times_are_windowed_in_utc() -> None:
    local = datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))  # Feb 28 22:30 UTC
    assert calendar_window("month", local).start == datetime(2026, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize("period", PERIODS)
@given(now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                        timezones=st.just(UTC)))
def test_every_instant_lies_in_its_window(period: str, now: datetime) -> None:
    window = calendar_window(period, now)
    assert window.start <= now < window.end
    assert calendar_window(period, window.end).start == window.end  # windows tile time
