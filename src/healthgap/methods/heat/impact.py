"""HEAT measures of impact: population attributable risk (PAR) and fraction (PAF).

PAR = y_ref − μ and PAF = 100 · PAR/μ, truncated at 0 (≥ 0 for favourable indicators,
≤ 0 for adverse ones). Reference subgroup: the flagged reference if any, else the most
advantaged subgroup (ordered dimensions) or the best subgroup (non-ordered).

Variance of the PAF fraction from the 2×2 table c = y_ref/scale · n_ref, d = n_ref − c,
a = μ/scale · N − c, b = N − a − n_ref:
Var = cN[ad(N − c) + bc²] / [(a + c)³(c + d)³]; SE(PAR) = μ · SE(PAF fraction).

References: Walter SD (1976) Biometrics 32:829-49 (attributable fraction variance);
WHO (2024) HEAT Plus technical notes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from healthgap.methods.errors import MethodInputError
from healthgap.methods.heat._build import ZERO_MEAN, limits_result, undefined_result
from healthgap.methods.heat.setting import HeatSetting, heat_confidences, z_value
from healthgap.methods.result import Result

__all__ = [
    "impact_reference",
    "population_attributable_fraction",
    "population_attributable_risk",
]

Confidence = float | Sequence[float]


def impact_reference(setting: HeatSetting) -> int:
    """Index of the PAF/PAR reference subgroup."""
    if setting.reference is not None:
        return setting.reference
    if setting.ordered:
        return int(setting.by_order()[-1])
    return setting.best


def _paf_fraction_se(setting: HeatSetting, ref: int) -> float:
    assert setting.population is not None
    n_total = float(setting.population.sum())
    n_ref = float(setting.population[ref])
    c = float(setting.estimates[ref]) / setting.scale * n_ref
    d = n_ref - c
    a = setting.mean / setting.scale * n_total - c
    b = n_total - a - n_ref
    denominator = (a + c) ** 3 * (c + d) ** 3
    if not denominator > 0:  # no events in the setting (μ = 0): the variance is undefined
        return math.nan
    var = c * n_total * (a * d * (n_total - c) + b * c**2) / denominator
    return math.sqrt(var) if var >= 0 else math.nan


def _z(confidence: float, heat_compatible: bool) -> float:
    """HEAT's PAF/PAR code uses the rounded 1.96 at 95 %; Φ⁻¹ otherwise."""
    return 1.96 if heat_compatible and confidence == 0.95 else z_value(confidence)


def _truncate(value: float, favourable: bool) -> float:
    return max(value, 0.0) if favourable else min(value, 0.0)


def _impact(
    setting: HeatSetting,
    levels: tuple[float, ...],
    *,
    fraction: bool,
    heat_compatible: bool,
) -> Result:
    if setting.population is None:
        raise MethodInputError(
            f"{'PAF' if fraction else 'PAR'} needs the subgroup population", field="population"
        )
    ref = impact_reference(setting)
    mu = setting.mean
    name = "population attributable fraction (%)" if fraction else "population attributable risk"
    if not mu > 0:
        return undefined_result(
            levels,
            statistic=f"{name}, reference {setting.label(ref)}",
            method="none",
            reason=ZERO_MEAN,
            multiplier=100.0 if fraction else 1.0,
        )
    raw = float(setting.estimates[ref]) - mu
    se_frac = _paf_fraction_se(setting, ref)
    if fraction:
        raw = 100.0 * raw / mu
        se = se_frac if heat_compatible else 100.0 * se_frac
    else:
        se = mu * se_frac
    value = _truncate(raw, setting.favourable)
    limits = tuple(
        (
            _truncate(raw - _z(c, heat_compatible) * se, setting.favourable),
            _truncate(raw + _z(c, heat_compatible) * se, setting.favourable),
        )
        for c in levels
    )
    method = "Walter 2×2-table variance, normal limits, truncated at 0"
    if heat_compatible:
        method += (
            " (HEAT-compatible: fraction-scale SE on the % value, z = 1.96)"
            if fraction
            else " (HEAT-compatible: z = 1.96)"
        )
    return limits_result(
        value,
        limits,
        levels,
        statistic=f"{name}, reference {setting.label(ref)}",
        method=method,
        multiplier=100.0 if fraction else 1.0,
        bounds=_impact_bounds(setting, mu, fraction=fraction),
    )


def _impact_bounds(setting: HeatSetting, mu: float, *, fraction: bool) -> tuple[float, float]:
    """PAF/PAR range: truncated at 0 on one side; y_ref ≥ 0 bounds the other side for
    adverse indicators (PAF ≥ −100 %, PAR ≥ −μ)."""
    if setting.favourable:
        return (0.0, math.inf)
    return (-100.0 if fraction else -mu, 0.0)


def population_attributable_risk(
    setting: HeatSetting, *, confidence: Confidence = 0.95, heat_compatible: bool = False
) -> Result:
    """PAR = y_ref − μ, truncated at 0; normal limits with SE = μ · SE(PAF fraction).

    ``heat_compatible=True`` uses HEAT's rounded z = 1.96 at the 95 % level.
    """
    return _impact(
        setting, heat_confidences(confidence), fraction=False, heat_compatible=heat_compatible
    )


def population_attributable_fraction(
    setting: HeatSetting, *, confidence: Confidence = 0.95, heat_compatible: bool = False
) -> Result:
    """PAF = 100 · (y_ref − μ)/μ, truncated at 0; normal limits.

    Default: the SE is put on the same % scale as the value. ``heat_compatible=True``
    adds HEAT's fraction-scale SE to the % value (limits 100× too narrow; ADR 0140), with
    HEAT's rounded z = 1.96 at the 95 % level.
    """
    return _impact(
        setting, heat_confidences(confidence), fraction=True, heat_compatible=heat_compatible
    )
