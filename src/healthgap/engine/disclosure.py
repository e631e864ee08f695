"""Statistical disclosure control, applied before anything derived from records is published.

1. **Primary suppression**: a count in ``1 … min_count − 1`` (and 0 too when
   ``suppress_zero``) is withheld with its value and limits.
2. **Secondary suppression**: published totals must not give a withheld count away by
   subtraction. The additive relations among published cells are found from the table itself:
   categories of a breakdown sum to the area's total; male + female = persons; child areas sum
   to their parent (boroughs → ICB → London, when every child is present). Any relation with
   exactly one withheld cell gets a second one — the smallest other count in it.
3. **Audit**: a linear programme (HiGHS) finds, for every withheld count, the least and greatest
   value consistent with everything published, with the bounds an attacker knows (a primary
   cell lies in ``1 … min_count − 1``; every count is ≥ 0). A count whose feasible range holds
   fewer than two whole numbers is recoverable; more cells are suppressed until none is.

Every withheld row says why in ``note`` ("primary: count below 5", "secondary: protects …").
Denominators (populations) are not confidential and stay published.

References: ONS (2021) *Statistical disclosure control methods*; Hundepool et al. (2012)
*Statistical Disclosure Control*, Wiley, ch. 4 (cell suppression and its audit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy.optimize import linprog

from healthgap.errors import InputError

__all__ = ["DisclosureReport", "DisclosureRule", "additive_relations", "audit", "protect"]

_KEY = ("area_code", "period_label", "sex", "breakdown_type", "breakdown_category")
_MAX_ROUNDS = 50


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
    primary: int
    secondary: int
    relations: int
    audited: int
    recoverable_after: int


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


def _secondary_pass(
    relations: list[Relation],
    suppressed: np.ndarray,
    counts: np.ndarray,
    why: list[str],
    labels: list[str],
) -> int:
    added = 0
    changed = True
    while changed:
        changed = False
        for total, members in relations:
            cells = (total, *members)
            withheld = [c for c in cells if suppressed[c]]
            if len(withheld) != 1:
                continue
            candidates = [c for c in members if not suppressed[c]] or [total]
            pick = min(candidates, key=lambda c: (counts[c], c))
            suppressed[pick] = True
            why[pick] = f"secondary: protects the withheld count of {labels[withheld[0]]}"
            added += 1
            changed = True
    return added


def audit(
    relations: list[Relation],
    counts: np.ndarray,
    suppressed: np.ndarray,
    *,
    lower_bounds: np.ndarray,
    upper_bounds: np.ndarray,
) -> dict[int, tuple[float, float]]:
    """Feasible range of every withheld count given what is published (LP; HiGHS)."""
    hidden = np.flatnonzero(suppressed)
    if hidden.size == 0:
        return {}
    pos = {int(c): j for j, c in enumerate(hidden)}
    rows, rhs = [], []
    for total, members in relations:
        coeffs = {total: 1.0, **dict.fromkeys(members, -1.0)}
        if not any(c in pos for c in coeffs):
            continue
        row = np.zeros(hidden.size)
        known = 0.0
        for c, a in coeffs.items():
            if c in pos:
                row[pos[c]] += a
            else:
                known += a * counts[c]
        rows.append(row)
        rhs.append(-known)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    bounds = [(float(lower_bounds[c]), float(upper_bounds[c])) for c in hidden]
    ranges: dict[int, tuple[float, float]] = {}
    for j, cell in enumerate(hidden.tolist()):
        c = int(cell)
        objective = np.zeros(hidden.size)
        objective[j] = 1.0
        lo = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        hi = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if lo.status != 0 or hi.status != 0:
            raise InputError(
                "disclosure audit: the published counts are inconsistent with their totals",
                row=c,
            )
        ranges[c] = (float(lo.fun), float(-hi.fun))
    return ranges


def _recoverable(ranges: dict[int, tuple[float, float]]) -> list[int]:
    out = []
    for c, (lo, hi) in ranges.items():
        whole_numbers = np.floor(hi + 1e-7) - np.ceil(lo - 1e-7) + 1
        if whole_numbers < 2:
            out.append(c)
    return out


def protect(
    values: pa.Table, rule: DisclosureRule, *, parents: Mapping[str, str]
) -> tuple[pa.Table, DisclosureReport]:
    """Apply primary and secondary suppression to one indicator's values, audited.

    ``values`` is in the canonical value shape; ``parents`` maps child area codes to their
    parent (borough → ICB, ICB → region). Returns the protected table and a report.
    """
    if values.num_rows == 0:
        return values, DisclosureReport(0, 0, 0, 0, 0)
    counts_arr = values["count"].to_numpy(zero_copy_only=False).astype(float)
    if np.isnan(counts_arr).any():
        raise InputError("disclosure control needs a count on every row", column="count")
    counts = counts_arr
    low = 0 if rule.suppress_zero else 1
    primary = (counts >= low) & (counts < rule.min_count)
    suppressed = primary.copy()
    why = [f"primary: count below {rule.min_count}" if p else "" for p in primary]
    relations = additive_relations(values, parents=parents)
    upper = np.full(len(counts), np.inf)
    lower = np.zeros(len(counts))
    lower[primary] = low
    upper[primary] = rule.min_count - 1
    cols = {k: values[k].to_pylist() for k in _KEY}
    labels = [
        " ".join(str(cols[k][i]) for k in _KEY if cols[k][i] not in ("", "none"))
        for i in range(values.num_rows)
    ]
    secondary = _secondary_pass(relations, suppressed, counts, why, labels)
    audited = 0
    for _ in range(_MAX_ROUNDS):
        ranges = audit(relations, counts, suppressed, lower_bounds=lower, upper_bounds=upper)
        audited = len(ranges)
        exposed = _recoverable(ranges)
        if not exposed:
            break
        cell = exposed[0]
        candidates = sorted(
            {
                c
                for total, members in relations
                if cell in (total, *members)
                for c in (total, *members)
                if not suppressed[c]
            },
            key=lambda c: (counts[c], c),
        )
        if not candidates:
            raise InputError(
                "disclosure control cannot protect this cell: every related cell is withheld",
                row=cell,
            )
        suppressed[candidates[0]] = True
        why[candidates[0]] = f"secondary: protects the withheld count of {labels[cell]}"
        secondary += 1 + _secondary_pass(relations, suppressed, counts, why, labels)
    else:
        raise InputError("disclosure control did not converge", value=_MAX_ROUNDS)
    return _apply(values, suppressed, why), DisclosureReport(
        primary=int(primary.sum()),
        secondary=secondary,
        relations=len(relations),
        audited=audited,
        recoverable_after=0,
    )


def _apply(values: pa.Table, suppressed: np.ndarray, why: list[str]) -> pa.Table:
    mask = pa.array(suppressed)
    out = values
    for name in ("value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl", "count"):
        col = out[name]
        nulled = pa.compute.if_else(mask, pa.scalar(None, col.type), col)
        out = out.set_column(out.schema.get_field_index(name), out.schema.field(name), nulled)
    old_supp = out["suppressed"].to_numpy(zero_copy_only=False)
    out = out.set_column(
        out.schema.get_field_index("suppressed"),
        out.schema.field("suppressed"),
        pa.array(old_supp | suppressed),
    )
    old_note = out["note"].to_pylist()
    note = [w if w else n for w, n in zip(why, old_note, strict=True)]
    return out.set_column(
        out.schema.get_field_index("note"), out.schema.field("note"), pa.array(note, pa.string())
    )
