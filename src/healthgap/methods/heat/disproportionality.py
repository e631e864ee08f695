"""HEAT measures of disproportionality for non-ordered dimensions with > 2 subgroups.

BGV, BGSD, COV, MDM(U/W), MDB(U/W), MDR(U/W), IDIS(U/W), Theil index (TI), mean log
deviation (MLD). Kernels are vectorised over the last axis so the same code computes the
observed value and every simulated draw; μ is always the observed setting average.

References: WHO (2024) HEAT Plus technical notes; Schlotheuber A, Hosseinpoor AR (2022)
Int J Environ Res Public Health 19(6):3697; Ahn J et al. (2018) JCO Clin Cancer Inform
2:1-19 (BGV, TI and MLD variances); Pearcy JN, Keppel KG (2002) Public Health Rep
117:273-80 (index of disparity).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from healthgap.methods.errors import MethodInputError
from healthgap.methods.heat._build import (
    NON_NEGATIVE,
    UNBOUNDED,
    ZERO_MEAN,
    normal_result,
    simulated_result,
    undefined_result,
)
from healthgap.methods.heat.setting import HeatSetting, heat_confidences
from healthgap.methods.heat.simulation import (
    HEAT_DRAWS,
    HEAT_SEED,
    HeatSimulation,
    SimulatedMeasure,
)
from healthgap.methods.result import FloatArray, Result

__all__ = [
    "ZERO_REPLACEMENT",
    "between_group_sd",
    "between_group_variance",
    "coefficient_of_variation",
    "index_of_disparity",
    "mean_difference_from_best",
    "mean_difference_from_mean",
    "mean_difference_from_reference",
    "mean_log_deviation",
    "theil_index",
]

ZERO_REPLACEMENT = 1e-6
"""HEAT replaces zero estimates by this before taking logarithms (TI, MLD)."""

Confidence = float | Sequence[float]


def _shares(setting: HeatSetting, measure: str) -> FloatArray:
    shares = setting.shares
    if shares is None:
        raise MethodInputError(f"{measure} needs the subgroup population", field="population")
    return shares


def _mean(setting: HeatSetting, measure: str) -> float:
    if setting.setting_average is None and setting.population is None:
        raise MethodInputError(
            f"{measure} needs the setting average or the subgroup population",
            field="population",
        )
    return setting.mean


def _weights(setting: HeatSetting, weighted: bool, measure: str) -> FloatArray:
    if weighted:
        return _shares(setting, measure)
    return np.full(setting.size, 1.0 / setting.size)


def between_group_variance(setting: HeatSetting, *, confidence: Confidence = 0.95) -> Result:
    """BGV = Σ pⱼ(yⱼ − μ)², normal limits with Ahn et al.'s variance
    4Σpⱼ²σⱼ²(yⱼ−μ)² + 2[(Σpⱼ²σⱼ²)² − Σpⱼ⁴σⱼ⁴ + Σpⱼ²(1−pⱼ)²σⱼ⁴]."""
    levels = heat_confidences(confidence)
    p, mu, y = _shares(setting, "BGV"), setting.mean, setting.estimates
    value = float(p @ (y - mu) ** 2)
    se = None
    if setting.se is not None:
        v = setting.se**2
        var = 4.0 * float(p**2 * v @ (y - mu) ** 2) + 2.0 * (
            float(p**2 @ v) ** 2 - float(p**4 @ v**2) + float((p**2 * (1.0 - p) ** 2) @ v**2)
        )
        se = float(np.sqrt(var))
    return normal_result(
        value,
        se,
        levels,
        statistic="between-group variance",
        method="Ahn et al. 2018 variance",
        bounds=NON_NEGATIVE,  # a variance's normal interval is cut at 0
    )


def _bgsd_kernel(p: FloatArray, mu: float) -> SimulatedMeasure:
    def kernel(y: FloatArray) -> FloatArray:
        return np.asarray(np.sqrt(((y - mu) ** 2) @ p), dtype=np.float64)

    return kernel


def between_group_sd(
    setting: HeatSetting,
    *,
    confidence: Confidence = 0.95,
    simulation: HeatSimulation | None = None,
    draws: int = HEAT_DRAWS,
    seed: int = HEAT_SEED,
) -> Result:
    """BGSD = √BGV, simulation limits."""
    kernel = _bgsd_kernel(_shares(setting, "BGSD"), setting.mean)
    return simulated_result(
        setting,
        kernel,
        heat_confidences(confidence),
        simulation=simulation,
        draws=draws,
        seed=seed,
        statistic="between-group standard deviation",
        method="HEAT BGSD",
        bounds=NON_NEGATIVE,
    )


def coefficient_of_variation(
    setting: HeatSetting,
    *,
    confidence: Confidence = 0.95,
    simulation: HeatSimulation | None = None,
    draws: int = HEAT_DRAWS,
    seed: int = HEAT_SEED,
) -> Result:
    """COV = 100 · BGSD / μ, simulation limits; undefined (NaN, with the reason) when μ = 0."""
    mu = setting.mean
    if not mu > 0:
        return undefined_result(
            heat_confidences(confidence),
            statistic="coefficient of variation",
            method="HEAT COV",
            reason=ZERO_MEAN,
            multiplier=100.0,
        )
    bgsd = _bgsd_kernel(_shares(setting, "COV"), mu)

    def kernel(y: FloatArray) -> FloatArray:
        return 100.0 * bgsd(y) / mu

    return simulated_result(
        setting,
        kernel,
        heat_confidences(confidence),
        simulation=simulation,
        draws=draws,
        seed=seed,
        statistic="coefficient of variation",
        method="HEAT COV",
        multiplier=100.0,
        bounds=NON_NEGATIVE,
    )


def _code(stem: str, weighted: bool) -> str:
    return f"{stem}{'W' if weighted else 'U'}"


def mean_difference_from_mean(
    setting: HeatSetting,
    *,
    weighted: bool,
    confidence: Confidence = 0.95,
    simulation: HeatSimulation | None = None,
    draws: int = HEAT_DRAWS,
    seed: int = HEAT_SEED,
) -> Result:
    """MDMW = Σ pⱼ|yⱼ − μ|; MDMU = (1/n) Σ |yⱼ − μ|; simulation limits."""
    code = _code("MDM", weighted)
    w, mu = _weights(setting, weighted, code), _mean(setting, code)

    def kernel(y: FloatArray) -> FloatArray:
        return np.asarray(np.abs(y - mu) @ w, dtype=np.float64)

    return simulated_result(
        setting,
        kernel,
        heat_confidences(confidence),
        simulation=simulation,
        draws=draws,
        seed=seed,
        statistic=f"mean difference from mean ({'weighted' if weighted else 'unweighted'})",
        method=f"HEAT {code}",
        bounds=NON_NEGATIVE,
    )


def _mdb_kernel(w: FloatArray, favourable: bool) -> SimulatedMeasure:
    def kernel(y: FloatArray) -> FloatArray:
        if favourable:
            best = np.max(y, axis=-1, keepdims=True)
        else:
            best = np.min(y, axis=-1, keepdims=True)
        return np.asarray(np.abs(y - best) @ w, dtype=np.float64)

    return kernel


def mean_difference_from_best(
    setting: HeatSetting,
    *,
    weighted: bool,
    confidence: Confidence = 0.95,
    simulation: HeatSimulation | None = None,
    draws: int = HEAT_DRAWS,
    seed: int = HEAT_SEED,
) -> Result:
    """MDBW = Σ pⱼ|yⱼ − y_best|; MDBU unweighted; y_best recomputed on every draw."""
    code = _code("MDB", weighted)
    kernel = _mdb_kernel(_weights(setting, weighted, code), setting.favourable)
    return simulated_result(
        setting,
        kernel,
        heat_confidences(confidence),
        simulation=simulation,
        draws=draws,
        seed=seed,
        statistic=(
            f"mean difference from best subgroup ({'weighted' if weighted else 'unweighted'})"
        ),
        method=f"HEAT {code}",
        bounds=NON_NEGATIVE,
    )


def mean_difference_from_reference(
    setting: HeatSetting,
    *,
    weighted: bool,
    confidence: Confidence = 0.95,
    heat_compatible: bool = False,
    simulation: HeatSimulation | None = None,
    draws: int = HEAT_DRAWS,
    seed: int = HEAT_SEED,
) -> Result:
    """MDRW = Σ pⱼ|yⱼ − y_ref|; MDRU unweighted; simulation limits.

    ``heat_compatible=True`` reproduces HEAT-Measures, whose simulation measures the
    distance from the *best* subgroup of each draw instead of the reference subgroup.
    """
    code = _code("MDR", weighted)
    ref = setting.reference
    if ref is None:
        raise MethodInputError(f"{code} needs a reference subgroup", field="reference")
    w = _weights(setting, weighted, code)

    def kernel(y: FloatArray) -> FloatArray:
        return np.asarray(np.abs(y - y[..., ref : ref + 1]) @ w, dtype=np.float64)

    draw_kernel = _mdb_kernel(w, setting.favourable) if heat_compatible else kernel
    method = f"HEAT {code}" + (
        " (HEAT-compatible: simulated from the best subgroup)" if heat_compatible else ""
    )
    return simulated_result(
        setting,
        kernel,
        heat_confidences(confidence),
        simulation=simulation,
        draws=draws,
        seed=seed,
        statistic=(
            f"mean difference from reference subgroup ({'weighted' if weighted else 'unweighted'})"
        ),
        method=method,
        draw_kernel=draw_kernel,
        bounds=NON_NEGATIVE,
    )


def index_of_disparity(
    setting: HeatSetting,
    *,
    weighted: bool,
    confidence: Confidence = 0.95,
    simulation: HeatSimulation | None = None,
    draws: int = HEAT_DRAWS,
    seed: int = HEAT_SEED,
) -> Result:
    """IDISW = 100 · MDMW / μ; IDISU = 100 · MDMU / μ; simulation limits."""
    code = _code("IDIS", weighted)
    w, mu = _weights(setting, weighted, code), _mean(setting, code)
    statistic = f"index of disparity ({'weighted' if weighted else 'unweighted'})"
    if not mu > 0:
        return undefined_result(
            heat_confidences(confidence),
            statistic=statistic,
            method=f"HEAT {code}",
            reason=ZERO_MEAN,
            multiplier=100.0,
        )

    def kernel(y: FloatArray) -> FloatArray:
        return np.asarray(100.0 * (np.abs(y - mu) @ w) / mu, dtype=np.float64)

    return simulated_result(
        setting,
        kernel,
        heat_confidences(confidence),
        simulation=simulation,
        draws=draws,
        seed=seed,
        statistic=statistic,
        method=f"HEAT {code}",
        multiplier=100.0,
        bounds=NON_NEGATIVE,
    )


def _log_measure_bounds(setting: HeatSetting) -> tuple[float, float]:
    """TI and MLD are ≥ 0 (Jensen's inequality) when μ = Σ pⱼyⱼ; against a supplied
    setting average they can be negative."""
    return NON_NEGATIVE if setting.mean_is_estimated else UNBOUNDED


def _positive(y: FloatArray) -> FloatArray:
    return np.where(y == 0, ZERO_REPLACEMENT, y)


def theil_index(
    setting: HeatSetting, *, confidence: Confidence = 0.95, heat_compatible: bool = False
) -> Result:
    """TI = 1000 · Σ pⱼ rⱼ ln rⱼ, rⱼ = yⱼ/μ (zeros → 1e-6), normal limits by the delta method.

    Default: SE × 1000 (same scale as the value) and, when μ is a supplied setting average,
    its derivative is 0. ``heat_compatible=True``: HEAT's SE on the fraction scale added to
    the × 1000 value, with μ always treated as Σ pⱼyⱼ (see ADR 0140).
    """
    levels = heat_confidences(confidence)
    p, mu = _shares(setting, "TI"), setting.mean
    if not mu > 0:
        return undefined_result(
            levels,
            statistic="Theil index × 1000",
            method="delta method",
            reason=ZERO_MEAN,
            multiplier=1000.0,
        )
    y = _positive(setting.estimates)
    r = y / mu
    log_r = np.log(r)
    value = 1000.0 * float(p @ (r * log_r))
    se = None
    if setting.se is not None:
        inner = 1.0 + log_r
        if heat_compatible or setting.mean_is_estimated:
            grad = p / mu * (inner - float(p @ (r * inner)))
        else:
            grad = p * inner / mu
        se_frac = float(np.sqrt((setting.se**2) @ grad**2))
        se = se_frac if heat_compatible else 1000.0 * se_frac
    method = "delta method" + (
        " (HEAT-compatible: SE on the fraction scale)" if heat_compatible else ""
    )
    return normal_result(
        value,
        se,
        levels,
        statistic="Theil index × 1000",
        method=method,
        multiplier=1000.0,
        bounds=_log_measure_bounds(setting),
    )


def mean_log_deviation(
    setting: HeatSetting, *, confidence: Confidence = 0.95, heat_compatible: bool = False
) -> Result:
    """MLD = 1000 · Σ pⱼ(−ln(yⱼ/μ)) (zeros → 1e-6), normal limits by the delta method.

    Scale handling as :func:`theil_index` (ADR 0140).
    """
    levels = heat_confidences(confidence)
    p, mu = _shares(setting, "MLD"), setting.mean
    if not mu > 0:
        return undefined_result(
            levels,
            statistic="mean log deviation × 1000",
            method="delta method",
            reason=ZERO_MEAN,
            multiplier=1000.0,
        )
    y = _positive(setting.estimates)
    value = 1000.0 * float(p @ -np.log(y / mu))
    se = None
    if setting.se is not None:
        estimated = heat_compatible or setting.mean_is_estimated
        grad = p / mu * (1.0 - mu / y) if estimated else -p / y
        se_frac = float(np.sqrt((setting.se**2) @ grad**2))
        se = se_frac if heat_compatible else 1000.0 * se_frac
    method = "delta method" + (
        " (HEAT-compatible: SE on the fraction scale)" if heat_compatible else ""
    )
    return normal_result(
        value,
        se,
        levels,
        statistic="mean log deviation × 1000",
        method=method,
        multiplier=1000.0,
        bounds=_log_measure_bounds(setting),
    )
