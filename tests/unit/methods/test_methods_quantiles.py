"""Assigning deprivation quantiles: golden cases, PHStatsMethods parity, NA with reasons."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.methods import MethodInputError, assign_quantiles

REFERENCE = Path(__file__).parents[2] / "reference" / "quantiles.csv"


def _cases() -> dict[str, list[dict[str, str]]]:
    cases: dict[str, list[dict[str, str]]] = {}
    with REFERENCE.open() as f:
        for row in csv.DictReader(f):
            cases.setdefault(row["case"], []).append(row)
    return cases


@pytest.mark.parametrize("case", sorted(_cases()))
def test_reference_cases(case: str) -> None:
    """Given a golden case, each row's quantile (or NA) is the hand-derived one."""
    rows = _cases()[case]
    values = [float(r["value"]) if r["value"] else np.nan for r in rows]
    res = assign_quantiles(
        values, nquantiles=int(rows[0]["nquantiles"]), invert=rows[0]["invert"] == "True"
    )
    expected = [float(r["expected_quantile"]) if r["expected_quantile"] else np.nan for r in rows]
    np.testing.assert_array_equal(res.quantile, expected)
    assert all(
        (reason != "") == np.isnan(q) for reason, q in zip(res.reason, res.quantile, strict=False)
    )


def test_too_few_areas_gives_reason() -> None:
    """Given a group with fewer values than quantiles, NA with a reason naming the count."""
    res = assign_quantiles([1, 2, 3, 4, 5, 6], groups=["a"] * 3 + ["b"] * 3, nquantiles=3)
    assert not np.isnan(res.quantile).any()
    res = assign_quantiles([1, 2, 3, 4, 5], groups=["a"] * 3 + ["b"] * 2, nquantiles=3)
    assert np.isnan(res.quantile[3:]).all()
    assert "2 non-missing values" in res.reason[3]


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_bad_nquantiles(bad: float) -> None:
    """Given a non-positive or fractional nquantiles, the error names the field."""
    with pytest.raises(MethodInputError) as info:
        assign_quantiles([1.0, 2.0], nquantiles=bad)  # type: ignore[arg-type]
    assert info.value.field == "nquantiles"


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.integers(0, 30) | st.none(), min_size=1, max_size=60),
    nq=st.integers(1, 12),
    invert=st.booleans(),
    ngroups=st.integers(1, 3),
)
def test_matches_phstatsmethods(
    values: list[int | None], nq: int, invert: bool, ngroups: int
) -> None:
    """Differential: identical quantiles to PHStatsMethods.ph_quantile, ties and NA included."""
    from PHStatsMethods import ph_quantile

    x = np.array([np.nan if v is None else float(v) for v in values])
    groups = np.arange(x.size) % ngroups
    df = pd.DataFrame({"v": x, "g": groups})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ph_quantile(df, "v", group_cols=["g"], nquantiles=nq, invert=invert)
    ours = assign_quantiles(x, groups=groups, nquantiles=nq, invert=invert)
    np.testing.assert_array_equal(ours.quantile, ref["quantile"].to_numpy(dtype=float))
