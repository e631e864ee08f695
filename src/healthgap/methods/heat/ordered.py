"""HEAT measures for ordered dimensions with > 2 subgroups: ACI, RCI, SII, RII.

Ranks Xⱼ are cumulative population mid-points from the most disadvantaged subgroup.
SII and RII come from HEAT's logistic model, fitted here by iteratively reweighted least
squares (IRLS): counts yⱼ = round(estⱼ/scale · ⌈popⱼ⌉) out of popⱼ trials, regressed on
Xⱼ with prior weights popⱼ (so each subgroup carries popⱼ² binomial information, as in
HEAT), SII = p̂(1) − p̂(0) (× scale), RII = p̂(1)/p̂(0), SEs by the delta method on an HC1
sandwich covariance, normal limits (RII on the log scale).

References: Kakwani N, Wagstaff A, van Doorslaer E (1997) J Econometrics 77:87-103
(concentration index, "convenient regression"); O'Donnell O et al. (2008) Analyzing Health
Equity Using Household Survey Data, World Bank, ch. 8; McCullagh P, Nelder JA (1989)
Generalized Linear Models, 2nd ed., §2.5 (IRLS); MacKinnon JG, White H (1985) J Econometrics
29:305-25 (HC1); WHO (2024) HEAT Plus technical notes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from healthgap.methods.errors import MethodInputError
from healthgap.methods.heat._build import (
    ZERO_MEAN,
    limits_result,
    log_normal_result,
    normal_result,
    undefined_result,
)
from healthgap.methods.heat.setting import HeatSetting, heat_confidences, z_value
from healthgap.methods.result import FloatArray, Result

__all__ = [
    "LogisticRankModel",
    "absolute_concentration_index",
    "heat_relative_index",
    "heat_slope_index",
    "logistic_rank_model",
    "relative_concentration_index",
]

Confidence = float | Sequence[float]
_TOLERANCE = 1e-10
_MAX_COEFFICIENT = 30.0
_MAX_ITERATIONS = 100


def _check_ordered(setting: HeatSetting, measure: str) -> tuple[FloatArray, FloatArray]:
    if not setting.ordered:
        raise MethodInputError(f"{measure} needs an ordered dimension", field="ordered")
    if setting.size < 3:
        raise MethodInputError(f"{measure} needs more than two subgroups", field="estimates")
    shares = setting.shares
    if shares is None:
        raise MethodInputError(f"{measure} needs the subgroup population", field="population")
    return shares, setting.ranks()


def _convenient_regression_se(setting: HeatSetting, lhs: FloatArray, ranks: FloatArray) -> float:
    """SE of the slope of lhs·√n on [X·√n, √n] by OLS without intercept (grouped data)."""
    assert setting.population is not None
    root = np.sqrt(setting.population)
    design = np.column_stack([ranks * root, root])
    response = lhs * root
    coef, *_ = np.linalg.lstsq(design, response, rcond=None)
    resid = response - design @ coef
    dof = setting.size - 2
    try:
        cov = float(resid @ resid) / dof * np.linalg.inv(design.T @ design)
    except np.linalg.LinAlgError:  # no spread of ranks to regress on: the SE is undefined
        return math.nan
    return float(np.sqrt(cov[0, 0]))


def absolute_concentration_index(
    setting: HeatSetting, *, confidence: Confidence = 0.95, heat_compatible: bool = False
) -> Result:
    """ACI = Σ pⱼ(2Xⱼ − 1)yⱼ, normal limits.

    Default SE: the exact variance Σ pⱼ²σⱼ²(2Xⱼ − 1)² when SEs are given; without SEs, and
    always when ``heat_compatible``, HEAT's convenient-regression SE (ADR 0141).
    """
    levels = heat_confidences(confidence)
    p, x = _check_ordered(setting, "ACI")
    y = setting.estimates
    value = float(p @ ((2.0 * x - 1.0) * y))
    if setting.se is not None and not heat_compatible:
        se = float(np.sqrt((p**2 * setting.se**2) @ (2.0 * x - 1.0) ** 2))
        method = "delta method on the subgroup SEs"
    else:
        rank_var = float(p @ (x - 0.5) ** 2)
        se = _convenient_regression_se(setting, 2.0 * rank_var * y, x)
        method = "convenient regression (Kakwani et al. 1997)"
    # |ACI| ≤ Σ pⱼ|2Xⱼ − 1|yⱼ ≤ the largest possible estimate (100 for percentages)
    top = setting.upper_bound
    return normal_result(
        value,
        se,
        levels,
        statistic="absolute concentration index",
        method=method,
        bounds=(-top, top),
    )


def relative_concentration_index(
    setting: HeatSetting, *, confidence: Confidence = 0.95, heat_compatible: bool = False
) -> Result:
    """RCI = 100 · ACI/μ, normal limits on the same × 100 scale.

    Default SE: delta method on the subgroup SEs (μ's own variation included when μ is
    Σ pⱼyⱼ); convenient regression without SEs. ``heat_compatible=True`` returns HEAT's
    fraction (not × 100) with the convenient-regression SE (ADR 0140).
    """
    levels = heat_confidences(confidence)
    p, x = _check_ordered(setting, "RCI")
    y, mu = setting.estimates, setting.mean
    if not mu > 0:
        if heat_compatible:
            return undefined_result(
                levels,
                statistic="relative concentration index (fraction)",
                method="HEAT-compatible: fraction scale",
                reason=ZERO_MEAN,
            )
        return undefined_result(
            levels,
            statistic="relative concentration index × 100",
            method="none",
            reason=ZERO_MEAN,
            multiplier=100.0,
        )
    frac = float(p @ ((2.0 * x - 1.0) * y)) / mu
    if setting.se is not None and not heat_compatible:
        centre = (2.0 * x - 1.0) - (frac if setting.mean_is_estimated else 0.0)
        se_frac = float(np.sqrt((p**2 * setting.se**2) @ centre**2)) / mu
        method = "delta method on the subgroup SEs"
    else:
        rank_var = float(p @ (x - 0.5) ** 2)
        se_frac = _convenient_regression_se(setting, 2.0 * rank_var * y / mu, x)
        method = "convenient regression (Kakwani et al. 1997)"
    if heat_compatible:
        return normal_result(
            frac,
            se_frac,
            levels,
            statistic="relative concentration index (fraction)",
            method=f"{method} (HEAT-compatible: fraction scale)",
            bounds=(-1.0, 1.0),
        )
    return normal_result(
        100.0 * frac,
        100.0 * se_frac,
        levels,
        statistic="relative concentration index × 100",
        method=method,
        multiplier=100.0,
        bounds=(-100.0, 100.0),  # a concentration index of estimates ≥ 0 is in [-1, 1]
    )


@dataclass(frozen=True)
class LogisticRankModel:
    """HEAT's fitted logistic model: logit p̂(X) = intercept + slope · X, HC1 covariance."""

    intercept: float
    slope: float
    covariance: FloatArray
    iterations: int

    def predict(self, rank: float) -> float:
        """p̂ at a rank in [0, 1]."""
        return 1.0 / (1.0 + math.exp(-(self.intercept + self.slope * rank)))


def logistic_rank_model(setting: HeatSetting) -> LogisticRankModel:
    """Fit HEAT's SII/RII model by IRLS (binomial, logit link) with an HC1 covariance.

    Raises :class:`MethodInputError` if an estimate exceeds the scale (no proportion), or
    if the fit does not converge (e.g. every subgroup at 0 or at the scale).
    """
    p, x = _check_ordered(setting, "SII/RII")
    del p
    assert setting.population is not None
    pop = setting.population
    successes = np.round(setting.estimates / setting.scale * np.ceil(pop))
    if (successes > pop).any():
        index = int(np.flatnonzero(successes > pop)[0])
        raise MethodInputError(
            "the logistic SII/RII model needs 0 ≤ estimate ≤ scale (a proportion of the scale)",
            field="estimates",
            group=setting.label(index),
        )
    observed = successes / pop
    prior = pop * pop  # binomial trials (pop) times the prior weight (pop), as in HEAT
    design = np.column_stack([np.ones(setting.size), x])
    start = (pop * observed + 0.5) / (pop + 1.0)
    eta = np.log(start / (1.0 - start))
    beta: FloatArray = np.zeros(2)
    converged = False
    iteration = 0
    while not converged and iteration < _MAX_ITERATIONS:
        iteration += 1
        mu = 1.0 / (1.0 + np.exp(-eta))
        deriv = mu * (1.0 - mu)
        if not np.all(deriv > 0.0):  # fitted values at exactly 0 or 1: no working response
            break
        weights = prior * deriv
        working = eta + (observed - mu) / deriv
        try:
            new_beta = np.asarray(
                np.linalg.solve(
                    design.T @ (weights[:, None] * design), design.T @ (weights * working)
                ),
                dtype=np.float64,
            )
        except np.linalg.LinAlgError:  # weights underflow to 0 (fitted values at 0 or 1)
            break
        if not np.all(np.isfinite(new_beta)) or np.max(np.abs(new_beta)) > _MAX_COEFFICIENT:
            break
        step = float(np.max(np.abs(new_beta - beta)))
        converged = step <= _TOLERANCE * (1.0 + float(np.max(np.abs(new_beta))))
        beta, eta = new_beta, design @ new_beta
    if not converged:
        raise MethodInputError(
            "the logistic SII/RII model did not converge (all subgroups at 0 or at the scale?)",
            field="estimates",
        )
    mu = 1.0 / (1.0 + np.exp(-(design @ beta)))
    weights = prior * mu * (1.0 - mu)
    try:
        bread = np.linalg.inv(design.T @ (weights[:, None] * design))
    except np.linalg.LinAlgError:
        raise MethodInputError(
            "the logistic SII/RII model's information matrix is singular", field="estimates"
        ) from None
    scores = design * (prior * (observed - mu))[:, None]
    n = setting.size
    covariance = bread @ (scores.T @ scores) @ bread * n / (n - 2)
    return LogisticRankModel(
        intercept=float(beta[0]),
        slope=float(beta[1]),
        covariance=covariance,
        iterations=iteration,
    )


def heat_slope_index(
    setting: HeatSetting,
    *,
    confidence: Confidence = 0.95,
    model: LogisticRankModel | None = None,
) -> Result:
    """HEAT's SII = (p̂(1) − p̂(0)) × scale from the logistic rank model; normal limits,
    SE by the delta method with the HC1 covariance (marginaleffects' avg_comparisons)."""
    levels = heat_confidences(confidence)
    fit = model if model is not None else logistic_rank_model(setting)
    p1, p0 = fit.predict(1.0), fit.predict(0.0)
    grad = np.array([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)])
    se = float(np.sqrt(grad @ fit.covariance @ grad))
    value = (p1 - p0) * setting.scale
    limits = tuple(
        ((p1 - p0 - z_value(c) * se) * setting.scale, (p1 - p0 + z_value(c) * se) * setting.scale)
        for c in levels
    )
    return limits_result(
        value,
        limits,
        levels,
        statistic="slope index of inequality (HEAT logistic)",
        method="binomial logit GLM (IRLS), HC1 delta method",
        multiplier=setting.scale,
        bounds=(-setting.scale, setting.scale),  # a difference of two fitted proportions
    )


def heat_relative_index(
    setting: HeatSetting,
    *,
    confidence: Confidence = 0.95,
    model: LogisticRankModel | None = None,
) -> Result:
    """HEAT's RII = p̂(1)/p̂(0) from the logistic rank model; limits exp(ln RII ∓ z·SE)."""
    levels = heat_confidences(confidence)
    fit = model if model is not None else logistic_rank_model(setting)
    p1, p0 = fit.predict(1.0), fit.predict(0.0)
    grad = np.array([p0 - p1, 1.0 - p1])
    se_log = float(np.sqrt(grad @ fit.covariance @ grad))
    return log_normal_result(
        p1 / p0,
        se_log,
        levels,
        statistic="relative index of inequality (HEAT logistic)",
        method="binomial logit GLM (IRLS), HC1 delta method on ln ratio",
    )
