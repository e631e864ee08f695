"""Period labels and ISO intervals read to the right dates; series keys slug correctly."""

from __future__ import annotations

from datetime import date

import pytest

from healthgap.sources import parse_iso_interval, parse_period_label, slug
from healthgap.sources.periods import ACADEMIC, FINANCIAL, PeriodError

LABELS = [
    ("2011", FINANCIAL, date(2011, 1, 1), date(2011, 12, 31)),
    ("2015 - 17", FINANCIAL, date(2015, 1, 1), date(2017, 12, 31)),
    ("2009-11", FINANCIAL, date(2009, 1, 1), date(2011, 12, 31)),
    ("1998 - 02", FINANCIAL, date(1998, 1, 1), date(2002, 12, 31)),
    ("2014/15", FINANCIAL, date(2014, 4, 1), date(2015, 3, 31)),
    ("2014/15", ACADEMIC, date(2014, 9, 1), date(2015, 8, 31)),
    ("1999/00", FINANCIAL, date(1999, 4, 1), date(2000, 3, 31)),
    ("2018/19 - 22/23", ACADEMIC, date(2018, 9, 1), date(2023, 8, 31)),
    ("2019/20 - 21/22", FINANCIAL, date(2019, 4, 1), date(2022, 3, 31)),
    ("2019 Q4", FINANCIAL, date(2019, 10, 1), date(2019, 12, 31)),
    ("2019/20 Q4", FINANCIAL, date(2020, 1, 1), date(2020, 3, 31)),
    ("Feb 2020", FINANCIAL, date(2020, 2, 1), date(2020, 2, 29)),
]


@pytest.mark.parametrize(("label", "month", "start", "end"), LABELS)
def test_period_label(label: str, month: int, start: date, end: date) -> None:
    period = parse_period_label(label, year_start_month=month)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize("label", ["2014/16", "2017 - 15", "sometime", "2014/15 - 13/14", ""])
def test_bad_period_label_is_rejected(label: str) -> None:
    with pytest.raises(PeriodError):
        parse_period_label(label)


ISO = [
    ("2015-11-16/P1Y", date(2015, 11, 16), date(2016, 11, 15), "2015/16"),
    ("2013-01-01/P1Y", date(2013, 1, 1), date(2013, 12, 31), "2013"),
    ("2020-01-01/P3Y", date(2020, 1, 1), date(2022, 12, 31), "2020 - 22"),
    ("2019-01-01/P5Y", date(2019, 1, 1), date(2023, 12, 31), "2019 - 23"),
    ("2022-04-01/P3Y", date(2022, 4, 1), date(2025, 3, 31), "2022/23 - 24/25"),
    ("2024-09-01/P1Y", date(2024, 9, 1), date(2025, 8, 31), "2024/25"),
    ("2020-02-01/P1M", date(2020, 2, 1), date(2020, 2, 29), "2020-02-01/P1M"),
]


@pytest.mark.parametrize(("text", "start", "end", "label"), ISO)
def test_iso_interval(text: str, start: date, end: date, label: str) -> None:
    period = parse_iso_interval(text)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize("text", ["2015/16", "2015-11-16", "2015-13-01/P1Y", "2015-01-01/P0Y"])
def test_bad_iso_interval_is_rejected(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_iso_interval(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PM2.5", "pm2-5"),
        ("Communication and language", "communication-and-language"),
        ("  --Anxiety--  ", "anxiety"),
        ("Households assessed as homeless per (000s)", "households-assessed-as-homeless-per-000s"),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected
