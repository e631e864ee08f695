"""Editors' entries in the local action library (ADR 0900): append-only versions.

Each save appends a version (``seq``); an entry's current state is its latest version. The
body is the entry as JSON (the catalogue's ``ActionEntry``); the store does not interpret it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["ACTION_STATUSES", "ActionRecord"]

#: An entry is a draft until an editor publishes it; public reads see published ones only.
ACTION_STATUSES: tuple[str, ...] = ("draft", "published")


@dataclass(frozen=True)
class ActionRecord:
    """One stored version of an editor's library entry."""

    seq: int
    entry_id: str
    status: str
    body: str
    recorded_by: str
    recorded_at: datetime
