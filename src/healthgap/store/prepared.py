"""Prepared answers: whole read answers derived with the current records (ADR 0812).

The store keeps them opaque (gzip bytes under a name); the read layer makes them, names the
recipe they follow (catalogue, geography, code) and decides when one may be served. The
store's part of the rule is the basis: the visible release set, with each release's
provenance, that a public read saw when they were made. Every refresh of the current records
replaces them, so none outlives the records it was made from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from healthgap.store.visibility import Visibility

if TYPE_CHECKING:
    from healthgap.store.duckdb_store import Store

__all__ = ["PreparedAnswer", "Preparer"]


@dataclass(frozen=True, slots=True)
class PreparedAnswer:
    """One answer: its ``name`` (the question), the ``recipe`` it was made by, its JSON
    length in bytes and the JSON gzipped."""

    name: str
    recipe: str
    body_bytes: int
    gzip: bytes


#: Makes the prepared answers inside a refresh's transaction: called with the store (its
#: reads on this thread see the transaction) and the public visibility the current records
#: were derived for; returns the answers to store.
Preparer = Callable[["Store", Visibility], Sequence[PreparedAnswer]]
