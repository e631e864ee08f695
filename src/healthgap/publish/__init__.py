"""Loading a release with everything derived from it, in one transaction.

Every loader — ``healthgap init`` (bundled data), ``healthgap load`` (a user's file), the API's
load endpoint, fetched and computed releases — calls :func:`load_release`, so comparisons and
commitment assessments are stored with the values and reads are look-ups. This package owns
that write; presentations import it for loads and read through ``healthgap.query``.
"""

from __future__ import annotations

from healthgap.publish.derive import (
    derive_assessments,
    derive_comparisons,
    load_release,
    with_comparisons,
)

__all__ = ["derive_assessments", "derive_comparisons", "load_release", "with_comparisons"]
