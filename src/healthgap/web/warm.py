"""Warming the website: render every page once at startup, and again whenever what the
public sees changes, so that no visitor waits for a cold read.

The expensive part of a cold page is the read layer building its rows (seconds on the
bundled store), then Altair specs and vl-convert SVGs; a rendered page is cached under the
read layer's version (the fingerprint of the visible releases, the same one the API uses as
its ETag), so a load, a publication or a progress return changes the key and the old pages
simply stop being served. The warmer requests the pages through the website's own routes
(in-process ASGI, no socket), which fills the page, read-layer and SVG caches exactly as a
visitor's request would. Live traffic comes first: before each page the warmer waits
while visitors' requests are in flight or one ended within a quiet window, up to a cap
(:mod:`healthgap.web.activity`). Design: ``docs/design/0820-website.md``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import anyio.to_thread
import httpx

from healthgap.geography import LONDON
from healthgap.query import ReadLayer, public
from healthgap.web.activity import (
    QUIET,
    WAIT_CAP,
    Activity,
    own_requests,
    pause_hook,
    wait_turn,
)

__all__ = ["SWITCH_INTERVAL", "Warmer", "site_paths"]

_LOG = logging.getLogger(__name__)

#: Python's thread switch interval while the warmer renders a page (default 5 ms): a request
#: that arrives mid-page then waits at most this long for the GIL each time it needs it,
#: instead of 5 ms, so it is not slowed by the page much (the page, in the background, is).
SWITCH_INTERVAL = 0.0005


@contextmanager
def _short_switches(interval: float | None) -> Iterator[None]:
    """Python's switch interval set to ``interval`` inside the block (process-wide; it only
    matters when threads contend for the GIL), restored after."""
    if interval is None:
        yield
        return
    with _switch_lock:  # warmers of several apps in one process: restore only at the last
        if _switching[0] == 0:
            _switching[1] = sys.getswitchinterval()
        _switching[0] += 1
        sys.setswitchinterval(interval)
    try:
        yield
    finally:
        with _switch_lock:
            _switching[0] -= 1
            if _switching[0] == 0:
                sys.setswitchinterval(_switching[1])


_switch_lock = threading.Lock()
_switching: list[float] = [0, 0.005]  # pages being rendered, the interval to restore


def site_paths(q: ReadLayer) -> list[str]:
    """Every page of the site at its default view, most visited first: the home page and
    overview, London, the 33 boroughs and the London ICBs, every indicator, the lists."""
    paths = ["/", "/overview", "/overview?benchmark=england", f"/areas/{LONDON}"]
    paths += ["/commitments", "/indicators", "/areas", "/releases", "/sources", "/methods"]
    paths += [f"/areas/{a.code}" for a in q.areas(area_type="ltla", parent=LONDON)]
    paths += [f"/areas/{a.code}" for a in q.areas(area_type="icb", parent=LONDON)]
    paths += [f"/indicators/{i.id}" for i in q.indicators()]
    return paths


class Warmer:
    """Renders ``first`` then ``paths()`` through ``app`` in a background thread at start
    and whenever ``q.version(public())`` changes (checked every ``interval`` seconds).
    ``ready`` is set after the first full pass; ``passes`` counts them, ``seconds`` times the
    last one and ``yielded`` the seconds it waited for live traffic in it. With an
    ``activity`` (fed by :class:`~healthgap.web.activity.TrafficMiddleware` on ``app``),
    each request waits its turn (:func:`~healthgap.web.activity.wait_turn`: ``quiet``,
    ``cap``)."""

    def __init__(
        self,
        app: object,
        q: ReadLayer,
        *,
        paths: Callable[[], list[str]] | None = None,
        interval: float = 15.0,
        first: Sequence[str] = (),
        activity: Activity | None = None,
        quiet: float = QUIET,
        cap: float = WAIT_CAP,
        switch_interval: float | None = SWITCH_INTERVAL,
        pause_mid_page: bool = True,
    ) -> None:
        self.app = app
        self.q = q
        self.paths = paths or (lambda: site_paths(q))
        self.interval = interval
        self.first = tuple(first)
        self.activity = activity
        self.quiet = quiet
        self.cap = cap
        self.switch_interval = switch_interval
        self.pause_mid_page = pause_mid_page
        self.ready = threading.Event()
        self.passes = 0
        self.seconds = 0.0
        self.yielded = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="web-warmer", daemon=True)

    def start(self) -> Warmer:
        if not self._thread.is_alive() and self._thread.ident is None:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        seen = None
        while not self._stop.is_set():
            try:
                version = self.q.version(public())
                if version != seen:
                    started = time.perf_counter()
                    asyncio.run(self._pass())
                    self.seconds = time.perf_counter() - started
                    self.passes += 1
                    seen = version
                    _LOG.info(
                        "website warmed: %d pages in %.1f s (%.1f s yielded to requests)",
                        len(self.first) + len(self.paths()),
                        self.seconds,
                        self.yielded,
                    )
            except Exception:  # the warmer must never take the server down
                if self._stop.is_set():
                    return
                _LOG.exception("website warming failed")
            self.ready.set()
            self._stop.wait(self.interval)

    async def _pass(self) -> None:
        self.yielded = 0.0
        # One worker thread renders the pages, so the pause hook is on the thread that runs.
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        transport = httpx.ASGITransport(app=self.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://warm") as client:
            for path in (*self.first, *self.paths()):
                if self.activity is not None:
                    # Blocks this thread's own loop, which serves only the warmer.
                    self.yielded += wait_turn(
                        self.activity, self._stop.wait, quiet=self.quiet, cap=self.cap
                    )
                if self._stop.is_set():
                    return
                if self.activity is not None and self.pause_mid_page:
                    # The route runs on this loop's worker thread (sync routes; one at a
                    # time here, the idle worker reused): it gives way mid-page too.
                    hook = pause_hook(self.activity, self._stop, cap=self.cap)
                    await anyio.to_thread.run_sync(sys.setprofile, hook)
                with own_requests(), _short_switches(self.switch_interval):
                    await client.get(path, headers={"accept-encoding": "gzip"})
                if self.activity is not None and self.pause_mid_page:
                    await anyio.to_thread.run_sync(sys.setprofile, None)
