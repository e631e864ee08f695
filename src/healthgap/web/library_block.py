"""The "What is being done" block of the indicator and area pages: the published action
library entries linked to that indicator or area (ADR 0901)."""

from __future__ import annotations

from typing import Any

from healthgap.query import ReadLayer, UnknownParameter, actions, public

#: Entries shown in the block; the rest are one link away.
BLOCK_ENTRIES = 5


def what_is_done(q: ReadLayer, kind: str, key: str) -> dict[str, Any] | None:
    """The library entries ``q`` links to an indicator or an area (None: none, or unknown)."""
    try:
        found = actions.find(q, public(), **{kind: key})
    except UnknownParameter:
        return None
    if not found:
        return None
    return {"entries": found[:BLOCK_ENTRIES], "count": len(found), "more": f"/actions?{kind}={key}"}
