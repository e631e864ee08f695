"""Progress returns: append-only, corrections supersede, statuses from constructed returns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.cli.assess import register as register_assess
from healthgap.cli.progress import register as register_progress
from healthgap.errors import CatalogueError, StoreError
from healthgap.store import LATEST_VERSION, Store, open_store
from healthgap.tracking import (
    ProgressReturnError,
    Status,
    assess_commitment,
    progress_history,
    record_return,
)

AMBASSADORS = "wellbeing_ambassadors_2025"  # at least 250,000 by 2025 (deadline 2026.0)
SUPERZONES = "school_superzones_2025"  # 'up to 50': at least 50 (progress towards 50)


def _today() -> date:
    """The returns are recorded now; assessments at past dates read them as known today
    (asked when the test runs, not when the module is imported: a run that crosses
    midnight UTC would otherwise read today's returns as of yesterday)."""
    return datetime.now(UTC).date()


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
    a = assess_commitment(cat, store, cat.commitment(cid), as_of=as_of, published_on=_today())
    return a.status, a.reason


def test_no_returns_is_not_assessable_with_the_reason(store: Store, catalogue: Catalogue) -> None:
    status, reason = _at(catalogue, store, AMBASSADORS, date(2024, 1, 1))
    assert status is Status.NOT_ASSESSABLE
    assert reason == "no progress returns recorded yet"  # the CLI adds how to record one


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
        published_on=_today(),
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


def _try(store: Store, cat: Catalogue, cid: str, **kwargs: object) -> None:
    args: dict[str, object] = {"value": 1.0, "as_of": date(2023, 1, 1)}
    args.update(kwargs)
    record_return(store, cat, cid, source="s", recorded_by="a", **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cid", "kwargs", "parameter", "rule"),
    [
        (SUPERZONES, {"value": -1.0}, "value", "cannot be negative"),
        ("mhst_coverage_25pct_2023", {"value": 120.0}, "value", "between 0 and 100"),
        ("outpatient_appointments_30pct", {"value": 130.0}, "value", "cannot exceed 100"),
        (SUPERZONES, {"unit": "superzones"}, "unit", "School Superzones supported"),
        (SUPERZONES, {"as_of": date(2999, 1, 1)}, "as_of", "must not be after today"),
    ],
)
def test_returns_breaking_a_rule_are_refused_and_nothing_is_written(
    store: Store, catalogue: Catalogue, cid: str, kwargs: dict[str, object], parameter: str,
    rule: str,
) -> None:  # fmt: skip
    with pytest.raises(ProgressReturnError, match=rule) as err:
        _try(store, catalogue, cid, **kwargs)
    assert err.value.parameter == parameter
    assert f"parameter '{parameter}'" in str(err.value)
    assert cid in str(err.value)
    assert store.progress_returns() == []


def test_a_change_achieved_may_be_negative(store: Store, catalogue: Catalogue) -> None:
    # 'grow the nursing workforce by more than 8,000': a return counts the change, which fell
    _try(store, catalogue, "nursing_workforce_8000_2024", value=-200.0)
    assert [r.value for r in store.progress_returns()] == [-200.0]


def test_one_current_return_per_commitment_and_date(store: Store, catalogue: Catalogue) -> None:
    _try(store, catalogue, SUPERZONES, value=10.0)
    with pytest.raises(ProgressReturnError, match=r"return 1 is already current.*corrects=1"):
        _try(store, catalogue, SUPERZONES, value=12.0)
    assert len(store.progress_history(SUPERZONES)) == 1
    fixed = record_return(
        store,
        catalogue,
        SUPERZONES,
        value=12.0,
        as_of=date(2023, 1, 1),
        source="s",
        recorded_by="a",
        corrects=1,
    )
    _try(store, catalogue, SUPERZONES, value=15.0, as_of=date(2024, 1, 1))
    # a correction that moves a return onto a date that already has a current one
    with pytest.raises(ProgressReturnError, match="already current"):
        _try(store, catalogue, SUPERZONES, value=16.0, as_of=date(2024, 1, 1), corrects=1 + 1)
    current = store.progress_returns(commitment_ids=[SUPERZONES])
    assert [(r.return_id, r.value) for r in current] == [(fixed.return_id, 12.0), (3, 15.0)]


def test_two_current_returns_for_a_date_make_the_commitment_not_assessable(
    store: Store, catalogue: Catalogue
) -> None:
    # written past the checks (e.g. before they existed): assess must not pick one silently
    for v in (100_000.0, 150_000.0):
        store.record_progress(
            AMBASSADORS, value=v, as_of=date(2023, 1, 1), source="s", recorded_by="a"
        )
    _record(store, catalogue, AMBASSADORS, [(date(2024, 1, 1), 200_000.0)])
    a = assess_commitment(
        catalogue, store, catalogue.commitment(AMBASSADORS), as_of=date(2024, 6, 1),
        published_on=_today(),
    )  # fmt: skip
    assert a.status is Status.NOT_ASSESSABLE
    assert a.reason == (
        "2 progress returns give different values for 2023-01-01; one must be corrected so "
        "that one value stands for that date"
    )
    assert "2 current progress returns as of 2023-01-01 (ids 1, 2)" in a.basis
    assert "`--corrects 2`" in a.basis


def test_cli_refusal_names_the_option_and_rule(tmp_path: Path) -> None:
    app = typer.Typer()
    register_progress(app)
    register_assess(app)
    path = tmp_path / "cli.duckdb"
    r = CliRunner().invoke(
        app,
        [
            "progress", "record", SUPERZONES, "--value", "-3", "--as-of", "2023-01-01",
            "--source", "GLA", "--by", "analyst", "--store", str(path),
        ],
    )  # fmt: skip
    assert r.exit_code == 2
    assert "--value -3.0: must be ≥ 0" in r.output
    assert "nothing was recorded" in r.output
    with open_store(path, read_only=True) as s:
        assert s.progress_returns() == []


def test_assessing_all_reads_each_commitments_returns_as_one_would(
    store: Store, catalogue: Catalogue
) -> None:
    """``assess_commitments`` reads every commitment's returns at once: the same assessments
    as one commitment at a time, corrections applied, as known now and on a past day."""
    from healthgap.tracking import assess_commitments

    first = record_return(
        store, catalogue, AMBASSADORS, value=1000, as_of=date(2022, 3, 31), source="s",
        recorded_by="a",
    )  # fmt: skip
    record_return(
        store, catalogue, AMBASSADORS, value=1200, as_of=date(2022, 3, 31), source="s",
        recorded_by="b", corrects=first.return_id,
    )  # fmt: skip
    _record(store, catalogue, SUPERZONES, [(date(2022, 1, 1), 10.0), (date(2023, 1, 1), 20.0)])
    for known in (None, _today(), date(2020, 1, 1)):
        batch = assess_commitments(catalogue, store, as_of=date(2024, 1, 1), published_on=known)
        one = [
            assess_commitment(catalogue, store, c, as_of=date(2024, 1, 1), published_on=known)
            for c in catalogue.commitments
        ]
        assert batch == one, known
    (row,) = [r for r in batch if r.id == AMBASSADORS]
    assert row.measured_by == "progress returns (0 current)"  # recorded after 2020
    now = assess_commitments(catalogue, store, commitment_ids=[AMBASSADORS, SUPERZONES])
    assert [r.measured_by for r in now] == [
        "progress returns (1 current)",
        "progress returns (2 current)",
    ]
