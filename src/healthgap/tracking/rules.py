"""The rules an assessment was made under, as one fingerprint.

A commitment's assessment depends on the data (the releases and progress returns a read
sees) and on the rules: tracking's code, the methods it calls and the catalogue's targets.
Stored assessments (``healthgap.publish.derive_assessments``) carry this fingerprint, and the
read layer serves them only while the running healthgap's fingerprint is the same: after an
upgrade (or a catalogue edit) they are made again under the new rules, never shown stale.

The code part hashes the source of ``healthgap.tracking`` and ``healthgap.methods`` (any
edit counts: safe, and cheap, about 5 ms); it is read by path, so computing it imports
neither package's dependencies. Design: ``docs/design/0700-tracking-assessment-rules.md``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from healthgap import __version__
from healthgap.catalogue import Catalogue

__all__ = ["RULE_PACKAGES", "rules_fingerprint"]

#: The packages whose code decides an assessment (beside the catalogue's targets).
RULE_PACKAGES: tuple[str, ...] = ("tracking", "methods")

_ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def _code_digest() -> str:
    digest = hashlib.sha256(__version__.encode())
    for package in RULE_PACKAGES:
        for path in sorted((_ROOT / package).rglob("*.py")):
            digest.update(path.relative_to(_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def rules_fingerprint(catalogue: Catalogue) -> str:
    """A short hash of healthgap's version, the tracking and methods code and ``catalogue``:
    equal fingerprints mean an assessment made under one holds under the other."""
    digest = hashlib.sha256(_code_digest().encode())
    digest.update(catalogue.model_dump_json().encode())
    return digest.hexdigest()[:32]
