"""What a source reader hands the store: one release, fully parsed and validated.

Readers (``healthgap.sources``) build these; the store (``healthgap.store``) writes one
atomically or not at all. Tables are PyArrow tables whose columns are exactly those named
in ``healthgap.store.columns`` (VALUE_COLUMNS, POPULATION_COLUMNS, DEATH_COLUMNS,
DEPRIVATION_COLUMNS; COMPARISON_COLUMNS for ``comparisons``), in that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pyarrow as pa

__all__ = ["ReleaseInput", "SeriesInfo", "SourceFile"]


@dataclass(frozen=True)
class SourceFile:
    """A file a release was read from: name as given, SHA-256 of its bytes, data rows."""

    name: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class SeriesInfo:
    """A published series: the unit in which a source publishes one measure.

    ``key`` is ``'<source kind>:<slug>'`` (see ``healthgap.sources``), stable across
    releases. ``indicator_id`` is the catalogue indicator it maps to, or None (kept as a
    source series).
    """

    key: str
    name: str
    publisher: str
    unit: str | None = None
    measure: str | None = None
    fingertips_id: int | None = None
    indicator_id: str | None = None


@dataclass(frozen=True)
class ReleaseInput:
    """One load: where it came from and every table it adds."""

    source: str
    files: tuple[SourceFile, ...]
    series: tuple[SeriesInfo, ...] = ()
    values: pa.Table | None = None
    population: pa.Table | None = None
    deaths: pa.Table | None = None
    deprivation: pa.Table | None = None
    published_at: date | None = None
    embargo_until: datetime | None = None
    loaded_by: str = "healthgap"
    note: str | None = None
    comparisons: pa.Table | None = None
    """Comparison outcomes of this release's values (``healthgap.engine.comparisons``)."""
    published_outcomes: pa.Table | None = None
    """Outcomes the source itself published (Fingertips' ``compared_to_England``): the value
    key, ``benchmark``, ``outcome`` and ``reason``. They replace the derived outcome of the same
    value and benchmark when the release is loaded (``healthgap.publish``); not stored alone."""
