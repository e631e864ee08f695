"""Slope and relative index of inequality (Low & Low 2004) with simulated confidence limits.

The PHE / OHID method behind Fingertips' "slope index of inequality" indicators and
PHEindicatormethods' ``phe_sii``:

* quantiles are ordered most → least deprived; population shares ``a_j`` give the
  cumulative mid-point rank ``b_j = Σ_{k<j} a_k + a_j / 2``;
* ``y_j √a_j = β0 √a_j + β1 b_j √a_j`` is fitted by OLS without intercept (weighted least
  squares with weights ``a_j``); SII = β1 × multiplier (fitted value at rank 1 minus rank 0),
  RII = (β0 + β1) / β0;
* ``value_type`` 1 (rates) and 2 (proportions) put the standard errors, and with
  ``transform=True`` the regression itself, on the log / logit scale;
* confidence limits come from Monte-Carlo simulation: each quantile's value is drawn from
  N(value, SE) on the (transformed) scale, back-transformed and the line refitted; the
  limits are the order statistics at positions ``round(R·α/2)`` and ``round(R·(1 − α/2))``
  of the sorted simulated statistics.

References: Low A, Low A (2004) "Measuring the gap: quantifying and comparing local health
inequalities", J Public Health 26(4):388-395; PHE "Slope index of inequality (SII) tool";
PHEindicatormethods ``phe_sii`` documentation.

Everything is vectorised over groups × quantiles × repetitions: the regression
coefficients are linear in the values, so each simulated fit is a dot product.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray, Interval, Result

__all__ = [
    "SIIResult",
    "ValueType",
    "sii_confidence_positions",
    "slope_index_of_inequality",
]

Z95 = 1.959964
"""The 97.5% normal quantile PHE uses to turn a 95% CI into a standard error."""

MIN_QUANTILES = 5
MAX_QUANTILES = 100
MIN_REPETITIONS = 1000
_CHUNK_ELEMENTS = 4_000_000
"""Simulated values held in memory at once (groups × repetitions × quantiles)."""


class ValueType(IntEnum):
    """Scale of the quantile values, as ``phe_sii``'s ``value_type``."""

    NORMAL = 0
    RATE = 1
    PROPORTION = 2


@dataclass(frozen=True)
class SIIResult:
    """SII (and optionally RII and intercept) per group.

    ``groups`` holds the distinct group labels in sorted order; every array is aligned with it.
    ``intercept`` is the fitted value at rank 0 (the most deprived end) on the values' own
    scale (back-transformed when ``transform=True``), without the multiplier.
    """

    groups: NDArray[np.generic]
    n_quantiles: NDArray[np.int64]
    sii: Result
    rii: Result | None
    intercept: FloatArray | None
    repetitions: int
    transform: bool
    value_type: ValueType


def sii_confidence_positions(repetitions: int, confidence: float) -> tuple[int, int]:
    """1-based order-statistic positions of the lower and upper simulated limits.

    ``round(R·α/2)`` and ``round(R·(1 − α/2))`` with round-half-to-even (as R's ``round``).
    """
    alpha = 1.0 - confidence
    lower = round(repetitions * alpha / 2)
    upper = round(repetitions * (1 - alpha / 2))
    return max(lower, 1), min(upper, repetitions)


def _confidences(confidence: float | Sequence[float]) -> tuple[float, ...]:
    levels = (confidence,) if isinstance(confidence, int | float) else tuple(confidence)
    if not levels:
        raise MethodInputError("at least one confidence level is needed", field="confidence")
    out = []
    for level in levels:
        c = float(level) / 100 if float(level) > 1 else float(level)
        if not 0.9 <= c < 1:
            raise MethodInputError(
                f"confidence {level!r} must be in [0.9, 1) or [90, 100)", field="confidence"
            )
        out.append(c)
    return tuple(out)


def _as_float(name: str, data: ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise MethodInputError(
            f"must be one-dimensional with {n} elements (got shape {arr.shape})", field=name
        )
    return arr


def _first_bad(mask: NDArray[np.bool_], labels: NDArray[np.generic]) -> object:
    return labels[int(np.flatnonzero(mask)[0])].item()


def _logit(p: FloatArray) -> FloatArray:
    return np.log(p / (1.0 - p))


def _inverse(values: FloatArray, value_type: ValueType) -> FloatArray:
    if value_type is ValueType.RATE:
        return np.exp(values)
    if value_type is ValueType.PROPORTION:
        return 1.0 / (1.0 + np.exp(-values))
    return values


def slope_index_of_inequality(
    value: ArrayLike,
    *,
    quantile: ArrayLike,
    population: ArrayLike,
    group: ArrayLike | None = None,
    value_type: int = 0,
    transform: bool = False,
    se: ArrayLike | None = None,
    lower_cl: ArrayLike | None = None,
    upper_cl: ArrayLike | None = None,
    multiplier: float = 1.0,
    repetitions: int = 100_000,
    confidence: float | Sequence[float] = 0.95,
    rii: bool = False,
    intercept: bool = False,
    seed: int | np.random.Generator = 0,
) -> SIIResult:
    """Slope index of inequality per group, with simulated confidence limits.

    One row per group × quantile: ``quantile`` numbers them 1 (most deprived) upwards within
    each ``group`` (default: one group). Standard errors come from ``se`` (on the values'
    natural scale; converted by the delta method for value_type 1 and 2) or from the 95%
    limits ``lower_cl``/``upper_cl`` on the log (1) or logit (2) scale:
    SE = (g(U) − g(L)) / (2 × 1.959964).

    ``seed`` (an integer or a ``numpy.random.Generator``) makes the limits reproducible;
    the same inputs and seed give the same limits, however the groups are chunked.

    Raises ``MethodInputError`` (naming the group and field) for NaN or negative input,
    fewer than 5 or more than 100 quantiles in a group, repeated quantiles, proportions
    outside (0, 1) for value_type 2, non-positive rates for value_type 1, or fewer than
    1000 repetitions.
    """
    y = np.asarray(value, dtype=np.float64)
    if y.ndim != 1:
        raise MethodInputError("must be one-dimensional", field="value")
    n = y.shape[0]
    if n == 0:
        raise MethodInputError("no rows", field="value")
    try:
        vtype = ValueType(int(value_type))
    except ValueError:
        raise MethodInputError(
            f"must be 0 (normal), 1 (rate, log) or 2 (proportion, logit); got {value_type!r}",
            field="value_type",
        ) from None
    if transform and vtype is ValueType.NORMAL:
        raise MethodInputError(
            "transform=True needs value_type 1 (rate) or 2 (proportion)", field="transform"
        )
    if int(repetitions) != repetitions or repetitions < MIN_REPETITIONS:
        raise MethodInputError(
            f"must be an integer of at least {MIN_REPETITIONS}; got {repetitions!r}",
            field="repetitions",
        )
    if not np.isfinite(multiplier) or multiplier == 0:
        raise MethodInputError("must be finite and non-zero", field="multiplier")
    levels = _confidences(confidence)
    reps = int(repetitions)

    q = _as_float("quantile", quantile, n)
    pop = _as_float("population", population, n)
    labels: NDArray[np.generic]
    if group is None:
        labels, inverse = np.array(["all"], dtype=object), np.zeros(n, dtype=np.intp)
        row_group = np.full(n, "all", dtype=object)
    else:
        row_group = np.asarray(group)
        if row_group.ndim != 1 or row_group.shape[0] != n:
            raise MethodInputError(f"must have {n} elements like 'value'", field="group")
        labels, inverse = np.unique(row_group, return_inverse=True)

    # ---- validate values, populations and quantiles, naming the first offending group
    for name, arr in (("value", y), ("quantile", q), ("population", pop)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise MethodInputError(
                "missing or non-finite", field=name, group=_first_bad(bad, row_group)
            )
    if (pop <= 0).any():
        raise MethodInputError(
            "must be > 0", field="population", group=_first_bad(pop <= 0, row_group)
        )
    if (q != np.round(q)).any():
        raise MethodInputError(
            "must be whole numbers", field="quantile", group=_first_bad(q != np.round(q), row_group)
        )

    if se is not None:
        s = _as_float("se", se, n)
        bad = ~np.isfinite(s) | (s < 0)
        if bad.any():
            raise MethodInputError(
                "missing, non-finite or negative", field="se", group=_first_bad(bad, row_group)
            )
    elif lower_cl is not None and upper_cl is not None:
        lo = _as_float("lower_cl", lower_cl, n)
        hi = _as_float("upper_cl", upper_cl, n)
        for name, arr in (("lower_cl", lo), ("upper_cl", hi)):
            bad = ~np.isfinite(arr)
            if bad.any():
                raise MethodInputError(
                    "missing or non-finite", field=name, group=_first_bad(bad, row_group)
                )
        if (hi < lo).any():
            raise MethodInputError(
                "upper_cl below lower_cl", field="upper_cl", group=_first_bad(hi < lo, row_group)
            )
    else:
        raise MethodInputError("give 'se' or both 'lower_cl' and 'upper_cl'", field="se")

    if vtype is ValueType.RATE:
        bad = y <= 0
        if se is None:
            bad |= (lo <= 0) | (hi <= 0)
        if bad.any():
            raise MethodInputError(
                "value_type 1 (rate) needs values and limits > 0 for the log scale",
                field="value",
                group=_first_bad(bad, row_group),
            )
    elif vtype is ValueType.PROPORTION:
        bad = (y <= 0) | (y >= 1)
        if se is None:
            bad |= (lo <= 0) | (lo >= 1) | (hi <= 0) | (hi >= 1)
        if bad.any():
            raise MethodInputError(
                "value_type 2 (proportion) needs values and limits strictly between 0 and 1",
                field="value",
                group=_first_bad(bad, row_group),
            )

    # standard error on the simulation scale
    if se is not None:
        if vtype is ValueType.RATE:
            se_t = s / y
        elif vtype is ValueType.PROPORTION:
            se_t = s / (y * (1.0 - y))
        else:
            se_t = s
    elif vtype is ValueType.RATE:
        se_t = (np.log(hi) - np.log(lo)) / (2 * Z95)
    elif vtype is ValueType.PROPORTION:
        se_t = (_logit(hi) - _logit(lo)) / (2 * Z95)
    else:
        se_t = (hi - lo) / (2 * Z95)

    # ---- order rows by group then quantile; pad to groups × max quantiles
    n_groups = labels.shape[0]
    order = np.lexsort((q, inverse))
    g_sorted = inverse[order]
    q_sorted = q[order]
    counts = np.bincount(inverse, minlength=n_groups).astype(np.int64)
    few = (counts < MIN_QUANTILES) | (counts > MAX_QUANTILES)
    if few.any():
        k = int(np.flatnonzero(few)[0])
        raise MethodInputError(
            f"needs {MIN_QUANTILES} to {MAX_QUANTILES} quantiles; has {counts[k]}",
            field="quantile",
            group=labels[k].item(),
        )
    dup = (np.diff(g_sorted) == 0) & (np.diff(q_sorted) == 0)
    if dup.any():
        k = int(g_sorted[int(np.flatnonzero(dup)[0])])
        raise MethodInputError(
            "quantile repeated within the group", field="quantile", group=labels[k].item()
        )

    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    col = np.arange(n) - starts[g_sorted]
    width = int(counts.max())
    shape = (n_groups, width)
    yy = np.zeros(shape)
    aa = np.zeros(shape)
    ss = np.zeros(shape)
    yy[g_sorted, col] = y[order]
    aa[g_sorted, col] = pop[order]
    ss[g_sorted, col] = se_t[order]
    aa /= aa.sum(axis=1, keepdims=True)
    bb = np.cumsum(aa, axis=1) - aa / 2
    bb[aa == 0] = 0.0

    bbar = (aa * bb).sum(axis=1, keepdims=True)
    sxx = (aa * (bb - bbar) ** 2).sum(axis=1, keepdims=True)
    c_slope = aa * (bb - bbar) / sxx
    c_icpt = aa - bbar * c_slope

    on_scale = _scale(yy, vtype) if transform else yy
    on_scale[aa == 0] = 0.0
    beta1 = (c_slope * on_scale).sum(axis=1)
    beta0 = (c_icpt * on_scale).sum(axis=1)

    if transform:
        top = _inverse(beta0 + beta1, vtype)
        bottom = _inverse(beta0, vtype)
        sii_value = (top - bottom) * multiplier
        rii_value = top / bottom
        icpt_value = bottom
    else:
        sii_value = beta1 * multiplier
        rii_value = (beta0 + beta1) / beta0
        icpt_value = beta0
    if multiplier < 0:
        rii_value = 1.0 / rii_value

    # ---- simulation
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    positions = [sii_confidence_positions(reps, c) for c in levels]
    kth = sorted({p - 1 for pair in positions for p in pair})
    need_beta0 = rii and not transform
    mean_t = _scale(yy, vtype) if vtype is not ValueType.NORMAL else yy.copy()
    mean_t[aa == 0] = 0.0
    if transform or vtype is ValueType.NORMAL:
        slope_stats, rii_stats = _simulate_linear(
            beta0, beta1, c_icpt * ss, c_slope * ss, reps=reps, kth=kth, rii=need_beta0, rng=rng
        )
    else:
        slope_stats, rii_stats = _simulate_quantiles(
            mean_t, ss, c_icpt, c_slope, vtype, reps=reps, kth=kth, rii=need_beta0, rng=rng
        )

    mid = beta0 + beta1 / 2
    sii_intervals = []
    rii_intervals = []
    for level, (p_lo, p_hi) in zip(levels, positions, strict=True):
        s_lo = slope_stats[:, kth.index(p_lo - 1)]
        s_hi = slope_stats[:, kth.index(p_hi - 1)]
        if transform:
            lo_val = (
                _inverse(mid + s_lo / 2, vtype) - _inverse(mid - s_lo / 2, vtype)
            ) * multiplier
            hi_val = (
                _inverse(mid + s_hi / 2, vtype) - _inverse(mid - s_hi / 2, vtype)
            ) * multiplier
            r_lo = _inverse(mid + s_lo / 2, vtype) / _inverse(mid - s_lo / 2, vtype)
            r_hi = _inverse(mid + s_hi / 2, vtype) / _inverse(mid - s_hi / 2, vtype)
        else:
            lo_val, hi_val = s_lo * multiplier, s_hi * multiplier
            assert rii_stats is not None or not rii
            if rii_stats is not None:
                r_lo = rii_stats[:, kth.index(p_lo - 1)]
                r_hi = rii_stats[:, kth.index(p_hi - 1)]
            else:
                r_lo = r_hi = np.full(n_groups, np.nan)
        if multiplier < 0:
            lo_val, hi_val = hi_val, lo_val
            r_lo, r_hi = 1.0 / r_hi, 1.0 / r_lo
        sii_intervals.append(Interval(confidence=level, lower=lo_val, upper=hi_val))
        rii_intervals.append(Interval(confidence=level, lower=r_lo, upper=r_hi))

    scale_text = {
        ValueType.NORMAL: "",
        ValueType.RATE: " (log scale)",
        ValueType.PROPORTION: " (logit scale)",
    }
    method = (
        "Low & Low (2004) population-weighted regression"
        + (scale_text[vtype] if transform else "")
        + f"; confidence limits from {reps} simulations"
    )
    reason = np.full(n_groups, "", dtype=np.str_)
    sii_result = Result(
        value=sii_value,
        intervals=tuple(sii_intervals),
        statistic="slope index of inequality",
        method=method,
        multiplier=float(multiplier),
        reason=reason,
    )
    rii_result = (
        Result(
            value=rii_value,
            intervals=tuple(rii_intervals),
            statistic="relative index of inequality",
            method=method,
            multiplier=1.0,
            reason=reason,
        )
        if rii
        else None
    )
    return SIIResult(
        groups=labels,
        n_quantiles=counts,
        sii=sii_result,
        rii=rii_result,
        intercept=icpt_value if intercept else None,
        repetitions=reps,
        transform=transform,
        value_type=vtype,
    )


def _scale(values: FloatArray, value_type: ValueType) -> FloatArray:
    """Values on the regression / simulation scale (log for rates, logit for proportions)."""
    out = values.copy()
    mask = values != 0
    if value_type is ValueType.RATE:
        out[mask] = np.log(values[mask])
    elif value_type is ValueType.PROPORTION:
        out[mask] = _logit(values[mask])
    return out


def _dot(sims: FloatArray, coef: FloatArray) -> FloatArray:
    """Per group, simulated values (groups × R × Q) times coefficients (groups × Q)."""
    out: FloatArray = np.matmul(sims, coef[:, :, None])[..., 0]
    return out


def _simulate_linear(
    beta0: FloatArray,
    beta1: FloatArray,
    w_icpt: FloatArray,
    w_slope: FloatArray,
    *,
    reps: int,
    kth: list[int],
    rii: bool,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray | None]:
    """Order statistics of simulated fits that are linear in the simulated values.

    With y_j = m_j + se_j·Z_j, the slope is β1 + Σ c_j se_j Z_j and the intercept
    β0 + Σ d_j se_j Z_j: jointly normal with a covariance known in closed form. Drawing
    that pair directly (Cholesky) has exactly the distribution of drawing every quantile
    and refitting, at 2/Q of the cost (ADR 0121).
    """
    var1 = (w_slope**2).sum(axis=1)
    var0 = (w_icpt**2).sum(axis=1)
    cov = (w_slope * w_icpt).sum(axis=1)
    l11 = np.sqrt(var1)
    l21 = np.divide(cov, l11, out=np.zeros_like(cov), where=l11 > 0)
    l22 = np.sqrt(np.maximum(var0 - l21**2, 0.0))
    n_groups = beta1.shape[0]
    z1 = rng.standard_normal((n_groups, reps))
    slopes = beta1[:, None] + l11[:, None] * z1
    slope_stats: FloatArray = np.partition(slopes, kth, axis=1)[:, kth]
    if not rii:
        return slope_stats, None
    z2 = rng.standard_normal((n_groups, reps))
    icpts = beta0[:, None] + l21[:, None] * z1 + l22[:, None] * z2
    ratios = (icpts + slopes) / icpts
    rii_stats: FloatArray = np.partition(ratios, kth, axis=1)[:, kth]
    return slope_stats, rii_stats


def _simulate_quantiles(
    mean_t: FloatArray,
    se_t: FloatArray,
    c_icpt: FloatArray,
    c_slope: FloatArray,
    value_type: ValueType,
    *,
    reps: int,
    kth: list[int],
    rii: bool,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray | None]:
    """Order statistics of fits to back-transformed draws of every quantile's value.

    Groups are processed in fixed-size chunks, each with its own child generator spawned
    from ``rng``, on up to two threads (NumPy releases the GIL while drawing); the chunking
    depends only on the input shape, so results are reproducible.
    """
    n_groups, width = mean_t.shape
    chunk = max(1, _CHUNK_ELEMENTS // (reps * width))
    bounds = [(a, min(a + chunk, n_groups)) for a in range(0, n_groups, chunk)]
    children = rng.spawn(len(bounds))
    slope_stats = np.empty((n_groups, len(kth)))
    rii_stats = np.empty((n_groups, len(kth))) if rii else None

    def run(i: int) -> None:
        start, stop = bounds[i]
        z = children[i].standard_normal((stop - start, reps, width))
        z *= se_t[start:stop, None, :]
        z += mean_t[start:stop, None, :]
        sims = _inverse(z, value_type)
        slopes = _dot(sims, c_slope[start:stop])
        slope_stats[start:stop] = np.partition(slopes, kth, axis=1)[:, kth]
        if rii_stats is not None:
            icpts = _dot(sims, c_icpt[start:stop])
            ratios = (icpts + slopes) / icpts
            rii_stats[start:stop] = np.partition(ratios, kth, axis=1)[:, kth]

    if len(bounds) == 1:
        run(0)
    else:
        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            list(pool.map(run, range(len(bounds))))
    return slope_stats, rii_stats
