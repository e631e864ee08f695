"""Loading a release with everything derived from it, in one transaction.

Every loader — ``healthgap init`` (bundled data), ``healthgap load`` (a user's file), the API's
load endpoint, fetched and computed releases — calls :func:`load_release`, so comparisons and
commitment assessments are stored with the values and reads are look-ups. This package owns
that write; presentations import it for loads and read through ``healthgap.query``.

The derivations (:mod:`healthgap.publish.derive`: pandas, the comparisons, tracking and scipy)
are imported on first use (PEP 562): ``healthgap serve`` opens the writer and starts answering
without them, and imports them with the first load (issue 11).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthgap.store import Writer, open_store

if TYPE_CHECKING:
    from healthgap.publish.derive import (
        derive_assessments,
        derive_comparisons,
        load_release,
        with_comparisons,
    )

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


#: The names of :mod:`healthgap.publish.derive` this package exports, imported on first use.
_DERIVE = frozenset(
    {"derive_assessments", "derive_comparisons", "load_release", "with_comparisons"}
)


def __getattr__(name: str) -> Any:
    if name not in _DERIVE:
        raise AttributeError(f"module 'healthgap.publish' has no attribute {name!r}")
    value = getattr(importlib.import_module("healthgap.publish.derive"), name)
    globals()[name] = value
    return value
