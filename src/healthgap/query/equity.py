"""Is the gap narrowing? The equity verdicts of :mod:`healthgap.tracking.equity_assessment`
read through the read layer, as frozen rows a report can turn into sentences.

A verdict is "narrowing" or "widening" only when the trend of the inequality measure over
non-overlapping periods is significant (t test, 5 %); otherwise "no significant change" or
"cannot be calculated", with the reason (plain words) and the basis (what it rests on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from healthgap.query.reader import ReadLayer, Viewer

if TYPE_CHECKING:
    from healthgap.tracking.equity_assessment import EquityRow

__all__ = ["GapVerdictRow", "gap_verdicts"]


@dataclass(frozen=True, slots=True)
class GapVerdictRow:
    """The gap verdict for one indicator, area and sex (area None: nothing to test).

    ``reason``: why, in plain words (public pages and reports); ``basis``: the series,
    periods and test it rests on, for analysts (CLI, API)."""

    indicator_id: str
    area_code: str | None
    sex: str | None
    measure: str | None
    verdict: str
    reason: str
    p_value: float | None
    points: int | None
    slope_per_year: float | None
    first_period: str | None
    first_value: float | None
    latest_period: str | None
    latest_value: float | None
    basis: str = ""


def gap_verdicts(
    read: ReadLayer, viewer: Viewer, *, indicators: Sequence[str] | None = None
) -> list[GapVerdictRow]:
    """Gap verdicts for every inequality measure and deprivation breakdown held (or those of
    ``indicators``), on the values public at ``viewer``'s cut-off date (public reads; an
    editor's view is not used for verdicts); ``UnknownParameter`` for an unknown indicator."""
    from healthgap.tracking.equity_assessment import assess_equity

    ids = None if indicators is None else [read.indicator(i).id for i in indicators]

    def build(vis: Viewer) -> list[GapVerdictRow]:
        day = vis.cutoff().date()
        with read._snapshot():
            rows = assess_equity(read.catalogue, read.store, indicator_ids=ids, as_of=day)
        return _rows(rows)

    # Remembered like every read, under the fingerprint of what the viewer sees.
    return list(read._cached("gap_verdicts", viewer, {"indicators": ids}, build))


def _rows(rows: Sequence[EquityRow]) -> list[GapVerdictRow]:
    out = []
    for r in rows:
        d = r.to_dict()
        first, latest = d["first"], d["latest"]
        out.append(
            GapVerdictRow(
                indicator_id=r.indicator_id,
                area_code=r.area_code,
                sex=r.sex,
                measure=r.measure,
                verdict=r.verdict.value,
                reason=r.reason,
                p_value=d["p_value"],
                points=d["points"],
                slope_per_year=d["slope_per_year"],
                first_period=None if first is None else str(first[0]),
                first_value=None if first is None else float(first[1]),
                latest_period=None if latest is None else str(latest[0]),
                latest_value=None if latest is None else float(latest[1]),
                basis=r.basis,
            )
        )
    return out
