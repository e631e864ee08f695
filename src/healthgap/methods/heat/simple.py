"""HEAT simple measures: difference (D) and ratio (R) between two subgroups.

Which two subgroups (HEAT Plus technical notes):

============================  ===========================  ===========================
dimension                     favourable indicator         adverse indicator
============================  ===========================  ===========================
ordered                       most advantaged − most       most disadvantaged − most
                              disadvantaged                advantaged
binary, reference set         reference − other            other − reference
non-ordered > 2, reference    reference − the other that   the other that maximises
                              maximises the difference     the difference − reference
no reference (not ordered)    highest − lowest             highest − lowest
============================  ===========================  ===========================

Plus, for non-ordered dimensions with many subgroups, differences and ratios between
percentiles and between the means of the top and bottom fractions (ADR 0141).

Variances: Var(D) = σ₁² + σ₂²; Var(R) = σ₁²/y₂² + y₁²σ₂²/y₂⁴ with limits exp(ln R ∓ z·SE/R).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from healthgap.methods.errors import MethodInputError
from healthgap.methods.heat._build import (
    NON_NEGATIVE,
    limits_result,
    log_normal_result,
    normal_result,
    simulated_result,
)
from healthgap.methods.heat.setting import HeatSetting, heat_confidences
from healthgap.methods.heat.simulation import HEAT_DRAWS, HEAT_SEED, HeatSimulation
from healthgap.methods.result import FloatArray, Result

__all__ = [
    "SPREAD_VARIANTS",
    "SpreadVariant",
    "difference",
    "ratio",
    "simple_pair",
    "spread_variants",
    "subgroup_spread",
]

Confidence = float | Sequence[float]


def simple_pair(setting: HeatSetting) -> tuple[int, int]:
    """Indices (first, second) of the subgroups compared by D = y₁ − y₂ and R = y₁/y₂."""
    y, ref = setting.estimates, setting.reference
    if setting.ordered:
        idx = setting.by_order()
        low, high = int(idx[0]), int(idx[-1])
        return (high, low) if setting.favourable else (low, high)
    if ref is None:
        return int(np.argmax(y)), int(np.argmin(y))
    others = np.array([i for i in range(setting.size) if i != ref], dtype=np.intp)
    if setting.favourable:
        return ref, int(others[np.argmin(y[others])])
    return int(others[np.argmax(y[others])]), ref


def _pair_label(setting: HeatSetting, first: int, second: int) -> str:
    return f"{setting.label(first)} vs {setting.label(second)}"


def difference(setting: HeatSetting, *, confidence: Confidence = 0.95) -> Result:
    """D = y₁ − y₂ for the HEAT pair, normal limits with Var = σ₁² + σ₂²."""
    levels = heat_confidences(confidence)
    first, second = simple_pair(setting)
    y = setting.estimates
    se = None
    if setting.se is not None:
        se = math.hypot(float(setting.se[first]), float(setting.se[second]))
    return normal_result(
        float(y[first] - y[second]),
        se,
        levels,
        statistic=f"difference ({_pair_label(setting, first, second)})",
        method="normal approximation",
        # two estimates in [0, upper bound] differ by at most the bound (100 for percentages)
        bounds=(-setting.upper_bound, setting.upper_bound),
    )


def ratio(setting: HeatSetting, *, confidence: Confidence = 0.95) -> Result:
    """R = y₁/y₂ for the HEAT pair; limits exp(ln R ∓ z·SE/R), Var = σ₁²/y₂² + y₁²σ₂²/y₂⁴."""
    levels = heat_confidences(confidence)
    first, second = simple_pair(setting)
    y1, y2 = float(setting.estimates[first]), float(setting.estimates[second])
    statistic = f"ratio ({_pair_label(setting, first, second)})"
    if y2 == 0 or y1 == 0:
        return limits_result(
            0.0 if y2 != 0 else math.nan,
            tuple((math.nan, math.nan) for _ in levels),
            levels,
            statistic=statistic,
            method="normal approximation on the log scale",
            reason=(
                "ratio undefined: the second subgroup's estimate is 0"
                if y2 == 0
                else "ratio is 0: log-scale limits undefined"
            ),
        )
    se_log = None
    if setting.se is not None:
        s1, s2 = float(setting.se[first]), float(setting.se[second])
        se_ratio = math.sqrt(s1**2 / y2**2 + y1**2 * s2**2 / y2**4)
        se_log = se_ratio / (y1 / y2)
    return log_normal_result(
        y1 / y2, se_log, levels, statistic=statistic, method="normal approximation on the log scale"
    )


@dataclass(frozen=True)
class SpreadVariant:
    """An extra D/R for many non-ordered subgroups: high and low cut-offs in [0, 1]."""

    code: str
    min_subgroups: int
    low: float
    high: float
    by_mean: bool

    @property
    def description(self) -> str:
        """Human-readable name, e.g. 'p80 vs p20'."""
        lo, hi = round(self.low * 100), round(self.high * 100)
        if self.by_mean:
            return f"mean of top {100 - hi}% vs mean of bottom {lo}% of subgroups"
        return f"p{hi} vs p{lo}"


SPREAD_VARIANTS: tuple[SpreadVariant, ...] = (
    SpreadVariant("p80_p20", 31, 0.20, 0.80, by_mean=False),
    SpreadVariant("q5_q1", 31, 0.20, 0.80, by_mean=True),
    SpreadVariant("p90_p10", 61, 0.10, 0.90, by_mean=False),
    SpreadVariant("d10_d1", 61, 0.10, 0.90, by_mean=True),
    SpreadVariant("p95_p5", 101, 0.05, 0.95, by_mean=False),
    SpreadVariant("top5_bottom5", 101, 0.05, 0.95, by_mean=True),
)
"""HEAT's > 30 / > 60 / > 100 subgroup variants."""


def spread_variants(setting: HeatSetting) -> tuple[SpreadVariant, ...]:
    """The variants that apply to this setting (non-ordered, enough subgroups)."""
    if setting.ordered:
        return ()
    return tuple(v for v in SPREAD_VARIANTS if setting.size >= v.min_subgroups)


def _ends(y: FloatArray, variant: SpreadVariant) -> tuple[FloatArray, FloatArray]:
    cuts = np.quantile(y, [variant.low, variant.high], axis=-1, method="linear")
    low_cut, high_cut = cuts[0], cuts[1]
    if not variant.by_mean:
        return np.asarray(high_cut), np.asarray(low_cut)
    top = y >= np.expand_dims(high_cut, -1)
    bottom = y <= np.expand_dims(low_cut, -1)
    return (
        np.asarray((y * top).sum(axis=-1) / top.sum(axis=-1)),
        np.asarray((y * bottom).sum(axis=-1) / bottom.sum(axis=-1)),
    )


def subgroup_spread(
    setting: HeatSetting,
    variant: SpreadVariant,
    *,
    relative: bool,
    confidence: Confidence = 0.95,
    simulation: HeatSimulation | None = None,
    draws: int = HEAT_DRAWS,
    seed: int = HEAT_SEED,
) -> Result:
    """High − low (``relative=False``) or high/low for one :class:`SpreadVariant`.

    Percentiles are type-7 quantiles of the (unweighted) subgroup estimates; "top/bottom"
    means are unweighted means of the estimates at or beyond those percentiles. Limits by
    HEAT's simulation.
    """
    if setting.ordered:
        raise MethodInputError("spread variants are for non-ordered dimensions", field="ordered")
    if setting.size < variant.min_subgroups:
        raise MethodInputError(
            f"variant {variant.code} needs at least {variant.min_subgroups} subgroups",
            field="estimates",
        )

    def kernel(y: FloatArray) -> FloatArray:
        high, low = _ends(y, variant)
        return np.asarray(high / low if relative else high - low, dtype=np.float64)

    return simulated_result(
        setting,
        kernel,
        heat_confidences(confidence),
        simulation=simulation,
        draws=draws,
        seed=seed,
        statistic=f"{'ratio' if relative else 'difference'} ({variant.description})",
        method="type-7 percentiles of subgroup estimates",
        bounds=NON_NEGATIVE,  # high ≥ low ≥ 0
    )
