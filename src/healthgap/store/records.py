"""What the store reports about itself: releases, per-source summaries and what reads see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from healthgap.store.release_input import SourceFile

__all__ = ["RELEASE_STATUSES", "ReadFingerprint", "Release", "ReleaseStatus", "SourceSummary"]

ReleaseStatus = Literal["embargoed", "published", "superseded"]

#: ``embargoed``: not yet public (embargo or publication date in the future);
#: ``superseded``: public, but every row it added has a newer public value;
#: ``published``: public, with at least one current row (or no data rows at all).
RELEASE_STATUSES: tuple[ReleaseStatus, ...] = ("embargoed", "published", "superseded")


@dataclass(frozen=True)
class ReadFingerprint:
    """Everything a read's cache key (and ETag) is made of, as one read sees it
    (``Store.read_fingerprint``, one query)."""

    #: Ids of the visible releases, ascending.
    release_ids: tuple[int, ...]
    #: The latest instant a visible release of values was published, ended its embargo or
    #: was loaded (None: no visible release of values).
    latest_release_change: datetime | None
    #: When the latest progress return was recorded (None: none).
    latest_progress_return: datetime | None
    #: ``seq`` of the latest action library entry (0: none).
    latest_action_seq: int

    @property
    def latest_change(self) -> datetime | None:
        """The later of the two changes, as ``Store.latest_change`` defines it."""
        found = [
            x for x in (self.latest_release_change, self.latest_progress_return) if x is not None
        ]
        return max(found) if found else None


@dataclass(frozen=True)
class Release:
    """One load, as recorded. ``status`` and ``current_rows`` are as of the moment read."""

    release_id: int
    source: str
    files: tuple[SourceFile, ...]
    row_counts: Mapping[str, int]
    loaded_at: datetime
    published_at: date | None
    embargo_until: datetime | None
    loaded_by: str
    note: str | None
    status: ReleaseStatus
    current_rows: int

    @property
    def rows(self) -> int:
        """Data rows the release added, over all tables (series metadata not counted)."""
        return sum(n for table, n in self.row_counts.items() if table != "series")

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping (dates and times in ISO 8601, UTC)."""
        return {
            "release_id": self.release_id,
            "source": self.source,
            "files": [{"name": f.name, "sha256": f.sha256, "rows": f.rows} for f in self.files],
            "row_counts": dict(self.row_counts),
            "loaded_at": self.loaded_at.isoformat(),
            "published_at": None if self.published_at is None else self.published_at.isoformat(),
            "embargo_until": None if self.embargo_until is None else self.embargo_until.isoformat(),
            "loaded_by": self.loaded_by,
            "note": self.note,
            "status": self.status,
            "current_rows": self.current_rows,
        }


@dataclass(frozen=True)
class SourceSummary:
    """What the store holds from one source (all releases, stored rows)."""

    source: str
    releases: int
    rows: int
    value_rows: int
    series: int
    first_period: date | None
    last_period: date | None
    last_loaded_at: datetime

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "releases": self.releases,
            "rows": self.rows,
            "value_rows": self.value_rows,
            "series": self.series,
            "first_period": None if self.first_period is None else self.first_period.isoformat(),
            "last_period": None if self.last_period is None else self.last_period.isoformat(),
            "last_loaded_at": self.last_loaded_at.isoformat(),
        }
