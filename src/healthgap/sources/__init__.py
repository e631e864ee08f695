"""Readers for each external data format, normalised to canonical values, validated.

``bundled_releases()`` yields every bundled source as a ``ReleaseInput`` (one at a time);
``pending_bundled_releases()`` yields each one's source and file checksums before reading it
(what ``healthgap init`` checks against the store);
``read_file(path, kind=...)`` reads a user's own file of one of ``SOURCE_KINDS``. Series keys
are ``'<source kind>:<slug>'`` (:func:`healthgap.sources.keys.slug`).
"""

from __future__ import annotations

from healthgap.sources.bundled import (
    PendingRelease,
    bundled_release_count,
    bundled_releases,
    pending_bundled_releases,
)
from healthgap.sources.keys import series_key, slug
from healthgap.sources.periods import Period, parse_iso_interval, parse_period_label
from healthgap.sources.read import SOURCE_KINDS, read_file

__all__ = [
    "SOURCE_KINDS",
    "PendingRelease",
    "Period",
    "bundled_release_count",
    "bundled_releases",
    "parse_iso_interval",
    "parse_period_label",
    "pending_bundled_releases",
    "read_file",
    "series_key",
    "slug",
]
