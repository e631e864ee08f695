"""Assigning deprivation categories: OHID's quantile algorithm (``phe_quantile``).

Within each group, with N non-missing small areas ranked (ties take the minimum rank;
descending values when ``invert=True``, so the highest value is in quantile 1)::

    quantile = ⌊(Q + 1) − ⌈(N + 1 − rank) / (N / Q)⌉⌋,   0 → 1

and NA when the group has fewer non-missing areas than quantiles. Reference: OHID
"Technical Guide – Assigning Deprivation Categories" (Fingertips); PHEindicatormethods
``phe_quantile``. Areas with equal values straddling a boundary all take the same
(lower-numbered) quantile, so quantiles can be unequal in size; the guide advises a manual
review in that case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray

__all__ = ["QuantileAssignment", "assign_quantiles"]


@dataclass(frozen=True)
class QuantileAssignment:
    """Quantile per input row (NaN where none can be assigned) and why.

    ``quantile`` is float so it can hold NaN; non-NaN entries are whole numbers 1…Q.
    ``rank`` is the within-group rank used (NaN for missing values); ``reason`` is '' where
    a quantile was assigned.
    """

    quantile: FloatArray
    rank: FloatArray
    group_size: NDArray[np.int64]
    reason: NDArray[np.str_]
    nquantiles: int
    invert: bool


def assign_quantiles(
    values: ArrayLike,
    *,
    groups: ArrayLike | None = None,
    nquantiles: int = 10,
    invert: bool = True,
) -> QuantileAssignment:
    """Assign each value to one of ``nquantiles`` quantiles within its group.

    ``invert=True`` (the default, as in ``phe_quantile``) puts the highest values in quantile
    1 — for IMD scores, quantile 1 is the most deprived. Missing values get NaN with the
    reason "missing value"; every row of a group with fewer non-missing values than
    ``nquantiles`` gets NaN with a reason giving the count.
    """
    if isinstance(nquantiles, bool) or int(nquantiles) != nquantiles or nquantiles < 1:
        raise MethodInputError(
            f"must be a positive integer; got {nquantiles!r}", field="nquantiles"
        )
    nq = int(nquantiles)
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise MethodInputError("must be one-dimensional", field="values")
    n = x.shape[0]
    if groups is None:
        inverse = np.zeros(n, dtype=np.intp)
        n_groups = 1
    else:
        g = np.asarray(groups)
        if g.ndim != 1 or g.shape[0] != n:
            raise MethodInputError(f"must have {n} elements like 'values'", field="groups")
        _, inverse = np.unique(g, return_inverse=True)
        n_groups = int(inverse.max()) + 1 if n else 0
    if np.isinf(x).any():
        raise MethodInputError("infinite value", field="values")

    missing = np.isnan(x)
    key = np.where(missing, np.inf, -x if invert else x)
    # sort by group, then missing last, then value
    order = np.lexsort((key, missing, inverse))
    g_sorted = inverse[order]
    k_sorted = key[order]
    counts_valid = np.bincount(inverse[~missing], minlength=n_groups).astype(np.int64)
    counts_all = np.bincount(inverse, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts_all)[:-1])) if n_groups else np.zeros(0, int)
    pos = np.arange(n)
    new_run = np.ones(n, dtype=bool)
    if n > 1:
        new_run[1:] = (g_sorted[1:] != g_sorted[:-1]) | (k_sorted[1:] != k_sorted[:-1])
    run_start = np.maximum.accumulate(np.where(new_run, pos, 0))
    rank_sorted = (run_start - starts[g_sorted] + 1).astype(np.float64)
    rank = np.empty(n)
    rank[order] = rank_sorted
    rank[missing] = np.nan

    size = counts_valid[inverse]
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.floor((nq + 1) - np.ceil(((size + 1) - rank) / (size / nq)))
    q[q == 0] = 1
    too_few = size < nq
    q[too_few | missing] = np.nan

    reason = np.full(n, "", dtype=object)
    reason[too_few] = [
        f"group has {s} non-missing values, fewer than nquantiles={nq}" for s in size[too_few]
    ]
    reason[missing] = "missing value"
    return QuantileAssignment(
        quantile=q,
        rank=rank,
        group_size=size,
        reason=reason.astype(np.str_),
        nquantiles=nq,
        invert=bool(invert),
    )
