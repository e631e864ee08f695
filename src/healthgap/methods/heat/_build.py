"""Assemble one-setting :class:`Result` values for the HEAT measures (private)."""

from __future__ import annotations

import math

import numpy as np

from healthgap.methods.heat.setting import HeatSetting, z_value
from healthgap.methods.heat.simulation import (
    HeatSimulation,
    SimulatedMeasure,
    simulate,
    simulation_limits,
)
from healthgap.methods.result import Interval, Result

NO_SE = "no standard errors: limits not computed"
ZERO_MEAN = "undefined: the setting average is 0 (no events in any subgroup)"
ZERO_MEAN_LIMITS = "limits undefined: the setting average is 0 (no events in any subgroup)"

Bounds = tuple[float, float]
#: No bound on either side.
UNBOUNDED: Bounds = (-math.inf, math.inf)
#: Measures that cannot be negative (variances, SDs, ratios, mean differences).
NON_NEGATIVE: Bounds = (0.0, math.inf)


def _one(x: float) -> np.ndarray:
    return np.array([x], dtype=np.float64)


def limits_result(
    value: float,
    limits: tuple[tuple[float, float], ...],
    levels: tuple[float, ...],
    *,
    statistic: str,
    method: str,
    multiplier: float = 1.0,
    reason: str = "",
    bounds: Bounds = UNBOUNDED,
) -> Result:
    """A Result for one setting from a value and (lower, upper) per confidence level.

    ``bounds`` is the measure's range: limits (e.g. a normal interval's) are clipped to it,
    so a variance's lower limit is never below 0.
    """
    low, high = bounds
    limits = tuple(
        (
            lo if math.isnan(lo) else min(max(lo, low), high),
            hi if math.isnan(hi) else min(max(hi, low), high),
        )
        for lo, hi in limits
    )
    if math.isfinite(value):  # rounding noise (e.g. an MLD of -1e-17) stays in range too
        value = min(max(value, low), high)
    if not reason and not math.isfinite(value):
        reason = "measure undefined for these estimates"
    if not reason and any(not (math.isfinite(lo) and math.isfinite(hi)) for lo, hi in limits):
        reason = "limits undefined for these estimates"
    return Result(
        value=_one(value),
        intervals=tuple(
            Interval(level, _one(lo), _one(hi))
            for level, (lo, hi) in zip(levels, limits, strict=True)
        ),
        statistic=statistic,
        method=method,
        multiplier=multiplier,
        reason=np.array([reason], dtype=np.str_),
    )


def normal_result(
    value: float,
    se: float | None,
    levels: tuple[float, ...],
    *,
    statistic: str,
    method: str,
    multiplier: float = 1.0,
    reason: str = "",
    bounds: Bounds = UNBOUNDED,
) -> Result:
    """value ∓ z·se at each level (NaN limits, with a reason, when se is None), clipped to
    ``bounds``."""
    if se is None:
        limits = tuple((math.nan, math.nan) for _ in levels)
        reason = reason or NO_SE
    else:
        limits = tuple((value - z_value(c) * se, value + z_value(c) * se) for c in levels)
    return limits_result(
        value,
        limits,
        levels,
        statistic=statistic,
        method=method,
        multiplier=multiplier,
        reason=reason,
        bounds=bounds,
    )


def _exp(x: float) -> float:
    """exp(x), ∞ beyond the float range (an unbounded limit, not an OverflowError)."""
    return math.exp(x) if x < 709.0 else math.inf


def log_normal_result(
    value: float,
    se_log: float | None,
    levels: tuple[float, ...],
    *,
    statistic: str,
    method: str,
    reason: str = "",
) -> Result:
    """value × exp(∓ z·se_log) at each level (ratio measures)."""
    if se_log is None or not value > 0:
        limits = tuple((math.nan, math.nan) for _ in levels)
        if se_log is None:
            reason = reason or NO_SE
    else:
        limits = tuple(
            (value * _exp(-z_value(c) * se_log), value * _exp(z_value(c) * se_log)) for c in levels
        )
    return limits_result(value, limits, levels, statistic=statistic, method=method, reason=reason)


def simulated_result(
    setting: HeatSetting,
    kernel: SimulatedMeasure,
    levels: tuple[float, ...],
    *,
    simulation: HeatSimulation | None,
    draws: int,
    seed: int,
    statistic: str,
    method: str,
    draw_kernel: SimulatedMeasure | None = None,
    multiplier: float = 1.0,
    bounds: Bounds = UNBOUNDED,
) -> Result:
    """Value from ``kernel`` on the estimates; limits from ``draw_kernel`` (default the
    same kernel) on simulated estimates, clipped to ``bounds``. No SEs → NaN limits with a
    reason."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(kernel(setting.estimates))
    if setting.se is None or setting.mean == 0:
        # μ = 0: no events in any subgroup. Draws truncated at 0 can only move up, so their
        # percentiles would not even contain the value: no limits, with the reason.
        limits = tuple((math.nan, math.nan) for _ in levels)
        return limits_result(
            value,
            limits,
            levels,
            statistic=statistic,
            method=method,
            multiplier=multiplier,
            reason=NO_SE if setting.se is None else ZERO_MEAN_LIMITS,
            bounds=bounds,
        )
    sim = simulation if simulation is not None else simulate(setting, draws=draws, seed=seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        sims = (draw_kernel or kernel)(sim.samples)
    limits = simulation_limits(sims, levels)
    return limits_result(
        value,
        limits,
        levels,
        statistic=statistic,
        method=f"{method}; simulation, {sim.draws} draws, seed {sim.seed}",
        multiplier=multiplier,
        bounds=bounds,
    )


def undefined_result(
    levels: tuple[float, ...],
    *,
    statistic: str,
    method: str,
    reason: str,
    value: float = math.nan,
    multiplier: float = 1.0,
) -> Result:
    """A measure that cannot be computed for this setting: ``value`` (NaN by default) with
    NaN limits and the reason (e.g. :data:`ZERO_MEAN`)."""
    return limits_result(
        value,
        tuple((math.nan, math.nan) for _ in levels),
        levels,
        statistic=statistic,
        method=method,
        multiplier=multiplier,
        reason=reason,
    )
