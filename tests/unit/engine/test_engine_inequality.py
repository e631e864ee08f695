"""Inequality measures derived from decile values: which groups get them."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from healthgap.engine.inequality import inequality_values
from healthgap.errors import InputError
from healthgap.store.columns import VALUE_COLUMNS


def _deciles(area: str, values: list[float], breakdown: str) -> list[dict[str, object]]:
    rows = []
    for decile, v in enumerate(values, start=1):
        rows.append(
            {
                "indicator_id": "suicide_rate",
                "series": "engine:suicide-rate",
                "area_code": area,
                "area_type": "icb",
                "period_start": dt.date(2018, 1, 1),
                "period_end": dt.date(2020, 12, 31),
                "period_label": "2018 - 20",
                "sex": "persons",
                "age_band": "10+ yrs",
                "breakdown_type": breakdown,
                "breakdown_category": str(decile),
                "value": v,
                "lower95_0cl": v * 0.8,
                "upper95_0cl": v * 1.2 + 0.5,
                "lower99_8cl": v * 0.7,
                "upper99_8cl": v * 1.3 + 1.0,
                "count": v * 10,
                "denominator": 100_000.0,
                "unit": "per 100,000",
                "suppressed": False,
                "provisional": False,
                "revised": False,
                "note": None,
            }
        )
    return rows


def _table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.Table.from_pylist(rows).select([c.name for c in VALUE_COLUMNS])


@pytest.mark.parametrize("breakdown", ["imd2019_decile", "imd2019_decile_london"])
def test_a_decile_without_events_leaves_that_group_without_a_log_scale_sii(
    breakdown: str,
) -> None:
    """Given rates by decile for two ICBs, one with no events in its least deprived decile,
    when the SII is derived on the log scale, then only the complete ICB gets one (no crash,
    no made-up value)."""
    gradient = [20.0 - d for d in range(10)]
    with_zero = [*gradient[:9], 0.0]
    rows = _deciles("E54000027", gradient, breakdown) + _deciles("E54000028", with_zero, breakdown)
    out = inequality_values(
        _table(rows),
        indicator_id="suicide_rate",
        statistic="crude_rate",
        repetitions=1_000,
        breakdown=breakdown,
    )
    assert set(out["area_code"].to_pylist()) == {"E54000027"}
    suffix = "imd2019-decile-london" if breakdown.endswith("london") else "imd2019-decile"
    assert f"engine:suicide-rate/sii-{suffix}" in set(out["series"].to_pylist())
    sii = out.filter(pa.compute.starts_with(out["series"], "engine:suicide-rate/sii-"))
    assert sii["value"][0].as_py() < 0  # rates fall from most to least deprived


def test_unknown_decile_breakdown_is_refused() -> None:
    with pytest.raises(InputError, match="decile breakdown"):
        inequality_values(
            _table(_deciles("E54000027", [1.0] * 10, "imd2019_decile")),
            indicator_id="suicide_rate",
            statistic="crude_rate",
            breakdown="imd2025_decile",
        )


def test_heat_measures_skip_a_group_with_a_withheld_category() -> None:
    """Given two ICBs' rates by London decile, one with a withheld decile, the HEAT measures
    are derived for the complete ICB only; D is decile 10 minus decile 1 there."""
    from healthgap.engine.heat_measures import heat_values

    gradient = [20.0 - d for d in range(10)]
    full = _deciles("E54000027", gradient, "imd2019_decile_london")
    held = _deciles("E54000028", gradient, "imd2019_decile_london")
    held[3].update(value=None, lower95_0cl=None, upper95_0cl=None, suppressed=True)
    out = heat_values(
        _table(full + held), indicator_id="suicide_rate", favourable=False, scale=100_000
    ).to_pandas()
    assert set(out.area_code) == {"E54000027"}
    d = out[out.series == "engine:suicide-rate/heat-d-imd2019-decile-london"]
    assert len(d) == 1
    assert abs(d.value.iloc[0]) == pytest.approx(gradient[0] - gradient[9])


def test_sii_of_a_percentage_is_fitted_on_fractions() -> None:
    """Given a proportion in per cent by decile (multiplier 100), the SII is fitted on the
    logit of the fractions and reported in percentage points (it raised: 'needs values
    strictly between 0 and 1'); an ICB with a decile at 100 % gets no SII, and no error."""
    shares = [60.0 - 3 * d for d in range(10)]
    full = _deciles("E54000027", shares, "imd2019_decile_london")
    at_top = _deciles("E54000028", [100.0, *shares[1:]], "imd2019_decile_london")
    for row in full + at_top:
        row.update(upper95_0cl=min(100.0, float(row["upper95_0cl"])), unit="%")  # type: ignore[arg-type]
    out = inequality_values(
        _table(full + at_top),
        indicator_id="suicide_rate",
        statistic="proportion",
        repetitions=1_000,
        multiplier=100.0,
    ).to_pandas()
    assert set(out.area_code) == {"E54000027"}
    sii = out[out.series.str.contains("/sii-")].value.iloc[0]
    assert -35 < sii < -20  # about 27 percentage points from most to least deprived
    rii = out[out.series.str.contains("/rii-")].value.iloc[0]
    assert 0 < rii < 1


def test_heat_simulation_limits_that_miss_the_value_are_not_published() -> None:
    """A simulation interval of a dispersion measure need not contain the value (ADR 0140):
    such limits are left out, and the note says which; limits that bracket it are kept."""
    from healthgap.engine.heat_measures import _row
    from healthgap.methods import HeatRow

    def heat(lower: float, upper: float, confidence: float) -> HeatRow:
        return HeatRow("IDISW", 2.0, confidence, lower, upper, "absolute", True, "x", "sim")

    row = _row({}, "s", heat(2.1, 3.0, 0.95), heat(1.0, 3.5, 0.998), "HEAT IDISW")
    assert row["lower95_0cl"] is None
    assert row["upper95_0cl"] is None
    assert (row["lower99_8cl"], row["upper99_8cl"]) == (1.0, 3.5)
    assert "simulation limits not published, as they do not contain the value: 95.0%" in str(
        row["note"]
    )
    kept = _row({}, "s", heat(1.5, 3.0, 0.95), heat(1.0, 3.5, 0.998), "HEAT IDISW")
    assert (kept["lower95_0cl"], kept["upper95_0cl"]) == (1.5, 3.0)
    assert kept["note"] == "HEAT IDISW"
