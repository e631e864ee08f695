"""Warming the API: answer its hot questions once before the server listens, so the first
caller does not pay for a cold read (ADR 0811).

The answers are requested through the app itself (in-process ASGI, no socket), which fills
the response cache (JSON and its gzip form) and the read layer's caches exactly as a
caller's request would; they are cached under the fingerprint of the visible releases, so a
load, a publication or an embargo ending makes them stale as usual (the next request builds
them afresh).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

__all__ = ["HOT_PATHS", "warm_answers"]

#: The API's hot questions: the release list, the latest value of every indicator for every
#: London area (the website's and reports' common read), and the whole store as Parquet.
HOT_PATHS: tuple[str, ...] = (
    "/v1/releases",
    "/v1/values?parent=E12000007&latest=true",
    "/v1/bulk?format=parquet",
)


def warm_answers(app: object, paths: tuple[str, ...] = HOT_PATHS) -> float:
    """Request ``paths`` through ``app`` (gzip accepted, bodies read in full); return the
    seconds taken. An answer that fails is left for a caller to see."""

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://warm") as client:
            for path in paths:
                await client.get(path, headers={"accept-encoding": "gzip"})

    started = time.perf_counter()
    # A loop of its own on a thread of its own: the caller's thread may already be running one
    # (a test under Playwright's synchronous API, an embedding application).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="api-warm") as pool:
        pool.submit(asyncio.run, run()).result()
    return time.perf_counter() - started
