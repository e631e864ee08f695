"""Answers prepared at load time and looked up at read time (ADR 0812).

A few read answers are too large to build quickly on a cold read: the latest value of every
indicator for every London area is 13.7 MB of JSON, about 0.3 s of CPU to read and write.
The read layer makes them whenever the store derives its current records (a load, a
publication, an embargo, ``init``), in the same transaction, and the store keeps them gzipped
under the release set and provenance a public read then saw. A read serves one only when it
is a public read now (no ``as_of``, not an editor) asking exactly a prepared question, the
store says the answer was made for exactly the releases that read sees, and the answer's
recipe (the catalogue, the geography and the code that make it) is this read layer's;
anything else is answered afresh, so the visibility rule never depends on them.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from healthgap.geography import LONDON

__all__ = ["ANSWER_FORMAT", "PREPARED_QUESTIONS", "JsonAnswer"]

#: Bump when the bytes of a values answer change for the same data (fields, formatting):
#: answers made by an older format are then never served.
ANSWER_FORMAT = "values-json/1"

#: The prepared questions: a name, and the values read's filters (as ``ReadLayer.values``
#: takes them; unset ones are None). A request matches only when its filters are exactly
#: these.
PREPARED_QUESTIONS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        # The latest value of every indicator for every London area (the API's
        # /v1/values?parent=E12000007&latest=true; the website's and reports' common read).
        "values:parent=E12000007&latest=true": MappingProxyType({"parent": LONDON, "latest": True}),
    }
)


class JsonAnswer:
    """A values answer as JSON bytes (:attr:`body`). A prepared one also has its gzip form
    (:attr:`gzip`), so a server need not compress it again, and is decompressed only when
    :attr:`body` is first asked for (a client that takes gzip never needs it). A damaged
    gzip form fails its CRC check there (``zlib.error``), never yields wrong bytes."""

    __slots__ = ("_body", "_lock", "gzip")

    def __init__(self, body: bytes | None = None, gzip: bytes | None = None) -> None:
        if body is None and gzip is None:
            raise ValueError("a JSON answer needs its bytes or their gzip form")
        self._body = body
        self.gzip = gzip
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """The JSON's length in bytes (a gzip form's trailer records it: no decompressing)."""
        if self._body is not None:
            return len(self._body)
        assert self.gzip is not None
        return int.from_bytes(self.gzip[-4:], "little")

    @property
    def body(self) -> bytes:
        """The JSON bytes."""
        with self._lock:
            if self._body is None:
                assert self.gzip is not None
                self._body = zlib.decompress(self.gzip, wbits=31)
            return self._body
