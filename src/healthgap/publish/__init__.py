"""Loading a release with everything derived from it, in one transaction.

Every loader — ``healthgap init`` (bundled data), ``healthgap load`` (a user's file), the API's
load endpoint, fetched and computed releases — calls :func:`load_release`, so comparisons and
commitment assessments are stored with the values and reads are look-ups. This package owns
that write; presentations import it for loads and read through ``healthgap.query``.
"""

from __future__ import annotations

from pathlib import Path

from healthgap.publish.derive import (
    derive_assessments,
    derive_comparisons,
    load_release,
    with_comparisons,
)
from healthgap.store import Writer, open_store

__all__ = [
    "Writer",
    "derive_assessments",
    "derive_comparisons",
    "load_release",
    "open_writer",
    "with_comparisons",
]


def open_writer(path: Path | None = None) -> Writer:
    """Open the store at ``path`` for writing (migrating it) and return the process's single
    :class:`Writer`; read through ``healthgap.query.ReadLayer(writer.store)``. ``StoreError``
    when the file is in use by another process."""
    return Writer(open_store(path))
