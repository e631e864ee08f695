"""Period labels and ISO 8601 intervals → (start, end, label).

Fingertips labels (as published on fingertips.phe.org.uk):

- ``'2011'`` calendar year; ``'2015 - 17'`` / ``'2015-17'`` pooled calendar years;
- ``'2014/15'`` a financial (April–March) or academic (September–August) year — which one
  depends on the indicator family, so the caller passes ``year_start_month``
  (4 = financial, 9 = academic; NCMP and school-readiness data are academic years);
- ``'2018/19 - 22/23'`` pooled financial or academic years;
- ``'2019 Q1'`` calendar quarter, ``'2019/20 Q1'`` financial quarter (Q1 = April–June),
  ``'Jan 2020'`` a month.

ONS intervals ``'2015-11-16/P1Y'``: the end is start + duration − 1 day; the label is given
in Fingertips style (``'2015/16'`` for a year not starting on 1 January).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "ACADEMIC",
    "CALENDAR",
    "FINANCIAL",
    "Period",
    "PeriodError",
    "parse_iso_interval",
    "parse_period_label",
]

CALENDAR = 1
FINANCIAL = 4
ACADEMIC = 9

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}


class PeriodError(ValueError):
    """A period label or interval that cannot be read."""


@dataclass(frozen=True)
class Period:
    """A closed date interval and its label as published (Fingertips style)."""

    start: date
    end: date
    label: str


def _full_year(first: int, two_digits: str) -> int:
    """The four-digit year a 2-digit suffix denotes, on or after ``first``."""
    if len(two_digits) == 4:
        return int(two_digits)
    year = first // 100 * 100 + int(two_digits)
    return year if year >= first else year + 100


def _year_span(first: int, last: int, month: int) -> tuple[date, date]:
    """Years ``first``..``last`` where each year starts on the 1st of ``month``."""
    start = date(first, month, 1)
    end = date(last + 1, month, 1) - timedelta(days=1)
    return start, end


_SINGLE = re.compile(r"^(\d{4})$")
_POOLED = re.compile(r"^(\d{4})\s*-\s*(\d{2}|\d{4})$")
_SPLIT = re.compile(r"^(\d{4})/(\d{2})$")
_SPLIT_POOLED = re.compile(r"^(\d{4})/(\d{2})\s*-\s*(\d{2})/(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})(?:/(\d{2}))?\s+Q([1-4])$")
_MONTH = re.compile(r"^([A-Za-z]{3})\s+(\d{4})$")


def parse_period_label(label: str, *, year_start_month: int = FINANCIAL) -> Period:
    """Read a Fingertips-style period label.

    ``year_start_month`` says what a split year ``'2014/15'`` means: 4 (financial year,
    April–March) or 9 (academic year, September–August).

    >>> parse_period_label("2015 - 17")
    Period(start=datetime.date(2015, 1, 1), end=datetime.date(2017, 12, 31), label='2015 - 17')
    >>> parse_period_label("2014/15", year_start_month=ACADEMIC).end
    datetime.date(2015, 8, 31)
    """
    if year_start_month not in (FINANCIAL, ACADEMIC):
        raise PeriodError(f"year_start_month must be 4 or 9, not {year_start_month}")
    text = label.strip()
    if m := _SINGLE.match(text):
        start, end = _year_span(int(m[1]), int(m[1]), CALENDAR)
    elif m := _POOLED.match(text):
        first = int(m[1])
        last = _full_year(first, m[2])
        _check_span(label, first, last)
        start, end = _year_span(first, last, CALENDAR)
    elif m := _SPLIT.match(text):
        first = int(m[1])
        if _full_year(first, m[2]) != first + 1:
            raise PeriodError(f"period '{label}' is not two consecutive years")
        start, end = _year_span(first, first, year_start_month)
    elif m := _SPLIT_POOLED.match(text):
        first = int(m[1])
        last = _full_year(first, m[3])
        if _full_year(first, m[2]) != first + 1 or _full_year(last, m[4]) != last + 1:
            raise PeriodError(f"period '{label}' is not made of consecutive split years")
        _check_span(label, first, last)
        start, end = _year_span(first, last, year_start_month)
    elif m := _QUARTER.match(text):
        year, quarter = int(m[1]), int(m[3])
        if m[2] is None:
            month = 1 + 3 * (quarter - 1)
        else:
            if _full_year(year, m[2]) != year + 1:
                raise PeriodError(f"period '{label}' is not two consecutive years")
            month = 4 + 3 * (quarter - 1)
            year += (month - 1) // 12
            month = (month - 1) % 12 + 1
        start = date(year, month, 1)
        end = _add_months(start, 3) - timedelta(days=1)
    elif (m := _MONTH.match(text)) and m[1].lower() in _MONTHS:
        start = date(int(m[2]), _MONTHS[m[1].lower()], 1)
        end = _add_months(start, 1) - timedelta(days=1)
    else:
        raise PeriodError(
            f"period '{label}' is not a recognised label "
            "(expected e.g. '2011', '2015 - 17', '2014/15', '2018/19 - 22/23', '2019 Q1')"
        )
    return Period(start, end, text)


_MAX_POOLED_YEARS = 20


def _check_span(label: str, first: int, last: int) -> None:
    """Pooled periods run forwards and span at most 20 years ('2017 - 15' is an error)."""
    if not first < last <= first + _MAX_POOLED_YEARS:
        raise PeriodError(f"period '{label}' does not run forwards over 2–20 years")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})/P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


def parse_iso_interval(text: str) -> Period:
    """Read an ISO 8601 ``start/duration`` interval as ONS publishes it.

    >>> parse_iso_interval("2015-11-16/P1Y")
    Period(start=datetime.date(2015, 11, 16), end=datetime.date(2016, 11, 15), label='2015/16')
    >>> parse_iso_interval("2020-01-01/P3Y").label
    '2020 - 22'
    """
    m = _ISO.match(text.strip())
    if m is None or not any(m[i] for i in (4, 5, 6)):
        raise PeriodError(f"period '{text}' is not an ISO 8601 interval like '2015-01-01/P1Y'")
    try:
        start = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise PeriodError(f"period '{text}' has an invalid start date: {exc}") from None
    years, months, days = (int(m[i] or 0) for i in (4, 5, 6))
    end = _add_months(start, 12 * years + months) + timedelta(days=days) - timedelta(days=1)
    if end < start:
        raise PeriodError(f"period '{text}' has a zero duration")
    label = text.strip()
    if years and not months and not days:
        last = start.year + years - 1
        if start.month == 1 and start.day == 1:
            label = str(start.year) if years == 1 else f"{start.year} - {last % 100:02d}"
        elif years == 1:
            label = f"{start.year}/{(start.year + 1) % 100:02d}"
        else:
            label = (
                f"{start.year}/{(start.year + 1) % 100:02d} - "
                f"{last % 100:02d}/{(last + 1) % 100:02d}"
            )
    return Period(start, end, label)
