"""``healthgap compute`` on a small Synthetic London must not crash when every decile's value
is zero (issue 17, item 7: the README's path; HEAT's relative measures divide by the mean)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from healthgap.engine.heat_measures import heat_values


def test_all_zero_deciles_withhold_relative_heat_measures_instead_of_dividing_by_zero() -> None:
    n = 10
    table = pa.table(
        {
            "area_code": ["E12000007"] * n,
            "area_type": ["region"] * n,
            "period_start": [date(2018, 1, 1)] * n,
            "period_end": [date(2020, 12, 31)] * n,
            "period_label": ["2018–20"] * n,
            "sex": ["Persons"] * n,
            "indicator_id": ["suicide_rate"] * n,
            "age_band": ["10+"] * n,
            "breakdown_type": ["imd2019_decile_london"] * n,
            "breakdown_category": [str(d) for d in range(1, n + 1)],
            "value": [0.0] * n,
            "lower95_0cl": [0.0] * n,
            "upper95_0cl": [3.7] * n,
            "denominator": [100_000.0] * n,
        }
    )
    out = heat_values(table, indicator_id="suicide_rate", favourable=False, scale=100_000)
    rows = {r["series"].split("/heat-")[1].split("-")[0]: r for r in out.to_pylist()}
    # Absolute measures are defined (0); those that divide by the mean are withheld with the
    # reason (issue 11 item 9), never a ZeroDivisionError.
    assert rows["d"]["value"] == 0.0
    for measure in ("rci", "paf", "par"):
        assert rows[measure]["value"] is None
        assert "the setting average is 0" in rows[measure]["note"]
