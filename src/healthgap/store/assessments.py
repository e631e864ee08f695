"""Commitment assessments stored with the release whose load derived them (schema v5).

One row per assessment (``healthgap.tracking.CommitmentAssessment``) in catalogue order;
``detail`` holds its full JSON (target, latest observation, projection). Rows are derived
inside the load's transaction (``Store.load_release(derive=...)``) from what a public read
sees once the release is written, so they never carry embargoed numbers. Pure declarations.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = [
    "ASSESSMENT_COLUMNS",
    "ASSESSMENT_COLUMNS_ADDED",
    "ASSESSMENT_COLUMNS_V5",
    "ASSESSMENT_FIELDS",
    "assessment_schema",
]

#: (name, SQL type, nullable) of the ``assessments`` table as schema v5 created it.
ASSESSMENT_COLUMNS_V5: tuple[tuple[str, str, bool], ...] = (
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

#: Columns appended later, by the schema version whose step adds them. ``rules`` (v10) is
#: ``healthgap.tracking.rules_fingerprint`` of the code and catalogue that made the row
#: (NULL on rows made before v10: never taken for the running rules').
ASSESSMENT_COLUMNS_ADDED: dict[int, tuple[tuple[str, str, bool], ...]] = {
    10: (("rules", "VARCHAR", True),),
}

#: (name, SQL type, nullable) of the ``assessments`` table after ``release_id``.
ASSESSMENT_COLUMNS: tuple[tuple[str, str, bool], ...] = ASSESSMENT_COLUMNS_V5 + tuple(
    c for _, added in sorted(ASSESSMENT_COLUMNS_ADDED.items()) for c in added
)

#: The columns that hold an assessment's own fields, by the names its ``to_dict()`` gives
#: them (the rest are the row's place, its JSON ``detail``, and when and under which rules
#: it was made).
ASSESSMENT_FIELDS: tuple[str, ...] = tuple(
    name
    for name, _, _ in ASSESSMENT_COLUMNS
    if name not in ("position", "detail", "computed_at", "rules")
)

_ARROW = {"BIGINT": pa.int64(), "VARCHAR": pa.string(), "TIMESTAMP": pa.timestamp("us")}


def assessment_schema() -> pa.Schema:
    """The Arrow schema of derived assessment rows (without ``release_id``)."""
    return pa.schema([pa.field(n, _ARROW[t], nullable=nn) for n, t, nn in ASSESSMENT_COLUMNS])
