"""Once a deadline has passed the verdict rests on the value for its final period: a later
value can make a missed target 'achieved late', never 'achieved', and cannot unmake one
that was achieved in time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.store import Store, open_store
from healthgap.tracking import assess_commitment, record_return
from healthgap.tracking.trajectory import Direction, Observation, Status, Target, assess

# at most 10 by the end of 2029 (deadline '2029' → 2030.0)
AT_MOST_10 = Target(value=10.0, deadline=2030.0, direction=Direction.DECREASE)


def _obs(points: dict[int, float]) -> list[Observation]:
    return [Observation(y + 0.5, v, label=str(y)) for y, v in points.items()]


def test_a_later_value_does_not_make_a_missed_target_achieved() -> None:
    obs = _obs({2026: 14.0, 2027: 13.0, 2028: 12.5, 2029: 12.0, 2031: 9.0})
    a = assess(obs, AT_MOST_10, as_of=2032.0)
    assert a.status is Status.ACHIEVED_LATE, a.reason
    assert "missed at the deadline (2029-12-31): 12 (2029)" in a.reason
    assert "met later: 9 (2031)" in a.reason
    assert a.latest is not None
    assert a.latest.label == "2031"


def test_a_later_value_does_not_make_an_achieved_target_off_track() -> None:
    obs = _obs({2027: 12.0, 2028: 11.0, 2029: 9.5, 2031: 12.0})
    a = assess(obs, AT_MOST_10, as_of=2032.0)
    assert a.status is Status.ACHIEVED, a.reason
    assert a.judged_on is not None
    assert a.judged_on.label == "2029"
    assert "final period, 9.5 (2029)" in a.reason


def test_missed_is_reported_apart_from_off_track() -> None:
    obs = _obs({2027: 12.0, 2028: 11.5, 2029: 11.0, 2031: 10.5})
    a = assess(obs, AT_MOST_10, as_of=2032.0)
    assert a.status is Status.MISSED
    assert "the latest value since, 10.5 (2031), misses it too" in a.reason
    # before the deadline the same values are only projected: off track, not missed
    early = assess(obs, AT_MOST_10, as_of=2029.9)
    assert early.status is Status.OFF_TRACK


def test_met_only_after_the_deadline_with_no_final_period_value() -> None:
    obs = _obs({2025: 14.0, 2026: 13.0, 2027: 12.0, 2031: 9.0})
    a = assess(obs, AT_MOST_10, as_of=2032.0)
    assert a.status is Status.ACHIEVED_LATE
    assert "no value for the deadline's final period is held" in a.reason


def test_a_rolling_period_ending_in_the_final_year_is_the_final_period() -> None:
    # 2027-29 (mid-point 2028.5) ends with the deadline: it is the value for the final period
    three_year = Observation(2028.5, 9.0, label="2027 - 29", start=2027.0, end=2030.0)
    a = assess([*_obs({2024: 12.0, 2025: 11.0}), three_year], AT_MOST_10, as_of=2031.0)
    assert a.status is Status.ACHIEVED
    assert a.judged_on == three_year


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "hg.duckdb")
    yield s
    s.close()


def test_progress_returns_after_the_deadline_and_the_json(store: Store) -> None:
    cat: Catalogue = load_catalogue()
    cid = "wellbeing_ambassadors_2025"  # at least 250,000 by the end of 2025
    for day, v in [
        (date(2024, 1, 1), 150_000.0),
        (date(2025, 12, 31), 240_000.0),  # the deadline's final period: missed
        (date(2026, 3, 1), 255_000.0),  # later: met
    ]:
        record_return(store, cat, cid, value=v, as_of=day, source="s", recorded_by="a")
    a = assess_commitment(
        cat,
        store,
        cat.commitment(cid),
        as_of=date(2026, 6, 1),
        published_on=datetime.now(UTC).date(),
    )
    assert a.status is Status.ACHIEVED_LATE, a.reason
    d = a.to_dict()
    assert d["status"] == "achieved_late"
    assert d["judged_on"]["value"] == 255_000.0
    assert d["latest"]["label"] == "2026-03-01"


def test_met_before_the_final_period_stays_achieved_whatever_follows() -> None:
    # met in 2026, no value for 2029 (the final period), later values met and missed
    for later in (9.0, 12.0):
        obs = _obs({2024: 12.0, 2025: 11.0, 2026: 9.8, 2031: later})
        a = assess(obs, AT_MOST_10, as_of=2032.0)
        assert a.status is Status.ACHIEVED, a.reason
        assert a.judged_on is not None
        assert a.judged_on.label == "2026"
        assert "no value for the deadline's final period is held" in a.reason


def test_too_few_values_after_the_deadline_says_the_deadline_passed() -> None:
    a = assess(_obs({2024: 12.0}), AT_MOST_10, as_of=2031.0)
    assert a.status is Status.NOT_ASSESSABLE
    assert a.reason.startswith(
        "the deadline (2029-12-31) has passed and no value for its final period is held; "
        "a projection needs at least 3 values"
    )
