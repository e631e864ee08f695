"""Time in decimal years: values sit at their period's mid-point, deadlines at their end.

- A value covering ``period_start`` … ``period_end`` (inclusive) is placed at the mid-point
  of the period, in decimal years (2023/24 school year 1 Sep 2023 – 31 Aug 2024 → 2024.16).
- A deadline is the **end** of the period it names, so that the value *for* that period
  counts as on time: ``'2025'`` → 31 Dec 2025 (2026.0); ``'2023/24'`` → the financial year's
  end, 31 Mar 2024 (2024.25; a 2023/24 academic-year value, mid-point 2024.16, is in time);
  ``'2021-03'`` → 31 Mar 2021 (2021.25). See ADR 0700.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

__all__ = ["deadline_time", "decimal_year", "midpoint", "period_time"]

_YEAR = re.compile(r"^(\d{4})$")
_SPLIT = re.compile(r"^(\d{4})/(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def decimal_year(day: date) -> float:
    """The start of ``day`` as a decimal year (1 Jan 2024 → 2024.0)."""
    start = date(day.year, 1, 1)
    length = (date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def midpoint(start: date, end: date) -> float:
    """The mid-point of the inclusive period ``start`` … ``end`` in decimal years."""
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    after = end + timedelta(days=1)
    return (decimal_year(start) + decimal_year(after)) / 2


def period_time(start: date, end: date) -> float:
    """Where a value for the period is placed on the time axis (its mid-point)."""
    return midpoint(start, end)


def deadline_time(deadline: str) -> float:
    """The end of the period a deadline names, in decimal years (see the module docstring)."""
    text = deadline.strip()
    if m := _YEAR.match(text):
        return float(int(m.group(1)) + 1)
    if m := _SPLIT.match(text):
        first = int(m.group(1))
        if (first + 1) % 100 != int(m.group(2)):
            raise ValueError(f"deadline {deadline!r}: the years must be consecutive")
        return decimal_year(date(first + 1, 4, 1))
    if m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"deadline {deadline!r}: month must be 01 to 12")
        return float(year + 1) if month == 12 else decimal_year(date(year, month + 1, 1))
    raise ValueError(f"deadline {deadline!r} must look like 2025, 2023/24 or 2021-03")
