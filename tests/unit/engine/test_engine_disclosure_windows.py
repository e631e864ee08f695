"""Overlapping periods and within-year relations: what the per-period audit already covers.

An attacker who knows that every single year obeys the same relations as the published
periods (a year's categories sum to its total, its subset counts are at most their
superset's, and so on) solves for unknown yearly tables ``y_t`` in the relation cone ``C``
with ``P_k = Σ_{t ∈ W_k} y_t``. With **two** overlapping windows that knowledge adds nothing:
``(Q1, Q2)`` is a pair of yearly sums exactly when ``Q1 ∈ C`` and ``Q2 ∈ C`` (take ``y1 = Q1``,
``y4 = Q2``, the shared years zero), so each period's own audit is the exact one and
``compute``'s per-period protection is complete for such releases, whatever the relations
(the cones below are deliberately not simplicial). With **three** windows it is not: the
yearly model also knows ``P1 + P3 − P2 = y1 + y3 + y5 ∈ C``. See ADR 0611.

The programmes here are written from scratch with SciPy (nothing from ``disclosure.py``):
the test checks the claim the engine relies on, on random tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from scipy.optimize import linprog

#: A relation ``(total, members, exact)``: Σ members = total (exact) or ≤ total.
Relation = tuple[int, tuple[int, ...], bool]


def _tables(rng: np.random.Generator) -> np.ndarray:
    """One year's published cells from random finest counts (so every relation holds).

    Cells: 0–4 a two-way table known only by its margins (r1, r2, c1, c2, N: not a simplicial
    cone); 5–7 two ethnic groups and the total with an unpublished "unknown" (e1 + e2 ≤ T);
    8–12 a subset indicator's margins (each at most the same cell of 0–4)."""
    m = rng.integers(0, 4, (2, 2))
    sub = np.minimum(m, rng.integers(0, 3, (2, 2)))
    e = rng.integers(0, 3, 3)
    return np.array(
        [
            m[0].sum(),
            m[1].sum(),
            m[:, 0].sum(),
            m[:, 1].sum(),
            m.sum(),
            e[0],
            e[1],
            e.sum(),
            sub[0].sum(),
            sub[1].sum(),
            sub[:, 0].sum(),
            sub[:, 1].sum(),
            sub.sum(),
        ],
        dtype=float,
    )


RELATIONS: tuple[Relation, ...] = (
    (4, (0, 1), True),
    (4, (2, 3), True),
    (7, (5, 6), False),
    (12, (8, 9), True),
    (12, (10, 11), True),
    *((c, (c + 8,), False) for c in range(5)),  # subset indicator ≤ its superset, cell by cell
)
N_CELLS = 13


def _cone_rows(offset: int, n_vars: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Equality and ≤ rows (``row @ x`` = 0 / ≤ 0) putting the table at ``offset`` in ``C``."""
    eq: list[np.ndarray] = []
    ub: list[np.ndarray] = []
    for total, members, exact in RELATIONS:
        row = np.zeros(n_vars)
        row[[offset + m for m in members]] = 1.0
        row[offset + total] -= 1.0
        (eq if exact else ub).append(row)
    return eq, ub


def _ranges(
    windows: Sequence[Sequence[int]],
    published: Sequence[np.ndarray],
    hidden: Sequence[np.ndarray],
    *,
    yearly: bool,
) -> list[tuple[float, float]]:
    """Least and greatest value of every withheld cell (period by period, in order).

    ``yearly``: unknown tables per single year, each in ``C``, periods their sums (the
    attacker's model). Otherwise each period is its own table in ``C`` (the per-period audit).
    """
    years = sorted({t for w in windows for t in w})
    n_tables = len(years) if yearly else len(windows)
    n = n_tables * N_CELLS
    eq_rows: list[np.ndarray] = []
    ub_rows: list[np.ndarray] = []
    for k in range(n_tables):
        eq, ub = _cone_rows(k * N_CELLS, n)
        eq_rows += eq
        ub_rows += ub

    def period_row(k: int, cell: int) -> np.ndarray:
        row = np.zeros(n)
        if yearly:
            for t in windows[k]:
                row[years.index(t) * N_CELLS + cell] = 1.0
        else:
            row[k * N_CELLS + cell] = 1.0
        return row

    b_eq = [0.0] * len(eq_rows)
    for k, values in enumerate(published):
        for cell in range(N_CELLS):
            if not hidden[k][cell]:
                eq_rows.append(period_row(k, cell))
                b_eq.append(float(values[cell]))
    a_eq = np.array(eq_rows)
    a_ub = np.array(ub_rows)
    out: list[tuple[float, float]] = []
    for k in range(len(windows)):
        for cell in np.flatnonzero(hidden[k]):
            objective = period_row(k, int(cell))
            ends = []
            for sign in (1.0, -1.0):
                r = linprog(
                    sign * objective,
                    A_eq=a_eq,
                    b_eq=b_eq,
                    A_ub=a_ub,
                    b_ub=np.zeros(len(a_ub)),
                    bounds=(0, None),
                    method="highs",
                )
                if r.status == 3:  # unbounded
                    ends.append(np.inf)
                else:
                    assert r.status == 0, r.message
                    ends.append(sign * r.fun)
            out.append((ends[0], ends[1]))
    return out


def _instance(
    rng: np.random.Generator, windows: Sequence[Sequence[int]]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    years = sorted({t for w in windows for t in w})
    yearly = {t: _tables(rng) for t in years}
    published = [sum(yearly[t] for t in w) for w in windows]
    hidden = [rng.random(N_CELLS) < 0.45 for _ in windows]
    return published, hidden


TWO = ((1, 2, 3), (2, 3, 4))
THREE = ((1, 2, 3), (2, 3, 4), (3, 4, 5))


@pytest.mark.parametrize("seed", range(2))
def test_two_windows_add_nothing_to_the_per_period_audit(seed: int) -> None:
    """Two overlapping windows: every withheld cell's range is the same whether the attacker
    solves for yearly tables (each obeying every relation) or for each period on its own."""
    rng = np.random.default_rng(seed)
    compared = nontrivial = 0
    for _ in range(15):
        published, hidden = _instance(rng, TWO)
        per_period = _ranges(TWO, published, hidden, yearly=False)
        by_year = _ranges(TWO, published, hidden, yearly=True)
        np.testing.assert_allclose(by_year, per_period, atol=1e-7)
        compared += len(per_period)
        nontrivial += sum(0 < hi - lo < np.inf for lo, hi in per_period)
    assert compared > 100
    assert nontrivial > 30


def test_three_windows_do_add_to_the_per_period_audit() -> None:
    """The control: with three windows the yearly model narrows some withheld cell's range
    (so the comparison above can fail, and the rolling family matters from three windows on).
    """
    rng = np.random.default_rng(11)
    narrowed = 0
    for _ in range(10):
        published, hidden = _instance(rng, THREE)
        per_period = np.array(_ranges(THREE, published, hidden, yearly=False))
        by_year = np.array(_ranges(THREE, published, hidden, yearly=True))
        assert np.all(by_year[:, 0] >= per_period[:, 0] - 1e-7)  # never wider
        assert np.all(by_year[:, 1] <= per_period[:, 1] + 1e-7)
        narrowed += int(
            np.any(by_year[:, 0] > per_period[:, 0] + 1e-7)
            or np.any(by_year[:, 1] < per_period[:, 1] - 1e-7)
        )
    assert narrowed >= 5  # 29 of 30 instances narrowed when written
