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
) -> Result:
    """A Result for one setting from a value and (lower, upper) per confidence level."""
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
) -> Result:
    """value ∓ z·se at each level (NaN limits, with a reason, when se is None)."""
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
    )


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
            (value * math.exp(-z_value(c) * se_log), value * math.exp(z_value(c) * se_log))
            for c in levels
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
) -> Result:
    """Value from ``kernel`` on the estimates; limits from ``draw_kernel`` (default the
    same kernel) on simulated estimates. No SEs → NaN limits with a reason."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(kernel(setting.estimates))
    if setting.se is None:
        limits = tuple((math.nan, math.nan) for _ in levels)
        return limits_result(
            value,
            limits,
            levels,
            statistic=statistic,
            method=method,
            multiplier=multiplier,
            reason=NO_SE,
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
    )
