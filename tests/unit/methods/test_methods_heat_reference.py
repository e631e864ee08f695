"""Golden values for the HEAT measures (tests/reference/heat.csv, derivations in README_heat.md)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from healthgap.methods.heat import HeatRow, heat_setting, heat_summary, summarise_setting, z_value

REFERENCE = Path(__file__).parents[2] / "reference" / "heat.csv"
CASES = list(csv.DictReader(REFERENCE.open(encoding="utf-8")))

# The healthequal test data: pop = round(rnorm(5, 100, 40)) after set.seed(123) ...
A = {"pop": [78, 91, 162, 103, 105], "est": [20, 30, 40, 50, 60], "se": [5, 7, 10, 12, 14]}
# ... and the 25-subgroup non-ordered sample (rnorm/rbinom after set.seed(123)).
B = {row["case"]: row for row in CASES}["B"]


def _vector(text: str) -> list[float]:
    return [float(v) for v in text.split(";")]


def _summary(case: dict[str, str]) -> dict[str, HeatRow]:
    rows = heat_summary(
        _vector(case["estimates"]),
        population=_vector(case["population"]),
        se=_vector(case["se"]),
        ordered=case["ordered"] == "1",
        favourable=case["favourable"] == "1",
        scale=float(case["scale"]),
        reference=int(case["reference"]) if case["reference"] else None,
        heat_compatible=case["heat_compatible"] == "1",
        draws=200,
    )
    return {row.measure: row for row in rows}


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['case']}-{c['measure']}-hc{c['heat_compatible']}" for c in CASES]
)
def test_heat_matches_reference_value(case: dict[str, str]) -> None:
    """Given a reference row, when the summary runs, then value and limits match it."""
    row = _summary(case)[case["measure"]]
    tol = float(case["rel_tol"])
    assert row.value == pytest.approx(float(case["value"]), rel=tol, abs=1e-12)
    if case["lower"]:
        assert row.lower == pytest.approx(float(case["lower"]), rel=tol, abs=1e-12)
        assert row.upper == pytest.approx(float(case["upper"]), rel=tol, abs=1e-12)


def test_heat_sii_rii_reproduce_methods_md() -> None:
    """METHODS.md §5.3: pop (78, 91, 162, 103, 105), est (20 … 60) → SII 44.44502, RII 3.159506."""
    rows = {
        r.measure: r
        for r in heat_summary(
            A["est"], population=A["pop"], se=A["se"], ordered=True, favourable=True, scale=100
        )
    }
    assert rows["SII"].value == pytest.approx(44.44502, abs=5e-6)
    assert rows["RII"].value == pytest.approx(3.159506, abs=5e-7)
    # healthequal's published SE of the SII, 0.02190822 (fraction scale), × 100 × z each side
    se = (rows["SII"].upper - rows["SII"].lower) / (2 * z_value(0.95)) / 100
    assert se == pytest.approx(0.02190822, rel=1e-6)  # numerical-derivative noise
    se_log = math.log(rows["RII"].upper / rows["RII"].lower) / (2 * z_value(0.95))
    assert se_log == pytest.approx(0.07644001, rel=1e-6)


def test_heat_unweighted_glm_would_differ() -> None:
    """The double weighting matters: without it HEAT's SII would be 44.905, not 44.445."""
    rows = {
        r.measure: r
        for r in heat_summary(
            A["est"], population=A["pop"], se=None, ordered=True, favourable=True, scale=100
        )
    }
    assert abs(rows["SII"].value - 44.905) > 0.4


@pytest.mark.parametrize(
    ("measure", "published_se", "scale"),
    [("BGV", 17.13465, 1.0), ("TI", 0.0014201, 1.0), ("MLD", 0.0014242, 1.0)],
)
def test_heat_published_standard_errors(measure: str, published_se: float, scale: float) -> None:
    """METHODS.md 'the §5.4 data' = healthequal's 25-subgroup sample: HEAT-compatible SEs
    (TI/MLD on the fraction scale) reproduce SE(BGV) 17.13465, SE(TI) 0.0014201, SE(MLD)
    0.0014242."""
    setting = heat_setting(
        _vector(B["estimates"]),
        population=_vector(B["population"]),
        se=_vector(B["se"]),
        ordered=False,
        favourable=True,
        scale=100,
    )
    rows = {r.measure: r for r in summarise_setting(setting, heat_compatible=True)}
    row = rows[measure]
    se = (row.upper - row.lower) / (2 * z_value(0.95)) * scale
    assert se == pytest.approx(published_se, rel=1e-4)
    # and the default puts the TI/MLD SE on the value's own (× 1000) scale
    default = {r.measure: r for r in summarise_setting(setting)}[measure]
    factor = 1.0 if measure == "BGV" else 1000.0
    assert (default.upper - default.lower) == pytest.approx(
        factor * (row.upper - row.lower), rel=1e-9
    )


def test_heat_reference_file_covers_every_deterministic_family() -> None:
    measures = {c["measure"] for c in CASES}
    assert {"D", "R", "ACI", "RCI", "SII", "RII", "BGV", "TI", "MLD", "PAF", "PAR"} <= measures
    assert np.all([c["value"] != "" for c in CASES])
