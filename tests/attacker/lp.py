"""Least and greatest value of every withheld count, by linear programming (HiGHS).

Variables are the model's atoms (≥ 0); constraints are the published counts (equalities) and
the subset pairs (atom a − atom b ≤ 0). Atoms of a published zero are fixed at zero and
removed first; the rest splits into independent components (atoms linked by a published or
withheld cell or a subset pair), each solved alone. Bounds are rounded inwards (counts are
whole numbers).

To stay fast every solution is kept: a withheld count already seen at values far enough
apart to meet the protection rule needs no programme of its own (``exact=False``); a count
that might fail always gets its exact least and greatest value.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from .model import Model

__all__ = ["Range", "solve_ranges"]

_EPS = 1e-6
#: Most rounds of "every unsettled count down, then up" solves before the per-count
#: programmes; the rounds stop as soon as one settles nothing. Each round costs two solves
#: and settles at least one count, which would cost two solves of its own (on the rolling
#: periods test: 147 solves with 6 rounds, 73 with no limit).
_BATCH_ROUNDS = 50


@dataclass(frozen=True)
class Range:
    """What the attacker learns of one withheld count: whole-number bounds.

    ``exact`` is False when the bounds are only values seen feasible (the true range is at
    least this wide), which is enough to show the count protected.
    """

    low: float
    high: float
    exact: bool


class _Programme:
    """min c·x subject to lower ≤ A x ≤ upper, x ≥ 0, kept in HiGHS between objectives so
    that every re-solve starts from the last basis (SciPy's bundled HiGHS bindings; plain
    ``linprog`` when they are missing)."""

    def __init__(self, a: sp.csc_matrix, lower: np.ndarray, upper: np.ndarray) -> None:
        self._a, self._lower, self._upper = a, lower, upper
        self._h: Any = None
        self._cap: np.ndarray | None = None
        n = a.shape[1]
        self._cols = np.arange(n, dtype=np.int32)
        try:
            from scipy.optimize._highspy import _core
        except ImportError:  # pragma: no cover - depends on the SciPy release
            return
        inf = _core.kHighsInf
        h = _core._Highs()
        h.setOptionValue("output_flag", False)
        # Primal simplex: only the objective changes between solves, so the last optimal
        # basis stays feasible and primal simplex resumes from it (HiGHS' default, dual
        # simplex, starts each re-solve dual infeasible). Same optima; on the rolling-periods
        # test 52,000 iterations instead of 167,000 (7.5 s of CPU instead of 21 s).
        h.setOptionValue("simplex_strategy", 4)  # kSimplexStrategyPrimal
        lp = _core.HighsLp()
        lp.num_col_, lp.num_row_ = n, a.shape[0]
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.full(n, inf)
        lp.row_lower_ = np.where(np.isinf(lower), -inf, lower).astype(float)
        lp.row_upper_ = np.where(np.isinf(upper), inf, upper).astype(float)
        lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr
        lp.a_matrix_.index_ = a.indices
        lp.a_matrix_.value_ = a.data.astype(float)
        h.passModel(lp)
        self._core, self._h = _core, h

    def cap(self, upper: np.ndarray | None) -> None:
        """Bound every atom above by ``upper`` (None: no bound). A point feasible under a cap
        is feasible without it."""
        n = len(self._cols)
        if self._h is None:  # pragma: no cover - fallback
            self._cap = upper
            return
        inf = self._core.kHighsInf
        high = np.full(n, inf) if upper is None else np.asarray(upper, dtype=float)
        self._h.changeColsBounds(n, self._cols, np.zeros(n), high)

    def minimise(self, c: np.ndarray) -> np.ndarray | None:
        """A minimising point, or None when the objective is unbounded below."""
        if self._h is None:  # pragma: no cover - fallback
            eq = self._lower == self._upper
            ub_rows = ~eq
            a_ub = self._a[ub_rows] if ub_rows.any() else None
            res = linprog(
                c,
                A_ub=a_ub,
                b_ub=self._upper[ub_rows] if ub_rows.any() else None,
                A_eq=self._a[eq],
                b_eq=self._lower[eq],
                bounds=[(0, None if self._cap is None else u) for u in self._cap]
                if self._cap is not None
                else (0, None),
                method="highs",
            )
            if res.status == 3:
                return None
            if res.status != 0:
                raise InconsistentReleaseError(f"LP failed: {res.message}")
            return np.asarray(res.x)
        h = self._h
        h.changeColsCost(len(self._cols), self._cols, np.asarray(c, dtype=float))
        h.run()
        status = h.getModelStatus()
        st = self._core.HighsModelStatus
        if status == st.kOptimal:
            return np.asarray(h.getSolution().col_value)
        if status in (st.kUnbounded, st.kUnboundedOrInfeasible):
            return None
        raise InconsistentReleaseError(f"LP failed: {status}")


class InconsistentReleaseError(ValueError):
    """The published counts contradict the attacker's model (a modelling error)."""


def solve_ranges(
    model: Model,
    *,
    exact: bool = False,
    stop_after: int | None = None,
    targets: Collection[int] | None = None,
) -> dict[int, Range]:
    """Range of every withheld cell (keyed by its index in ``model.cells``).

    ``stop_after``: stop once that many cells fail the protection rule (the ranges of the
    rest are then not given) — a failing test need not wait for every cell.
    ``targets``: indices into ``model.cells`` of the only cells to solve (None: all). Every
    relation is still used — a component is built whole — so a target's range is the same as
    without the option; components without a target are not solved at all.
    """
    wanted = None if targets is None else frozenset(targets)
    failures = 0
    n = model.n_vars
    fixed = model.x_lower == model.x_upper
    free = np.flatnonzero(~fixed)
    col = np.full(n, -1)
    col[free] = np.arange(len(free))
    a = model.a.tocsc()
    shift = a[:, np.flatnonzero(fixed)] @ model.x_lower[fixed]
    a_free = a[:, free].tocsr()
    lower = model.lower - shift
    upper = model.upper - shift
    touching = np.diff(a_free.indptr) > 0
    broken = ~touching & ((lower > _EPS) | (upper < -_EPS))
    if broken.any():
        raise InconsistentReleaseError(f"{int(broken.sum())} relations fail on published counts")
    rows = np.flatnonzero(touching)
    sub = a_free[rows]
    sub.data[:] = 1.0
    m = len(free)
    bip = sp.bmat([[None, sub.T], [sub, None]], format="csr")
    _, node_label = connected_components(bip, directed=False)
    label = node_label[:m]
    row_label = node_label[m:]
    atom_of = col[model.variables]
    out: dict[int, Range] = {}
    by_comp: dict[int, list[int]] = {}
    for j, t in enumerate(atom_of):
        if wanted is None or j in wanted:
            by_comp.setdefault(int(label[t]), []).append(j)
    for k, cells in by_comp.items():
        atoms = np.flatnonzero(label == k)
        local = np.full(m, -1)
        local[atoms] = np.arange(len(atoms))
        comp_rows = rows[row_label == k]
        block = a_free[comp_rows][:, atoms].tocsc()
        solver = _Programme(block, lower[comp_rows], upper[comp_rows])
        lp = solver.minimise
        idx = local[atom_of[cells]]
        thresholds = np.array([model.cells[j].threshold for j in cells], dtype=float)
        seen_lo = np.full(len(cells), np.inf)
        seen_hi = np.full(len(cells), -np.inf)

        def see(
            x: np.ndarray,
            idx: np.ndarray = idx,
            seen_lo: np.ndarray = seen_lo,
            seen_hi: np.ndarray = seen_hi,
        ) -> None:
            v = x[idx]
            np.minimum(seen_lo, v, out=seen_lo)
            np.maximum(seen_hi, v, out=seen_hi)

        x = lp(np.zeros(len(atoms)))  # a first feasible point
        assert x is not None
        see(x)

        def settled(
            j: int,
            seen_lo: np.ndarray = seen_lo,
            seen_hi: np.ndarray = seen_hi,
            thresholds: np.ndarray = thresholds,
        ) -> bool:
            lo_seen = math.ceil(seen_lo[j] - _EPS)
            hi_seen = math.floor(seen_hi[j] + _EPS) if np.isfinite(seen_hi[j]) else math.inf
            return bool(hi_seen >= thresholds[j] and hi_seen - lo_seen >= thresholds[j])

        if not exact:
            # Cheap first: push every unsettled count down at once, then up within a cap
            # (a point feasible under the cap is feasible without it); each solve moves many
            # counts, so a few settle most of a component without a programme per count.
            solver.cap(np.maximum(x, 0.0) + 2 * float(thresholds.max()))
            before = len(cells) + 1
            for _ in range(_BATCH_ROUNDS):
                todo = [j for j in range(len(cells)) if not settled(j)]
                if not todo or len(todo) >= before:
                    break
                before = len(todo)
                for sign in (1.0, -1.0):
                    obj = np.zeros(len(atoms))
                    obj[idx[todo]] = sign
                    y = lp(obj)
                    if y is not None:
                        see(y)
            solver.cap(None)
        for j in range(len(cells)):
            if not exact and settled(j):
                lo_seen = math.ceil(seen_lo[j] - _EPS)
                hi_seen = math.floor(seen_hi[j] + _EPS) if np.isfinite(seen_hi[j]) else math.inf
                out[cells[j]] = Range(float(lo_seen), float(hi_seen), False)
                continue
            obj = np.zeros(len(atoms))
            obj[idx[j]] = 1.0
            x = lp(obj)
            assert x is not None  # bounded below by zero
            see(x)
            lo = math.ceil(float(x[idx[j]]) - _EPS)
            x = lp(-obj)
            if x is None:
                hi: float = math.inf
            else:
                see(x)
                hi = math.floor(float(x[idx[j]]) + _EPS)
            out[cells[j]] = Range(float(lo), float(hi), True)
            if not (hi >= thresholds[j] and hi - lo >= thresholds[j]):
                failures += 1
                if stop_after is not None and failures >= stop_after:
                    return out
    return out
