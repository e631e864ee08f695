"""Progress returns: append-only, corrections supersede, statuses from constructed returns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.errors import CatalogueError, StoreError
from healthgap.store import LATEST_VERSION, Store, open_store
from healthgap.tracking import Status, assess_commitment, progress_history, record_return

AMBASSADORS = "wellbeing_ambassadors_2025"  # at least 250,000 by 2025 (deadline 2026.0)
SUPERZONES = "school_superzones_2025"  # 'up to 50': at least 50 (progress towards 50)
#: the returns are recorded now; assessments at past dates read them as known now
NOW = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "hg.duckdb")
    yield s
    s.close()


def _record(store: Store, cat: Catalogue, cid: str, values: list[tuple[date, float]]) -> None:
    for day, v in values:
        record_return(store, cat, cid, value=v, as_of=day, source="test", recorded_by="tester")


def test_migration_adds_the_progress_table(store: Store) -> None:
    assert store.schema_version == LATEST_VERSION >= 3
    assert store.progress_returns() == []


def test_correction_supersedes_and_history_keeps_both(store: Store, catalogue: Catalogue) -> None:
    first = record_return(
        store,
        catalogue,
        AMBASSADORS,
        value=1000,
        as_of=date(2022, 3, 31),
        source="Thrive LDN return",
        recorded_by="alice",
        note="first count",
    )
    assert first.unit == "wellbeing ambassadors"  # defaults to the target's unit
    fixed = record_return(
        store,
        catalogue,
        AMBASSADORS,
        value=1200,
        as_of=date(2022, 3, 31),
        source="Thrive LDN return (revised)",
        recorded_by="bob",
        corrects=first.return_id,
    )
    current = store.progress_returns(commitment_ids=[AMBASSADORS])
    assert [(r.return_id, r.value, r.recorded_by) for r in current] == [
        (fixed.return_id, 1200.0, "bob")
    ]
    history = progress_history(store, catalogue, AMBASSADORS)
    assert [(r.return_id, r.value, r.current) for r in history] == [
        (first.return_id, 1000.0, False),
        (fixed.return_id, 1200.0, True),
    ]
    assert history[0].superseded_by == fixed.return_id
    assert history[1].supersedes == first.return_id
    with pytest.raises(StoreError, match="already corrected"):
        record_return(
            store,
            catalogue,
            AMBASSADORS,
            value=1,
            as_of=date(2022, 3, 31),
            source="x",
            recorded_by="c",
            corrects=first.return_id,
        )
    with pytest.raises(StoreError, match="is for 'wellbeing_ambassadors_2025'"):
        record_return(
            store,
            catalogue,
            SUPERZONES,
            value=1,
            as_of=date(2022, 3, 31),
            source="x",
            recorded_by="c",
            corrects=fixed.return_id,
        )
    assert len(store.progress_history(AMBASSADORS)) == 2  # failed writes wrote nothing


def test_bad_returns_are_refused(store: Store, catalogue: Catalogue) -> None:
    with pytest.raises(CatalogueError, match="did you mean 'wellbeing_ambassadors_2025'"):
        record_return(
            store,
            catalogue,
            "wellbeing_ambasadors_2025",
            value=1,
            as_of=date(2022, 1, 1),
            source="s",
            recorded_by="a",
        )
    for kwargs, match in (
        ({"value": float("nan"), "source": "s"}, "finite"),
        ({"value": 1.0, "source": " "}, "source"),
    ):
        with pytest.raises(StoreError, match=match):
            store.record_progress(AMBASSADORS, as_of=date(2022, 1, 1), recorded_by="a", **kwargs)
    with pytest.raises(StoreError, match="no progress return 99"):
        store.record_progress(
            AMBASSADORS, value=1, as_of=date(2022, 1, 1), source="s", recorded_by="a", corrects=99
        )
    assert store.progress_returns() == []


def _at(cat: Catalogue, store: Store, cid: str, as_of: date) -> tuple[Status, str]:
    a = assess_commitment(cat, store, cat.commitment(cid), as_of=as_of, published_on=NOW)
    return a.status, a.reason


def test_no_returns_is_not_assessable_with_the_reason(store: Store, catalogue: Catalogue) -> None:
    status, reason = _at(catalogue, store, AMBASSADORS, date(2024, 1, 1))
    assert status is Status.NOT_ASSESSABLE
    assert "healthgap progress record wellbeing_ambassadors_2025" in reason


def test_on_track_from_steady_returns(store: Store, catalogue: Catalogue) -> None:
    # 60,000 a year from 2021: the line reaches 250,000 well before the end of 2025
    _record(
        store,
        catalogue,
        AMBASSADORS,
        [(date(2021 + i, 1, 1), 60_000.0 * i + 10_000) for i in range(4)],
    )
    a = assess_commitment(
        catalogue,
        store,
        catalogue.commitment(AMBASSADORS),
        as_of=date(2024, 6, 1),
        published_on=NOW,
    )
    assert a.status is Status.ON_TRACK, a.reason
    # the line at 2026.0 (end of 2025) is 10,000 + 60,000 × 5 = 310,000, exactly (σ = 0)
    assert a.assessment is not None
    assert a.assessment.projection is not None
    assert a.assessment.projection.value == pytest.approx(310_000, rel=1e-6)
    assert a.assessment.observed_annual_change == pytest.approx(60_000, rel=1e-3)


def test_at_risk_when_the_target_is_inside_the_interval(store: Store, catalogue: Catalogue) -> None:
    vals = [50_000, 110_000, 125_000, 200_000]  # noisy, heading for ~250,000
    _record(
        store,
        catalogue,
        AMBASSADORS,
        [(date(2021 + i, 1, 1), float(v)) for i, v in enumerate(vals)],
    )
    status, reason = _at(catalogue, store, AMBASSADORS, date(2024, 6, 1))
    assert status is Status.AT_RISK, reason


def test_off_track_when_progress_stalls(store: Store, catalogue: Catalogue) -> None:
    _record(store, catalogue, AMBASSADORS, [(date(2021 + i, 1, 1), 1000.0 + i) for i in range(4)])
    status, _ = _at(catalogue, store, AMBASSADORS, date(2024, 6, 1))
    assert status is Status.OFF_TRACK


def test_achieved_and_up_to_n_is_progress_towards_n(store: Store, catalogue: Catalogue) -> None:
    _record(store, catalogue, AMBASSADORS, [(date(2025, 6, 1), 260_000.0)])
    assert _at(catalogue, store, AMBASSADORS, date(2025, 7, 1))[0] is Status.ACHIEVED
    _record(store, catalogue, SUPERZONES, [(date(2023, 1, 1), 20.0)])
    # 'up to 50' is progress towards 50: 20 is not yet there
    assert _at(catalogue, store, SUPERZONES, date(2023, 2, 1))[0] is not Status.ACHIEVED
    _record(store, catalogue, SUPERZONES, [(date(2024, 1, 1), 50.0)])
    assert _at(catalogue, store, SUPERZONES, date(2024, 2, 1))[0] is Status.ACHIEVED


def test_tbc_and_qualitative_are_held_with_the_reason(store: Store, catalogue: Catalogue) -> None:
    status, reason = _at(catalogue, store, "anti_racist_hub", date(2024, 1, 1))
    assert status is Status.NOT_ASSESSABLE
    assert "to be confirmed" in reason
    status, reason = _at(catalogue, store, "cleanest_air_2050", date(2024, 1, 1))
    assert status is Status.NOT_ASSESSABLE
    assert "qualitative" in reason
