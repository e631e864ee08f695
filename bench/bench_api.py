"""Benchmark: the REST API v1 under load (wrk), against a bare Starlette endpoint.

Run: ``.venv/bin/python bench/bench_api.py [--store PATH] [--seconds 10]``. Without
``--store`` it builds one with ``healthgap init`` in a temporary directory. It starts
``healthgap serve`` and a bare Starlette app (uvicorn, same settings) returning the same bytes
from memory, both on 127.0.0.1, then measures with ``wrk`` (Debian package ``wrk``):

1. one indicator's time series for the 33 boroughs (``/v1/series``): requests/s and p99,
   and the ratio to the bare endpoint in the same run (targets: ≥ 2,000 req/s, p99 < 50 ms,
   ratio ≥ 0.5);
2. the latest value of every indicator for every London area in one request (< 100 ms);
3. the whole store's current values as Parquet (``/v1/bulk?format=parquet``, < 2 s).

Prints markdown table rows for BENCHMARKS.md ("API (issue 13)").
"""

from __future__ import annotations

import argparse
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

_BARE = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

body = open(sys.argv[1], "rb").read()

async def endpoint(request):
    return Response(body, media_type="application/json", headers={"ETag": 'W/"x"'})

app = Starlette(routes=[Route("/bare", endpoint)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
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


def _timed(url: str, runs: int = 5) -> tuple[float, float, int]:
    """(first request s, best of the next ``runs`` s, bytes)."""
    with httpx.Client(timeout=120) as http:
        t0 = time.perf_counter()
        r = http.get(url)
        first = time.perf_counter() - t0
        r.raise_for_status()
        best = float("inf")
        for _ in range(runs):
            t0 = time.perf_counter()
            http.get(url).raise_for_status()
            best = min(best, time.perf_counter() - t0)
    return first, best, len(r.content)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--indicator", default="life_expectancy")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="healthgap-bench-api-"))
    store = args.store
    if store is None:
        store = tmp / "store.duckdb"
        subprocess.run([*CLI, "init", "--store", str(store)], env=_env(), check=True)
    api_port, bare_port = _port(), _port()
    api = subprocess.Popen(
        [*CLI, "serve", "--store", str(store), "--port", str(api_port), "--read-only"],
        env=_env(),
    )
    bare: subprocess.Popen[bytes] | None = None
    try:
        base = f"http://127.0.0.1:{api_port}"
        _wait(f"{base}/v1/releases", api)
        series_url = base + BOROUGH_SERIES.format(ind=args.indicator)
        t0 = time.perf_counter()
        body = httpx.get(series_url, timeout=120)
        series_cold = time.perf_counter() - t0
        body.raise_for_status()
        rows = len(body.json())
        (tmp / "body.json").write_bytes(body.content)
        bare = subprocess.Popen(
            [sys.executable, "-c", _BARE, str(tmp / "body.json"), str(bare_port)], env=_env()
        )
        bare_url = f"http://127.0.0.1:{bare_port}/bare"
        _wait(bare_url, bare)

        api_rps, api_p99 = wrk(series_url, args.seconds)
        bare_rps, bare_p99 = wrk(bare_url, args.seconds)
        gz_rps, gz_p99 = wrk(series_url, args.seconds, gzip=True)
        latest = _timed(f"{base}/v1/values?parent=E12000007&latest=true")
        parquet = _timed(f"{base}/v1/bulk?format=parquet", runs=2)
    finally:
        for p in (api, bare):
            if p is not None:
                p.terminate()
                p.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)

    load = os.getloadavg()[0]
    import importlib.util

    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    machine = (
        f"nproc {os.cpu_count()}, load {load:.1f}, Python {platform.python_version()}, "
        f"{platform.machine()}, uvicorn HTTP parser {parser}"
    )
    print("| benchmark | result | target | machine |")
    print("|---|---|---|---|")
    print(
        f"| `/v1/series` {args.indicator}, 33 boroughs ({rows} rows, {len(body.content):,} B), "
        f"wrk -t2 -c16 -d{args.seconds}s | {api_rps:,.0f} req/s, p99 {api_p99:.1f} ms "
        f"| ≥ 2,000 req/s, p99 < 50 ms | {machine} |"
    )
    print(
        f"| `/v1/series` as above, first request (cold: no cached answer) "
        f"| {series_cold * 1000:,.0f} ms | — | {machine} |"
    )
    print(
        f"| bare Starlette, same bytes from memory, same run | {bare_rps:,.0f} req/s, "
        f"p99 {bare_p99:.1f} ms; ratio API/bare {api_rps / bare_rps:.2f} | ratio ≥ 0.5 "
        f"| {machine} |"
    )
    print(
        f"| `/v1/series` as above with `Accept-Encoding: gzip` (compressed once, cached) "
        f"| {gz_rps:,.0f} req/s, p99 {gz_p99:.1f} ms | ≥ 2,000 req/s, p99 < 50 ms | {machine} |"
    )
    print(
        f"| latest value of every indicator, every London area (`/v1/values?parent=E12000007"
        f"&latest=true`, {latest[2]:,} B) | first {latest[0] * 1000:,.0f} ms, "
        f"repeat {latest[1] * 1000:,.1f} ms | < 100 ms | {machine} |"
    )
    print(
        f"| whole store's current values as Parquet (`/v1/bulk?format=parquet`, "
        f"{parquet[2]:,} B) | first {parquet[0]:.2f} s, repeat {parquet[1]:.2f} s | < 2 s "
        f"| {machine} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
