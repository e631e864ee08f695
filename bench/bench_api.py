"""Benchmark: the REST API v1 under load (wrk), against a bare Starlette endpoint.

Run: ``.venv/bin/python bench/bench_api.py [--store PATH] [--seconds 10]``. Without
``--store`` it builds one with ``healthgap init`` in a temporary directory. It starts
``healthgap serve --read-only --no-warm`` (so every first request is a cold read) and a bare
Starlette app returning the same bytes from memory on the same transport (uvicorn on a
socket with serve's send buffer, ``healthgap.api.serving``; ``--send-buffer N`` sets both,
0 the kernel's automatic sizing), both on 127.0.0.1, then measures with ``wrk`` (Debian
package ``wrk``):

1. one indicator's time series for the 33 boroughs (``/v1/series``): requests/s and p99,
   and the ratio to the bare endpoint in the same run (targets: ≥ 2,000 req/s, p99 < 50 ms,
   ratio ≥ 0.5); then, labelled apart, the same with a field selection (``--fields``);
2. the latest value of every indicator for every London area in one request (< 100 ms);
3. the whole store's current values as Parquet (``/v1/bulk?format=parquet``, < 2 s).

Then it starts the default server (``--warm``: the API's hot answers built before it
listens) and times the first request of 2 and 3 there, and the start-up.

``--warm-only`` runs the second part alone, in more detail: the latest read right after
start, ``--crawl-requests`` more one every 2 s while the website's warmer crawls (it yields
to live traffic, ADR 0820), and once idle.

Prints markdown table rows for BENCHMARKS.md ("API (issue 13)").
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

SRC = str(Path(__file__).resolve().parents[1] / "src")
CLI = [sys.executable, "-c", "from healthgap.cli.main import app; app()"]
BOROUGH_SERIES = "/v1/series?indicator={ind}&area_type=ltla&parent=E12000007"

# The bare endpoint runs on the same transport as ``healthgap serve`` (its listening
# socket and send buffer, healthgap.api.serving), so the ratio compares the app alone.
_BARE = """
import sys
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

body = open(sys.argv[1], "rb").read()
port = int(sys.argv[2])

async def endpoint(request):
    return Response(body, media_type="application/json", headers={"ETag": 'W/"x"'})

app = Starlette(routes=[Route("/bare", endpoint)])
try:
    from healthgap.api import serving
except ImportError:  # a revision before serve had its own socket (--before)
    import uvicorn
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
else:
    size = int(sys.argv[3]) if len(sys.argv) > 3 else serving.SEND_BUFFER
    serving.run(app, host="127.0.0.1", port=port, send_buffer=size)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {url}")
        try:
            httpx.get(url, timeout=5)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise SystemExit(f"server did not start: {url}")


def wrk(
    url: str, seconds: int, threads: int = 2, connections: int = 16, gzip: bool = False
) -> tuple[float, float]:
    """(requests/s, p99 ms) from ``wrk --latency``."""
    header = ["-H", "Accept-Encoding: gzip"] if gzip else []
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *header, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert m is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    return rps, float(m.group(1)) * scale


def _cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) the process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(url: str, runs: int = 5, pid: int | None = None) -> tuple[float, float, int, float]:
    """(first request s, best of the next ``runs`` s — nan when none, bytes, server CPU s
    of the first request — nan without ``pid``). The CPU time does not depend on how
    busy the rest of the machine is; the wall time does."""
    with httpx.Client(timeout=120) as http:
        cpu0 = float("nan") if pid is None else _cpu(pid)
        t0 = time.perf_counter()
        r = http.get(url)
        first = time.perf_counter() - t0
        cpu = float("nan") if pid is None else _cpu(pid) - cpu0
        r.raise_for_status()
        best = float("nan") if runs == 0 else float("inf")
        for _ in range(runs):
            t0 = time.perf_counter()
            http.get(url).raise_for_status()
            best = min(best, time.perf_counter() - t0)
    return first, best, len(r.content), cpu


def _serve(store: Path, port: int, *flags: str) -> tuple[subprocess.Popen[bytes], float]:
    """``healthgap serve --read-only`` on ``port``; (process, seconds until it answers)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            *CLI,
            "serve",
            "--store",
            str(store),
            "--port",
            str(port),
            "--read-only",
            *flags,
            *_SEND_BUFFER,
        ],
        env=_env(),
    )
    _wait(f"http://127.0.0.1:{port}/v1/changelog", proc)
    return proc, time.perf_counter() - t0


#: ``--send-buffer N`` for every server started (empty: serve's default; --before).
_SEND_BUFFER: list[str] = []


def _idle(pid: int, limit: float = 240.0) -> float:
    """Wait until the process ``pid`` uses under 10% of a core over 3 s (the website's
    warmer, which renders every page in the server's background, has finished); return
    the seconds waited."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        cpu0 = _cpu(pid)
        time.sleep(3)
        if _cpu(pid) - cpu0 < 0.3:
            break
    return time.perf_counter() - t0


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None:
        proc.terminate()
        proc.wait(30)


def _warm_only(store: Path, latest_path: str, n: int, load_start: float) -> int:
    """Phase 2 alone, in more detail: the latest-of-everything read right after start,
    then ``n`` more one every 2 s while the website's warmer crawls (live traffic competes
    with it there), then once the server is idle. Prints one table row."""
    port = _port()
    api, started = _serve(store, port, "--warm")
    try:
        url = f"http://127.0.0.1:{port}" + latest_path
        first = _timed(url, runs=0)[0]
        during: list[float] = []
        for _ in range(n):
            time.sleep(2)
            during.append(_timed(url, runs=0)[0])
        busy = _cpu(api.pid)
        waited = _idle(api.pid)
        idle = _timed(url, runs=0)[0]
    finally:
        _stop(api)
    during.sort()
    ms = ", ".join(f"{d * 1000:,.0f}" for d in during)
    print(
        f"machine: nproc {os.cpu_count()}, load {load_start:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end"
    )
    print(
        f"| latest read with warming | start {started:.1f} s; first {first * 1000:,.0f} ms; "
        f"during the crawl (one every 2 s, sorted) {ms} ms — median "
        f"{during[len(during) // 2] * 1000:,.0f} ms, max {during[-1] * 1000:,.0f} ms; "
        f"idle {waited:.0f} s later (server CPU by then {busy:.0f} s): {idle * 1000:,.0f} ms |"
    )
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--indicator", default="life_expectancy")
    ap.add_argument(
        "--before",
        action="store_true",
        help="measure a revision whose serve has no --warm/--no-warm (it warmed nothing): "
        "phase 1 only, no flag passed",
    )
    ap.add_argument(
        "--warm-only",
        action="store_true",
        help="phase 2 only: the default server right after start, while the website's warmer "
        "renders every page, and once idle",
    )
    ap.add_argument(
        "--crawl-requests",
        type=int,
        default=8,
        help="with --warm-only: requests of the latest read, one every 2 s, during the crawl",
    )
    ap.add_argument(
        "--send-buffer",
        type=int,
        default=None,
        help="socket send buffer for both servers (serve --send-buffer; 0: the kernel's "
        "automatic sizing); default: serve's default",
    )
    ap.add_argument(
        "--fields",
        default="area_code,period_label,sex,value,lower95_0cl,upper95_0cl",
        help="the field selection measured beside the full series answer ('' : none)",
    )
    args = ap.parse_args()
    if args.send_buffer is not None:
        _SEND_BUFFER[:] = ["--send-buffer", str(args.send_buffer)]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="healthgap-bench-api-"))
    store = args.store
    if store is None:
        store = tmp / "store.duckdb"
        subprocess.run([*CLI, "init", "--store", str(store)], env=_env(), check=True)
    load_start = os.getloadavg()[0]
    latest_path = "/v1/values?parent=E12000007&latest=true"
    parquet_path = "/v1/bulk?format=parquet"
    api: subprocess.Popen[bytes] | None = None
    bare: subprocess.Popen[bytes] | None = None
    try:
        # 1. A server that warms nothing: every first request below is a cold read.
        if args.warm_only:
            return _warm_only(store, latest_path, args.crawl_requests, load_start)
        api_port, bare_port = _port(), _port()
        api, _ = _serve(store, api_port, *(() if args.before else ("--no-warm",)))
        base = f"http://127.0.0.1:{api_port}"
        series_url = base + BOROUGH_SERIES.format(ind=args.indicator)
        cpu0 = _cpu(api.pid)
        t0 = time.perf_counter()
        body = httpx.get(series_url, timeout=120)
        series_cold = time.perf_counter() - t0
        series_cpu = _cpu(api.pid) - cpu0
        body.raise_for_status()
        rows = len(body.json())
        gz_size = len(gzip.compress(body.content, 6))
        (tmp / "body.json").write_bytes(body.content)
        bare = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _BARE,
                str(tmp / "body.json"),
                str(bare_port),
                *_SEND_BUFFER[1:],
            ],
            env=_env(),
        )
        bare_url = f"http://127.0.0.1:{bare_port}/bare"
        _wait(bare_url, bare)
        httpx.get(series_url, headers={"Accept-Encoding": "gzip"}, timeout=120)

        api_rps, api_p99 = wrk(series_url, args.seconds)
        bare_rps, bare_p99 = wrk(bare_url, args.seconds)
        gz_rps, gz_p99 = wrk(series_url, args.seconds, gzip=True)
        picked_size, picked_rps, picked_p99 = 0, float("nan"), float("nan")
        if args.fields and not args.before:
            picked_url = series_url + "&fields=" + args.fields
            picked = httpx.get(picked_url, timeout=120)
            picked.raise_for_status()
            picked_size = len(picked.content)
            picked_rps, picked_p99 = wrk(picked_url, args.seconds)
        latest = _timed(base + latest_path, pid=api.pid)
        parquet = _timed(base + parquet_path, runs=2, pid=api.pid)
        _stop(api)
        _stop(bare)
        api = bare = None

        # 2. The default server: the API's hot answers are built before it listens.
        # First right after start (the website's warmer then renders every page in the
        # same process), and again once the server is idle.
        nan = (float("nan"), float("nan"), 0, float("nan"))
        latest_warm = parquet_warm = latest_idle = parquet_idle = nan
        started = waited = float("nan")
        if not args.before:
            warm_port = _port()
            api, started = _serve(store, warm_port, "--warm")
            warm_base = f"http://127.0.0.1:{warm_port}"
            latest_warm = _timed(warm_base + latest_path, runs=0)
            parquet_warm = _timed(warm_base + parquet_path, runs=0)
            waited = _idle(api.pid)
            latest_idle = _timed(warm_base + latest_path, runs=0)
            parquet_idle = _timed(warm_base + parquet_path, runs=0)
    finally:
        _stop(api)
        _stop(bare)
        shutil.rmtree(tmp, ignore_errors=True)

    load = os.getloadavg()[0]
    import importlib.util

    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    buffer = "serve's default" if not _SEND_BUFFER else _SEND_BUFFER[1]
    machine = (
        f"nproc {os.cpu_count()}, load {load_start:.1f} at start, {load:.1f} at end, "
        f"send buffer {buffer}, "
        f"Python {platform.python_version()}, {platform.machine()}, uvicorn HTTP parser {parser}"
    )
    print(f"machine: {machine}")
    print("| benchmark | result | target |")
    print("|---|---|---|")
    print(
        f"| `/v1/series` {args.indicator}, 33 boroughs ({rows} rows, {len(body.content):,} B; "
        f"{gz_size:,} B gzipped), wrk -t2 -c16 -d{args.seconds}s | {api_rps:,.0f} req/s, "
        f"p99 {api_p99:.1f} ms | ≥ 2,000 req/s, p99 < 50 ms |"
    )
    print(
        f"| bare Starlette, same bytes from memory, same run | {bare_rps:,.0f} req/s, "
        f"p99 {bare_p99:.1f} ms; **ratio API/bare {api_rps / bare_rps:.2f}** | ratio ≥ 0.5 |"
    )
    print(
        f"| `/v1/series` as above with `Accept-Encoding: gzip` (compressed once, cached) "
        f"| {gz_rps:,.0f} req/s, p99 {gz_p99:.1f} ms | ≥ 2,000 req/s, p99 < 50 ms |"
    )
    if picked_size:
        print(
            f"| `/v1/series` as above with `fields={args.fields}` ({picked_size:,} B), "
            f"uncompressed | {picked_rps:,.0f} req/s, p99 {picked_p99:.1f} ms | — |"
        )
    print(
        f"| `/v1/series` first request, cold (`--no-warm`) | {series_cold * 1000:,.0f} ms "
        f"(server CPU {series_cpu * 1000:,.0f} ms) | — |"
    )
    print(
        f"| latest value of every indicator, every London area (`{latest_path}`, "
        f"{latest[2]:,} B) | cold (`--no-warm`) {latest[0] * 1000:,.0f} ms (server CPU "
        f"{latest[3] * 1000:,.0f} ms); repeat "
        f"{latest[1] * 1000:,.1f} ms; with warming: first right after start "
        f"{latest_warm[0] * 1000:,.0f} ms, first once the server is idle "
        f"{latest_idle[0] * 1000:,.0f} ms | < 100 ms |"
    )
    print(
        f"| whole store's current values as Parquet (`{parquet_path}`, {parquet[2]:,} B) "
        f"| cold (`--no-warm`) {parquet[0]:.2f} s (server CPU {parquet[3]:.2f} s); repeat "
        f"{parquet[1]:.2f} s; with warming: first right after start {parquet_warm[0]:.2f} s, "
        f"first once the server is idle {parquet_idle[0]:.2f} s | < 2 s |"
    )
    print(
        f"| server start until it answers, with warming | {started:.1f} s (then idle after "
        f"{waited:.0f} s more) | — |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
