"""Healthy life expectancy by the Sullivan method, with its confidence interval.

On the Chiang II life table of :mod:`healthgap.methods.life_expectancy`, with pᵢ the
proportion of band i in good health and Nᵢ the survey sample behind it:

HLEₓ = Σ_{i≥x} Lᵢpᵢ / lₓ;

Var(HLEₓ) = [Σ_{x≤i<90+} lᵢ²((1 − aᵢ)nᵢpᵢ + HLE_{i+1})²·Var(qᵢ)
           + p_{90+}²·l_{90+}²/(D_{90+}M_{90+}²)
           + Σ_{i≥x} Lᵢ²·pᵢ(1 − pᵢ)/Nᵢ] / lₓ²,

Var(qᵢ) = qᵢ²(1 − qᵢ)/Dᵢ. The first two terms are the mortality part (Chiang's variance with
the Sullivan weights, Silcocks' term for the open band, so that with pᵢ = 1 and Nᵢ → ∞ the
result is exactly the life expectancy and its variance); the last is the sampling variance of
the prevalence. This is the formulation of Jagger C, Cox B, Le Roy S et al., *Health
Expectancy Calculation by the Sullivan Method: A Practical Guide* (EHEMU Technical Report,
3rd ed., 2006, appendix), after Mathers CD (1991) *Health expectancies in Australia*, used by
ONS for its health state life expectancies. Suppression follows life expectancy's rules.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from healthgap.methods import _core_checks as check
from healthgap.methods.errors import MethodInputError
from healthgap.methods.life_expectancy import _AX, _WIDTHS, _result, _revcumsum, life_table
from healthgap.methods.result import Result

__all__ = ["healthy_life_expectancy"]


def healthy_life_expectancy(
    deaths: ArrayLike,
    population: ArrayLike,
    prevalence: ArrayLike,
    sample_size: ArrayLike,
    *,
    startage: ArrayLike,
    groups: ArrayLike | None = None,
    confidence: float | Sequence[float] = 0.95,
) -> Result:
    """HLE at the start of every band, aligned with the input rows.

    ``prevalence`` is the proportion in good health (0–1) of each band and ``sample_size`` the
    number of survey respondents it comes from (> 0); other arguments as
    :func:`~healthgap.methods.life_expectancy.life_expectancy`.
    """
    levels = check.confidences(confidence)
    table = life_table(deaths, population, startage=startage, groups=groups)
    p_rows = check.floats("prevalence", prevalence)
    n_rows = check.floats("sample_size", sample_size)
    check.same_length(deaths=check.floats("deaths", deaths), prevalence=p_rows, sample_size=n_rows)
    check.no_nan("prevalence", p_rows)
    check.no_nan("sample_size", n_rows)
    check.non_negative("prevalence", p_rows)
    check.positive("sample_size", n_rows)
    above = p_rows > 1
    if above.any():
        raise MethodInputError(
            "must be a proportion between 0 and 1",
            field="prevalence",
            group=int(np.flatnonzero(above)[0]),
        )
    shape = table.l.shape
    p = p_rows[table.order].reshape(shape)
    sample = n_rows[table.order].reshape(shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        hle = _revcumsum(table.L * p) / table.l
        l, q, D = table.l, table.q, table.deaths  # noqa: E741
        hle_next = np.where(l[:, 1:] > 0, hle[:, 1:], 0.0)
        var_q = np.where(D[:, :-1] > 0, q[:, :-1] ** 2 * (1.0 - q[:, :-1]) / D[:, :-1], 0.0)
        mortality_head = (
            l[:, :-1] ** 2 * ((1.0 - _AX) * _WIDTHS * p[:, :-1] + hle_next) ** 2 * var_q
        )
        mortality_last = p[:, -1] ** 2 * table.variance_terms[:, -1]
        mortality = np.concatenate([mortality_head, mortality_last[:, None]], axis=1)
        prevalence_terms = table.L**2 * p * (1.0 - p) / sample
        se = np.sqrt(_revcumsum(mortality + prevalence_terms)) / l
    out = _result(table, hle, se, levels, "healthy life expectancy")
    return Result(
        value=out.value,
        intervals=out.intervals,
        statistic=out.statistic,
        method="Sullivan, on a Chiang II life table; variance after Jagger et al. (2006)",
        multiplier=1.0,
        reason=out.reason,
    )
