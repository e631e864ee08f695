"""The read layer: the one way the API, website, reports and CLI read healthgap's data.

Open one :class:`ReadLayer` per process (:func:`open_read_layer`, or ``ReadLayer(store)``)
and pass a :data:`Viewer` (``public(...)`` or ``editor(...)``) to every data read. Results are
frozen dataclasses joining catalogue metadata, geography names, stored comparisons and
provenance; an unknown code raises :class:`UnknownParameter`, a valid question with no answer
:class:`NoData`. Design: ``docs/design/0800-read-layer-and-concurrency.md``.
"""

from __future__ import annotations

from datetime import date, datetime

from healthgap.query import actions
from healthgap.query.errors import NoData, QueryError, UnknownParameter, closest
from healthgap.query.models import (
    AreaInfo,
    AssessmentRow,
    ComparisonRow,
    InequalityRow,
    LineageLink,
    Provenance,
    ReleaseChange,
    ReleaseDiff,
    TrendRow,
    ValueRow,
)
from healthgap.query.prepared import PREPARED_QUESTIONS, JsonAnswer
from healthgap.query.reader import BULK_COLUMNS, Filter, ReadLayer, Viewer, open_read_layer
from healthgap.sources.titles import source_title
from healthgap.store import ProgressReturn, Release, SourceSummary

__all__ = [
    "BULK_COLUMNS",
    "PREPARED_QUESTIONS",
    "AreaInfo",
    "AssessmentRow",
    "ComparisonRow",
    "Filter",
    "InequalityRow",
    "JsonAnswer",
    "LineageLink",
    "NoData",
    "ProgressReturn",
    "Provenance",
    "QueryError",
    "ReadLayer",
    "Release",
    "ReleaseChange",
    "ReleaseDiff",
    "SourceSummary",
    "TrendRow",
    "UnknownParameter",
    "ValueRow",
    "Viewer",
    "actions",
    "closest",
    "editor",
    "open_read_layer",
    "public",
    "source_title",
]


def public(as_of: date | datetime | None = None, *, now: datetime | None = None) -> Viewer:
    """A public read as published on ``as_of`` (a date: the end of that day), never later
    than now: nothing under embargo is visible."""
    return Viewer.public(as_of, now=now)


def editor(as_of: date | datetime | None = None, *, now: datetime | None = None) -> Viewer:
    """An editor read: embargoed releases included (``as_of`` limits publication dates)."""
    return Viewer.editor(as_of, now=now)
