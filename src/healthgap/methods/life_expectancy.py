"""Life expectancy at every age band: Chiang II abridged life table, Silcocks' final band.

Bands 0, 1–4, 5–9, …, 85–89, 90+ (20); widths nᵢ = 1, 4, 5, …, 5; aᵢ = 0.1 at age 0, else 0.5.
Mᵢ = Dᵢ/Pᵢ; qᵢ = nᵢMᵢ/(1 + nᵢMᵢ(1 − aᵢ)) (1 when Dᵢ > Pᵢ/(nᵢaᵢ)); q = 1 in 90+;
l₀ = 100,000, lᵢ₊₁ = lᵢ(1 − qᵢ); Lᵢ = nᵢ(lᵢ₊₁ + aᵢdᵢ), L_90+ = l_90+/M_90+; eᵢ = Σ_{k≥i}L_k/lᵢ.
Var(eᵢ) = Σ_{k≥i} w_k / lᵢ² with w_k = l_k²[(1 − a_k)n_k + e_{k+1}]²·q_k²(1 − q_k)/D_k and, for
90+, w = l²/(D·M²) (Silcocks). Limits eᵢ ± z·SE.

Suppression (as PHEindicatormethods 2.1.0 ``phe_life_expectancy``): value and limits NaN at
every band of a group with any Dᵢ < 0, Pᵢ ≤ 0 or Dᵢ > Pᵢ, or whose total population (all
20 bands) is ≤ 5,000 (Toson & Baker 2003); the value alone is NaN where the 95% interval is
wider than 20 years (1.96·SE > 10). Where the reference's arithmetic gives no meaningful
number we give NaN for value and limits instead: no death at 90+ (R: value NA, limits
NaN/Inf) and bands after the table closes, lₓ = 0 (R: value 0, limits NaN); ADR 0102.
Each NaN carries its reason.

References: Chiang CL (1984) The life table and its applications; Newell C (1994) Methods and
models in demography; Silcocks PBS, Jenner DA, Reza R (2001) JECH 55:38-43; Toson B, Baker A
(2003) ONS Methodology Series 33; Eayres D, Williams ES (2004) JECH 58:243-9.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from healthgap.methods import _core_checks as check
from healthgap.methods.errors import MethodInputError
from healthgap.methods.intervals import z_from_confidence
from healthgap.methods.result import FloatArray, Interval, Result

__all__ = [
    "LE_STARTAGES",
    "LifeTable",
    "life_expectancy",
    "life_table",
]

LE_STARTAGES: tuple[int, ...] = (0, 1, *range(5, 95, 5))
"""Start ages of the 20 bands: 0, 1, 5, 10, …, 85, 90 (90+ open)."""

MIN_POPULATION = 5_000
"""No life expectancy for a group whose total population is at or below this."""

MAX_HALF_WIDTH_95 = 10.0
"""The value is withheld when 1.96·SE exceeds this (a 95% interval wider than 20 years)."""

_WIDTHS = np.array([1.0, 4.0, *([5.0] * 17)], dtype=np.float64)
_AX = np.array([0.1, *([0.5] * 18)], dtype=np.float64)
_K = len(LE_STARTAGES)

_REASONS = (
    "",
    f"total population of the group is {MIN_POPULATION:,} or fewer: not calculated",
    "no deaths in the 90+ band: not calculated",
    "deaths exceed population in a band: not calculated",
    "population 0 or less in a band: not calculated",
    "negative deaths in a band: not calculated",
    "life table closed before this age (q = 1): not calculated",
    "95% confidence interval wider than 20 years: value withheld",
)
_WIDE = len(_REASONS) - 1
_REASON_TEXT = np.array(_REASONS, dtype=np.str_)


@dataclass(frozen=True)
class LifeTable:
    """An abridged life table per group, as (groups × 20) arrays, bands ordered by age.

    ``order`` maps table cells back to input rows: ``row = order.reshape(G, 20)[g, band]``.
    ``reason_code`` indexes, per cell, why the band cannot be published (0 where it can);
    ``reason`` gives the text.
    """

    deaths: FloatArray
    population: FloatArray
    q: FloatArray
    l: FloatArray  # noqa: E741 - the life-table symbol
    L: FloatArray
    e: FloatArray
    variance_terms: FloatArray
    order: NDArray[np.intp]
    reason_code: NDArray[np.int8]

    @property
    def reason(self) -> NDArray[np.str_]:
        """Per cell, why the band cannot be published ('' where it can)."""
        text: NDArray[np.str_] = _REASON_TEXT[self.reason_code]
        return text

    def rows(self, cells: FloatArray) -> FloatArray:
        """A (G × 20) array laid back out in input-row order."""
        out = np.empty(cells.size, dtype=np.float64)
        out[self.order] = cells.reshape(-1)
        return out

    def row_codes(self, cells: NDArray[np.int8]) -> NDArray[np.int8]:
        """A (G × 20) code array laid back out in input-row order."""
        out = np.empty(cells.size, dtype=np.int8)
        out[self.order] = cells.reshape(-1)
        return out


def _revcumsum(a: FloatArray) -> FloatArray:
    out: FloatArray = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
    return out


def life_table(
    deaths: ArrayLike,
    population: ArrayLike,
    *,
    startage: ArrayLike,
    groups: ArrayLike | None = None,
) -> LifeTable:
    """Build the Chiang II life table for each group (20 rows per group, any order).

    Raises :class:`MethodInputError` for NaN, unequal lengths or a group without exactly the
    20 start ages of :data:`LE_STARTAGES`. Data rules that PHEindicatormethods answers with NA
    (negative deaths, population ≤ 0, deaths > population, no death at 90+, a total population
    ≤ 5,000) give NaN cells with a reason instead.
    """
    d_rows = check.floats("deaths", deaths)
    p_rows = check.floats("population", population)
    s_rows = check.floats("startage", startage)
    check.same_length(deaths=d_rows, population=p_rows, startage=s_rows)
    codes, n_groups = check.group_codes(groups, len(d_rows))
    for field, values in (("deaths", d_rows), ("population", p_rows), ("startage", s_rows)):
        check.no_nan(field, values, codes)
    starts = np.array(LE_STARTAGES, dtype=np.float64)
    band = np.searchsorted(starts, s_rows)
    band_c = np.minimum(band, _K - 1)
    unknown = starts[band_c] != s_rows
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise MethodInputError(
            f"start age {s_rows[i]:g} is not one of the 20 bands 0, 1, 5, 10, …, 90",
            field="startage",
            group=int(codes[i]),
        )
    counts = np.bincount(codes * _K + band_c, minlength=n_groups * _K).reshape(n_groups, _K)
    if (counts != 1).any():
        g, b = (int(v) for v in np.argwhere(counts != 1)[0])
        what = "missing" if counts[g, b] == 0 else "repeated"
        raise MethodInputError(
            f"age band starting at {LE_STARTAGES[b]} is {what}; life expectancy needs exactly "
            f"the 20 bands 0, 1, 5, …, 90",
            field="startage",
            group=g,
        )
    order = np.lexsort((band_c, codes)).astype(np.intp)
    D = d_rows[order].reshape(n_groups, _K)
    P = p_rows[order].reshape(n_groups, _K)

    reason = np.zeros((n_groups, _K), dtype=np.int8)
    for code, bad in (
        (1, P.sum(axis=1) <= MIN_POPULATION),
        (2, D[:, -1] <= 0),
        (3, (D > P).any(axis=1)),
        (4, (P <= 0).any(axis=1)),
        (5, (D < 0).any(axis=1)),
    ):
        reason[bad, :] = code

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        M = D / P
        nM = _WIDTHS * M[:, :-1]
        q_head = nM / (1.0 + nM * (1.0 - _AX))
        q_head = np.where(D[:, :-1] > P[:, :-1] / (_WIDTHS * _AX), 1.0, q_head)
        q = np.concatenate([q_head, np.ones((n_groups, 1))], axis=1)
        survive = np.cumprod(1.0 - q_head, axis=1)
        l = 100_000.0 * np.concatenate([np.ones((n_groups, 1)), survive], axis=1)  # noqa: E741
        d_head = l[:, :-1] - l[:, 1:]
        L_head = _WIDTHS * (l[:, 1:] + _AX * d_head)
        L_last = l[:, -1] / M[:, -1]
        L = np.concatenate([L_head, L_last[:, None]], axis=1)
        e = _revcumsum(L) / l
        s2q = np.where(D[:, :-1] > 0, q_head**2 * (1.0 - q_head) / D[:, :-1], 0.0)
        e_next = np.where(l[:, 1:] > 0, e[:, 1:], 0.0)
        w_head = l[:, :-1] ** 2 * ((1.0 - _AX) * _WIDTHS + e_next) ** 2 * s2q
        w_last = l[:, -1] ** 2 / (D[:, -1] * M[:, -1] ** 2)
        terms = np.concatenate([w_head, w_last[:, None]], axis=1)
    reason[(l <= 0) & (reason == 0)] = 6
    return LifeTable(
        deaths=D,
        population=P,
        q=q,
        l=l,
        L=L,
        e=e,
        variance_terms=terms,
        order=order,
        reason_code=reason,
    )


def life_expectancy(
    deaths: ArrayLike,
    population: ArrayLike,
    *,
    startage: ArrayLike,
    groups: ArrayLike | None = None,
    confidence: float | Sequence[float] = 0.95,
) -> Result:
    """Life expectancy at the start of every band, aligned with the input rows.

    One row per group and band: ``deaths``, ``population`` and ``startage`` (0, 1, 5, …, 90);
    ``groups`` dense integer codes (None = one group). Element i of the result is eₓ at the
    start age of row i. See the module docstring for the method and suppression rules.
    """
    levels = check.confidences(confidence)
    table = life_table(deaths, population, startage=startage, groups=groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(_revcumsum(table.variance_terms)) / table.l
    return _result(table, table.e, se, levels, "life expectancy")


def _result(
    table: LifeTable, value: FloatArray, se: FloatArray, levels: tuple[float, ...], what: str
) -> Result:
    """Shared by life expectancy and healthy life expectancy: limits and suppression."""
    unpublished = table.reason_code != 0
    with np.errstate(invalid="ignore"):
        wide = (z_from_confidence(0.95) * se > MAX_HALF_WIDTH_95) & ~unpublished
    reason = np.where(wide, np.int8(_WIDE), table.reason_code).astype(np.int8)
    intervals = []
    for level in levels:
        z = z_from_confidence(level)
        with np.errstate(invalid="ignore"):
            lower = np.where(unpublished, np.nan, value - z * se)
            upper = np.where(unpublished, np.nan, value + z * se)
        intervals.append(Interval(level, table.rows(lower), table.rows(upper)))
    shown = np.where(unpublished | wide, np.nan, value)
    return Result(
        value=table.rows(shown),
        intervals=tuple(intervals),
        statistic=f"{what} at the start of each age band",
        method="Chiang, using Silcocks et al for confidence limits",
        multiplier=1.0,
        reason=_REASON_TEXT[table.row_codes(reason)],
    )


def used_totals(table: LifeTable) -> tuple[FloatArray, FloatArray]:
    """Population and deaths from each band's age on (PHEindicatormethods' pops_used, dths_used)."""
    return table.rows(_revcumsum(table.population)), table.rows(_revcumsum(table.deaths))
