"""The website's warmer yields to live traffic (ADR 0820): the rule, driven by scripted
activity on a fake clock (no timing), and a real server answering a visitor's request while
the warmer is busy, the warmer still completing its pass."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from healthgap.web.activity import Activity, TrafficMiddleware, own_requests, wait_turn
from healthgap.web.warm import Warmer


class Clock:
    """A fake clock whose ``sleep`` advances time and fires scripted events on the way."""

    def __init__(self) -> None:
        self.now = 100.0
        self.events: list[tuple[float, Callable[[], None]]] = []
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def at(self, t: float, fn: Callable[[], None]) -> None:
        self.events.append((t, fn))
        self.events.sort(key=lambda e: e[0])

    def sleep(self, s: float) -> bool:
        self.sleeps.append(s)
        end = self.now + s
        while self.events and self.events[0][0] <= end:
            t, fn = self.events.pop(0)
            self.now = max(self.now, t)
            fn()
        self.now = end
        return False


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_idle_server_does_not_wait(clock: Clock) -> None:
    a = Activity(clock)
    assert wait_turn(a, clock.sleep, quiet=0.5, cap=2.0) == 0
    assert clock.sleeps == []


def test_waits_for_the_quiet_window_after_a_request_ended(clock: Clock) -> None:
    a = Activity(clock)
    a.begin()
    clock.now += 0.1
    a.end()  # ended at 100.1
    clock.now += 0.2  # 0.2 s ago
    assert wait_turn(a, clock.sleep, quiet=0.5, cap=2.0) == pytest.approx(0.3)
    assert clock.sleeps == [pytest.approx(0.3)]


def test_waits_while_a_request_is_in_flight_then_the_quiet_window(clock: Clock) -> None:
    a = Activity(clock)
    a.begin()
    clock.at(100.7, a.end)  # the request ends after 0.7 s
    waited = wait_turn(a, clock.sleep, quiet=0.5, cap=2.0)
    assert waited == pytest.approx(1.2)  # 0.7 in flight + 0.5 quiet
    assert a.in_flight == 0


def test_a_new_request_in_the_window_restarts_it(clock: Clock) -> None:
    a = Activity(clock)
    a.begin()
    a.end()
    clock.at(100.3, a.begin)
    clock.at(100.4, a.end)
    assert wait_turn(a, clock.sleep, quiet=0.5, cap=2.0) == pytest.approx(0.9)


def test_sustained_traffic_is_capped(clock: Clock) -> None:
    a = Activity(clock)
    a.begin()  # never ends: a stream of overlapping requests
    assert wait_turn(a, clock.sleep, quiet=0.5, cap=2.0) == pytest.approx(2.0)
    assert sum(clock.sleeps) == pytest.approx(2.0)
    clock.sleeps.clear()
    for k in range(20):  # short requests back to back, each within the window
        clock.at(102.0 + 0.2 * k, a.end)
        clock.at(102.1 + 0.2 * k, a.begin)
    assert wait_turn(a, clock.sleep, quiet=0.5, cap=2.0) == pytest.approx(2.0)


def test_stopping_ends_the_wait(clock: Clock) -> None:
    a = Activity(clock)
    a.begin()
    stop = threading.Event()
    stop.set()
    assert wait_turn(a, stop.wait, quiet=0.5, cap=60.0) < 1.0


def _app(activity: Activity, gate: threading.Event, rendered: list[str]) -> FastAPI:
    app = FastAPI()

    @app.get("/page/{n}")
    def page(n: int) -> PlainTextResponse:
        rendered.append(f"/page/{n}")
        return PlainTextResponse(f"page {n}")

    @app.get("/slow")
    def slow() -> PlainTextResponse:
        gate.wait(10)  # in flight until the test lets it finish
        return PlainTextResponse("visitor")

    app.add_middleware(TrafficMiddleware, activity=activity)
    return app


def test_own_requests_are_not_traffic() -> None:
    import asyncio

    import httpx

    activity = Activity()
    app = _app(activity, threading.Event(), [])

    async def get(path: str) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://warm") as c:
            assert (await c.get(path)).status_code == 200

    def on_a_thread(path: str, *, own: bool) -> None:
        # a loop of its own on a thread of its own: this thread may be running one already
        # (Playwright's synchronous API, when browser tests ran first in this process)
        def run() -> None:
            if own:
                with own_requests():
                    asyncio.run(get(path))
            else:
                asyncio.run(get(path))

        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(run).result()

    on_a_thread("/page/1", own=True)
    assert activity.requests == 0
    on_a_thread("/page/2", own=False)
    assert activity.requests == 1
    assert activity.in_flight == 0


class _Versions:
    """The one thing the warmer asks its read layer: the visible releases' version."""

    def version(self, _: object) -> str:
        return "v1"


Served = tuple[str, Activity, threading.Event, list[str], Warmer]


@pytest.fixture(params=[30.0, 0.1], ids=["waits", "capped"])
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    activity = Activity()
    gate = threading.Event()
    rendered: list[str] = []
    app = _app(activity, gate, rendered)
    paths = [f"/page/{n}" for n in range(6)]
    q: object = _Versions()
    warmer = Warmer(
        app,
        q,
        paths=lambda: paths,
        activity=activity,
        quiet=0.05,
        cap=request.param,  # type: ignore[arg-type]
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", activity, gate, rendered, warmer
    gate.set()
    warmer.stop()
    server.should_exit = True
    thread.join(timeout=10)


def test_a_visitor_is_answered_while_the_warmer_waits_and_it_then_completes(
    served: Served,
) -> None:
    base, activity, gate, rendered, warmer = served
    answers: list[str] = []
    visitor = threading.Thread(
        target=lambda: answers.append(urllib.request.urlopen(base + "/slow").read().decode())
    )
    visitor.start()
    deadline = time.monotonic() + 10
    while activity.in_flight == 0:  # the visitor's request is in flight
        assert time.monotonic() < deadline
        time.sleep(0.01)
    warmer.start()
    if warmer.cap > 1:
        # The warmer holds back while the visitor's request is in flight (cap 30 s).
        assert not warmer.ready.wait(0.5)
        assert rendered == []
    else:
        # Sustained traffic: with the cap, the pass completes while the request is held.
        assert warmer.ready.wait(20)
        assert activity.in_flight == 1
    gate.set()  # the visitor's request completes and is answered
    visitor.join(10)
    assert answers == ["visitor"]
    assert warmer.ready.wait(20)  # the warmer renders every page
    assert warmer.passes == 1
    assert rendered == [f"/page/{n}" for n in range(6)]
    assert warmer.yielded > 0
    assert activity.requests == 1  # the warmer's own requests are not traffic


def test_switch_interval_is_short_while_a_page_renders_and_restored_after() -> None:
    import sys

    from healthgap.web.warm import _short_switches

    before = sys.getswitchinterval()
    with _short_switches(0.0005):
        with _short_switches(0.0005):  # a second warmer in the same process
            assert sys.getswitchinterval() == pytest.approx(0.0005)
        assert sys.getswitchinterval() == pytest.approx(0.0005)
    assert sys.getswitchinterval() == pytest.approx(before)
    with _short_switches(None):
        assert sys.getswitchinterval() == pytest.approx(before)


def test_mid_page_hook_pauses_while_a_request_is_in_flight_within_its_budget(
    clock: Clock,
) -> None:
    from healthgap.web.activity import pause_hook

    a = Activity(clock)
    stop = threading.Event()
    hook = pause_hook(a, stop, cap=1.0, step=0.01, sleep=clock.sleep)
    hook(None, "call", None)  # nobody waiting: no pause
    assert clock.sleeps == []
    a.begin()
    clock.at(100.3, a.end)
    hook(None, "return", None)  # only calls are pause points
    assert clock.sleeps == []
    hook(None, "call", None)  # paused until the request ended
    assert clock.now == pytest.approx(100.3, abs=0.011)
    a.begin()  # sustained: the rest of the 1 s budget, then never again for this page
    start = clock.now
    hook(None, "call", None)
    assert clock.now - start == pytest.approx(0.7, abs=0.011)
    clock.sleeps.clear()
    hook(None, "call", None)
    assert clock.sleeps == []
