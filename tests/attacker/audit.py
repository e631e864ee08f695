"""The attack on one release, and the protection rule every withheld count must meet.

Protection rule (a real protection interval, not "two whole numbers"): with threshold ``T``
(the indicator's suppression threshold, counts below it are withheld), the range an attacker
can derive for a withheld count must reach ``T`` (upper bound ≥ T, so it cannot be known to be
small) and be at least ``T`` wide (upper − lower ≥ T).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from .knowledge import Knowledge
from .lp import Range, solve_ranges
from .model import Cell, build_model

__all__ = ["Attack", "Finding", "attack", "meets_rule"]


def meets_rule(r: Range, threshold: int) -> bool:
    """The protection rule: upper bound ≥ threshold and width ≥ threshold."""
    return r.high >= threshold and r.high - r.low >= threshold


@dataclass(frozen=True)
class Finding:
    cell: Cell
    range: Range

    @property
    def recovered(self) -> bool:
        return self.range.exact and self.range.low == self.range.high

    @property
    def protected(self) -> bool:
        return meets_rule(self.range, self.cell.threshold)

    def __str__(self) -> str:
        c = self.cell
        what = "" if c.quantity == "count" else f" ({c.quantity})"
        return (
            f"{c.indicator_id}{what} {c.area_code} {c.period_label} {c.sex} "
            f"{c.breakdown_type}={c.breakdown_category!r}: "
            f"[{self.range.low:g}, {self.range.high:g}] (threshold {c.threshold})"
        )


@dataclass(frozen=True)
class Attack:
    findings: list[Finding]
    skipped_rows: int
    withheld: int  # withheld counts in the release (findings may stop short: ``stop_after``)

    @property
    def recovered(self) -> list[Finding]:
        return [f for f in self.findings if f.recovered]

    @property
    def unprotected(self) -> list[Finding]:
        return [f for f in self.findings if not f.protected]

    def narrow(self, values: int = 4) -> list[Finding]:
        """Withheld counts pinned to at most ``values`` whole numbers."""
        return [f for f in self.findings if f.range.high - f.range.low + 1 <= values]

    def summary(self) -> str:
        by = Counter(f.cell.indicator_id for f in self.unprotected)
        return (
            f"{self.withheld} withheld ({len(self.findings)} attacked); "
            f"{len(self.recovered)} recovered exactly; "
            f"{len(self.narrow())} pinned to ≤ 4 values; {len(self.unprotected)} fail the "
            f"protection rule ({dict(sorted(by.items()))})"
        )


def attack(
    values: pa.Table,
    knowledge: Knowledge,
    *,
    exact: bool = False,
    stop_after: int | None = None,
    targets: Callable[[Cell], bool] | None = None,
    year_relations: bool = True,
) -> Attack:
    """Attack the published ``values`` of one release with what ``knowledge`` holds.

    ``exact``: solve every withheld count's range (otherwise a count seen feasible at values
    far enough apart is not solved further); ``stop_after``: stop after that many failures;
    ``targets``: attack only the withheld counts it accepts (e.g. the truly small ones, when
    a test knows the true counts) — efficiency only: every relation among all counts is
    still used, so a target's range is what a full attack would give it;
    ``year_relations``: see :func:`~.model.build_model`.
    """
    model = build_model(values, knowledge, year_relations=year_relations)
    wanted = None if targets is None else [i for i, c in enumerate(model.cells) if targets(c)]
    ranges = solve_ranges(model, exact=exact, stop_after=stop_after, targets=wanted)
    findings = [Finding(model.cells[i], r) for i, r in sorted(ranges.items())]
    return Attack(findings=findings, skipped_rows=model.skipped_rows, withheld=len(model.cells))
