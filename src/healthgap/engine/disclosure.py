"""Statistical disclosure control, applied before anything derived from records is published.

1. **Primary suppression**: a count in ``1 … min_count − 1`` (and 0 too when
   ``suppress_zero``) is withheld with its value and limits.
2. **Secondary suppression**: published totals must not give a withheld count away by
   subtraction. The additive relations among published cells are found from the table itself:
   categories of a breakdown sum to the area's total; male + female = persons; child areas sum
   to their parent (boroughs → ICB → London, when every child is present). A relation whose
   only withheld cell is a small count gets a second one — the smallest other count in it
   with enough mass — and so does one whose withheld cells, a small one among them, sum below
   the threshold. Relations without a withheld small count need nothing: the rule protects
   small counts (ADR 0611), and each small count's audit allows for everything published.
   A cell the audit withholds to free an exposed small count gets a partner wherever it is
   alone (else subtraction recovers it and it frees nothing).
3. **Audit**, per connected component of withheld cells:
   - components of up to ``EXACT_LIMIT`` cells: a linear programme (HiGHS, one model per
     component re-solved warm for each objective, cells that bound propagation holds at 0
     left out, the rest reduced by an objective-independent presolve) finds, for every
     withheld small count, whether its least and greatest value consistent with everything
     published and with counts ≥ 0 meet the protection rule;
     one count's dual solution can show others exposed without programmes of their own;
   - larger components (up to ``LP_COMPONENT_LIMIT``): local programmes around each small
     count, everything else held at a feasible point (a sufficient condition), then the
     exact range of a count they do not settle;
   - beyond that: an exact linear-algebra test — a count is fixed by the published totals
     iff its coordinate vanishes in every null-space vector of the relations — (reported as
     ``algebra_audited``).
   A count once shown protected is not audited again (withholding more only widens ranges).
   Optional families (:func:`protect_many`): subset indicators, and overlapping rolling
   periods through latent atom tables obeying every relation (``periods=True``, exact:
   :func:`rolling_atoms`), withheld consistently across them; see ADR 0611 for what is on.
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix, identity
from scipy.sparse.csgraph import connected_components

from healthgap.engine.aggregate import INTERSECTIONS
from healthgap.engine.presolve import presolve
from healthgap.errors import InputError

__all__ = [
    "WITHHELD_NOTE",
    "DisclosureReport",
    "DisclosureRule",
    "Relation",
    "additive_relations",
    "audit",
    "protect",
    "protect_many",
    "rolling_atoms",
    "rolling_bounds",
    "rolling_relations",
    "subset_relations",
]

_KEY = ("area_code", "period_label", "sex", "breakdown_type", "breakdown_category")
_MAX_ROUNDS = 200
#: Rounds of "every unsettled cell up, then down" solves before the per-cell programmes.
_BATCH_ROUNDS = 6
#: Components of withheld cells up to this size get the full LP range audit.
LP_COMPONENT_LIMIT = 20000
#: Components up to this size get one exact programme; larger ones are settled locally.
#: (With forced columns left out, one programme beat local ones on the 5,440- and
#: 8,581-cell components of life expectancy's three-window audit: ADR 0611, "Zero columns".)
EXACT_LIMIT = 12000
#: Local audits of a cell in a large component: (relations away, most cells), widening.
_LOCAL_STEPS = ((2, 60), (4, 400))
#: The recheck's relaxations around a count: (relations away, most cells), widening; and
#: its restrictions, tried when at most ``_HOLD_LIMIT`` counts are left (ADR 0611).
_RELAX_STEPS = ((2, 400), (3, 1500))
_HOLD_STEPS = ((5, 12000),)
_HOLD_LIMIT = 8
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

    How the audits of small counts were settled, over every round (a count audited in two
    rounds counts twice; for :func:`protect_many`, totals of the whole call):
    ``settled_cheap`` without a programme of its own (by the true counts and the capped
    "every unsettled count up, then down" solves); ``settled_by_lp`` in the per-count phase of
    an exact audit (its own programmes, or points another count's programmes found);
    ``settled_local`` by local programmes in a large component; ``exposed`` failing the
    rule (each got more suppression). ``lp_counts`` counts were given programmes of their
    own; ``lp_solves`` programmes were solved in all.
    """

    primary: int
    secondary: int
    relations: int
    range_audited: int
    algebra_audited: int
    settled_cheap: int = 0
    settled_by_lp: int = 0
    settled_local: int = 0
    exposed: int = 0
    lp_counts: int = 0
    lp_solves: int = 0


@dataclass
class _AuditStats:
    """Counters behind the report's ``settled_*``, ``exposed`` and ``lp_*`` fields."""

    settled_cheap: int = 0
    settled_by_lp: int = 0
    settled_local: int = 0
    exposed: int = 0
    lp_counts: int = 0
    lp_solves: int = 0
    #: counts shown exposed by another count's dual solution, without a programme of their own
    exposed_by_dual: int = 0
    #: counts the recheck's relaxation shows exposed, without the whole programme
    exposed_relaxed: int = 0


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


def _pick(
    candidates: list[int], counts: np.ndarray, depth: np.ndarray, threshold: np.ndarray
) -> int:
    """The complementary cell losing least: one with enough mass to hide a count below the
    threshold (count ≥ its threshold), in the lowest area level, with the smallest count."""
    return min(candidates, key=lambda c: (counts[c] < threshold[c], -depth[c], counts[c], c))


def _needs_partner(
    total: int,
    members: tuple[int, ...],
    suppressed: np.ndarray,
    counts: np.ndarray,
    threshold: np.ndarray,
    small: np.ndarray,
    covering: np.ndarray | None = None,
) -> bool:
    """An equation holding a withheld **small** count (``small``: the primary mask of the
    confidential vector ``counts``) needs another withheld cell: one alone is recovered by
    subtraction; and with the total published, the withheld members share a known sum, which
    bounds each of them above, so the small one needs that sum to reach ``threshold`` (the
    cheap sufficient condition for room to move by the protection interval).

    Equations without a withheld small count need nothing: a withheld count that is not small
    (≥ the threshold, or a zero where zeros are publishable) may be pinned without disclosing
    anything the rule protects, and every small count's own audit (the LP range, which allows
    for everything published) is the guarantee; this pass is only a cheap first guess. Asking
    for a partner wherever withheld cells sum below the threshold made every new withheld zero
    in a table of zeros ask for another, through the whole table (ADR 0611, 2026-12-07).

    ``covering`` marks cells the audit withheld to free a small count it found exposed: one
    of them alone in an equation would be recovered by subtraction and free nothing, so it
    needs a partner too (the lone rule only), and so do the partners it gets. Without it,
    the audit's picks were recovered round after round and the joint protection of suicides
    and deaths did not converge in 200 rounds (marking only the audit's own picks was not
    enough either).
    """
    withheld = [c for c in (total, *members) if suppressed[c]]
    if not any(small[c] for c in withheld):
        return covering is not None and len(withheld) == 1 and bool(covering[withheld[0]])
    if len(withheld) == 1:
        return True
    if suppressed[total]:
        return False
    return bool(counts[withheld].sum() < threshold[total])


#: One confidential vector's equations among real cells for :func:`_secondary_pass`: the
#: equations, each cell's equation ids, the vector's values and its small (primary) cells.
Equations = tuple[list[Relation], list[list[int]], np.ndarray, np.ndarray]


def _secondary_pass(
    systems: Sequence[Equations],
    suppressed: np.ndarray,
    depth: np.ndarray,
    threshold: np.ndarray,
    new: Sequence[int] | None = None,
    covering: np.ndarray | None = None,
) -> int:
    """Give every equation holding a withheld small count the partner
    :func:`_needs_partner` asks for, in each confidential vector's equations (counts;
    denominators and complements where confidential); returns how many cells were withheld.

    ``new`` limits the first look to the equations of those newly withheld cells (when every
    other equation is already known to be settled). Each cell withheld here is looked at
    again in every vector's equations: withholding a row withholds all its quantities.
    Inequalities are left to the audit: subtraction from them gives only a bound.
    ``covering``: see :func:`_needs_partner`.
    """
    added = 0
    queues = [
        list(range(len(eqs))) if new is None else sorted({r for c in new for r in index[c]})
        for eqs, index, _, _ in systems
    ]
    while any(queues):
        for v, (eqs, _, values, small) in enumerate(systems):
            queue = queues[v]
            while queue:
                total, members = eqs[queue.pop()]
                if not _needs_partner(
                    total, members, suppressed, values, threshold, small, covering
                ):
                    continue
                if all(suppressed[c] for c in (total, *members)):
                    continue
                candidates = [c for c in members if not suppressed[c]] or [total]
                if covering is not None and len(candidates) > 1:
                    # a candidate alone in none of its other equations needs no partner
                    alone = {
                        c
                        for c in candidates
                        if any(
                            not any(suppressed[x] for x in (e[r][0], *e[r][1]) if x != c)
                            for e, ix, _, _ in systems
                            for r in ix[c]
                        )
                    }
                    if len(alone) < len(candidates):
                        candidates = [c for c in candidates if c not in alone]
                pick = _pick(candidates, values, depth, threshold)
                suppressed[pick] = True
                if covering is not None and covering[[total, *members]].any():
                    covering[pick] = True  # a partner that frees a covering cell covers too
                added += 1
                for w, (_, index, _, _) in enumerate(systems):
                    queues[w].extend(index[pick])
    return added


def _components(hidden: np.ndarray, relations: list[Relation]) -> list[list[int]]:
    """Hidden cells linked through shared relations: each component is audited alone."""
    if hidden.size == 0:
        return []
    size = int(hidden.max()) + 1
    is_hidden = np.zeros(size, dtype=bool)
    is_hidden[hidden] = True
    src: list[int] = []
    dst: list[int] = []
    for total, members in relations:
        inside = [c for c in (total, *members) if c < size and is_hidden[c]]
        for other in inside[1:]:
            src.append(inside[0])
            dst.append(other)
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = defaultdict(list)
    for c in hidden.tolist():
        groups[int(label[c])].append(int(c))
    return list(groups.values())


def _system(
    component: list[int],
    relations: list[Relation],
    index: list[list[int]],
    counts: np.ndarray,
    n_equal: int | None = None,
    rel_ids: list[int] | None = None,
) -> tuple[Any, np.ndarray, np.ndarray] | None:
    """The relations touching ``component`` (or only ``rel_ids``) as ``lower ≤ A x ≤ upper``
    over its withheld cells (``A`` sparse, CSC; published counts moved to the bounds;
    ``counts`` may be empty when only ``A`` is wanted), or None when no relation touches
    it. Relations from ``n_equal`` on are inequalities (total − Σ members ≥ 0)."""
    n_equal = len(relations) if n_equal is None else n_equal
    pos = {c: j for j, c in enumerate(component)}
    if rel_ids is None:
        rel_ids = sorted({r for c in component for r in index[c]})
    if not rel_ids:
        return None
    rows: list[int] = []
    cols: list[int] = []
    data: list[float] = []
    b = np.zeros(len(rel_ids))
    for i, r in enumerate(rel_ids):
        total, members = relations[r]
        for c, coef in ((total, 1.0), *((m, -1.0) for m in members)):
            j = pos.get(c)
            if j is not None:
                rows.append(i)
                cols.append(j)
                data.append(coef)
            elif counts.size:
                b[i] -= coef * counts[c]
    a = csc_matrix((data, (rows, cols)), shape=(len(rel_ids), len(component)))
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


def _protected(lo: float, hi: float, threshold: float) -> bool:
    """The protection rule on a range ``[lo, hi]`` of feasible values (up to solver
    tolerance; counts are whole numbers): the upper bound reaches the threshold, so the count
    cannot be known to be small, and the range is at least the threshold wide."""
    hi_n = np.floor(hi + 1e-6)
    lo_n = np.ceil(lo - 1e-6)
    return bool(hi_n >= threshold and hi_n - lo_n >= threshold)


def _forced(
    a: Any, row_lower: np.ndarray, row_upper: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """Columns every feasible point holds at their lower bound, by bound propagation on
    ``lower ≤ A x ≤ upper`` (activity bounds, repeated until nothing tightens; Achterberg
    2007, *Constraint Integer Programming*, §7.1): e.g. the cells of a relation whose
    published total is 0, and the latent atoms of a period counted 0. It does not depend on
    the objective, so a programme without these columns has the same optimum for every
    objective. On the rolling-period recheck of life expectancy (README input) 5,641 of
    10,228 columns; the simplex no longer pivots through them (ADR 0611, "Zero columns")."""
    csr = csr_matrix(a)
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    cols, coef = csr.indices, csr.data
    pos = coef > 0
    mag = np.abs(coef)
    hi = np.asarray(upper, dtype=float).copy()
    lo = np.asarray(lower, dtype=float)
    if coef.size == 0:
        return hi <= lo + 1e-9
    for _ in range(50):
        # per row, the least and greatest activity (infinite when a term is unbounded)
        hi_c = hi[cols]
        lo_c = lo[cols]
        term_min = np.where(pos, coef * lo_c, np.where(np.isinf(hi_c), -np.inf, coef * hi_c))
        term_max = np.where(pos, np.where(np.isinf(hi_c), np.inf, coef * hi_c), coef * lo_c)
        act_min = np.full(csr.shape[0], 0.0)
        act_max = np.full(csr.shape[0], 0.0)
        np.add.at(act_min, rows, term_min)
        np.add.at(act_max, rows, term_max)
        # a positive coefficient is bounded by the row's upper side, a negative one by its
        # lower side: x_k ≤ lower_k + slack / |a_k|
        with np.errstate(invalid="ignore"):
            slack = np.where(pos, row_upper[rows] - act_min[rows], act_max[rows] - row_lower[rows])
        slack = np.where(np.isnan(slack), np.inf, slack)
        bound = lo_c + np.maximum(slack, 0.0) / mag
        new = hi.copy()
        np.minimum.at(new, cols, bound)
        if not (new < hi - 1e-9).any():
            break
        hi = new
    return hi <= lo + 1e-9


class _ComponentLP:
    """One component's linear programme (``lower ≤ A x ≤ upper`` within bounds), re-solved
    for many objectives.

    HiGHS keeps the model and its last basis between solves, so each new objective is a warm
    start: on audits of thousands of cells this is ~20× faster than a fresh ``linprog`` per
    objective. Columns every feasible point holds at their lower bound (:func:`_forced`) are
    left out of the model (and rows left empty by them), which changes no optimum and spares
    the simplex its degenerate pivots through them. The rest is reduced by an
    objective-independent presolve (:func:`healthgap.engine.presolve.presolve`: every removed
    cell an affine function of the kept ones, ``x = x0 + T y``, so each objective maps to the
    kept columns and each point back); ``support`` marks the cells objectives will weigh, so
    that others may be projected out (their values come back NaN); ``reduce=False`` skips it
    (small programmes solved once or twice, where it costs more than it saves). On the
    three-window audit of violence admissions (2M input) 9,023 columns become 2,929 and a
    solve ~7× cheaper (ADR 0611, "An objective-independent presolve"). SciPy ships these
    HiGHS bindings (``scipy.optimize._highspy``) but does not document them; if they move,
    ``linprog`` (same solver, same answers) is used instead.
    """

    def __init__(
        self,
        a: Any,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        bounds: list[tuple[float, float]],
        support: np.ndarray | None = None,
        reduce: bool = True,
    ):
        self._a, self._lo, self._hi, self._bounds = a, row_lower, row_upper, bounds
        self._original = bounds
        self._highs: object | None = None
        self.solves = 0
        try:
            from scipy.optimize._highspy import _core
        except ImportError:  # pragma: no cover - depends on the SciPy release
            return
        h = _core._Highs()
        h.setOptionValue("output_flag", False)
        n = a.shape[1]
        inf = _core.kHighsInf
        col_lower = np.array([lo for lo, _ in bounds], dtype=float)
        col_upper = np.array([hi for _, hi in bounds], dtype=float)
        row_lower = np.asarray(row_lower, dtype=float)
        row_upper = np.asarray(row_upper, dtype=float)
        csc = csc_matrix(a)
        fixed = _forced(csc, row_lower, row_upper, col_lower, col_upper)
        live = np.flatnonzero(~fixed)
        sub = csc[:, live]
        used = np.diff(csr_matrix(sub).indptr) > 0
        # the fixed columns' share moves to the row bounds; a row left empty must hold at
        # them (else keep the whole model, so that the solver reports the inconsistency)
        shift = csc[:, fixed] @ col_lower[fixed] if fixed.any() else np.zeros(a.shape[0])
        row_lower, row_upper = row_lower - shift, row_upper - shift
        if ((row_lower[~used] > 1e-9) | (row_upper[~used] < -1e-9)).any():
            live, used = np.arange(n), np.ones(a.shape[0], dtype=bool)
            sub, fixed = csc, np.zeros(n, dtype=bool)
            row_lower, row_upper = row_lower + shift, row_upper + shift
        else:
            sub = csc_matrix(sub[used])
        self._live, self._rows_used, self._fixed_value = live, used, col_lower.copy()
        # columns that are affine functions of the others (doubleton equations, singleton
        # columns), whatever the objective: x_live = x0 + T y over the kept columns y
        rl, ru = row_lower[used], row_upper[used]
        cl, cu = col_lower[live], col_upper[live]
        weighed = None if support is None else np.asarray(support, dtype=bool)[live]
        red = presolve(sub, rl, ru, cl, cu, weighed) if reduce else None
        if red is not None and red.keep.size > 0:
            sub, rl, ru, cl, cu = red.a, red.row_lower, red.row_upper, red.col_lower, red.col_upper
            self._t: Any = red.t
            self._x0, self._t_keep = red.x0, red.keep
        else:
            self._t = identity(live.size, format="csr")
            self._x0, self._t_keep = np.zeros(live.size), np.arange(live.size)
        self._tt = csr_matrix(self._t.T)
        self._t_pos = csr_matrix(self._t.maximum(0.0))
        self._t_neg = csr_matrix(self._t.minimum(0.0))
        self._t_pos.eliminate_zeros()
        self._t_neg.eliminate_zeros()
        self._y_bounds = (cl, cu)
        lp = _core.HighsLp()
        m = sub.shape[1]
        lp.num_col_, lp.num_row_ = m, sub.shape[0]
        lp.col_cost_ = np.zeros(m)
        lp.col_lower_ = np.where(np.isinf(cl), -inf, cl)
        lp.col_upper_ = np.where(np.isinf(cu), inf, cu)
        lp.row_lower_ = np.where(np.isinf(rl), -inf, rl)
        lp.row_upper_ = np.where(np.isinf(ru), inf, ru)
        lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
        lp.a_matrix_.start_ = sub.indptr
        lp.a_matrix_.index_ = sub.indices
        lp.a_matrix_.value_ = sub.data
        h.passModel(lp)
        self._core, self._highs, self._cols = _core, h, np.arange(m, dtype=np.int32)
        self._sub_t = csr_matrix(sub.T)
        self._row_bounds = (rl, ru)

    def dual_bounds(self) -> np.ndarray | None:
        """Upper bounds on every cell implied by the last solve's dual solution (infinite
        where it implies none), or None when it gives no valid certificate.

        For any multipliers ``w`` on the rows, ``wᵀA x ≤ β(w)`` (``β`` takes each row's upper
        side where ``w`` is positive, its lower side where negative). When ``g = Aᵀw ≥ 0``,
        every feasible ``x ≥ 0`` has ``g_k x_k ≤ Σ g x ≤ β``, so ``x_k ≤ β / g_k`` wherever
        ``g_k > 0`` (weak duality; Chvátal 1983, *Linear Programming*, ch. 5). After maximising
        cell ``j``, HiGHS's row duals give such ``w`` with ``g_j = 1`` and ``β`` the maximum;
        the same ``w`` bounds every cell with ``g_k > 0``, e.g. the other members of the
        relations that pin ``j``. On the presolved programme the kept columns ``y`` lie in
        bounds ``[l, u]``, so ``g_k y_k ≤ β − Σ_{i≠k} min(g_i l_i, g_i u_i)`` for every ``k``
        (``g`` of any sign), an upper bound where ``g_k > 0`` and a lower one where
        ``g_k < 0``; a removed cell, ``x0 + T y``, is bounded through those. The certificate
        is checked here (signs, only finite sides used), not taken on trust from the solver;
        a column left out of the model is bounded by the value every feasible point gives
        it."""
        if self._highs is None or self.solves == 0:  # pragma: no cover - bindings absent
            return None
        h: Any = self._highs
        if h.getModelStatus() != self._core.HighsModelStatus.kOptimal:
            return None
        w = -np.asarray(h.getSolution().row_dual, dtype=float)
        w[np.abs(w) <= 1e-12] = 0.0
        lower, upper = self._row_bounds
        if np.isinf(upper[w > 0]).any() or np.isinf(lower[w < 0]).any():
            return None
        beta = float(np.where(w > 0, w * np.where(w > 0, upper, 0.0), 0.0).sum())
        beta += float(np.where(w < 0, w * np.where(w < 0, lower, 0.0), 0.0).sum())
        g = self._sub_t @ w
        g[np.abs(g) <= 1e-9] = 0.0
        # gᵀy ≤ β, so g_k y_k ≤ β − Σ_{i≠k} min(g_i l_i, g_i u_i) over the kept columns'
        # bounds [l, u]; a term that is −∞ (g_i < 0 with u_i = ∞) leaves only y_i bounded
        y_lo, y_hi = self._y_bounds
        with np.errstate(invalid="ignore"):
            term = np.where(g > 0, g * y_lo, np.where(g < 0, g * y_hi, 0.0))
        term = np.where(np.isnan(term), 0.0, term)
        infinite = np.isneginf(term)
        n_inf = int(infinite.sum())
        if n_inf > 1:
            return None
        rest = float(term[~infinite].sum())
        # the sum of the other columns' terms, per column k
        others = rest - term if n_inf == 0 else np.where(infinite, rest, -np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            edge = (beta - others) / g
        hi_y = np.where(g > 0, np.minimum(y_hi, edge), y_hi)
        lo_y = np.where(g < 0, np.maximum(y_lo, edge), y_lo)
        # each original cell is x0 + T y: bounded above through its terms' signs
        bound = self._x0 + self._t_pos @ hi_y + self._t_neg @ lo_y
        out = self._fixed_value.copy()  # a left-out column is held at its lower bound
        out[self._live] = np.where(np.isnan(bound), np.inf, bound)
        return out

    def minimise(self, objective: np.ndarray) -> np.ndarray | str:
        """A minimising point, ``'unbounded'`` when the objective falls without limit (the
        true counts are feasible, so the programme is never empty), or the solver status
        when it fails."""
        self.solves += 1
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
        cost = self._tt @ np.asarray(objective, dtype=float)[self._live]
        h.changeColsCost(len(self._cols), self._cols, cost)
        h.run()
        if self.solves == 1:
            # From the first optimal basis on, only the objective (or a cap) changes: the
            # basis stays primal feasible, so primal simplex restarts where it stopped (on a
            # 5,700-cell component ~100 iterations a count instead of ~3,000 with dual).
            h.setOptionValue("simplex_strategy", 4)
        status = h.getModelStatus()
        statuses = self._core.HighsModelStatus
        if status == statuses.kOptimal:
            x = self._fixed_value.copy()
            x[self._live] = self._x0 + self._t @ np.asarray(h.getSolution().col_value)
            return x
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
        # a kept column is capped at its own cell's cap; a removed one is not (it is an affine
        # function of capped columns, so the programme stays bounded)
        y_lo, y_hi = self._y_bounds
        high = y_hi.copy()
        if upper is not None:
            every = np.asarray(upper, dtype=float)
            cap = every[self._live[self._t_keep]]
            # A column without a cap of its own (a latent atom) gets the largest cap, so that a
            # removed cell, a function of kept columns, stays bounded. Caps only shrink the
            # feasible set: every point found is still feasible without them, so verdicts do
            # not depend on them (ADR 0611, "An objective-independent presolve").
            finite = np.isfinite(every)
            if finite.any():
                cap = np.where(np.isfinite(cap), cap, every[finite].max())
            high = np.fmin(high, cap)
        high = np.where(np.isinf(high), inf, high)
        low = np.where(np.isinf(y_lo), -inf, y_lo)
        h.changeColsBounds(len(self._cols), self._cols, low, high)


def _extreme(lp: _ComponentLP, objective: np.ndarray, *, row: int) -> np.ndarray | None:
    """``lp.minimise(objective)``: the optimal point, or None when the programme is unbounded.
    Any other outcome is an error naming ``row`` (the count being audited)."""
    x = lp.minimise(objective)
    if isinstance(x, str):
        if x != "unbounded":
            raise InputError(
                f"disclosure audit: the solver failed ({x}); the published counts may be "
                "inconsistent with their totals",
                row=row,
            )
        return None
    return x


def _unprotected_in(
    component: list[int],
    relations: list[Relation],
    n_equal: int,
    index: list[list[int]],
    counts: np.ndarray,
    threshold: np.ndarray,
    check: np.ndarray,
    stats: _AuditStats | None = None,
) -> list[int]:
    """The checked withheld cells of one component failing the protection rule.

    Components up to ``EXACT_LIMIT`` cells get the exact audit (one programme over the
    whole component). Larger ones are settled locally first: for each checked cell, only the
    withheld cells within a few relations of it move, everything else stays at the feasible
    ``counts`` (true counts, latent years completed). Every point such a small programme finds
    is feasible for the whole component, so a cell it shows protected is protected (a cheap
    sufficient condition). A cell no neighbourhood settles is reported as failing, which is
    conservative: more is withheld than an exact audit might need.
    """
    stats = _AuditStats() if stats is None else stats
    if len(component) <= EXACT_LIMIT:
        return _exact_unprotected_in(
            component, relations, n_equal, index, counts, threshold, check, stats
        )
    inside = set(component)
    seen_lo = counts.copy()
    seen_hi = counts.copy()
    out: list[int] = []
    whole: _ComponentLP | None = None
    pos: dict[int, int] = {}
    for c in component:
        if not check[c]:
            continue
        if _protected(seen_lo[c], seen_hi[c], threshold[c]):
            stats.settled_local += 1
            continue
        stats.lp_counts += 1
        settled = False
        for radius, limit in _LOCAL_STEPS:
            local = _neighbourhood(c, inside, relations, index, radius, limit)
            system = _system(local, relations, index, counts, n_equal)
            if system is None:
                settled = True
                break
            lp = _ComponentLP(*system, [(0.0, np.inf)] * len(local))
            j = local.index(c)
            objective = np.zeros(len(local))
            objective[j] = 1.0
            for sign in (-1.0, 1.0):
                x = _extreme(lp, sign * objective, row=c)
                if x is None:
                    if sign < 0:
                        seen_hi[c] = np.inf
                    else:
                        seen_lo[c] = -np.inf
                    continue
                np.minimum.at(seen_lo, local, x)
                np.maximum.at(seen_hi, local, x)
            stats.lp_solves += lp.solves
            if _protected(seen_lo[c], seen_hi[c], threshold[c]):
                settled = True
                break
        if settled:
            stats.settled_local += 1
            continue
        # No neighbourhood settles it: the exact range over the whole component (one model,
        # built once, warm-started). Local audits hold everything else still, which can pin
        # a count that is free; treating it as failing withheld more every round without
        # ever settling it (a cell whose neighbours are all withheld is protected).
        if whole is None:
            system = _system(component, relations, index, counts, n_equal)
            assert system is not None  # the local programmes found relations
            whole = _ComponentLP(*system, [(0.0, np.inf)] * len(component))
            pos = {cell: j for j, cell in enumerate(component)}
        j = pos[c]
        objective = np.zeros(len(component))
        objective[j] = 1.0
        for sign in (-1.0, 1.0):
            x = _extreme(whole, sign * objective, row=c)
            if x is None:
                if sign < 0:
                    seen_hi[c] = np.inf
                else:
                    seen_lo[c] = -np.inf
            else:
                np.minimum.at(seen_lo, component, x)
                np.maximum.at(seen_hi, component, x)
            if _protected(seen_lo[c], seen_hi[c], threshold[c]):
                break
            if sign < 0 and np.floor(seen_hi[c] + 1e-6) < threshold[c]:
                break
        if _protected(seen_lo[c], seen_hi[c], threshold[c]):
            stats.settled_by_lp += 1
        else:
            stats.exposed += 1
            out.append(c)
    if whole is not None:
        stats.lp_solves += whole.solves
    return out


def _neighbourhood(
    c: int,
    inside: set[int],
    relations: list[Relation],
    index: list[list[int]],
    radius: int,
    limit: int,
) -> list[int]:
    """Withheld cells of the component within ``radius`` relations of ``c`` (breadth first,
    at most ``limit``), ``c`` first."""
    order = [c]
    seen = {c}
    frontier = [c]
    for _ in range(radius):
        nxt: list[int] = []
        for cell in frontier:
            for r in index[cell]:
                total, members = relations[r]
                for other in (total, *members):
                    if other in inside and other not in seen:
                        seen.add(other)
                        order.append(other)
                        nxt.append(other)
                        if len(order) >= limit:
                            return order
        frontier = nxt
    return order


def _exact_unprotected_in(
    component: list[int],
    relations: list[Relation],
    n_equal: int,
    index: list[list[int]],
    counts: np.ndarray,
    threshold: np.ndarray,
    check: np.ndarray,
    stats: _AuditStats | None = None,
) -> list[int]:
    """The withheld cells of one component whose feasible range fails the protection rule
    (only those where ``check`` is True: the small ones; ``threshold`` is per cell).

    The true counts are a feasible point and every LP solution is another; once the feasible
    points seen so far meet the rule for a cell, its exact range does too, so its own LPs are
    skipped (the cheap sufficient condition that settles most cells). Latent cells (yearly
    counts of rolling periods, never published; ``counts`` NaN) get their values from a
    first feasible solve. Each count's greatest value comes with a dual certificate
    (:meth:`_ComponentLP.dual_bounds`) that bounds other cells too: a count it keeps below
    its threshold fails without a programme of its own (the same verdict, cheaper).
    """
    stats = _AuditStats() if stats is None else stats
    system = _system(component, relations, index, counts, n_equal)
    if system is None:  # nothing published constrains it: 0 … ∞
        stats.settled_cheap += int(check[component].sum())
        return []
    bounds = [(0.0, np.inf)] * len(component)
    # only the checked counts are ever weighed by an objective (the latent cells' first
    # solve wants any completion), so the presolve may project the other cells out: their
    # values come back NaN, and the running ranges ignore them (fmin, fmax)
    lp = _ComponentLP(*system, bounds, support=check[component])
    true = np.array([counts[c] for c in component], dtype=float)
    latent = np.isnan(true)
    if latent.any():
        x0 = lp.minimise(np.where(latent, 1.0, 0.0))
        if isinstance(x0, str):
            raise InputError(f"disclosure audit: the solver failed ({x0}) on rolling periods")
        seen_lo, seen_hi = (
            np.where(latent, x0, np.fmin(true, x0)),
            np.where(latent, x0, np.fmax(true, x0)),
        )
        base = np.where(latent, x0, np.fmax(true, x0))
    else:
        seen_lo, seen_hi, base = true.copy(), true.copy(), true
    need = threshold[component].astype(float)
    skip = ~check[component]  # cells not checked count as settled
    seen_lo[skip], seen_hi[skip] = -np.inf, np.inf
    # Cheap first: push every unsettled cell up at once, then down (within a cap, so that
    # the programme stays bounded); a few such solves settle most of a component.
    lp.cap(np.fmax(base, 0.0) + 2 * need)
    unsettled = len(component) + 1
    for _ in range(_BATCH_ROUNDS):
        todo = [j for j in range(len(component)) if not _protected(seen_lo[j], seen_hi[j], need[j])]
        if not todo or len(todo) >= unsettled:
            break
        unsettled = len(todo)
        for sign in (-1.0, 1.0):
            objective = np.zeros(len(component))
            objective[todo] = sign
            x = lp.minimise(objective)
            if isinstance(x, str):
                break
            np.fmin(seen_lo, x, out=seen_lo)
            np.fmax(seen_hi, x, out=seen_hi)
    lp.cap(None)
    cheap = int(sum(_protected(seen_lo[j], seen_hi[j], need[j]) for j in np.flatnonzero(~skip)))
    stats.settled_cheap += cheap
    out: list[int] = []
    certified = np.full(len(component), np.inf)  # upper bounds from dual solutions
    for j, c in enumerate(component):
        if _protected(seen_lo[j], seen_hi[j], need[j]):
            continue
        stats.lp_counts += 1
        if np.floor(certified[j] + 1e-6) < need[j]:
            out.append(c)  # another count's certificate keeps it below the threshold
            stats.exposed_by_dual += 1
            continue
        objective = np.zeros(len(component))
        objective[j] = 1.0
        for sign in (-1.0, 1.0):  # the greatest value first: it settles most cells
            point = _extreme(lp, sign * objective, row=c)
            if point is None:
                if sign < 0:  # no upper limit: every larger count is possible
                    seen_hi[j] = np.inf
                else:
                    seen_lo[j] = -np.inf
            else:
                np.fmin(seen_lo, point, out=seen_lo)
                np.fmax(seen_hi, point, out=seen_hi)
                if sign < 0 and (bound := lp.dual_bounds()) is not None:
                    np.minimum(certified, bound, out=certified)
            if _protected(seen_lo[j], seen_hi[j], need[j]):
                break
            if sign < 0 and np.floor(seen_hi[j] + 1e-6) < need[j]:
                out.append(c)  # its greatest value is below the threshold: no least needed
                break
        else:
            out.append(c)
    stats.lp_solves += lp.solves
    stats.exposed += len(out)
    stats.settled_by_lp += int((~skip).sum()) - cheap - len(out)
    return out


def _recheck_unprotected_in(
    component: list[int],
    relations: list[Relation],
    n_equal: int,
    index: list[list[int]],
    counts: np.ndarray,
    threshold: np.ndarray,
    check: np.ndarray,
    stats: _AuditStats | None = None,
) -> list[int]:
    """:func:`_exact_unprotected_in` on a large system (the rolling-period recheck: every
    withheld cell and latent atom free), with the same verdicts, cheaper: a sandwich around
    each checked count settles it where it can (ADR 0611, "The recheck's sandwich").

    1. A *relaxation* (:func:`_relaxed_exposed`) at ``_RELAX_STEPS``: a range that fails the
       rule there fails in the whole model. Most counts reaching the recheck are exposed.
    2. When at most ``_HOLD_LIMIT`` counts are left, a *restriction*
       (:func:`_restricted_protected`) at ``_HOLD_STEPS``: a range that passes there passes
       in the whole model. (Each costs about as much as one count's own programme in the
       whole model, so it only pays when it spares that programme's cold first solve.)
    3. The counts neither settles: the exact programme, one per connected part of the system
       holding such a count.
    """
    stats = _AuditStats() if stats is None else stats
    if len(component) <= EXACT_LIMIT:  # one programme is cheap enough (README input: 1.8 s)
        return _exact_unprotected_in(
            component, relations, n_equal, index, counts, threshold, check, stats
        )
    free = set(component)
    out: list[int] = []
    open_: list[int] = []
    for c in component:
        if not check[c]:
            continue
        for radius, limit in _RELAX_STEPS:
            local = _neighbourhood(c, free, relations, index, radius, limit)
            if _relaxed_exposed(c, local, free, relations, n_equal, index, counts, threshold[c]):
                out.append(c)
                break
        else:
            open_.append(c)
    stats.exposed += len(out)
    stats.exposed_relaxed += len(out)
    if 0 < len(open_) <= _HOLD_LIMIT:
        left: list[int] = []
        for c in open_:
            for radius, limit in _HOLD_STEPS:
                local = _neighbourhood(c, free, relations, index, radius, limit)
                if _restricted_protected(c, local, relations, n_equal, index, counts, threshold[c]):
                    stats.settled_local += 1
                    break
            else:
                left.append(c)
        open_ = left
    if open_:
        rest = np.zeros(check.size, dtype=bool)
        rest[open_] = True
        for part in _components(np.asarray(component), relations):
            if rest[part].any():
                out += _exact_unprotected_in(
                    part, relations, n_equal, index, counts, threshold, rest, stats
                )
    # in cell order, as the whole programme reports them: partners are picked in this order
    return sorted(out)


def _relaxed_exposed(
    c: int,
    local: list[int],
    free: set[int],
    relations: list[Relation],
    n_equal: int,
    index: list[list[int]],
    counts: np.ndarray,
    threshold: float,
) -> bool:
    """Whether count ``c`` is shown exposed by a *relaxation* of the model over the ``free``
    cells around it: only the relations whose free cells all lie in ``local`` (``c`` first),
    every other relation dropped. Every feasible point of the whole model satisfies them, so
    the relaxation's range holds the exact one, and a range failing the rule there fails in
    the whole model (``_protected`` is monotone in the range). False means "not shown"."""
    inner = set(local)
    rel_ids = [
        r
        for r in sorted({r for x in local for r in index[x]})
        if all(x in inner or x not in free for x in (relations[r][0], *relations[r][1]))
    ]
    system = _system(local, relations, index, counts, n_equal, rel_ids) if rel_ids else None
    if system is None:
        return False
    # small programmes: the presolve would cost more than it saves
    lp = _ComponentLP(*system, [(0.0, np.inf)] * len(local), reduce=False)
    objective = np.zeros(len(local))
    objective[0] = 1.0
    # a solver failure shows nothing here: the exact programme then decides (and reports it)
    top = lp.minimise(-objective)
    if isinstance(top, str):
        return False
    hi = float(top[0])
    if np.floor(hi + 1e-6) < threshold:
        return True
    bottom = lp.minimise(objective)
    return not isinstance(bottom, str) and not _protected(float(bottom[0]), hi, threshold)


def _restricted_protected(
    c: int,
    local: list[int],
    relations: list[Relation],
    n_equal: int,
    index: list[list[int]],
    counts: np.ndarray,
    threshold: float,
) -> bool:
    """Whether count ``c`` is shown protected by a *restriction* of the model: the ``local``
    cells (``c`` first) free, every other cell held at ``counts`` (a feasible point of the
    whole model: true counts, latent cells completed). Every point it finds is feasible for
    the whole model, so its range lies inside the exact one, and a range passing the rule
    there passes in the whole model. False means "not shown" (also when a held cell has no
    value)."""
    system = _system(local, relations, index, counts, n_equal)
    if system is None:
        return True  # nothing published constrains it: 0 … ∞
    if not np.isfinite(system[1]).all():
        return False
    support = np.zeros(len(local), dtype=bool)
    support[0] = True
    lp = _ComponentLP(*system, [(0.0, np.inf)] * len(local), support=support)
    objective = np.zeros(len(local))
    objective[0] = 1.0
    top = lp.minimise(-objective)
    if isinstance(top, str) and top != "unbounded":
        return False  # a solver failure shows nothing: the exact programme decides
    hi = np.inf if isinstance(top, str) else float(top[0])
    if np.floor(hi + 1e-6) < threshold:
        return False
    bottom = lp.minimise(objective)
    if isinstance(bottom, str):
        return False
    lo = float(bottom[0])
    return _protected(min(lo, float(counts[c])), max(hi, float(counts[c])), threshold)


def _determined(
    component: list[int], relations: list[Relation], n_equal: int, index: list[list[int]]
) -> list[int]:
    """Withheld cells fixed by the published totals alone (zero rows of the null space of
    the equations)."""
    system = _system(component, relations, index, np.zeros(0), n_equal)
    if system is None:
        return []
    a = system[0].toarray()[np.isfinite(system[2])]
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
    periods: bool = False,
) -> tuple[pa.Table, DisclosureReport]:
    """Apply primary and secondary suppression to one indicator's values, audited.

    ``values`` is in the canonical value shape; ``parents`` maps child area codes to their
    parent (borough → ICB, ICB → region). ``progress(done, total)`` is told how many
    components of withheld cells each audit round has settled. Returns the protected table
    and a report. Several indicators published side by side: :func:`protect_many`.
    """
    return protect_many([(values, rule)], parents=parents, progress=progress, periods=periods)[0]


def _series_keys(values: pa.Table) -> list[tuple[Any, ...]]:
    """Each row's series: (area, sex, breakdown type, breakdown category), the cell a
    published period is one value of."""
    return list(
        zip(
            *(values[k].to_pylist() for k in ("area_code", "sex", "breakdown_type")),
            values["breakdown_category"].to_pylist(),
            strict=True,
        )
    )


def _years(values: pa.Table) -> list[tuple[int, int]]:
    """Each row's first and last calendar year."""
    starts = values["period_start"].to_pylist()
    ends = values["period_end"].to_pylist()
    return [(int(a.year), int(b.year)) for a, b in zip(starts, ends, strict=True)]


def rolling_relations(values: pa.Table, first_latent: int) -> tuple[list[Relation], int]:
    """Overlapping periods as sums of latent yearly counts: for every series (area, sex,
    breakdown category) published for two or more periods that share years, each period's
    count = Σ its years' counts (unknowns ≥ 0 of their own, numbered from ``first_latent``).
    An attacker knows this; it ties 2017 - 19 to 2016 - 18 and 2018 - 20 (e.g. 2017 - 19 ≤
    2016 - 18 + 2018 - 20). Returns the relations and the next free cell number."""
    if values.num_rows == 0 or "period_start" not in values.column_names:
        return [], first_latent
    years = _years(values)
    series: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, key in enumerate(_series_keys(values)):
        series[key].append(i)
    out: list[Relation] = []
    nxt = first_latent
    for rows in series.values():
        spans = [years[i] for i in rows]
        if len(rows) < 2 or len(set(spans)) < len(spans):
            continue
        covered = sorted({y for a, b in spans for y in range(a, b + 1)})
        if len(covered) == sum(b - a + 1 for a, b in spans):
            continue  # no two periods share a year: nothing ties them
        ids = {y: nxt + k for k, y in enumerate(covered)}
        nxt += len(ids)
        for i, (a, b) in zip(rows, spans, strict=True):
            out.append((i, tuple(ids[y] for y in range(a, b + 1))))
    return out, nxt


def _period_facets(spans: tuple[tuple[int, int], ...]) -> list[tuple[int, ...]] | None:
    """What periods sharing years imply about their counts alone: the facets ``h · P ≥ 0`` of
    the cone ``{M y : y ≥ 0}`` (``M`` the period × year incidence), i.e. exactly the
    conditions under which whole-year counts ≥ 0 summing to the periods' counts exist
    (Farkas). Only facets that are not already implied by ``P ≥ 0`` are returned, each with
    coefficients in −1, 0, 1; None when some facet has others or ``M`` lacks full row rank
    (then the latent years themselves are used). Two 3-year windows over 4 years give none
    (any two counts ≥ 0 are consistent); three over 5 give ``P2 ≤ P1 + P3``."""
    from itertools import combinations

    years = sorted({y for a, b in spans for y in range(a, b + 1)})
    m = np.array([[1.0 if a <= y <= b else 0.0 for y in years] for a, b in spans])
    k = m.shape[0]
    if np.linalg.matrix_rank(m) < k:
        return None
    gens = np.unique(m.T, axis=0)  # distinct year columns generate the cone
    facets: set[tuple[int, ...]] = set()
    for subset in combinations(range(len(gens)), k - 1):
        g = gens[list(subset)]
        if k > 1 and np.linalg.matrix_rank(g) < k - 1:
            continue
        _, _, vt = np.linalg.svd(g if k > 1 else np.zeros((1, 1)), full_matrices=True)
        h = vt[-1]
        side = gens @ h
        if (side < -1e-9).any() and (side > 1e-9).any():
            continue
        if (side < -1e-9).any():
            h = -h
        h = h / np.abs(h[np.abs(h) > 1e-9]).min()
        r = np.round(h)
        if np.abs(h - r).max() > 1e-9 or np.abs(r).max() > 1:
            return None
        if (r >= 0).all():
            continue  # implied by counts ≥ 0
        facets.add(tuple(int(x) for x in r))
    return sorted(facets)


def rolling_bounds(
    values: pa.Table, first_latent: int
) -> tuple[list[Relation], list[Relation], int]:
    """(No longer used by :func:`protect_many`, which uses :func:`rolling_atoms`: these
    facets are only the cell-by-cell part of what yearly tables with relations imply.)
    What :func:`rolling_relations` tells about the published periods, without the latent
    years: per series, the facets of :func:`_period_facets`, each ``Σ minus ≤ Σ plus`` as
    ``u = Σ plus`` (one latent cell, an equation) and ``Σ minus ≤ u`` (an inequality); a
    facet with one plus cell needs no latent. The same feasible set for the published counts
    as every series' latent years (exact projection), with far fewer unknowns: three 3-year
    windows give one relation per series instead of five years. Patterns without such facets
    fall back to the latent years. Returns (equations, inequalities, next free cell)."""
    if values.num_rows == 0 or "period_start" not in values.column_names:
        return [], [], first_latent
    years = _years(values)
    series: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, key in enumerate(_series_keys(values)):
        series[key].append(i)
    equal: list[Relation] = []
    at_most: list[Relation] = []
    nxt = first_latent
    facets_of: dict[tuple[tuple[int, int], ...], list[tuple[int, ...]] | None] = {}
    for rows in series.values():
        rows = sorted(rows, key=lambda i: years[i])
        spans = tuple(years[i] for i in rows)
        if len(rows) < 2 or len(set(spans)) < len(spans):
            continue
        if sum(b - a + 1 for a, b in spans) == len({y for a, b in spans for y in range(a, b + 1)}):
            continue  # no two periods share a year: nothing ties them
        if spans not in facets_of:
            facets_of[spans] = _period_facets(spans)
        facets = facets_of[spans]
        if facets is None:  # the latent years themselves
            ids: dict[int, int] = {}
            for a, b in spans:
                for y in range(a, b + 1):
                    if y not in ids:
                        ids[y] = nxt
                        nxt += 1
            for i, (a, b) in zip(rows, spans, strict=True):
                equal.append((i, tuple(ids[y] for y in range(a, b + 1))))
            continue
        for h in facets:
            plus = [rows[j] for j, x in enumerate(h) if x > 0]
            minus = tuple(rows[j] for j, x in enumerate(h) if x < 0)
            if len(plus) == 1:
                at_most.append((plus[0], minus))
                continue
            equal.append((nxt, tuple(plus)))
            at_most.append((nxt, minus))
            nxt += 1
    return equal, at_most, nxt


def _window_atoms(
    spans: tuple[tuple[int, int], ...],
) -> tuple[list[tuple[int, ...]], list[int]] | None:
    """The latent tables overlapping periods need, exactly: per *atom*, the windows it
    counts in, and which atoms are free (the others follow from the periods and them).

    Years in the same windows merge into one atom (a sum of tables of a convex cone ``C`` is
    in ``C``, and one table of ``C`` is a year of it with the others zero). An atom whose
    windows are a non-negative combination of other atoms' is not needed: its table can be
    shared out among those atoms. What remains are the extreme rays of the cone of year
    columns; e.g. three 3-year windows over five years (windows 0, 1, 2) leave
    ``{0}, {0, 1}, {1, 2}, {2}`` (``{0, 1, 2}`` = ``{0, 1}`` + ``{2}``), of which one is free.
    None when every window is an atom of its own (e.g. two 3-year windows over four years):
    then the periods are independent and each period's own relations say everything.
    """
    from scipy.optimize import nnls

    k = len(spans)
    years = sorted({y for a, b in spans for y in range(a, b + 1)})
    cols = sorted({tuple(int(a <= y <= b) for a, b in spans) for y in years})
    gens = np.array(cols, dtype=float)
    keep = []
    for i in range(len(cols)):
        others = np.delete(gens, i, axis=0)
        if others.shape[0] == 0 or nnls(others.T, gens[i])[1] > 1e-9:
            keep.append(i)
    atoms = [cols[i] for i in keep]
    if len(atoms) == k and all(sum(c) == 1 for c in atoms):
        return None
    basis: list[int] = []
    for j in range(len(atoms)):
        if np.linalg.matrix_rank(gens[[keep[x] for x in [*basis, j]]]) > len(basis):
            basis.append(j)
    free = [j for j in range(len(atoms)) if j not in basis]
    return [tuple(w for w in range(k) if c[w]) for c in atoms], free


def rolling_atoms(
    series: Sequence[tuple[Any, ...] | None],
    spans: Sequence[tuple[int, int] | None],
    equal: list[Relation],
    at_most: list[Relation],
    first_latent: int,
) -> tuple[list[Relation], list[Relation], int, list[tuple[list[int], list[int]]], list[int]]:
    """Overlapping periods as an attacker sees them: every single year obeys the relations
    the periods obey, and each period is the sum of its years (ADR 0611, 2026-12-07 later).

    ``series[i]`` names cell ``i``'s series (the same count for another period; None: not
    tied) and ``spans[i]`` its first and last year; ``equal`` / ``at_most`` are the
    relations among the periods' cells (equations, and Σ members ≤ total). A relation shape
    (its total's and members' series) found in every period of a pattern becomes a relation
    of the latent tables: an equation on the free atoms when it is one in every period (the
    other atoms then obey it too: they are the periods minus free atoms), Σ ≤ total on every
    atom otherwise; atoms are ≥ 0. Each period's cell = Σ its atoms (:func:`_window_atoms`).
    The same feasible set for the published periods as latent yearly tables with every
    relation per year, with fewer unknowns (three windows: four atoms, one free, instead of
    five years). Returns (equations, inequalities, next free cell, per series (its periods'
    cells, its atoms), the free atoms).
    """
    by_series: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, key in enumerate(series):
        if key is not None and spans[i] is not None:
            by_series[key].append(i)
    atoms_of: dict[tuple[tuple[int, int], ...], tuple[list[tuple[int, ...]], list[int]] | None]
    atoms_of = {}
    pattern: dict[tuple[Any, ...], tuple[tuple[int, int], ...]] = {}
    window: dict[int, int] = {}  # cell → its period's place in its series
    ids: dict[tuple[Any, ...], list[int]] = {}
    links: list[Relation] = []
    groups: list[tuple[list[int], list[int]]] = []
    free_cells: list[int] = []
    nxt = first_latent
    for key, rows in by_series.items():
        rows.sort(key=lambda i: spans[i] or (0, 0))
        shape = tuple(spans[i] or (0, 0) for i in rows)
        if len(set(shape)) < len(shape):
            continue
        if sum(b - a + 1 for a, b in shape) == len({y for a, b in shape for y in range(a, b + 1)}):
            continue  # no two periods share a year: nothing ties them
        if shape not in atoms_of:
            atoms_of[shape] = _window_atoms(shape)
        found = atoms_of[shape]
        if found is None:
            continue
        atoms, free_j = found
        pattern[key] = shape
        ids[key] = list(range(nxt, nxt + len(atoms)))
        nxt += len(atoms)
        for w, i in enumerate(rows):
            window[i] = w
            links.append((i, tuple(ids[key][j] for j, ws in enumerate(atoms) if w in ws)))
        groups.append((rows, ids[key]))
        free_cells += [ids[key][j] for j in free_j]
    # relation shapes, and in which windows they hold as equations (True) or bounds (False)
    shapes: dict[tuple[Any, ...], dict[int, bool]] = defaultdict(dict)
    for exact, rels in ((True, equal), (False, at_most)):
        for t, ms in rels:
            keys = [series[c] if c < len(series) else None for c in (t, *ms)]
            if any(k is None or k not in pattern for k in keys):
                continue
            shape = pattern[keys[0]]  # type: ignore[index]
            if any(pattern[k] != shape for k in keys) or t not in window:  # type: ignore[index]
                continue
            w = window[t]
            if any(window.get(m) != w for m in ms):
                continue
            sig = (keys[0], tuple(sorted(keys[1:])))  # type: ignore[type-var]
            shapes[sig][w] = shapes[sig].get(w, True) and exact
    eqs: list[Relation] = list(links)
    les: list[Relation] = []
    for (total, members), seen in shapes.items():
        shape = pattern[total]
        found = atoms_of[shape]
        assert found is not None
        atoms, free = found
        if len(seen) < len(shape):
            continue  # not a relation of every period: not assumed of the years
        exact = all(seen.values())
        for j in free if exact else range(len(atoms)):
            rel = (ids[total][j], tuple(ids[m][j] for m in members))
            (eqs if exact else les).append(rel)
    return eqs, les, nxt, groups, free_cells


def _complete_latent(
    latent: list[int],
    relations: list[Relation],
    n_equal: int,
    values: np.ndarray,
    free: list[int],
) -> np.ndarray:
    """A feasible value for every latent cell given the true counts (``values``, latent NaN):
    the midpoint of the least and the greatest total of the free atoms (a point inside the
    feasible set rather than at a vertex, so that latent cells held at it while their series
    is published leave their neighbours room)."""
    index = _relations_of(relations, values.size)
    system = _system(latent, relations, index, values, n_equal)
    assert system is not None  # every latent cell is tied to a period
    lp = _ComponentLP(*system, [(0.0, np.inf)] * len(latent))
    objective = np.isin(latent, free).astype(float)
    ends = []
    for sign in (1.0, -1.0):
        x = lp.minimise(sign * objective)
        if isinstance(x, str):
            raise InputError(
                f"disclosure control: the solver failed ({x}) on overlapping periods; the "
                "periods' counts may not be sums of years obeying their relations"
            )
        ends.append(np.maximum(x, 0.0))
    return np.asarray((ends[0] + ends[1]) / 2.0)


def subset_relations(
    smaller: pa.Table, larger: pa.Table, offset_smaller: int, offset_larger: int
) -> list[Relation]:
    """Subset indicators: every event ``smaller`` counts is one ``larger`` counts (e.g.
    suicides among all deaths), so each of its counts is at most ``larger``'s count for the
    same area, period, sex and breakdown category (Σ members ≤ total relations)."""
    key = _KEY
    big = {tuple(r[k] for k in key): i for i, r in enumerate(larger.select(list(key)).to_pylist())}
    out: list[Relation] = []
    for i, r in enumerate(smaller.select(list(key)).to_pylist()):
        j = big.get(tuple(r[k] for k in key))
        if j is not None:
            out.append((j + offset_larger, (i + offset_smaller,)))
    return out


def protect_many(
    blocks: Sequence[tuple[pa.Table, DisclosureRule]],
    *,
    parents: Mapping[str, str],
    subsets: Sequence[tuple[int, int]] = (),
    progress: Callable[[int, int], None] | None = None,
    periods: bool = False,
    consistent: bool | None = None,
) -> list[tuple[pa.Table, DisclosureReport]]:
    """Protect several indicators' values together, as an attacker sees them side by side.

    ``blocks`` are (values, rule) per indicator; ``subsets`` holds (i, j) when every event
    block ``i`` counts is one block ``j`` counts (each count of ``i`` ≤ the same cell of
    ``j``). With ``periods``, overlapping periods within a block are tied exactly as by
    yearly tables obeying every relation (:func:`rolling_atoms`): a series' atoms move once
    one of its periods is withheld (others held at a feasible completion), and a count failing
    so is audited again with every latent cell free (:func:`_recheck_unprotected_in`); on in
    ``compute`` by default, off with ``--per-period-disclosure`` (ADR 0611).
    ``consistent`` (default: ``periods``): consistent suppression, the usual defence against
    differencing overlapping periods — a series withheld in one of its tied periods is
    withheld in all of them (and gets partners as any withheld cell does); the exact audit
    still decides what is protected. Returns each block's protected table and report.
    """
    sizes = [v.num_rows for v, _ in blocks]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    n = int(offsets[-1])
    if n == 0:
        return [(v, DisclosureReport(0, 0, 0, 0, 0)) for v, _ in blocks]
    parts = []
    for v, _ in blocks:
        c = v["count"].to_numpy(zero_copy_only=False).astype(float)
        if np.isnan(c).any():
            raise InputError("disclosure control needs a count on every row", column="count")
        parts.append(c)
    real_counts = np.concatenate(parts)
    thr_real = np.concatenate(
        [np.full(k, float(rule.min_count)) for k, (_, rule) in zip(sizes, blocks, strict=True)]
    )
    low_real = np.concatenate(
        [
            np.full(k, 0.0 if rule.suppress_zero else 1.0)
            for k, (_, rule) in zip(sizes, blocks, strict=True)
        ]
    )

    def small(v: np.ndarray) -> np.ndarray:
        return (v >= low_real) & (v < thr_real)

    candidates_of = [
        [
            (t + int(offsets[b]), tuple(m + int(offsets[b]) for m in ms))
            for t, ms in additive_relations(v, parents=parents)
        ]
        for b, (v, _) in enumerate(blocks)
    ]
    in_block = [np.zeros(n, dtype=bool) for _ in blocks]
    for b in range(len(blocks)):
        in_block[b][offsets[b] : offsets[b + 1]] = True
    # Confidential vectors, each with its own system: the counts of every block together
    # (subset indicators tie blocks); per block, the denominators when confidential and, for
    # an event-count denominator, the complement (denominator − count).
    specs: list[tuple[np.ndarray, np.ndarray, list[Relation], list[Relation], list[int]]] = []
    count_candidates = [r for rels in candidates_of for r in rels]
    count_at_most = [
        r
        for i, j in subsets
        for r in subset_relations(blocks[i][0], blocks[j][0], int(offsets[i]), int(offsets[j]))
    ]
    specs.append(
        (real_counts, small(real_counts), count_candidates, count_at_most, list(range(len(blocks))))
    )
    for b, (v, rule) in enumerate(blocks):
        if not (rule.protects_denominator and "denominator" in v.column_names):
            continue
        den = np.zeros(n)
        d = v["denominator"].to_numpy(zero_copy_only=False).astype(float)
        known = np.zeros(n, dtype=bool)
        known[offsets[b] : offsets[b + 1]] = ~np.isnan(d)
        den[offsets[b] : offsets[b + 1]] = np.where(np.isnan(d), 0.0, d)
        specs.append((den, known & small(den), candidates_of[b], [], [b]))
        if rule.event_denominator:
            rest = np.where(known, den - real_counts, 0.0)
            specs.append((rest, known & small(rest), candidates_of[b], [], [b]))
    primary = np.zeros(n, dtype=bool)
    for _, mask, _, _, _ in specs:
        primary |= mask
    # Overlapping periods: latent atom tables per system (cells numbered from n on), see
    # :func:`rolling_atoms`; a series' atoms move only once one of its periods is withheld.
    series_key: list[tuple[Any, ...] | None] = [None] * n
    spans: list[tuple[int, int] | None] = [None] * n
    if periods:
        for b, (v, _) in enumerate(blocks):
            if v.num_rows == 0 or "period_start" not in v.column_names:
                continue
            for i, (key, span) in enumerate(zip(_series_keys(v), _years(v), strict=True)):
                series_key[int(offsets[b]) + i] = (b, *key[:3], str(key[3] or ""))
                spans[int(offsets[b]) + i] = span
    systems: list[tuple[np.ndarray, list[Relation], int, np.ndarray]] = []
    nxt = n
    built: list[tuple[np.ndarray, list[Relation], int, list[tuple[list[int], list[int]]]]] = []
    owned: list[np.ndarray] = []  # per system, the real cells it holds
    latent_of: list[list[int]] = []  # per system, its latent cells
    for vec, _, cands, at_most, owners in specs:
        equal, short = _classify(cands, vec)
        mine = np.zeros(n, dtype=bool)
        for b in owners:
            mine |= in_block[b]
        keys_v = [k if mine[i] else None for i, k in enumerate(series_key)]
        latent_eq, latent_le, nxt_v, groups, free = rolling_atoms(
            keys_v, spans, equal, [*short, *at_most], nxt
        )
        rels = [*equal, *latent_eq, *short, *latent_le, *at_most]
        full = np.full(nxt_v, np.nan)
        full[:n] = vec
        if nxt_v > nxt:
            full[nxt:nxt_v] = _complete_latent(
                list(range(nxt, nxt_v)), rels, len(equal) + len(latent_eq), full, free
            )
        owned.append(mine)
        latent_of.append(list(range(nxt, nxt_v)))
        nxt = nxt_v
        built.append((full, rels, len(equal) + len(latent_eq), groups))
    total_cells = nxt
    suppressed = np.zeros(total_cells, dtype=bool)
    suppressed[:n] = primary
    counts = np.full(total_cells, np.nan)
    counts[:n] = real_counts
    threshold = np.full(total_cells, np.inf)
    threshold[:n] = thr_real
    indexes: list[list[list[int]]] = []
    masks: list[np.ndarray] = []
    group_real: list[int] = []  # (real cell, group) pairs and (latent cell, group) pairs
    group_of_real: list[int] = []
    group_latent: list[int] = []
    group_of_latent: list[int] = []
    n_groups = 0
    for (part, rels, n_equal, groups), (_, mask, _, _, _) in zip(built, specs, strict=True):
        full = np.full(total_cells, np.nan)
        full[: part.size] = part
        systems.append((full, rels, n_equal, np.zeros(0)))
        indexes.append(_relations_of(rels, total_cells))
        m = np.zeros(total_cells, dtype=bool)
        m[:n] = mask
        masks.append(m)
        for real, latent in groups:
            group_real += real
            group_of_real += [n_groups] * len(real)
            group_latent += latent
            group_of_latent += [n_groups] * len(latent)
            n_groups += 1
    g_real, g_of_real = np.array(group_real, dtype=int), np.array(group_of_real, dtype=int)
    g_latent, g_of_latent = np.array(group_latent, dtype=int), np.array(group_of_latent, dtype=int)

    def series_with(mask: np.ndarray) -> np.ndarray:
        """Per tied series (group), whether ``mask`` holds any of its periods' cells."""
        hit = np.zeros(n_groups, dtype=bool)
        np.logical_or.at(hit, g_of_real, mask[g_real])
        return hit

    def free_latent() -> None:
        """A series' latent atoms move once one of its periods is withheld; until then they
        stay at their feasible completion (a restriction of the attacker's feasible set:
        ranges can only be narrower, so nothing is called protected that is not)."""
        if n_groups == 0:
            return
        suppressed[g_latent] |= series_with(suppressed)[g_of_latent]

    def close_series(cover: np.ndarray | None) -> int:
        """Consistent suppression: a series withheld in one of its tied periods is withheld
        in all of them, and each cell so withheld gets the partners the secondary pass asks
        for (whose series are then withheld too); returns how many cells were withheld."""
        if n_groups == 0 or not use_consistent:
            return 0
        added = 0
        while True:
            fresh = np.unique(g_real[series_with(suppressed)[g_of_real] & ~suppressed[g_real]])
            if fresh.size == 0:
                return added
            suppressed[fresh] = True
            if cover is not None:
                # a copy of a covering cell covers too: it frees the same small count
                cover[g_real[series_with(cover)[g_of_real]]] = True
            added += int(fresh.size)
            added += _secondary_pass(
                equations, suppressed, depth, threshold, new=fresh.tolist(), covering=cover
            )

    # secondary suppression works on each vector's equations among published cells, where
    # they hold a withheld small count of that vector
    equations: list[Equations] = []
    for (vec_full, rels, k, _), m in zip(systems, masks, strict=True):
        eqs = [r for r in rels[:k] if r[0] < n and all(c < n for c in r[1])]
        equations.append((eqs, _relations_of(eqs, total_cells), vec_full, m))
    depth = np.concatenate([_depth(v, parents) for v, _ in blocks] + [np.zeros(total_cells - n)])
    use_consistent = periods if consistent is None else consistent
    secondary = _secondary_pass(equations, suppressed, depth, threshold)
    secondary += close_series(None)
    # cells the audit withholds to free an exposed small count, and their partners
    covering = np.zeros(total_cells, dtype=bool)
    range_audited = np.zeros(total_cells, dtype=bool)
    stats = _AuditStats()
    algebra_audited = np.zeros(total_cells, dtype=bool)
    # A component whose cells are unchanged has unchanged constraints: once clean, it stays so.
    clean: set[tuple[int, frozenset[int]]] = set()
    proven = [np.zeros(total_cells, dtype=bool) for _ in systems]

    def around(cells: list[int]) -> set[int]:
        """Published real cells sharing a relation with ``cells``, looking through latent
        yearly counts to the other periods they make up."""
        out: set[int] = set()
        for v, (_, rels, _, _) in enumerate(systems):
            index = indexes[v]
            for cell in cells:
                for r in index[cell]:
                    for c in (rels[r][0], *rels[r][1]):
                        if c >= n:
                            for r2 in index[c]:
                                out.update(x for x in (rels[r2][0], *rels[r2][1]) if x < n)
                        else:
                            out.add(c)
        return {c for c in out if not suppressed[c]}

    for _ in range(_MAX_ROUNDS):
        secondary += close_series(covering)
        free_latent()
        # exposed small cell → the withheld component it was audited in
        exposed: dict[int, list[int]] = {}
        for v, (vec, rels, n_equal, _) in enumerate(systems):
            index = indexes[v]
            # Withholding more only widens every range (a published cell set free), so a
            # cell once shown protected stays protected: only the others are audited again.
            pending = masks[v] & ~proven[v]
            components = [
                comp
                for comp in _components(np.flatnonzero(suppressed), rels)
                if pending[comp].any()
            ]
            # with latent atoms held still, a failing count is audited again with every
            # latent cell of its system free (the exact model) before it counts as exposed
            recheck: dict[int, list[int]] = {}
            for done, component in enumerate(components):
                if progress is not None and done % 50 == 0:
                    progress(done, len(components))
                key = (v, frozenset(component))
                if key in clean:
                    continue
                held = _AuditStats() if latent_of[v] else stats
                if len(component) <= LP_COMPONENT_LIMIT:
                    range_audited[component] = True
                    found = _unprotected_in(
                        component, rels, n_equal, index, vec, threshold, pending, held
                    )
                else:
                    algebra_audited[component] = True
                    found = _determined(component, rels, n_equal, index)
                # Only a small value's range matters: each range is the exact projection
                # of everything published, so a pinned value that is not small (a zero when
                # zeros are publishable, or a count ≥ min_count) gives away nothing the rule
                # protects, and a small one's range already allows for it.
                found = [c for c in found if masks[v][c]]
                if held is not stats:
                    stats.settled_cheap += held.settled_cheap
                    stats.settled_by_lp += held.settled_by_lp
                    stats.settled_local += held.settled_local
                    stats.lp_counts += held.lp_counts
                    stats.lp_solves += held.lp_solves
                proven[v][component] |= pending[component]
                proven[v][found] = False
                if found and latent_of[v]:
                    for c in found:
                        recheck.setdefault(c, component)
                elif found:
                    for c in found:
                        exposed.setdefault(c, component)
                else:
                    clean.add(key)
            if recheck:
                check = np.zeros(total_cells, dtype=bool)
                check[list(recheck)] = True
                free = sorted(
                    set(np.flatnonzero(suppressed[:n] & owned[v]).tolist()) | set(latent_of[v])
                )
                still = _recheck_unprotected_in(
                    free, rels, n_equal, index, vec, threshold, check, stats
                )
                for c in recheck:
                    proven[v][c] = c not in still
                for c in still:
                    exposed.setdefault(c, recheck[c])
        if not exposed:
            break
        added = False
        widened: dict[int, set[int]] = {}  # per component (by its first cell), this round
        for cell, component in exposed.items():
            near = around([cell])
            if not near:
                # Every neighbour is withheld, yet the count is pinned: neighbours that are
                # recovered by subtraction elsewhere hold it. Give them partners first.
                holders = sorted(
                    {
                        c
                        for eqs, index, _, _ in equations
                        for r in index[cell]
                        for c in (eqs[r][0], *eqs[r][1])
                        if suppressed[c] and not covering[c] and c != cell
                    }
                )
                if holders:
                    covering[holders] = True
                    freed = _secondary_pass(
                        equations, suppressed, depth, threshold, new=holders, covering=covering
                    )
                    if freed:
                        secondary += freed
                        added = True
                        continue
                # widen to everything around the component the audit used
                if component[0] not in widened:
                    widened[component[0]] = around(component)
                near = {c for c in widened[component[0]] if not suppressed[c]}
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
            covering[pick] = True
            secondary += 1
            secondary += _secondary_pass(
                equations, suppressed, depth, threshold, new=[pick], covering=covering
            )
    else:
        raise InputError("disclosure control did not converge", value=_MAX_ROUNDS)
    if progress is not None:
        progress(1, 1)
    out: list[tuple[pa.Table, DisclosureReport]] = []
    n_rels = sum(len(rels) for _, rels, _, _ in systems)
    for b, (v, rule) in enumerate(blocks):
        lo, hi = int(offsets[b]), int(offsets[b + 1])
        sup = suppressed[lo:hi]
        prim = primary[lo:hi]
        algebra = algebra_audited[lo:hi] & sup
        note = WITHHELD_NOTE.format(min_count=rule.min_count)
        out.append(
            (
                _apply(v, sup.copy(), note, denominator=rule.protects_denominator),
                DisclosureReport(
                    primary=int(prim.sum()),
                    secondary=int((sup & ~prim).sum()),
                    relations=n_rels,
                    range_audited=int((range_audited[lo:hi] & sup & ~algebra).sum()),
                    algebra_audited=int(algebra.sum()),
                    settled_cheap=stats.settled_cheap,
                    settled_by_lp=stats.settled_by_lp,
                    settled_local=stats.settled_local,
                    exposed=stats.exposed,
                    lp_counts=stats.lp_counts,
                    lp_solves=stats.lp_solves,
                ),
            )
        )
    return out


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
