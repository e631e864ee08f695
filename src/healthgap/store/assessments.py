"""Commitment assessments stored with the release whose load derived them (schema v5).

One row per assessment (``healthgap.tracking.CommitmentAssessment``) in catalogue order;
``detail`` holds its full JSON (target, latest observation, projection). Rows are derived
inside the load's transaction (``Store.load_release(derive=...)``) from what a public read
sees once the release is written, so they never carry embargoed numbers. Pure declarations.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = ["ASSESSMENT_COLUMNS", "assessment_schema"]

#: (name, SQL type, nullable) of the ``assessments`` table after ``release_id``.
ASSESSMENT_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("position", "BIGINT", False),
    ("kind", "VARCHAR", False),
    ("id", "VARCHAR", False),
    ("title", "VARCHAR", False),
    ("commitment_id", "VARCHAR", True),
    ("indicator_id", "VARCHAR", True),
    ("area_code", "VARCHAR", True),
    ("sex", "VARCHAR", True),
    ("status", "VARCHAR", False),
    ("reason", "VARCHAR", False),
    ("measured_by", "VARCHAR", False),
    ("target_text", "VARCHAR", False),
    ("deadline", "VARCHAR", True),
    ("detail", "VARCHAR", False),
    ("computed_at", "TIMESTAMP", False),
)

_ARROW = {"BIGINT": pa.int64(), "VARCHAR": pa.string(), "TIMESTAMP": pa.timestamp("us")}


def assessment_schema() -> pa.Schema:
    """The Arrow schema of derived assessment rows (without ``release_id``)."""
    return pa.schema([pa.field(n, _ARROW[t], nullable=nn) for n, t, nn in ASSESSMENT_COLUMNS])
