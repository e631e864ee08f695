"""HEAT's simulation intervals (Monte Carlo over the subgroup estimates).

Each subgroup estimate is drawn from N(yⱼ, σⱼ) and redrawn until it is ≥ 0 (and ≤ 100 for
percentages); a measure is recomputed on every draw (μ held at the observed setting
average) and its limits are the type-7 quantiles at α/2 and 1 − α/2 — the procedure of
HEAT-Measures' ``do_simulation`` (100 draws there; seeded NumPy generator here, so the
draws differ from R's though their distribution is the same).

Reference: WHO (2024) HEAT Plus technical notes, "Confidence intervals"; Hyndman RJ,
Fan Y (1996) Am Stat 50:361-5 (quantile type 7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from healthgap.methods.errors import MethodInputError
from healthgap.methods.heat.setting import HeatSetting
from healthgap.methods.result import FloatArray

__all__ = ["HEAT_DRAWS", "HEAT_SEED", "HeatSimulation", "simulate", "simulation_limits"]

HEAT_DRAWS = 100
"""HEAT-Measures' ``simulation_n``."""
HEAT_SEED = 123456
"""HEAT-Measures' ``set.seed`` value, reused as the NumPy seed."""
_MAX_ROUNDS = 10_000


@dataclass(frozen=True)
class HeatSimulation:
    """Simulated subgroup estimates, shape (draws, subgroups)."""

    samples: FloatArray
    seed: int

    @property
    def draws(self) -> int:
        """Number of simulated settings."""
        return int(self.samples.shape[0])


def simulate(
    setting: HeatSetting, *, draws: int = HEAT_DRAWS, seed: int = HEAT_SEED
) -> HeatSimulation:
    """Draw ``draws`` copies of the setting's estimates, truncated to [0, upper bound].

    Rejection sampling exactly as HEAT: out-of-range values are redrawn, not clipped.
    """
    if setting.se is None:
        raise MethodInputError("simulation intervals need standard errors", field="se")
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 2:
        raise MethodInputError(f"draws must be an integer ≥ 2, got {draws!r}", field="draws")
    rng = np.random.default_rng(seed)
    y, sd, top = setting.estimates, setting.se, setting.upper_bound
    samples = rng.normal(y, sd, size=(draws, setting.size))
    bad = (samples < 0) | (samples > top)
    rounds = 0
    while bad.any():
        rounds += 1
        if rounds > _MAX_ROUNDS:
            column = int(np.flatnonzero(bad.any(axis=0))[0])
            raise MethodInputError(
                "simulated estimates keep falling outside [0, upper bound]; check the SE",
                field="se",
                group=setting.label(column),
            )
        rows, cols = np.nonzero(bad)
        samples[rows, cols] = rng.normal(y[cols], sd[cols])
        bad[rows, cols] = (samples[rows, cols] < 0) | (samples[rows, cols] > top)
    return HeatSimulation(samples=samples, seed=seed)


def simulation_limits(
    values: FloatArray, confidences: tuple[float, ...]
) -> tuple[tuple[float, float], ...]:
    """Type-7 quantiles (α/2, 1 − α/2) of simulated measure values, per confidence level.

    NaN limits when any simulated value is NaN (the measure was undefined on some draw).
    """
    if np.isnan(values).any():
        return tuple((float("nan"), float("nan")) for _ in confidences)
    out = []
    for level in confidences:
        alpha = 1.0 - level
        lower, upper = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0], method="linear")
        out.append((float(lower), float(upper)))
    return tuple(out)


SimulatedMeasure = Callable[[FloatArray], FloatArray]
"""A measure vectorised over the last axis: (..., subgroups) → (...)."""
