"""Live traffic first: which requests are in flight and when the last one ended, so that the
website's warmer (:class:`healthgap.web.Warmer`) starts its next page only when visitors are
not waiting (ADR 0820, "Warming yields to live traffic").

``TrafficMiddleware`` (raw ASGI, on the app) counts every HTTP request except the warmer's
own — those are made from a thread marked with :func:`own_requests`. ``wait_turn`` is the
rule the warmer applies before each page; it takes its clock and its sleep as arguments so
that tests drive it with scripted activity instead of timing.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

__all__ = [
    "QUIET",
    "WAIT_CAP",
    "Activity",
    "TrafficMiddleware",
    "own_requests",
    "pause_hook",
    "wait_turn",
]

#: Seconds without any request in flight before the warmer starts a page (a page view's
#: page, CSS, script and chart bundle arrive within this of each other).
QUIET = 0.5
#: The longest the warmer waits before one page, so that a pass still completes under
#: sustained traffic (at worst one page every ``WAIT_CAP`` seconds plus its rendering).
WAIT_CAP = 2.0

_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_ASGIApp = Callable[[_Scope, _Receive, _Send], Awaitable[None]]

_local = threading.local()


@contextmanager
def own_requests() -> Iterator[None]:
    """Requests made through the app from this thread inside the block are not traffic (the
    warmer's; in-process ASGI runs the middleware on the caller's thread)."""
    _local.own = True
    try:
        yield
    finally:
        _local.own = False


class Activity:
    """Requests in flight and the clock time the last one ended (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.in_flight = 0
        self.last_end = -math.inf
        self.requests = 0
        self._lock = threading.Lock()

    def begin(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.requests += 1

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1
            self.last_end = self.clock()

    def idle_for(self) -> float | None:
        """Seconds since the last request ended; None while one is in flight."""
        with self._lock:
            if self.in_flight > 0:
                return None
            return self.clock() - self.last_end


def wait_turn(
    activity: Activity,
    sleep: Callable[[float], object],
    *,
    quiet: float = QUIET,
    cap: float = WAIT_CAP,
) -> float:
    """The warmer's rule before each page: wait while a request is in flight or one ended
    less than ``quiet`` seconds ago, but never more than ``cap`` seconds in all; return the
    seconds waited (by ``activity.clock``). ``sleep(s)`` waits up to ``s`` seconds (the
    warmer's stop event's ``wait``, so stopping is not delayed)."""
    start = activity.clock()
    while True:
        waited = activity.clock() - start
        if waited >= cap:
            return waited
        idle = activity.idle_for()
        if idle is not None and idle >= quiet:
            return waited
        # In flight: look again after a quiet window; otherwise when the window ends.
        need = quiet if idle is None else quiet - idle
        if sleep(min(need, cap - waited)) is True:  # an Event's wait: stopped
            return activity.clock() - start


def pause_hook(
    activity: Activity,
    stop: threading.Event,
    *,
    cap: float = WAIT_CAP,
    step: float = 0.005,
    sleep: Callable[[float], object] = time.sleep,
) -> Callable[[Any, str, Any], None]:
    """A ``sys.setprofile`` hook for the thread rendering a warmer's page: at a Python
    function call while a visitor's request is in flight, it sleeps (releasing the GIL) in
    ``step``s until none is, at most ``cap`` seconds in all for the thread's life (install a
    new hook per page). A page already under way thus gives way mid-page too."""
    budget = [cap]

    def hook(frame: Any, event: str, arg: Any) -> None:
        if event != "call" or activity.in_flight == 0 or budget[0] <= 0:
            return
        start = activity.clock()
        while activity.in_flight > 0 and not stop.is_set():
            if activity.clock() - start >= budget[0]:
                break
            sleep(step)
        budget[0] -= activity.clock() - start

    return hook


class TrafficMiddleware:
    """Counts HTTP requests in ``activity`` from their start until the app returns (the
    response sent), except requests made under :func:`own_requests`."""

    def __init__(self, app: _ASGIApp, activity: Activity) -> None:
        self.app = app
        self.activity = activity

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] != "http" or getattr(_local, "own", False):
            await self.app(scope, receive, send)
            return
        self.activity.begin()
        try:
            await self.app(scope, receive, send)
        finally:
            self.activity.end()
