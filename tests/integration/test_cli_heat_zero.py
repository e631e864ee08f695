"""``healthgap compute`` on a small Synthetic London must not crash when every decile's value
is zero (issue 17, item 7: the README's path; HEAT's relative measures divide by the mean)."""

from __future__ import annotations

import pyarrow as pa

from healthgap.engine.heat_measures import heat_values


def test_all_zero_deciles_give_no_heat_rows_instead_of_a_division_by_zero() -> None:
    n = 10
    table = pa.table(
        {
            "area_code": ["E12000007"] * n,
            "area_type": ["region"] * n,
            "period_start": [2018] * n,
            "period_end": [2020] * n,
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
    assert out.num_rows == 0
