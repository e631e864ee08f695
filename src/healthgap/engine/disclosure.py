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
from collections.abc import Mapping
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
#: Components of withheld cells up to this size get the full LP range audit.
LP_COMPONENT_LIMIT = 2000
#: The note on every withheld row (ONS marks confidential cells "[c]").
WITHHELD_NOTE = (
    "[c] withheld for disclosure control: a count below {min_count}, or a count that "
    "would reveal one"
)


@dataclass(frozen=True)
class DisclosureRule:
    """Withhold counts below ``min_count`` (zero too when ``suppress_zero``)."""

    min_count: int = 5
    suppress_zero: bool = False

    def __post_init__(self) -> None:
        if self.min_count < 1:
            raise InputError("min_count must be at least 1", value=self.min_count)


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


def additive_relations(table: pa.Table, *, parents: Mapping[str, str]) -> list[Relation]:
    """Total = Σ members relations among the rows of ``table`` (row indices)."""
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
        if total is not None and len(members) > 1:
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
        if len(members) > 1:
            relations.append((total, tuple(sorted(members))))
    # male + female = persons
    for key, i in index.items():
        area, period, sex, btype, cat = key
        if sex == "persons":
            m = index.get((area, period, "male", btype, cat))
            f = index.get((area, period, "female", btype, cat))
            if m is not None and f is not None:
                relations.append((i, (m, f)))
    # child areas → parent area (only when every child is present)
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
        if all(r is not None for r in member_rows) and len(member_rows) > 1:
            relations.append((i, tuple(sorted(r for r in member_rows if r is not None))))
    return relations


def _relations_of(relations: list[Relation], n: int) -> list[list[int]]:
    """For each cell, the ids of the relations it takes part in."""
    index: list[list[int]] = [[] for _ in range(n)]
    for r, (total, members) in enumerate(relations):
        for c in (total, *members):
            index[c].append(r)
    return index


def _secondary_pass(
    relations: list[Relation],
    index: list[list[int]],
    suppressed: np.ndarray,
    counts: np.ndarray,
    queue: list[int] | None = None,
) -> int:
    """Give every relation with exactly one withheld cell a second one (smallest count).

    ``queue`` limits the first look to those relations (the ones a new withheld cell takes
    part in, when every other relation is already known to be safe).
    """
    added = 0
    queue = list(range(len(relations))) if queue is None else list(queue)
    while queue:
        r = queue.pop()
        total, members = relations[r]
        cells = (total, *members)
        withheld = [c for c in cells if suppressed[c]]
        if len(withheld) != 1:
            continue
        candidates = [c for c in members if not suppressed[c]] or [total]
        pick = min(candidates, key=lambda c: (counts[c], c))
        suppressed[pick] = True
        added += 1
        queue.extend(index[pick])
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
    component: list[int], relations: list[Relation], index: list[list[int]], counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The relations touching ``component`` as ``A x = b`` over its withheld cells (published
    counts moved to ``b``; ``counts`` may be empty when only ``A`` is wanted), or None when
    no relation touches it."""
    pos = {c: j for j, c in enumerate(component)}
    rel_ids = sorted({r for c in component for r in index[c]})
    if not rel_ids:
        return None
    a_eq = np.zeros((len(rel_ids), len(component)))
    b_eq = np.zeros(len(rel_ids))
    for i, r in enumerate(rel_ids):
        total, members = relations[r]
        for c, coef in ((total, 1.0), *((m, -1.0) for m in members)):
            if c in pos:
                a_eq[i, pos[c]] += coef
            elif counts.size:
                b_eq[i] -= coef * counts[c]
    return a_eq, b_eq


def audit(
    relations: list[Relation],
    counts: np.ndarray,
    suppressed: np.ndarray,
    *,
    lower_bounds: np.ndarray,
    upper_bounds: np.ndarray,
    only: set[int] | None = None,
) -> dict[int, tuple[float, float]]:
    """Feasible range of every withheld count given what is published (LP per cell; HiGHS).

    Withheld cells are split into independent components (cells linked by relations), so
    each linear programme holds only one component's cells and relations. ``only`` limits the
    audit to the components containing those cells.
    """
    hidden = np.flatnonzero(suppressed)
    if hidden.size == 0:
        return {}
    index = _relations_of(relations, len(suppressed))
    ranges: dict[int, tuple[float, float]] = {}
    for component in _components(hidden, relations):
        if only is not None and not only.intersection(component):
            continue
        bounds = [(float(lower_bounds[c]), float(upper_bounds[c])) for c in component]
        system = _system(component, relations, index, counts)
        if system is None:  # nothing published constrains it: its range is its bounds
            for c, b in zip(component, bounds, strict=True):
                ranges[c] = b
            continue
        a_eq, b_eq = system
        for j, c in enumerate(component):
            objective = np.zeros(len(component))
            objective[j] = 1.0
            lo = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            hi = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if lo.status not in (0, 3) or hi.status not in (0, 3):  # 3: unbounded
                raise InputError(
                    "disclosure audit: the published counts are inconsistent with their totals",
                    row=c,
                )
            ranges[c] = (
                -np.inf if lo.status == 3 else float(lo.fun),
                np.inf if hi.status == 3 else float(-hi.fun),
            )
    return ranges


def _spans_two(lo: float, hi: float) -> bool:
    """Feasible values ``lo`` and ``hi`` (up to solver tolerance) surely enclose two whole
    numbers, so the exact range does too."""
    return bool(np.floor(hi - 1e-6) - np.ceil(lo + 1e-6) + 1 >= 2)


class _ComponentLP:
    """One component's linear programme (``A x = b`` within bounds), re-solved for many
    objectives.

    HiGHS keeps the model and its last basis between solves, so each new objective is a warm
    start: on audits of thousands of cells this is ~20× faster than a fresh ``linprog`` per
    objective. SciPy ships these HiGHS bindings (``scipy.optimize._highspy``) but does not
    document them; if they move, ``linprog`` (same solver, same answers) is used instead.
    """

    def __init__(self, a_eq: np.ndarray, b_eq: np.ndarray, bounds: list[tuple[float, float]]):
        self._a, self._b, self._bounds = a_eq, b_eq, bounds
        self._highs: object | None = None
        try:
            from scipy.optimize._highspy import _core
            from scipy.sparse import csc_matrix
        except ImportError:  # pragma: no cover - depends on the SciPy release
            return
        h = _core._Highs()
        h.setOptionValue("output_flag", False)
        lp = _core.HighsLp()
        n = a_eq.shape[1]
        lp.num_col_, lp.num_row_ = n, a_eq.shape[0]
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.array([lo for lo, _ in bounds], dtype=float)
        lp.col_upper_ = np.array(
            [_core.kHighsInf if np.isinf(hi) else hi for _, hi in bounds], dtype=float
        )
        lp.row_lower_ = lp.row_upper_ = np.asarray(b_eq, dtype=float)
        csc = csc_matrix(a_eq)
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
            res = linprog(
                objective, A_eq=self._a, b_eq=self._b, bounds=self._bounds, method="highs"
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


def _recoverable_in(
    component: list[int],
    relations: list[Relation],
    index: list[list[int]],
    counts: np.ndarray,
    *,
    lower_bounds: np.ndarray,
    upper_bounds: np.ndarray,
) -> list[int]:
    """The withheld cells of one component whose feasible range holds < 2 whole numbers.

    Same answer as ``_recoverable(audit(...))`` for the component, with fewer LPs: the true
    counts are a feasible point and every LP solution is another, and once the feasible
    points seen so far give a cell two whole numbers its exact range holds them too, so its
    own LPs are skipped.
    """
    bounds = [(float(lower_bounds[c]), float(upper_bounds[c])) for c in component]
    system = _system(component, relations, index, counts)
    if system is None:
        return _recoverable(dict(zip(component, bounds, strict=True)))
    lp = _ComponentLP(*system, bounds)
    seen_lo = np.array([counts[c] for c in component], dtype=float)
    seen_hi = seen_lo.copy()
    out: list[int] = []
    for j, c in enumerate(component):
        if _spans_two(seen_lo[j], seen_hi[j]):
            continue
        objective = np.zeros(len(component))
        objective[j] = 1.0
        for sign in (1.0, -1.0):
            x = lp.minimise(sign * objective)
            if isinstance(x, str):
                if x != "unbounded":
                    raise InputError(
                        f"disclosure audit: the solver failed ({x}); the published counts "
                        "may be inconsistent with their totals",
                        row=c,
                    )
                # no finite limit that way: the range holds every larger (smaller) count
                if sign < 0:
                    seen_hi[j] = np.inf
                else:
                    seen_lo[j] = -np.inf
            else:
                np.minimum(seen_lo, x, out=seen_lo)
                np.maximum(seen_hi, x, out=seen_hi)
            if _spans_two(seen_lo[j], seen_hi[j]):
                break
        else:
            out += _recoverable({c: (float(seen_lo[j]), float(seen_hi[j]))})
    return out


def _recoverable(ranges: dict[int, tuple[float, float]]) -> list[int]:
    out = []
    for c, (lo, hi) in ranges.items():
        whole_numbers = np.floor(hi + 1e-7) - np.ceil(lo - 1e-7) + 1
        if whole_numbers < 2:
            out.append(c)
    return out


def _determined(
    component: list[int], relations: list[Relation], index: list[list[int]]
) -> list[int]:
    """Withheld cells fixed by the published totals alone (zero rows of the null space)."""
    system = _system(component, relations, index, np.zeros(0))
    if system is None:
        return []
    a = system[0]
    # V is all that is needed: with at least as many relations as cells the thin SVD already
    # gives all of it, without the (relations × relations) U of the full one.
    _, sing, vt = np.linalg.svd(a, full_matrices=a.shape[0] < a.shape[1])
    rank = int((sing > 1e-9 * max(1.0, float(sing.max(initial=0.0)))).sum())
    null = vt[rank:].T  # columns span the null space
    if null.shape[1] == 0:
        return list(component)
    return [c for c, row in zip(component, null, strict=True) if np.linalg.norm(row) < 1e-9]


def protect(
    values: pa.Table, rule: DisclosureRule, *, parents: Mapping[str, str]
) -> tuple[pa.Table, DisclosureReport]:
    """Apply primary and secondary suppression to one indicator's values, audited.

    ``values`` is in the canonical value shape; ``parents`` maps child area codes to their
    parent (borough → ICB, ICB → region). Returns the protected table and a report.
    """
    if values.num_rows == 0:
        return values, DisclosureReport(0, 0, 0, 0, 0)
    counts = values["count"].to_numpy(zero_copy_only=False).astype(float)
    if np.isnan(counts).any():
        raise InputError("disclosure control needs a count on every row", column="count")
    n = len(counts)
    low = 0 if rule.suppress_zero else 1
    primary = (counts >= low) & (counts < rule.min_count)
    suppressed = primary.copy()
    # Only relations that hold exactly can be used to subtract (ethnic groups, for example,
    # leave out events of unknown ethnicity, so they do not add up to the total).
    relations = [
        (t, m)
        for t, m in additive_relations(values, parents=parents)
        if abs(counts[t] - counts[list(m)].sum()) < 1e-6
    ]
    index = _relations_of(relations, n)
    # What an attacker knows of a withheld count: it is not negative (see the module notes).
    upper = np.full(n, np.inf)
    lower = np.zeros(n)
    secondary = _secondary_pass(relations, index, suppressed, counts)
    range_audited: set[int] = set()
    algebra_audited: set[int] = set()
    # A component whose cells are unchanged has unchanged constraints: once clean, it stays so.
    clean: set[frozenset[int]] = set()
    for _ in range(_MAX_ROUNDS):
        exposed: list[int] = []
        for component in _components(np.flatnonzero(suppressed), relations):
            key = frozenset(component)
            if key in clean:
                continue
            found: list[int]
            if len(component) <= LP_COMPONENT_LIMIT:
                range_audited.update(component)
                found = _recoverable_in(
                    component,
                    relations,
                    index,
                    counts,
                    lower_bounds=lower,
                    upper_bounds=upper,
                )
            else:
                algebra_audited.update(component)
                found = _determined(component, relations, index)
            if found:
                exposed += found
            else:
                clean.add(key)
        if not exposed:
            break
        for cell in exposed:
            if not suppressed[cell]:
                continue
            near = {c for r in index[cell] for c in (relations[r][0], *relations[r][1])}
            candidates = [c for c in near if not suppressed[c]]
            if not candidates:  # widen to everything around the cell's component
                comp = next(
                    set(k) for k in _components(np.flatnonzero(suppressed), relations) if cell in k
                )
                candidates = [
                    c
                    for k in comp
                    for r in index[k]
                    for c in (relations[r][0], *relations[r][1])
                    if not suppressed[c]
                ]
            if not candidates:
                raise InputError(
                    "disclosure control cannot protect this cell: every related cell is withheld",
                    row=cell,
                )
            pick = min(candidates, key=lambda c: (counts[c], c))
            suppressed[pick] = True
            secondary += 1
            secondary += _secondary_pass(relations, index, suppressed, counts, queue=index[pick])
    else:
        raise InputError("disclosure control did not converge", value=_MAX_ROUNDS)
    return _apply(
        values, suppressed, WITHHELD_NOTE.format(min_count=rule.min_count)
    ), DisclosureReport(
        primary=int(primary.sum()),
        secondary=secondary,
        relations=len(relations),
        range_audited=len(range_audited - algebra_audited),
        algebra_audited=len(algebra_audited),
    )


def _apply(values: pa.Table, suppressed: np.ndarray, note: str) -> pa.Table:
    mask = pa.array(suppressed)
    out = values
    for name in ("value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl", "count"):
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
