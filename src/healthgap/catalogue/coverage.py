"""Which indicators and commitments have data: a pure function of the catalogue and what is held."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from healthgap.catalogue.framework import Catalogue

__all__ = ["CommitmentCoverage", "Coverage", "HeldSeries", "IndicatorCoverage", "coverage"]

#: What the store holds for one series key: (first period label, last period label, row count).
HeldSummary = tuple[str, str, int]


@dataclass(frozen=True)
class HeldSeries:
    """A series the store holds for an indicator."""

    key: str
    first_period: str
    last_period: str
    rows: int
    proxy: bool


@dataclass(frozen=True)
class IndicatorCoverage:
    """Whether an indicator has data, from which series and over which periods."""

    indicator_id: str
    has_data: bool
    direct: bool
    series: tuple[HeldSeries, ...]
    declared_bundled: bool


@dataclass(frozen=True)
class CommitmentCoverage:
    """Whether any indicator linked to a commitment has data."""

    commitment_id: str
    has_data: bool
    indicators: tuple[str, ...]
    indicators_with_data: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """Coverage of the whole catalogue. ``basis`` is ``store`` or ``declared``."""

    basis: str
    indicators: tuple[IndicatorCoverage, ...]
    commitments: tuple[CommitmentCoverage, ...]


def coverage(catalogue: Catalogue, held: Mapping[str, HeldSummary] | None) -> Coverage:
    """Coverage from what a store holds, or from the declared ``bundled`` flags.

    ``held`` maps series key → (first period label, last period label, rows); pass ``None``
    when no store summary is available and the answer then rests on the catalogue's own
    ``bundled`` declarations (``basis == "declared"``, with no periods).
    """
    per_indicator: list[IndicatorCoverage] = []
    for ind in catalogue.indicators:
        found: list[HeldSeries] = []
        for src in ind.sources:
            if src.series is None:
                continue
            if held is None:
                if src.bundled:
                    found.append(HeldSeries(src.series, "", "", 0, src.proxy))
                continue
            summary = held.get(src.series)
            if summary is not None and summary[2] > 0:
                first, last, rows = summary
                found.append(HeldSeries(src.series, first, last, rows, src.proxy))
        per_indicator.append(
            IndicatorCoverage(
                indicator_id=ind.id,
                has_data=bool(found),
                direct=any(not s.proxy for s in found),
                series=tuple(found),
                declared_bundled=ind.bundled,
            )
        )
    with_data = {c.indicator_id for c in per_indicator if c.has_data}
    per_commitment = tuple(
        CommitmentCoverage(
            commitment_id=com.id,
            has_data=any(i in with_data for i in com.indicators),
            indicators=com.indicators,
            indicators_with_data=tuple(i for i in com.indicators if i in with_data),
        )
        for com in catalogue.commitments
    )
    return Coverage(
        basis="declared" if held is None else "store",
        indicators=tuple(per_indicator),
        commitments=per_commitment,
    )
