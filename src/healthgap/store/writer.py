"""The one writer of a server process: write jobs run one at a time, off the request threads.

DuckDB lets one process hold a store file for writing. A server therefore owns the only
:class:`~healthgap.store.Store` that writes, and every write (a load, a progress return, a
publication) is submitted here and runs on the writer's own thread, in submission order.
Reads never wait for it: they run on cursors of their own (``Store.snapshot``). Design:
``docs/design/0800-read-layer-and-concurrency.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from healthgap.errors import StoreError
from healthgap.store.duckdb_store import Store

__all__ = ["Writer"]

T = TypeVar("T")


class Writer:
    """Runs write jobs ``job(store)`` one at a time on a dedicated thread."""

    def __init__(self, store: Store) -> None:
        if store.read_only:
            raise StoreError(f"the store {store.path} is open read-only; it cannot be written")
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthgap-writer")
        self._closed = False

    def submit(self, job: Callable[[Store], T]) -> Future[T]:
        """Queue ``job``; its future gives the result or raises what the job raised."""
        if self._closed:
            raise StoreError("the writer is closed")
        return self._pool.submit(job, self.store)

    def run(self, job: Callable[[Store], T]) -> T:
        """Queue ``job`` and wait for it."""
        return self.submit(job).result()

    def close(self) -> None:
        """Finish the queued jobs and stop the writer's thread (the store stays open)."""
        self._closed = True
        self._pool.shutdown(wait=True)
