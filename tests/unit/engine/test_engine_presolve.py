"""The objective-independent presolve of the audit's programmes (``healthgap.engine.presolve``)
against SciPy's ``linprog`` on the whole model: for random objectives on random sparse systems
shaped like the audit's (±1 coefficients, equations and ``≥`` rows, doubleton equations and
columns in one row), the reduced programme has the same optimum, and its points map back to
feasible points of the original."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import csc_matrix

from healthgap.engine.presolve import Reduced, presolve


def _system(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A feasible random system ``lower ≤ A x ≤ upper``, ``x`` within ``[0, col_upper]``:
    relations ``total − Σ members`` (= 0 or ≥ 0) over ~30 cells, some of two cells only, some
    cells in one relation, some cells bounded above."""
    n = int(rng.integers(12, 30))
    truth = rng.integers(0, 6, n).astype(float) * (rng.random(n) < 0.7)
    rows: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []
    for _ in range(int(rng.integers(n // 2, n + 4))):
        size = 2 if rng.random() < 0.35 else int(rng.integers(3, 6))
        cells = rng.choice(n, size=size, replace=False)
        row = np.zeros(n)
        row[cells[0]] = 1.0
        row[cells[1:]] = -1.0
        value = float(row @ truth)
        rows.append(row)
        if rng.random() < 0.75:  # an equation
            lower.append(value)
            upper.append(value)
        else:  # total − Σ members ≥ a published bound
            lower.append(value - float(rng.integers(0, 3)))
            upper.append(np.inf)
    col_upper = np.where(rng.random(n) < 0.2, truth + rng.integers(0, 4, n), np.inf)
    return np.array(rows), np.array(lower), np.array(upper), col_upper


def _optimum(
    c: np.ndarray,
    a: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    bounds: list[tuple[float, float]],
) -> float | str:
    eq = lower == upper
    ub_rows = [(-a[i], -lower[i]) for i in np.flatnonzero(~eq) if np.isfinite(lower[i])]
    ub_rows += [(a[i], upper[i]) for i in np.flatnonzero(~eq) if np.isfinite(upper[i])]
    res = linprog(
        c,
        A_ub=np.array([r for r, _ in ub_rows]) if ub_rows else None,
        b_ub=np.array([b for _, b in ub_rows]) if ub_rows else None,
        A_eq=a[eq] if eq.any() else None,
        b_eq=lower[eq] if eq.any() else None,
        bounds=bounds,
        method="highs",
    )
    if res.status == 3:
        return "unbounded"
    assert res.status == 0, res.message
    return float(res.fun)


def _solve_reduced(red: Reduced, cost: np.ndarray) -> Any:
    """``linprog`` on the reduced programme (equations, ranged rows as two inequalities)."""
    red_a = red.a.toarray()
    eq = red.row_lower == red.row_upper
    ub = [(-red_a[i], -red.row_lower[i]) for i in np.flatnonzero(~eq)]
    ub = [(r, b) for r, b in ub if np.isfinite(b)]
    ub += [
        (red_a[i], red.row_upper[i]) for i in np.flatnonzero(~eq) if np.isfinite(red.row_upper[i])
    ]
    return linprog(
        cost,
        A_ub=np.array([r for r, _ in ub]) if ub else None,
        b_ub=np.array([b for _, b in ub]) if ub else None,
        A_eq=red_a[eq] if eq.any() else None,
        b_eq=red.row_lower[eq] if eq.any() else None,
        bounds=list(zip(red.col_lower, red.col_upper, strict=True)),
        method="highs",
    )


@pytest.mark.parametrize("seed", range(12))
def test_reduced_programme_has_every_optimum_of_the_whole(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, lower, upper, col_upper = _system(rng)
    n = a.shape[1]
    red = presolve(csc_matrix(a), lower, upper, np.zeros(n), col_upper)
    assert red is not None  # something is removed (not vacuous)
    assert red.keep.size < n
    bounds = list(zip(np.zeros(n), col_upper, strict=True))
    for _ in range(8):
        c = rng.normal(size=n) * (rng.random(n) < 0.4)
        whole = _optimum(c, a, lower, upper, bounds)
        const = float(c @ red.x0)
        if red.keep.size == 0:  # every cell determined: the one feasible point
            assert const == pytest.approx(whole, abs=1e-6)
            continue
        res = _solve_reduced(red, red.t.T @ c)
        if whole == "unbounded":
            assert res.status == 3
            continue
        assert res.status == 0, res.message
        assert res.fun + const == pytest.approx(whole, abs=1e-6)
        # the reduced optimum maps back to a feasible point of the original model
        x = red.x0 + red.t @ res.x
        assert (x >= -1e-6).all()
        assert (x <= col_upper + 1e-6).all()
        assert (a @ x >= lower - 1e-6).all()
        assert (a @ x <= upper + 1e-6).all()
        assert float(c @ x) == pytest.approx(whole, abs=1e-6)


def test_an_inconsistent_system_is_left_whole() -> None:
    """x0 + x1 = 1 and x0 + x1 = 3 cannot both hold: the presolve gives up (None), so the
    solver sees the whole model and reports it."""
    a = csc_matrix(np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))
    lower = np.array([1.0, 3.0, 2.0])
    assert presolve(a, lower, lower.copy(), np.zeros(3), np.full(3, np.inf)) is None


@pytest.mark.parametrize("seed", range(12, 24))
def test_objectives_on_the_support_keep_their_optimum(seed: int) -> None:
    """With only some columns ever weighed (``support``), the others may be projected out:
    every objective on the support still has the whole model's optimum, the support's
    values map back exactly, and only columns outside it come back unknown (NaN)."""
    rng = np.random.default_rng(seed)
    a, lower, upper, col_upper = _system(rng)
    n = a.shape[1]
    support = rng.random(n) < 0.4
    red = presolve(csc_matrix(a), lower, upper, np.zeros(n), col_upper, support)
    assert red is not None
    bounds = list(zip(np.zeros(n), col_upper, strict=True))
    for _ in range(8):
        c = rng.normal(size=n) * support
        whole = _optimum(c, a, lower, upper, bounds)
        const = float(c[support] @ red.x0[support])
        if red.keep.size == 0:
            assert const == pytest.approx(whole, abs=1e-6)
            continue
        res = _solve_reduced(red, red.t.T @ c)
        if whole == "unbounded":
            assert res.status == 3
            continue
        assert res.status == 0, res.message
        assert res.fun + const == pytest.approx(whole, abs=1e-6)
        x = red.x0 + red.t @ res.x
        assert not np.isnan(x[support]).any()
        assert float(c[support] @ x[support]) == pytest.approx(whole, abs=1e-6)


def test_a_period_is_replaced_by_its_atoms() -> None:
    """``q = a + b`` and ``q + z = 7`` over four cells ≥ 0 come down to two columns and one
    row (``q`` is a function of the others: its bound is implied), and every point of the
    reduced programme maps back to a point of the whole one, and back again."""
    a = csc_matrix(np.array([[1.0, -1.0, -1.0, 0.0], [1.0, 0.0, 0.0, 1.0]]))
    lower = np.array([0.0, 7.0])
    red = presolve(a, lower, lower.copy(), np.zeros(4), np.full(4, np.inf))
    assert red is not None
    assert red.keep.size == 2
    assert red.a.shape[0] == 1
    mapped = 0
    for y in np.ndindex(9, 9):
        point = np.array(y, dtype=float)
        row = red.a @ point
        inside = (point >= red.col_lower).all() and (point <= red.col_upper).all()
        if not (inside and red.row_lower[0] <= row[0] <= red.row_upper[0]):
            continue
        x = red.x0 + red.t @ point
        assert (x >= 0).all()
        assert (a @ x).tolist() == pytest.approx([0.0, 7.0])
        assert x[red.keep].tolist() == point.tolist()
        mapped += 1
    # the whole model's points: q = a + b ≤ 7, z = 7 − q: (a, b) in a triangle of 36 points
    assert mapped == 36
