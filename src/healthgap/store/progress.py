"""Progress returns: values recorded by hand for commitments that are not statistics.

A return is never changed or removed: a correction is a new return that names the one it
``supersedes``. The current returns of a commitment are those no later return supersedes;
its history is every return, oldest first. Pure types only (``duckdb_store`` writes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["ProgressReturn"]


@dataclass(frozen=True)
class ProgressReturn:
    """One recorded value of a commitment's measure, as of a date, with who recorded it."""

    return_id: int
    commitment_id: str
    value: float
    unit: str | None
    as_of: date
    source: str
    note: str | None
    recorded_by: str
    recorded_at: datetime
    supersedes: int | None
    superseded_by: int | None = None

    @property
    def current(self) -> bool:
        """True unless a later return corrects this one."""
        return self.superseded_by is None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping (dates and times in ISO 8601, UTC)."""
        return {
            "return_id": self.return_id,
            "commitment_id": self.commitment_id,
            "value": self.value,
            "unit": self.unit,
            "as_of": self.as_of.isoformat(),
            "source": self.source,
            "note": self.note,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat(),
            "supersedes": self.supersedes,
            "superseded_by": self.superseded_by,
            "current": self.current,
        }
