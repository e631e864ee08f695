"""SII, quantiles, funnels, trend and benchmark comparison as data-frame calculations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthgap.analyst.comparison import benchmark_comparison, funnel_significance, trend
from healthgap.analyst.inequality import quantile, sii
from healthgap.analyst.registry import CALCULATIONS
from healthgap.errors import InputError
from healthgap.methods import slope_index_of_inequality


def _deciles() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    frames = []
    for area in ("E09000001", "E09000002"):
        q = np.arange(1, 11)
        le = 76 + 0.8 * q + rng.normal(0, 0.2, 10)
        frames.append(
            pd.DataFrame(
                {
                    "area": area,
                    "decile": q,
                    "pop": rng.uniform(1e4, 2e4, 10),
                    "le": le,
                    "lo": le - 0.8,
                    "hi": le + 0.8,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_sii_frame_matches_method_and_registry() -> None:
    """Grouped SII equals the method's per-group values; the calculation is registered."""
    df = _deciles()
    out = sii(
        df,
        quantile="decile",
        population="pop",
        value="le",
        lower_cl="lo",
        upper_cl="hi",
        group_by=["area"],
        repetitions=2000,
        rii=True,
        confidence=(0.95, 0.998),
    )
    assert list(out["area"]) == ["E09000001", "E09000002"]
    one = df[df["area"] == "E09000002"]
    ref = slope_index_of_inequality(
        one["le"],
        quantile=one["decile"],
        population=one["pop"],
        lower_cl=one["lo"],
        upper_cl=one["hi"],
        repetitions=2000,
    )
    assert out["sii"].iloc[1] == pytest.approx(ref.sii.value[0], rel=1e-12)
    assert {"sii_lower95_0cl", "sii_upper99_8cl", "rii_lower99_8cl"} <= set(out.columns)
    assert "sii" in CALCULATIONS
    assert "trend" in CALCULATIONS


def test_sii_frame_error_names_group_and_column() -> None:
    """A group with too few quantiles raises an InputError naming the group and column."""
    df = _deciles()
    df = df[~((df["area"] == "E09000002") & (df["decile"] > 4))]
    with pytest.raises(InputError) as info:
        sii(
            df,
            quantile="decile",
            population="pop",
            value="le",
            lower_cl="lo",
            upper_cl="hi",
            group_by=["area"],
            repetitions=1000,
        )
    text = str(info.value)
    assert "area=E09000002" in text
    assert "decile" in text


def test_quantile_frame() -> None:
    """Quantiles per group, NA (with reason) for a group with too few areas."""
    df = pd.DataFrame({"la": ["a"] * 5 + ["b"] * 2, "imd": [50, 40, 30, 20, 10, 5, 6]})
    out = quantile(df, values="imd", nquantiles=5, group_by=["la"])
    assert list(out["quantile"].iloc[:5]) == [1, 2, 3, 4, 5]
    assert out["quantile"].iloc[5:].isna().all()
    assert "fewer than nquantiles" in out["reason"].iloc[5]


def test_funnel_trend_and_benchmark_frames() -> None:
    """The comparison calculations add their columns row by row or group by group."""
    df = pd.DataFrame({"x": [10.0, 80, 200, 30], "n": [100.0, 200, 1000, 90]})
    sig = funnel_significance(df, numerator="x", denominator="n", statistic="proportion")
    assert sig["significance"].iloc[1] == "High (0.001)"
    series = pd.DataFrame(
        {"area": ["a"] * 5, "year": [2019, 2018, 2017, 2016, 2015], "v": [14.0, 13, 12, 11, 10]}
    )
    series["lo"], series["hi"] = series["v"] - 0.4, series["v"] + 0.4
    tr = trend(
        series,
        value="v",
        period="year",
        polarity=0,
        lower_cl="lo",
        upper_cl="hi",
        group_by=["area"],
    )
    assert tr["trend"].iloc[0] == "Increasing and getting worse"
    cmp = benchmark_comparison(
        series, value="v", benchmark="v", method=1, polarity=1, lower_cl="lo", upper_cl="hi"
    )
    assert (cmp["outcome"] == "Same").all()
