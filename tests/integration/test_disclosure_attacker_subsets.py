"""``healthgap compute`` protects indicators that are subsets of one another together
(issue #11 item 6; ADR 0611).

Self-harm admissions at 10–24 are among self-harm admissions at all ages. Hand-built records
(one LSOA, 2020): 7 young men and 7 young women admitted, and 1 older man and 1 older woman,
so all ages counts 8 and 8 (threshold 8 for both). Alone, the young counts' table needs
nothing but their own suppression (male 7 and female 7 withheld, persons 14 published: each
could be 0 … 14). An attacker who also reads the catalogue knows young ≤ all ages, cell by
cell: young female ≤ 8, so young male ≥ 14 − 8 = 6, and ≤ 8: pinned to 6 … 8. Protected
indicator by indicator (as ``compute`` did), the independent attacker in ``tests/attacker``
finds every small young count so pinned; protected together, none fails the rule.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attacker  # tests/attacker: the tests folder is on sys.path (pyproject: pythonpath)
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from healthgap.engine.pipeline import EngineResult, run_engine

YOUNG, ALL_AGES = "self_harm_admissions_young", "self_harm_admissions"
LSOA = "E01000001"  # City of London


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Population (100 a single year of age and sex) and 16 self-harm admissions."""
    out = tmp_path_factory.mktemp("subsets")
    population = [
        {"lsoa_code": LSOA, "year": 2020, "sex": sex, "age": age, "population": 100}
        for sex in ("male", "female")
        for age in range(91)
    ]
    pq.write_table(pa.Table.from_pylist(population), out / "population.parquet")
    rows: list[dict[str, Any]] = []
    for n, sex, age in ((7, "male", 15), (7, "female", 20), (1, "male", 40), (1, "female", 50)):
        for _ in range(n):
            k = len(rows) + 1
            rows.append(
                {
                    "record_id": f"A{k}",
                    "person_id": f"P{k}",
                    "lsoa_code": LSOA,
                    "admission_date": dt.date(2020, 3, 1),
                    "discharge_date": dt.date(2020, 3, 2),
                    "age": age,
                    "sex": sex,
                    "ethnic_group": "white",
                    "primary_diagnosis": "T42.4",
                    "admission_method": "emergency",
                    "external_cause": "X61",
                }
            )
    pq.write_table(pa.Table.from_pylist(rows), out / "admissions.parquet")
    return out


def _run(records: Path, **options: Any) -> EngineResult:
    return run_engine(
        records,
        indicators=[ALL_AGES, YOUNG],
        checksums=False,
        comparisons=False,
        heat=False,
        **options,
    )


@pytest.fixture(scope="module")
def runs(records: Path) -> tuple[EngineResult, EngineResult, list[str]]:
    """(published, raw, progress): the engine with disclosure control as ``compute`` applies
    it (and the progress lines it told), and without (the true counts). Read-only."""
    told: list[str] = []
    published = _run(records, progress=lambda what, n, total: told.append(what))
    raw = _run(records, disclosure_control=False)
    return published, raw, told


def test_subset_indicators_are_protected_together_in_compute(
    runs: tuple[EngineResult, EngineResult, list[str]],
) -> None:
    """Every small young count meets the protection rule (upper bound ≥ 8, width ≥ 8) against
    the independent attacker; on the code that protected each indicator alone, all 20 small
    young counts were pinned to 6 … 8 (true 7). The group gets one progress line and each
    indicator its own report."""
    published, raw, told = runs
    assert set(published.computed) == {ALL_AGES, YOUNG}
    judged = attacker.Judged(published.values, raw.values, attacker.london_knowledge())
    small = judged.small
    print(judged.summary())
    assert len(small.findings) == 20  # male and female, young, in every area and breakdown
    assert {f.cell.indicator_id for f in small.findings} == {YOUNG}
    assert not small.unprotected, judged.summary() + "\n" + judged.show(small.unprotected)
    # complementary cells were needed in the all-ages table: alone it needs none
    assert published.disclosure[YOUNG].primary == 20
    assert published.disclosure[ALL_AGES].primary == 0
    assert published.disclosure[ALL_AGES].secondary > 0
    lines = [t for t in told if "disclosure control" in t]
    assert lines
    assert all(ALL_AGES in t and YOUNG in t for t in lines), lines


def test_the_check_fails_when_each_indicator_is_protected_alone(
    runs: tuple[EngineResult, EngineResult, list[str]],
) -> None:
    """The same release with the all-ages counts published in full (as protecting each
    indicator alone leaves them here): the attacker pins every small young count."""
    published, raw, _ = runs
    alone = attacker.primary_only(
        published.values, raw.values, attacker.london_knowledge().thresholds
    )
    judged = attacker.Judged(alone, raw.values, attacker.london_knowledge())
    assert len(judged.small.unprotected) == 20, judged.summary()
    assert all((f.range.low, f.range.high) == (6, 8) for f in judged.small.unprotected)
