"""Golden reference cases (tests/reference/<method>.csv), derived by hand from the formulas.

Given the inputs of each case, when the method runs, then value and limits match the
hand-derived numbers to 1e-7 relative (the CSVs keep 10 significant figures).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthgap import methods

REFERENCE = Path(__file__).parents[2] / "reference"


def _cases(name: str) -> list[tuple[str, pd.DataFrame]]:
    frame = pd.read_csv(REFERENCE / f"{name}.csv")
    return [
        (str(case), rows.reset_index(drop=True)) for case, rows in frame.groupby("case", sort=False)
    ]


def _check(result: methods.Result, rows: pd.DataFrame, confidence: float, *, per_row: bool) -> None:
    expected = rows if per_row else rows.iloc[:1]
    interval = result.at(confidence)
    for got, column in (
        (result.value, "value"),
        (interval.lower, "lower"),
        (interval.upper, "upper"),
    ):
        np.testing.assert_allclose(
            got, expected[column].to_numpy(), rtol=1e-7, atol=1e-9, equal_nan=True
        )


@pytest.mark.parametrize(
    ("case", "rows"), _cases("proportion"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_proportion_reference(case: str, rows: pd.DataFrame) -> None:
    conf = float(rows.confidence[0])
    result = methods.proportion(
        rows.x, rows.n, confidence=conf, multiplier=float(rows.multiplier[0])
    )
    _check(result, rows, conf, per_row=True)


@pytest.mark.parametrize(
    ("case", "rows"), _cases("rate"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_rate_reference(case: str, rows: pd.DataFrame) -> None:
    conf = float(rows.confidence[0])
    result = methods.rate(rows.x, rows.n, confidence=conf, multiplier=float(rows.multiplier[0]))
    _check(result, rows, conf, per_row=True)


@pytest.mark.parametrize(
    ("case", "rows"), _cases("mean"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_mean_reference(case: str, rows: pd.DataFrame) -> None:
    conf = float(rows.confidence[0])
    _check(methods.mean(rows.x, confidence=conf), rows, conf, per_row=False)


@pytest.mark.parametrize(
    ("case", "rows"), _cases("dsr"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_dsr_reference(case: str, rows: pd.DataFrame) -> None:
    conf = float(rows.confidence[0])
    result = methods.dsr(
        rows.x, rows.n, rows.stdpop, confidence=conf, multiplier=float(rows.multiplier[0])
    )
    _check(result, rows, conf, per_row=False)
    assert (result.reason[0] != "") == bool(np.isnan(rows.value[0]))


@pytest.mark.parametrize(
    ("case", "rows"), _cases("isr"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_isr_reference(case: str, rows: pd.DataFrame) -> None:
    conf = float(rows.confidence[0])
    factor = float(rows.factor[0])
    if rows.statistic[0] == "rate":
        result = methods.isr_rate(
            rows.x, rows.n, rows.x_ref, rows.n_ref, confidence=conf, multiplier=factor
        )
    else:
        result = methods.isr_ratio(
            rows.x, rows.n, rows.x_ref, rows.n_ref, confidence=conf, refvalue=factor
        )
    _check(result, rows, conf, per_row=False)


@pytest.mark.parametrize(
    ("case", "rows"), _cases("life_expectancy"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_life_expectancy_reference(case: str, rows: pd.DataFrame) -> None:
    shuffled = rows.sample(frac=1.0, random_state=3).reset_index(drop=True)  # row order is free
    result = methods.life_expectancy(
        shuffled.deaths, shuffled.population, startage=shuffled.startage
    )
    _check(result, shuffled, 0.95, per_row=True)


@pytest.mark.parametrize(
    ("case", "rows"), _cases("hle"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_hle_reference(case: str, rows: pd.DataFrame) -> None:
    result = methods.healthy_life_expectancy(
        rows.deaths, rows.population, rows.prevalence, rows.sample_size, startage=rows.startage
    )
    _check(result, rows, 0.95, per_row=True)
