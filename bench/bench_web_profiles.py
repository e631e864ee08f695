"""Indicator and area pages (issue 14 pages 3 and 4): server time and bytes per page.

Usage: ``python bench/bench_web_profiles.py STORE [URL ...]``. Serves the website with
uvicorn on 127.0.0.1 over STORE, requests each URL once cold (empty page cache, read layer
warm from the previous page only) and ``REPEAT`` times warm (page cache), and prints a
markdown table of the server's own time (``Server-Timing``), the wall time and the bytes
of the HTML (inline SVG and specs; the cached vega-embed bundle excluded). The page warmer
is off, so "cold" is what a page costs before the warmer has reached it. Not a test.
"""

from __future__ import annotations

import socket
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

import uvicorn
from fastapi import FastAPI

REPEAT = 20
URLS = (
    "/indicators/life_expectancy",
    "/indicators/healthy_life_expectancy",
    "/indicators/smoking_prevalence",
    "/indicators/pm25_annual_mean",
    "/areas/E09000012",
    "/areas/E09000002",
    "/areas/E54000027",
    "/areas/E12000007",
)


def _get(url: str) -> tuple[float, float, int]:
    t = time.perf_counter()
    with urllib.request.urlopen(url) as r:
        body = r.read()
        timing = r.headers.get("Server-Timing", "app;dur=nan")
    server = float(timing.split("dur=")[1]) / 1000
    return server, time.perf_counter() - t, len(body)


def main() -> int:
    from healthgap.query import open_read_layer
    from healthgap.web import mount_website

    if len(sys.argv) > 1:
        store = Path(sys.argv[1])
    else:  # run_all: a fresh store built from the bundled data
        import tempfile

        from typer.testing import CliRunner

        from healthgap.cli.main import app as cli

        store = Path(tempfile.mkdtemp()) / "healthgap.duckdb"
        CliRunner().invoke(cli, ["init", "--store", str(store)])
    urls = tuple(sys.argv[2:]) or URLS
    q = open_read_layer(store)
    app = FastAPI()
    mount_website(app, q, warm=False)  # cold means cold: no background warmer
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    print("| page | cold server (s) | cold wall (s) | warm p50 (ms) | warm p95 (ms) | bytes |")
    print("|---|---:|---:|---:|---:|---:|")
    for url in urls:
        cold_s, cold_w, n = _get(base + url)
        warm = sorted(_get(base + url)[1] for _ in range(REPEAT))
        p50 = statistics.median(warm) * 1000
        p95 = warm[int(0.95 * (len(warm) - 1))] * 1000
        print(f"| {url} | {cold_s:.2f} | {cold_w:.2f} | {p50:.1f} | {p95:.1f} | {n:,} |")
    server.should_exit = True
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
