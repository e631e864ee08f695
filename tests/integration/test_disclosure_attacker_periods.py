"""The independent attacker end to end on overlapping rolling periods and subset indicators
(issue #11 item 6).

The shared Synthetic London fixture holds one pooled period, so the relations between
periods are never exercised there. Here Synthetic London is simulated over five years
(2016–20), so the three-year indicators are published for three overlapping windows
(2016–18, 2017–19, 2018–20), side by side with a subset indicator: suicides (10+) are
among all deaths, whose count life expectancy publishes. An attacker ties the windows
through their single years (2017–19 = 2016–18 − 2016 + 2019) and bounds suicides by
deaths, cell by cell and year by year.

To stay fast the engine runs with a reduced set of breakdowns (boroughs, ICBs and London,
each by London IMD quintile): the periods and the subset pair are the subject; the other
relation families are exercised on the shared fixture (``test_disclosure_attacker.py``).
With these breakdowns every count is a sum of one set of finest cells (borough × sex ×
quintile), so the attacker's within-year equalities follow from the period sums and are left
out (``year_relations=False``, see ``attacker.build_model``): the same ranges, several times
fewer rows.
"""

from __future__ import annotations

import datetime as dt

import attacker  # tests/attacker: the tests folder is on sys.path (pyproject: pythonpath)
import pyarrow as pa
import pyarrow.compute as pc
import pytest

#: The input: 60,000 death rows over five simulated years (about 12,000 deaths a year,
#: a fifth of London's), seed 3.
ROWS, SEED, YEARS = 60_000, 3, 5
INDICATORS = ("life_expectancy", "suicide_rate")
#: The subset pair published side by side: every suicide is a death life expectancy counts.
SUBSET = ("suicide_rate", "life_expectancy")
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "ltla": ("none", "imd2019_quintile_london"),
    "icb": ("none", "imd2019_quintile_london"),
    "region": ("none", "imd2019_quintile_london"),
}
WINDOWS = [(2016, 2018), (2017, 2019), (2018, 2020)]


@pytest.fixture(scope="module")
def rolling(tmp_path_factory: pytest.TempPathFactory) -> tuple[pa.Table, pa.Table]:
    """(published, true): the engine (DuckDB) on five years of Synthetic London deaths, with
    disclosure control as ``healthgap compute`` applies it, and without (the true counts)."""
    from healthgap.engine.pipeline import run_engine
    from healthgap.engine.synth import generate_synthetic_london

    out = tmp_path_factory.mktemp("synthetic_london") / f"deaths_{ROWS}_seed{SEED}_5y"
    generate_synthetic_london(out, rows=ROWS, seed=SEED, tables=("deaths",), min_years=YEARS)
    runs = [
        run_engine(
            out,
            indicators=list(INDICATORS),
            breakdowns=BREAKDOWNS,
            checksums=False,
            comparisons=False,
            heat=False,
            disclosure_control=protect,
        )
        for protect in (True, False)
    ]
    return runs[0].values, runs[1].values


def _windows(values: pa.Table, indicator: str) -> list[tuple[int, int]]:
    rows = values.filter(pc.equal(values["indicator_id"], indicator))
    return sorted(
        {
            (s.year, e.year)
            for s, e in zip(
                rows["period_start"].to_pylist(), rows["period_end"].to_pylist(), strict=True
            )
            if isinstance(s, dt.date) and isinstance(e, dt.date)
        }
    )


def test_release_has_overlapping_periods_and_subset_indicators(
    rolling: tuple[pa.Table, pa.Table],
) -> None:
    """Not vacuous: both indicators are published for three overlapping windows, the attacker
    knows the subset pair from the catalogue, and its model ties the windows and the pair."""
    published, _ = rolling
    for indicator in INDICATORS:
        assert _windows(published, indicator) == WINDOWS, indicator
    assert SUBSET in attacker.london_knowledge().subsets
    model = attacker.build_model(published, attacker.london_knowledge(), year_relations=False)
    assert model.families.get("periods", 0) > 1000, model.families
    assert model.families.get("subset indicators", 0) > 1000, model.families
    withheld = {c.indicator_id for c in model.cells}
    assert withheld == set(INDICATORS), withheld


def test_rolling_release_withstands_the_attacker(rolling: tuple[pa.Table, pa.Table]) -> None:
    """Every withheld count whose true value is small (1 … T−1) meets the protection rule
    (upper bound ≥ T and width ≥ T) against the attacker with every relation it knows,
    overlapping windows and the subset pair included; none is recovered."""
    published, raw = rolling
    judged = attacker.Judged(published, raw, attacker.london_knowledge(), year_relations=False)
    result = judged.small
    print(judged.summary())
    # not vacuous: hundreds of small counts are withheld, in every window, and all attacked
    assert len(result.findings) > 200, judged.summary()
    assert {f.cell.period_label for f in result.findings} == {
        f"{s} - {e % 100:02d}" for s, e in WINDOWS
    }
    assert result.withheld == len(result.findings) + len(judged.others.findings)
    assert not result.unprotected, judged.summary() + "\n" + judged.show(result.unprotected)
    assert not result.recovered


def test_rolling_check_fails_on_primary_suppression_alone(
    rolling: tuple[pa.Table, pa.Table],
) -> None:
    """The same check with every withheld count that is not small published (primary
    suppression alone) fails: the check above can fail."""
    published, raw = rolling
    weak = attacker.primary_only(published, raw, attacker.london_knowledge().thresholds)
    judged = attacker.Judged(weak, raw, attacker.london_knowledge(), year_relations=False)
    assert len(judged.small.unprotected) >= 25, judged.summary()  # stopped after 25
    assert judged.small.recovered, judged.summary()
    assert not judged.others.findings  # every withheld count left is small
