"""An objective-independent presolve for the disclosure audit's linear programmes.

The audit re-solves one programme ``row_lower ≤ A x ≤ row_upper``, ``col_lower ≤ x ≤
col_upper`` for many objectives (every withheld count up, then down), so only reductions that
hold for *every* objective are allowed: each removed column is an affine function of the kept
ones, ``x = x0 + T y``, and the kept columns' feasible set is exactly the projection of the
original one (every feasible ``y`` maps to a feasible ``x``, every feasible ``x`` comes from
one). An objective ``cᵀx`` is then ``cᵀx0 + (Tᵀc)ᵀy``. The reductions (Andersen & Andersen
1995, "Presolving in linear programming", *Math. Programming* 71; Achterberg et al. 2020,
"Presolve reductions in mixed integer programming", *INFORMS J. Computing* 32):

- an empty row is checked and dropped; a singleton row becomes bounds on its column;
- a column whose bounds meet is fixed (its share moves to the row bounds);
- a doubleton equation ``a_i x_i + a_j x_j = b`` removes ``x_j = (b − a_i x_i) / a_j``: its
  bounds become bounds on ``x_i``, its other coefficients move to ``x_i``;
- a column in one equation only, ``a_j x_j + Σ a_k x_k = b``, is removed as
  ``x_j = (b − Σ a_k x_k) / a_j``; its bounds make the row a ranged inequality.

Dominated columns, dual fixing and the like depend on the objective and are not done.
(ADR 0611, "An objective-independent presolve".)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csc_matrix, csr_matrix

__all__ = ["Reduced", "presolve"]

_TOL = 1e-9
#: Implied free substitution only from equations of at most this many columns, and of
#: columns in at most this many rows (each substitution adds fill-in).
_FILL_ROW = 3
_FILL_COLUMN = 32


@dataclass(frozen=True)
class Reduced:
    """The reduced programme over the kept columns ``keep`` and the map back,
    ``x = x0 + t @ y`` (``t`` sparse, original columns × kept columns)."""

    a: Any
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    keep: np.ndarray
    x0: np.ndarray
    t: Any


def _equal(lo: float, hi: float) -> bool:
    return bool(np.isfinite(lo) and abs(hi - lo) <= _TOL * max(1.0, abs(lo)))


def presolve(
    a: Any,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    support: np.ndarray | None = None,
) -> Reduced | None:
    """The reduced programme, or None when nothing is removed or the system is found
    inconsistent (the caller then solves the whole model, so that the solver reports it).

    ``support`` (default: every column) marks the columns an objective may weigh. A column
    outside it that is left in one row is projected out (the row's sides widen by its
    range): the kept columns' feasible set is still the exact projection, so every optimum
    of an objective on ``support`` is kept, but such a column is no function of the others,
    and the map back gives it (and any column defined through it) NaN."""
    csr = csr_matrix(a)
    m, n = csr.shape
    rows: list[dict[int, float]] = [
        dict(
            zip(
                csr.indices[csr.indptr[r] : csr.indptr[r + 1]].tolist(),
                csr.data[csr.indptr[r] : csr.indptr[r + 1]].tolist(),
                strict=True,
            )
        )
        for r in range(m)
    ]
    cols: list[dict[int, float]] = [{} for _ in range(n)]
    for r, row in enumerate(rows):
        for j, v in row.items():
            cols[j][r] = v
    rlo = np.asarray(row_lower, dtype=float).copy()
    rhi = np.asarray(row_upper, dtype=float).copy()
    clo = np.asarray(col_lower, dtype=float).copy()
    chi = np.asarray(col_upper, dtype=float).copy()
    row_alive = np.ones(m, dtype=bool)
    col_alive = np.ones(n, dtype=bool)
    costed = np.ones(n, dtype=bool) if support is None else np.asarray(support, dtype=bool).copy()
    # x_j = const + Σ coef x_k over columns still alive when j was removed
    removed: list[tuple[int, float, dict[int, float]]] = []
    work: deque[tuple[int, int]] = deque((0, r) for r in range(m))
    work.extend((1, j) for j in range(n))
    queued = [np.ones(m, dtype=bool), np.ones(n, dtype=bool)]  # rows, columns in ``work``

    def push(kind: int, k: int) -> None:
        if not queued[kind][k]:
            queued[kind][k] = True
            work.append((kind, k))

    def touch_row(r: int) -> None:
        push(0, r)
        for j in rows[r]:
            push(1, j)

    def shift(r: int, amount: float) -> None:
        """Row ``r`` loses a constant term ``amount``: its sides move by it."""
        rlo[r] -= amount
        rhi[r] -= amount

    def replace(j: int, const: float, terms: dict[int, float]) -> None:
        """Remove column ``j`` as ``x_j = const + Σ terms[c] x_c``: every row holding it
        takes the constant into its sides and the terms into its coefficients, and an
        objective on ``x_j`` lands on the columns of ``terms``."""
        for r, v in cols[j].items():
            shift(r, v * const)
            del rows[r][j]
            for c, w in terms.items():
                new = rows[r].get(c, 0.0) + v * w
                if abs(new) <= _TOL:
                    rows[r].pop(c, None)
                    cols[c].pop(r, None)
                else:
                    rows[r][c] = new
                    cols[c][r] = new
            touch_row(r)
        cols[j].clear()
        col_alive[j] = False
        removed.append((j, const, terms))
        for c in terms:
            costed[c] |= costed[j]

    def fix(j: int, value: float) -> None:
        replace(j, value, {})

    def tighten(j: int, lo: float, hi: float) -> bool:
        """Intersect column ``j``'s bounds with ``[lo, hi]``; False when they cross."""
        clo[j], chi[j] = max(clo[j], lo), min(chi[j], hi)
        if clo[j] > chi[j] + _TOL * max(1.0, abs(clo[j])):
            return False
        if chi[j] - clo[j] <= _TOL * max(1.0, abs(clo[j])):
            chi[j] = clo[j]
            fix(j, float(clo[j]))
        return True

    def implied(j: int, r: int) -> bool:
        """Whether row ``r`` (an equation) with the other columns' bounds keeps ``x_j``
        within its own bounds, so that they may be dropped."""
        row = rows[r]
        aj = row[j]
        smin = smax = 0.0
        for c, v in row.items():
            if c != j:
                smin += v * (clo[c] if v > 0 else chi[c])
                smax += v * (chi[c] if v > 0 else clo[c])
        b = float(rlo[r])
        ends = ((b - smax) / aj, (b - smin) / aj)
        lo, hi = min(ends), max(ends)
        return bool(
            lo >= clo[j] - _TOL * max(1.0, abs(clo[j]))
            and hi <= chi[j] + _TOL * max(1.0, abs(chi[j]))
        )

    def substitute(j: int) -> None:
        """Column ``j`` is implied free in a short equation: replace it by the rest of that
        equation in every other row (Andersen & Andersen 1995, §5)."""
        for r in cols[j]:
            if len(rows[r]) <= _FILL_ROW and _equal(rlo[r], rhi[r]) and implied(j, r):
                break
        else:
            return
        row = rows[r]
        aj = row[j]
        b = float(rlo[r])
        terms = {c: -v / aj for c, v in row.items() if c != j}
        for c in row:
            del cols[c][r]
        row.clear()
        row_alive[r] = False
        replace(j, b / aj, terms)
        for c in terms:
            push(1, c)

    while work:
        kind, k = work.popleft()
        queued[kind][k] = False
        if kind == 0:
            r = k
            if not row_alive[r]:
                continue
            row = rows[r]
            if not row:
                if rlo[r] > _TOL * max(1.0, abs(rlo[r])) or rhi[r] < -_TOL * max(1.0, abs(rhi[r])):
                    return None
                row_alive[r] = False
            elif len(row) == 1:
                ((j, v),) = row.items()
                lo, hi = (rlo[r] / v, rhi[r] / v) if v > 0 else (rhi[r] / v, rlo[r] / v)
                row_alive[r] = False
                del cols[j][r]
                row.clear()
                if not tighten(j, lo, hi):
                    return None
                push(1, j)
            elif len(row) == 2 and _equal(rlo[r], rhi[r]):
                (i, ai), (j, aj) = row.items()
                if len(cols[i]) > len(cols[j]):  # remove the column in fewer rows
                    (i, ai), (j, aj) = (j, aj), (i, ai)
                b = float(rlo[r])
                rho, const = -ai / aj, b / aj  # x_j = const + rho x_i
                lo, hi = (clo[j] - const) / rho, (chi[j] - const) / rho
                row_alive[r] = False
                row.clear()
                del cols[i][r], cols[j][r]
                replace(j, const, {i: rho})
                if not tighten(i, min(lo, hi), max(lo, hi)):
                    return None
                push(1, i)
        else:
            j = k
            if not col_alive[j]:
                continue
            if len(cols[j]) > 1:
                if len(cols[j]) <= _FILL_COLUMN:
                    substitute(j)
                continue
            if not cols[j]:
                if not costed[j]:  # in no row and in no objective: any value in its bounds
                    col_alive[j] = False
                    removed.append((j, np.nan, {}))
                continue
            ((r, v),) = cols[j].items()
            if len(rows[r]) < 2:
                continue
            lo_j, hi_j = sorted((v * clo[j], v * chi[j]))
            if _equal(rlo[r], rhi[r]):
                b = float(rlo[r])
                removed.append((j, b / v, {c: -w / v for c, w in rows[r].items() if c != j}))
                if costed[j]:
                    for c in rows[r]:
                        costed[c] = True
            elif not costed[j]:
                # the rest of the row may take any value its sides leave it with x_j free
                removed.append((j, np.nan, {}))
            else:
                continue
            del rows[r][j]
            cols[j].clear()
            col_alive[j] = False
            # the rest of the row is its sides minus v x_j, x_j within its bounds
            rlo[r], rhi[r] = rlo[r] - hi_j, rhi[r] - lo_j
            touch_row(r)
    if not removed:
        return None
    keep = np.flatnonzero(col_alive)
    live_rows = np.flatnonzero(row_alive)
    where = np.full(n, -1)
    where[keep] = np.arange(keep.size)
    # the kept programme
    data: list[float] = []
    ri: list[int] = []
    ci: list[int] = []
    for new_r, r in enumerate(live_rows.tolist()):
        for j, v in rows[r].items():
            ri.append(new_r)
            ci.append(int(where[j]))
            data.append(v)
    reduced = csc_matrix((data, (ri, ci)), shape=(live_rows.size, keep.size))
    # the map back, resolved in reverse: a removed column refers only to kept columns and to
    # columns removed after it
    x0 = np.zeros(n)
    expr: dict[int, dict[int, float]] = {}
    for j, const, terms in reversed(removed):
        total = const
        out: dict[int, float] = {}
        if np.isnan(total) or any(np.isnan(x0[c]) for c in terms if not col_alive[c]):
            x0[j] = np.nan  # projected out, or defined through a column that was
            expr[j] = {}
            continue
        for c, w in terms.items():
            if col_alive[c]:
                out[int(where[c])] = out.get(int(where[c]), 0.0) + w
            else:
                total += w * x0[c]
                for q, u in expr[c].items():
                    out[q] = out.get(q, 0.0) + w * u
        x0[j] = total
        expr[j] = out
    t_rows: list[int] = []
    t_cols: list[int] = []
    t_data: list[float] = []
    for j in keep.tolist():
        t_rows.append(j)
        t_cols.append(int(where[j]))
        t_data.append(1.0)
    for j, out in expr.items():
        for q, u in out.items():
            if u != 0.0:
                t_rows.append(j)
                t_cols.append(q)
                t_data.append(u)
    t = csr_matrix((t_data, (t_rows, t_cols)), shape=(n, keep.size))
    return Reduced(
        reduced,
        rlo[live_rows],
        rhi[live_rows],
        clo[keep],
        chi[keep],
        keep,
        x0,
        t,
    )
