"""Judging an attack against the true counts (tests only: an outside attacker has no truth).

A release is attacked as published; the true counts come from the same engine run without
disclosure control. A withheld count is *small* when its true value is 1 … T−1 (T: the
indicator's catalogue threshold, as the attacker knows it): those are what the protection
rule protects. ``compute`` publishes zeros (no indicator makes zeros confidential, ADR 0611),
so a withheld zero is not small: like a withheld count of T or more, it is attacked for
information only.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from .audit import Attack, Finding, attack
from .knowledge import Knowledge
from .model import Cell

__all__ = ["KEY", "Judged", "keys", "primary_only"]

#: What identifies a row of a release (the engine writes one row per key).
KEY = (
    "indicator_id",
    "series",
    "area_code",
    "area_type",
    "period_start",
    "period_end",
    "sex",
    "age_band",
    "breakdown_type",
    "breakdown_category",
)


def keys(values: pa.Table) -> list[tuple[object, ...]]:
    """Each row's key (:data:`KEY`)."""
    return list(zip(*(values[k].to_pylist() for k in KEY), strict=True))


class Judged:
    """``published`` attacked with ``knowledge``, judged against the true counts in ``raw``.

    ``small``: the attack on the truly small withheld counts (stopped after ``stop_after``
    failures); ``others``: the attack on every other withheld count (information only);
    ``year_relations``: see :func:`~.model.build_model`.
    """

    def __init__(
        self,
        published: pa.Table,
        raw: pa.Table,
        knowledge: Knowledge,
        *,
        stop_after: int = 25,
        year_relations: bool = True,
    ) -> None:
        truth = dict(
            zip(
                keys(raw),
                zip(raw["count"].to_pylist(), raw["denominator"].to_pylist(), strict=True),
                strict=True,
            )
        )
        assert len(truth) == raw.num_rows  # one row per key
        self.keys = published_keys = keys(published)
        # the two runs line up row for row: every published count is the true one
        counts = published["count"].to_pylist()
        base = [i for i, k in enumerate(published_keys) if "/" not in str(k[1])]
        assert base
        assert all(published_keys[i] in truth for i in base)
        assert all(counts[i] is None or counts[i] == truth[published_keys[i]][0] for i in base)
        self.truth = truth
        self.small: Attack = attack(
            published,
            knowledge,
            targets=self.is_small,
            stop_after=stop_after,
            year_relations=year_relations,
        )
        self.others: Attack = attack(
            published,
            knowledge,
            targets=lambda c: not self.is_small(c),
            year_relations=year_relations,
        )

    def true_value(self, cell: Cell) -> float:
        count, denominator = self.truth[self.keys[cell.row]]
        if cell.quantity == "count":
            return float(count)
        if cell.quantity == "denominator":
            return float(denominator)
        return float(denominator) - float(count)  # the complement

    def is_small(self, cell: Cell) -> bool:
        return bool(1 <= self.true_value(cell) < cell.threshold)

    def show(self, findings: list[Finding]) -> str:
        return "\n".join(f"  {f} true {self.true_value(f.cell):g}" for f in findings[:25])

    def summary(self) -> str:
        return (
            f"small withheld counts: {self.small.summary()}\n"
            f"other withheld counts (information only): {self.others.summary()}\n"
            + self.show(self.others.recovered)
        )


def primary_only(published: pa.Table, raw: pa.Table, thresholds: dict[str, int]) -> pa.Table:
    """``published`` with every withheld count that is not small published (its true value):
    primary suppression alone, no complementary cells — what the protection must beat."""
    truth = dict(zip(keys(raw), raw["count"].to_pylist(), strict=True))

    def primary(key: tuple[object, ...]) -> bool:
        t: Any = truth[key]
        return t is None or 1 <= t < thresholds[str(key[0])]

    counts = [
        truth[k] if c is None and not primary(k) else c
        for k, c in zip(keys(published), published["count"].to_pylist(), strict=True)
    ]
    return published.set_column(
        published.schema.get_field_index("count"), "count", pa.array(counts, pa.float64())
    )
