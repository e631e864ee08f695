"""Statistical disclosure control, applied before anything derived from records is published.

1. **Primary suppression**: a count in ``1 … min_count − 1`` (and 0 too when
   ``suppress_zero``) is withheld with its value and limits.
2. **Secondary suppression**: published totals must not give a withheld count away by
   subtraction. The additive relations among published cells are found from the table itself:
   categories of a breakdown sum to the area's total; male + female = persons; child areas sum
   to their parent (boroughs → ICB → London, when every child is present). Any relation with
   exactly one withheld cell gets a second one — the smallest other count in it.
3. **Audit**, per connected component of withheld cells:
   - components of up to ``LP_COMPONENT_LIMIT`` cells: a linear programme (HiGHS, one model
     per component re-solved warm for each objective) finds, for every withheld count, the
     least and greatest value consistent with everything published and with counts ≥ 0; a
     count whose range holds fewer than two whole numbers is recoverable;
   - larger components: an exact linear-algebra test — a count is fixed by the published
     totals iff its coordinate vanishes in every null-space vector of the relations —
     (reported as ``algebra_audited``).
   More cells are suppressed until no count is recoverable.

Every withheld row carries the same note (``WITHHELD_NOTE``, ONS's "[c]"): published notes do
not say which cells were small and which protect them, because a "primary" label would tell
an attacker that the count lies in ``1 … min_count − 1`` — bounds that, with the totals, can
pin a count down even when every cell around it is withheld (e.g. a total of 4 over four
withheld groups). The audit therefore assumes only what is published: every withheld count
is ≥ 0. The report counts primary and secondary cells. Denominators (populations) are not
confidential and stay published. See ADR 0611.

References: ONS (2021) *Statistical disclosure control methods*; Hundepool et al. (2012)
*Statistical Disclosure Control*, Wiley, ch. 4 (cell suppression and its audit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.optimize import linprog

from healthgap.engine.aggregate import INTERSECTIONS
from healthgap.errors import InputError

__all__ = [
    "WITHHELD_NOTE",
    "DisclosureReport",
    "DisclosureRule",
    "additive_relations",
    "audit",
    "protect",
]

_KEY = ("area_code", "period_label", "sex", "breakdown_type", "breakdown_category")
_MAX_ROUNDS = 200
#: Rounds of "every unsettled cell up, then down" solves before the per-cell programmes.
_BATCH_ROUNDS = 6
#: Components of withheld cells up to this size get the full LP range audit.
LP_COMPONENT_LIMIT = 2000
#: The note on every withheld row (ONS marks confidential cells "[c]").
WITHHELD_NOTE = (
    "[c] withheld for disclosure control: a count below {min_count}, or a count that "
    "would reveal one"
)


@dataclass(frozen=True)
class DisclosureRule:
    """Withhold counts below ``min_count`` (zero too when ``suppress_zero``).

    ``applies_to`` (the catalogue's ``DisclosureRule.applies_to``): ``"numerator"`` protects the
    counts; ``"denominator"`` or ``"both"`` protect the denominators as well.
    ``event_denominator``: the denominator is itself a count of events (e.g. deaths aged 65+
    with dementia mentioned): it is confidential whatever ``applies_to`` says, and so is the
    complement ``denominator − count`` (e.g. dementia deaths not in hospital).
    """

    min_count: int = 5
    suppress_zero: bool = False
    applies_to: str = "numerator"
    event_denominator: bool = False

    def __post_init__(self) -> None:
        if self.min_count < 1:
            raise InputError("min_count must be at least 1", value=self.min_count)
        if self.applies_to not in ("numerator", "denominator", "both"):
            raise InputError(
                "applies_to must be one of numerator, denominator, both", value=self.applies_to
            )

    @property
    def protects_denominator(self) -> bool:
        """True when the denominators are confidential too."""
        return self.event_denominator or self.applies_to in ("denominator", "both")


@dataclass(frozen=True)
class DisclosureReport:
    """What protection did: cells withheld, relations found, and how they were audited.

    ``range_audited`` withheld cells had their feasible range checked by linear programming;
    the rest (``algebra_audited``, in components larger than ``LP_COMPONENT_LIMIT``) were
    checked exactly against the published totals by linear algebra, but not against bounds.
    """

    primary: int
    secondary: int
    relations: int
    range_audited: int
    algebra_audited: int


Relation = tuple[int, tuple[int, ...]]  # total cell, member cells

#: A quintile breakdown and the decile breakdown it nests (quintile q = deciles 2q−1 and 2q).
NESTED = {
    "imd2019_quintile": "imd2019_decile",
    "imd2019_quintile_london": "imd2019_decile_london",
}


def additive_relations(table: pa.Table, *, parents: Mapping[str, str]) -> list[Relation]:
    """Candidate total = Σ members relations among the rows of ``table`` (row indices).

    Candidates, not facts: :func:`protect` keeps one as an equation when the counts add up
    exactly and as an inequality (Σ members ≤ total) when they fall short of the total, as
    ethnic groups do (events of unknown ethnicity are never published). Families: breakdown
    categories → the area's total; an intersection's cells → each margin's cell; quintiles →
    their two deciles (nested breakdowns published side by side); male + female = persons;
    child areas → their parent. A category a child area cannot have (a borough with no LSOA
    in a quintile) has no row: it is a known zero, so the parent relation keeps the children
    that have the row rather than being dropped.
    """
    cols = {k: table[k].to_pylist() for k in _KEY}
    index = {tuple(cols[k][i] for k in _KEY): i for i in range(table.num_rows)}
    if len(index) != table.num_rows:
        raise InputError("duplicate rows for one area, period, sex and breakdown category")
    relations: list[Relation] = []
    # breakdown categories → the area's total
    by_breakdown: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    for key, i in index.items():
        area, period, sex, btype, _ = key
        if btype != "none":
            by_breakdown[(area, period, sex, btype)].append(i)
    for (area, period, sex, _), members in by_breakdown.items():
        total = index.get((area, period, sex, "none", ""))
        if total is not None:
            relations.append((total, tuple(sorted(members))))
    # an intersection's cells sharing one margin category → that margin's cell (e.g. every
    # deprivation quintile of one ethnic group → the ethnic group's own row)
    margins: dict[int, list[int]] = defaultdict(list)
    for key, i in index.items():
        area, period, sex, btype, cat = key
        parts = INTERSECTIONS.get(btype)
        if not parts:
            continue
        values = cat.split("|")
        for k, margin in enumerate(parts):
            total = index.get((area, period, sex, margin, values[k]))
            if total is not None:
                margins[total].append(i)
    for total, members in margins.items():
        relations.append((total, tuple(sorted(members))))
    # nested breakdowns: quintile q = deciles 2q − 1 and 2q
    for key, i in index.items():
        area, period, sex, btype, cat = key
        decile = NESTED.get(btype)
        if decile is None or not cat.isdigit():
            continue
        q = int(cat)
        deciles = [index.get((area, period, sex, decile, str(d))) for d in (2 * q - 1, 2 * q)]
        found = tuple(sorted(d for d in deciles if d is not None))
        if found and by_breakdown.get((area, period, sex, decile)):
            relations.append((i, found))
    # male + female = persons
    for key, i in index.items():
        area, period, sex, btype, cat = key
        if sex == "persons":
            m = index.get((area, period, "male", btype, cat))
            f = index.get((area, period, "female", btype, cat))
            if m is not None and f is not None:
                relations.append((i, (m, f)))
    # child areas → parent area (every child area in the table; a missing row is a zero)
    children: dict[str, list[str]] = defaultdict(list)
    present = set(cols["area_code"])
    for child, parent in parents.items():
        children[parent].append(child)
    for key, i in index.items():
        area, period, sex, btype, cat = key
        kids = children.get(area)
        if not kids or not all(k in present for k in kids):
            continue
        member_rows = [index.get((k, period, sex, btype, cat)) for k in kids]
        found = tuple(sorted(r for r in member_rows if r is not None))
        if found:
            relations.append((i, found))
    return relations


def _classify(
    candidates: list[Relation], values: np.ndarray
) -> tuple[list[Relation], list[Relation]]:
    """Split candidate relations into those that hold exactly for ``values`` (equations) and
    those whose members fall short of the total (inequalities: Σ members ≤ total)."""
    equal: list[Relation] = []
    at_most: list[Relation] = []
    for t, m in candidates:
        gap = values[t] - values[list(m)].sum()
        if abs(gap) < 1e-6:
            if m != (t,):
                equal.append((t, m))
        elif gap > 0:
            at_most.append((t, m))
    return equal, at_most


def _relations_of(relations: list[Relation], n: int) -> list[list[int]]:
    """For each cell, the ids of the relations it takes part in."""
    index: list[list[int]] = [[] for _ in range(n)]
    for r, (total, members) in enumerate(relations):
        for c in (total, *members):
            index[c].append(r)
    return index


def _pick(candidates: list[int], counts: np.ndarray, depth: np.ndarray, threshold: int) -> int:
    """The complementary cell losing least: one with enough mass to hide a count below the
    threshold (count ≥ threshold), in the lowest area level, with the smallest count."""
    return min(candidates, key=lambda c: (counts[c] < threshold, -depth[c], counts[c], c))


def _needs_partner(
    total: int, members: tuple[int, ...], suppressed: np.ndarray, counts: np.ndarray, threshold: int
) -> bool:
    """An equation's withheld cells need another: one alone is recovered by subtraction; and
    with the total published, the withheld members share a known sum, which bounds each of
    them above, so a small one needs that sum to reach ``threshold`` (the cheap sufficient
    condition for room to move by the protection interval)."""
    withheld = [c for c in (total, *members) if suppressed[c]]
    if len(withheld) == 1:
        return True
    if not withheld or suppressed[total]:
        return False
    mass = counts[withheld]
    return bool(mass.min() < threshold and mass.sum() < threshold)


def _secondary_pass(
    relations: list[Relation],
    n_equal: int,
    index: list[list[int]],
    suppressed: np.ndarray,
    counts: np.ndarray,
    depth: np.ndarray,
    threshold: int,
    queue: list[int] | None = None,
) -> int:
    """Give every equation with exactly one withheld cell a second one.

    ``queue`` limits the first look to those relations (the ones a new withheld cell takes
    part in, when every other relation is already known to be safe). Relations ``≥ n_equal``
    are inequalities: subtraction from them gives only a bound, which the audit checks.
    """
    added = 0
    queue = list(range(n_equal)) if queue is None else [r for r in queue if r < n_equal]
    while queue:
        r = queue.pop()
        total, members = relations[r]
        cells = (total, *members)
        if not _needs_partner(total, members, suppressed, counts, threshold):
            continue
        if all(suppressed[c] for c in cells):
            continue
        candidates = [c for c in members if not suppressed[c]] or [total]
        pick = _pick(candidates, counts, depth, threshold)
        suppressed[pick] = True
        added += 1
        queue.extend(q for q in index[pick] if q < n_equal)
    return added


def _components(hidden: np.ndarray, relations: list[Relation]) -> list[list[int]]:
    """Hidden cells linked through shared relations (union-find): each is audited alone."""
    parent = {int(c): int(c) for c in hidden}

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for total, members in relations:
        inside = [c for c in (total, *members) if c in parent]
        for other in inside[1:]:
            ra, rb = find(inside[0]), find(other)
            if ra != rb:
                parent[rb] = ra
    groups: dict[int, list[int]] = defaultdict(list)
    for c in parent:
        groups[find(c)].append(c)
    return list(groups.values())


def _system(
    component: list[int],
    relations: list[Relation],
    index: list[list[int]],
    counts: np.ndarray,
    n_equal: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The relations touching ``component`` as ``lower ≤ A x ≤ upper`` over its withheld
    cells (published counts moved to the bounds; ``counts`` may be empty when only ``A`` is
    wanted), or None when no relation touches it. Relations from ``n_equal`` on are
    inequalities (total − Σ members ≥ 0)."""
    n_equal = len(relations) if n_equal is None else n_equal
    pos = {c: j for j, c in enumerate(component)}
    rel_ids = sorted({r for c in component for r in index[c]})
    if not rel_ids:
        return None
    a = np.zeros((len(rel_ids), len(component)))
    b = np.zeros(len(rel_ids))
    for i, r in enumerate(rel_ids):
        total, members = relations[r]
        for c, coef in ((total, 1.0), *((m, -1.0) for m in members)):
            if c in pos:
                a[i, pos[c]] += coef
            elif counts.size:
                b[i] -= coef * counts[c]
    ineq = np.array([r >= n_equal for r in rel_ids], dtype=bool)
    upper = np.where(ineq, np.inf, b)
    return a, b, upper


def audit(
    relations: list[Relation],
    counts: np.ndarray,
    suppressed: np.ndarray,
    *,
    lower_bounds: np.ndarray,
    upper_bounds: np.ndarray,
    only: set[int] | None = None,
    at_most: list[Relation] | None = None,
) -> dict[int, tuple[float, float]]:
    """Feasible range of every withheld count given what is published (LP per cell; HiGHS).

    ``relations`` are equations; ``at_most`` inequalities (Σ members ≤ total). Withheld cells
    are split into independent components (cells linked by relations), so each linear
    programme holds only one component's cells and relations. ``only`` limits the audit to
    the components containing those cells.
    """
    hidden = np.flatnonzero(suppressed)
    if hidden.size == 0:
        return {}
    n_equal = len(relations)
    relations = [*relations, *(at_most or [])]
    index = _relations_of(relations, len(suppressed))
    ranges: dict[int, tuple[float, float]] = {}
    for component in _components(hidden, relations):
        if only is not None and not only.intersection(component):
            continue
        bounds = [(float(lower_bounds[c]), float(upper_bounds[c])) for c in component]
        system = _system(component, relations, index, counts, n_equal)
        if system is None:  # nothing published constrains it: its range is its bounds
            for c, bd in zip(component, bounds, strict=True):
                ranges[c] = bd
            continue
        lp = _ComponentLP(*system, bounds)
        for j, c in enumerate(component):
            objective = np.zeros(len(component))
            objective[j] = 1.0
            lo = lp.minimise(objective)
            hi = lp.minimise(-objective)
            for x in (lo, hi):
                if isinstance(x, str) and x != "unbounded":
                    raise InputError(
                        "disclosure audit: the published counts are inconsistent with their totals",
                        row=c,
                    )
            ranges[c] = (
                -np.inf if isinstance(lo, str) else float(lo[j]),
                np.inf if isinstance(hi, str) else float(hi[j]),
            )
    return ranges


def _protected(lo: float, hi: float, threshold: int) -> bool:
    """The protection rule on a range ``[lo, hi]`` of feasible values (up to solver
    tolerance; counts are whole numbers): the upper bound reaches the threshold, so the count
    cannot be known to be small, and the range is at least the threshold wide."""
    hi_n = np.floor(hi + 1e-6)
    lo_n = np.ceil(lo - 1e-6)
    return bool(hi_n >= threshold and hi_n - lo_n >= threshold)


class _ComponentLP:
    """One component's linear programme (``lower ≤ A x ≤ upper`` within bounds), re-solved
    for many objectives.

    HiGHS keeps the model and its last basis between solves, so each new objective is a warm
    start: on audits of thousands of cells this is ~20× faster than a fresh ``linprog`` per
    objective. SciPy ships these HiGHS bindings (``scipy.optimize._highspy``) but does not
    document them; if they move, ``linprog`` (same solver, same answers) is used instead.
    """

    def __init__(
        self,
        a: np.ndarray,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        bounds: list[tuple[float, float]],
    ):
        self._a, self._lo, self._hi, self._bounds = a, row_lower, row_upper, bounds
        self._original = bounds
        self._highs: object | None = None
        try:
            from scipy.optimize._highspy import _core
            from scipy.sparse import csc_matrix
        except ImportError:  # pragma: no cover - depends on the SciPy release
            return
        h = _core._Highs()
        h.setOptionValue("output_flag", False)
        lp = _core.HighsLp()
        n = a.shape[1]
        inf = _core.kHighsInf
        lp.num_col_, lp.num_row_ = n, a.shape[0]
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.array([lo for lo, _ in bounds], dtype=float)
        lp.col_upper_ = np.array([inf if np.isinf(hi) else hi for _, hi in bounds], dtype=float)
        lp.row_lower_ = np.asarray(row_lower, dtype=float)
        lp.row_upper_ = np.where(np.isinf(row_upper), inf, row_upper).astype(float)
        csc = csc_matrix(a)
        lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr
        lp.a_matrix_.index_ = csc.indices
        lp.a_matrix_.value_ = csc.data
        h.passModel(lp)
        self._core, self._highs, self._cols = _core, h, np.arange(n, dtype=np.int32)

    def minimise(self, objective: np.ndarray) -> np.ndarray | str:
        """A minimising point, ``'unbounded'`` when the objective falls without limit (the
        true counts are feasible, so the programme is never empty), or the solver status
        when it fails."""
        if self._highs is None:  # pragma: no cover - fallback when the bindings are absent
            eq = self._lo == self._hi
            res = linprog(
                objective,
                A_ub=-self._a[~eq] if (~eq).any() else None,
                b_ub=-self._lo[~eq] if (~eq).any() else None,
                A_eq=self._a[eq] if eq.any() else None,
                b_eq=self._lo[eq] if eq.any() else None,
                bounds=self._bounds,
                method="highs",
            )
            if res.status == 3:
                return "unbounded"
            return np.asarray(res.x) if res.status == 0 else str(res.message)
        h: Any = self._highs
        h.changeColsCost(len(self._cols), self._cols, np.asarray(objective, dtype=float))
        h.run()
        status = h.getModelStatus()
        statuses = self._core.HighsModelStatus
        if status == statuses.kOptimal:
            return np.asarray(h.getSolution().col_value)
        if status in (statuses.kUnbounded, statuses.kUnboundedOrInfeasible):
            return "unbounded"
        return str(status)

    def cap(self, upper: np.ndarray | None) -> None:
        """Bound every cell above by ``upper`` (None: restore the original bounds). Points
        found under a cap are feasible without it too."""
        if self._highs is None:  # pragma: no cover - fallback when the bindings are absent
            self._bounds = (
                self._original
                if upper is None
                else [
                    (lo, min(hi, float(u)))
                    for (lo, hi), u in zip(self._original, upper, strict=True)
                ]
            )
            return
        h: Any = self._highs
        inf = self._core.kHighsInf
        lower = np.array([lo for lo, _ in self._original], dtype=float)
        original = np.array([inf if np.isinf(hi) else hi for _, hi in self._original])
        high = original if upper is None else np.minimum(original, upper)
        h.changeColsBounds(len(self._cols), self._cols, lower, high.astype(float))


def _unprotected_in(
    component: list[int],
    relations: list[Relation],
    n_equal: int,
    index: list[list[int]],
    counts: np.ndarray,
    threshold: int,
    check: np.ndarray | None = None,
) -> list[int]:
    """The withheld cells of one component whose feasible range fails the protection rule
    (only those where ``check`` is True, when given: the small ones).

    The true counts are a feasible point and every LP solution is another; once the feasible
    points seen so far meet the rule for a cell, its exact range does too, so its own LPs are
    skipped (the cheap sufficient condition that settles most cells).
    """
    system = _system(component, relations, index, counts, n_equal)
    if system is None:  # nothing published constrains it: 0 … ∞
        return []
    bounds = [(0.0, np.inf)] * len(component)
    lp = _ComponentLP(*system, bounds)
    seen_lo = np.array([counts[c] for c in component], dtype=float)
    seen_hi = seen_lo.copy()
    if check is not None:  # cells not checked count as settled
        skip = ~check[component]
        seen_lo[skip], seen_hi[skip] = -np.inf, np.inf
    # Cheap first: push every unsettled cell up at once, then down (within a cap, so that
    # the programme stays bounded); a few such solves settle most of a component.
    lp.cap(np.maximum(np.asarray(counts[component], dtype=float), 0.0) + 2 * threshold)
    unsettled = len(component) + 1
    for _ in range(_BATCH_ROUNDS):
        todo = [
            j for j in range(len(component)) if not _protected(seen_lo[j], seen_hi[j], threshold)
        ]
        if not todo or len(todo) >= unsettled:
            break
        unsettled = len(todo)
        for sign in (-1.0, 1.0):
            objective = np.zeros(len(component))
            objective[todo] = sign
            x = lp.minimise(objective)
            if isinstance(x, str):
                break
            np.minimum(seen_lo, x, out=seen_lo)
            np.maximum(seen_hi, x, out=seen_hi)
    lp.cap(None)
    out: list[int] = []
    for j, c in enumerate(component):
        if _protected(seen_lo[j], seen_hi[j], threshold):
            continue
        objective = np.zeros(len(component))
        objective[j] = 1.0
        for sign in (-1.0, 1.0):  # the greatest value first: it settles most cells
            x = lp.minimise(sign * objective)
            if isinstance(x, str):
                if x != "unbounded":
                    raise InputError(
                        f"disclosure audit: the solver failed ({x}); the published counts "
                        "may be inconsistent with their totals",
                        row=c,
                    )
                if sign < 0:  # no upper limit: every larger count is possible
                    seen_hi[j] = np.inf
                else:
                    seen_lo[j] = -np.inf
            else:
                np.minimum(seen_lo, x, out=seen_lo)
                np.maximum(seen_hi, x, out=seen_hi)
            if _protected(seen_lo[j], seen_hi[j], threshold):
                break
        else:
            out.append(c)
    return out


def _determined(
    component: list[int], relations: list[Relation], n_equal: int, index: list[list[int]]
) -> list[int]:
    """Withheld cells fixed by the published totals alone (zero rows of the null space of
    the equations)."""
    system = _system(component, relations, index, np.zeros(0), n_equal)
    if system is None:
        return []
    a = system[0][np.isfinite(system[2])]
    if a.shape[0] == 0:
        return []
    # V is all that is needed: with at least as many relations as cells the thin SVD already
    # gives all of it, without the (relations × relations) U of the full one.
    _, sing, vt = np.linalg.svd(a, full_matrices=a.shape[0] < a.shape[1])
    rank = int((sing > 1e-9 * max(1.0, float(sing.max(initial=0.0)))).sum())
    null = vt[rank:].T  # columns span the null space
    if null.shape[1] == 0:
        return list(component)
    return [c for c, row in zip(component, null, strict=True) if np.linalg.norm(row) < 1e-9]


def _depth(values: pa.Table, parents: Mapping[str, str]) -> np.ndarray:
    """How many ancestor areas each row's area has (boroughs deepest)."""
    memo: dict[str, int] = {}

    def depth(area: str) -> int:
        if area not in memo:
            parent = parents.get(area)
            memo[area] = 0 if parent is None or parent == area else 1 + depth(parent)
        return memo[area]

    return np.array([depth(str(a)) for a in values["area_code"].to_pylist()], dtype=float)


def protect(
    values: pa.Table,
    rule: DisclosureRule,
    *,
    parents: Mapping[str, str],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pa.Table, DisclosureReport]:
    """Apply primary and secondary suppression to one indicator's values, audited.

    ``values`` is in the canonical value shape; ``parents`` maps child area codes to their
    parent (borough → ICB, ICB → region). ``progress(done, total)`` is told how many
    components of withheld cells each audit round has settled. Returns the protected table
    and a report.
    """
    if values.num_rows == 0:
        return values, DisclosureReport(0, 0, 0, 0, 0)
    counts = values["count"].to_numpy(zero_copy_only=False).astype(float)
    if np.isnan(counts).any():
        raise InputError("disclosure control needs a count on every row", column="count")
    n = len(counts)
    threshold = rule.min_count
    low = 0 if rule.suppress_zero else 1

    def small(v: np.ndarray) -> np.ndarray:
        return (v >= low) & (v < threshold)

    primary = small(counts)
    # per vector, the cells whose value in it is confidential (small)
    masks = [primary.copy()]
    # Every confidential vector: the counts; the denominators when they are confidential;
    # for an event-count denominator, its complement (denominator − count) too.
    vectors = [counts]
    if rule.protects_denominator and "denominator" in values.column_names:
        den = values["denominator"].to_numpy(zero_copy_only=False).astype(float)
        known = ~np.isnan(den)
        den = np.where(known, den, 0.0)
        vectors.append(den)
        masks.append(known & small(den))
        primary |= masks[-1]
        if rule.event_denominator:
            rest = np.where(known, den - counts, 0.0)
            vectors.append(rest)
            masks.append(known & small(rest))
            primary |= masks[-1]
    suppressed = primary.copy()
    candidates = additive_relations(values, parents=parents)
    # per vector: equations first, then inequalities (Σ members ≤ total)
    systems: list[tuple[np.ndarray, list[Relation], int, list[list[int]]]] = []
    for vec in vectors:
        equal, at_most = _classify(candidates, vec)
        rels = [*equal, *at_most]
        systems.append((vec, rels, len(equal), _relations_of(rels, n)))
    # secondary suppression works on the equations of every vector
    equal_all = sorted({r for _, rels, k, _ in systems for r in rels[:k]})
    eq_index = _relations_of(equal_all, n)
    depth = _depth(values, parents)
    secondary = _secondary_pass(
        equal_all, len(equal_all), eq_index, suppressed, counts, depth, threshold
    )
    range_audited: set[int] = set()
    algebra_audited: set[int] = set()
    # A component whose cells are unchanged has unchanged constraints: once clean, it stays so.
    clean: set[tuple[int, frozenset[int]]] = set()
    for _ in range(_MAX_ROUNDS):
        # exposed small cell → the withheld component it was audited in
        exposed: dict[int, list[int]] = {}
        for v, (vec, rels, n_equal, index) in enumerate(systems):
            components = _components(np.flatnonzero(suppressed), rels)
            for done, component in enumerate(components):
                if progress is not None and done % 50 == 0:
                    progress(done, len(components))
                key = (v, frozenset(component))
                if key in clean:
                    continue
                if len(component) <= LP_COMPONENT_LIMIT:
                    range_audited.update(component)
                    found = _unprotected_in(
                        component, rels, n_equal, index, vec, threshold, masks[v]
                    )
                else:
                    algebra_audited.update(component)
                    found = _determined(component, rels, n_equal, index)
                # Only a small value's range matters: each range is the exact projection
                # of everything published, so a pinned value that is not small (a zero when
                # zeros are publishable, or a count ≥ min_count) gives away nothing the rule
                # protects, and a small one's range already allows for it.
                found = [c for c in found if masks[v][c]]
                if found:
                    for c in found:
                        exposed.setdefault(c, component)
                else:
                    clean.add(key)
        if not exposed:
            break
        added = False
        for cell, component in exposed.items():
            near = {
                c
                for _, rels, _, index in systems
                for r in index[cell]
                for c in (rels[r][0], *rels[r][1])
                if not suppressed[c]
            }
            if not near:  # widen to everything around the component the audit used
                near = {
                    c
                    for _, rels, _, index in systems
                    for k in component
                    for r in index[k]
                    for c in (rels[r][0], *rels[r][1])
                    if not suppressed[c]
                }
            if not near:
                # Cells withheld earlier in this round took every neighbour: the exposure is
                # stale, and the next round's audit sees the new suppression.
                if added:
                    continue
                # Unreachable for consistent counts: with nothing published in its
                # component's relations, the feasible set is a cone holding the true counts,
                # so a primary count (≥ 1) can be scaled without limit and is protected.
                raise InputError(
                    "disclosure control cannot protect this cell: every related cell is withheld",
                    row=cell,
                )
            added = True
            pick = _pick(sorted(near), counts, depth, threshold)
            suppressed[pick] = True
            secondary += 1
            secondary += _secondary_pass(
                equal_all,
                len(equal_all),
                eq_index,
                suppressed,
                counts,
                depth,
                threshold,
                queue=eq_index[pick],
            )
    else:
        raise InputError("disclosure control did not converge", value=_MAX_ROUNDS)
    if progress is not None:
        progress(1, 1)
    note = WITHHELD_NOTE.format(min_count=rule.min_count)
    return _apply(values, suppressed, note, denominator=rule.protects_denominator), (
        DisclosureReport(
            primary=int(primary.sum()),
            secondary=secondary,
            relations=sum(len(rels) for _, rels, _, _ in systems),
            range_audited=len(range_audited - algebra_audited),
            algebra_audited=len(algebra_audited),
        )
    )


def _apply(
    values: pa.Table, suppressed: np.ndarray, note: str, *, denominator: bool = False
) -> pa.Table:
    mask = pa.array(suppressed)
    out = values
    names = ["value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl", "count"]
    if denominator and "denominator" in values.column_names:
        names.append("denominator")
    for name in names:
        col = out[name]
        nulled = pc.if_else(mask, pa.scalar(None, col.type), col)
        out = out.set_column(out.schema.get_field_index(name), out.schema.field(name), nulled)
    old_supp = out["suppressed"].to_numpy(zero_copy_only=False)
    out = out.set_column(
        out.schema.get_field_index("suppressed"),
        out.schema.field("suppressed"),
        pa.array(old_supp | suppressed),
    )
    notes = pc.if_else(mask, pa.scalar(note, pa.string()), pc.cast(out["note"], pa.string()))
    return out.set_column(out.schema.get_field_index("note"), out.schema.field("note"), notes)
