"""The engine on small and sparse inputs: hundreds of thousands of rows, one borough, one
year. Nothing may raise for data that is merely small; an undefined measure is NA with the
reason; every published limit lies inside its measure's range."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.engine.pipeline import lsoa_attributes, run_engine
from healthgap.store import open_store

pytestmark = pytest.mark.slow

#: HEAT measures (series ``…/heat-<code>-<dimension>``) and their ranges.
HEAT_RANGES: dict[str, tuple[float, float]] = {
    **dict.fromkeys(
        ("r", "rii", "bgv", "bgsd", "cov", "mdmu", "mdmw", "mdbu", "mdbw", "idisu", "idisw",
         "ti", "mld"),
        (0.0, math.inf),
    ),
    "rci": (-100.0, 100.0),
}  # fmt: skip


@pytest.fixture(scope="module")
def small_release(
    synthetic_london_small: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict, pa.Table]:
    """``healthgap compute`` (DuckDB) on 300,000 rows, seed 11 — where it once died with a
    ZeroDivisionError in the HEAT RCI: the JSON summary and the stored values."""
    store = tmp_path_factory.mktemp("small") / "s.duckdb"
    open_store(store).close()  # compute adds to an existing store (ADR 0106)
    result = CliRunner().invoke(
        app, ["compute", "--input", str(synthetic_london_small), "--store", str(store), "--json"]
    )
    assert result.exit_code == 0, result.output
    with open_store(store, read_only=True) as st:
        values = st.values()
    return json.loads(result.stdout), values


def test_compute_on_a_small_input_succeeds(small_release: tuple[dict, pa.Table]) -> None:
    summary, values = small_release
    assert summary["computed"]
    assert values.num_rows == summary["rows"]
    # one year only: indicators pooling three years say so rather than vanish
    assert summary["provenance"]["years"] == [2020]
    assert "needs 3 consecutive years" in summary["skipped"]["suicide_rate"]


def test_undefined_heat_measures_are_na_with_the_reason(
    small_release: tuple[dict, pa.Table],
) -> None:
    """Every HEAT row is a finite value or withheld with its reason; on this sparse input
    some settings have no events at all, and their relative measures say so."""
    _, values = small_release
    heat = values.filter(pc.match_substring(values["series"], "/heat-")).to_pylist()
    assert heat
    for row in heat:
        if row["value"] is None:
            assert row["suppressed"], row["series"]
            assert row["note"], row["series"]
        else:
            assert math.isfinite(row["value"]), row["series"]
    undefined = [r for r in heat if r["value"] is None]
    assert any("setting average is 0" in r["note"] for r in undefined)


def test_every_published_limit_is_inside_its_range(small_release: tuple[dict, pa.Table]) -> None:
    """Limits bracket the value; rates and proportions are never below 0 (proportions
    never above 100 %); bounded HEAT measures and the RII keep their limits in range."""
    _, values = small_release
    checked = 0
    for row in values.to_pylist():
        value = row["value"]
        if value is None:
            continue
        low, high = -math.inf, math.inf
        series = row["series"]
        measure = series.split("/heat-")[-1].split("-")[0] if "/heat-" in series else None
        if row["indicator_id"] is not None and "/" not in series:
            low = 0.0  # an indicator's own values: a rate, a proportion or years
            if row["unit"] == "%":
                high = 100.0
        if measure in HEAT_RANGES:
            low, high = HEAT_RANGES[measure]
        if "/rii-" in series:
            low = 0.0
        for tag in ("95_0", "99_8"):
            lower, upper = row[f"lower{tag}cl"], row[f"upper{tag}cl"]
            if lower is None or upper is None:
                continue
            checked += 1
            assert low <= lower <= upper <= high, (series, row)
            slack = 1e-9 * max(1.0, abs(value))
            assert lower <= value + slack, (series, row)
            assert value - slack <= upper, (series, row)
    assert checked > 1000


def _one_borough(src: Path, dst: Path, borough: str) -> None:
    attrs = lsoa_attributes("london")
    lsoas = attrs.filter(pc.equal(attrs["ltla_code"], borough))["lsoa_code"]
    for table in ("deaths", "admissions", "registers", "population"):
        t = pq.read_table(src / table)
        (dst / table).mkdir(parents=True)
        pq.write_table(
            t.filter(pc.is_in(t["lsoa_code"], value_set=lsoas)), dst / table / "part-0.parquet"
        )


def test_a_single_borough_for_a_single_year(synthetic_london_small: Path, tmp_path: Path) -> None:
    """Given one borough's records for one year (a few thousand rows), every indicator is
    computed or skipped with its reason; nothing raises."""
    one = tmp_path / "camden"
    _one_borough(synthetic_london_small, one, "E09000007")
    result = run_engine(one, checksums=False)
    assert result.computed
    assert set(pc.unique(result.values["area_code"]).to_pylist()) >= {"E09000007"}
    assert all(reason.strip() for reason in result.skipped.values())


def test_very_sparse_input_computes_with_every_small_count_withheld(
    readme_input, tmp_path: Path
) -> None:
    """Given ``healthgap synth --rows 60000 --seed 1`` (about a hundred deaths in five years;
    the session's ``readme_input``), ``healthgap compute -i life_expectancy`` once stopped
    with exit 2, "disclosure control cannot protect this cell: every related cell is
    withheld" (the protector acted on stale audit flags and used up every neighbour of a
    later cell). It must publish, with no count from 1 to 4 visible."""
    assert readme_input.words[:5] == ("synth", "--rows", "60000", "--seed", "1")
    store = tmp_path / "s.duckdb"
    open_store(store).close()
    args = ["compute", "--input", str(readme_input.path), "--store", str(store), "--json"]
    result = CliRunner().invoke(app, [*args, "-i", "life_expectancy"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert "life_expectancy" in summary["computed"]
    with open_store(store, read_only=True) as st:
        values = st.release_values(summary["release_id"])
    counts = values["count"].to_numpy(zero_copy_only=False)
    visible = counts[~values["suppressed"].to_numpy(zero_copy_only=False)]
    assert values.num_rows > 0
    assert not ((visible >= 1) & (visible <= 4)).any()
