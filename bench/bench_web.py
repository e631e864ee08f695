"""Website benchmark (issue 14): server time and bytes per page type, p50/p95, warm server;
a crawl of every page.

Usage: ``python bench/bench_web.py [STORE] [--no-warm]`` (default: a store built by
``healthgap init`` in a temporary folder). Serves the website with uvicorn on 127.0.0.1 and
waits for the warmer's first pass (every page rendered once: its time is the cold crawl),
then for each page type: the first load (a browser's first visit, gzip), ``REPEAT`` more
loads (wall time and the server's own time from ``Server-Timing``, p50/p95), the bytes sent
(gzip) and the HTML's size; the first load of a view the warmer did not render (another
sex/benchmark: the read layer is warm, the charts are not); then a crawl of every page
(all boroughs, ICBs, indicators, commitments, lists) with its total time. ``--no-warm``
measures the old behaviour: no warmer, so each page's first load is cold. Also times a
33-borough choropleth's SVG render (uncached) and the vega-embed bundle's size. Not a test:
nothing here asserts a time.
"""

from __future__ import annotations

import gzip
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import uvicorn
from fastapi import FastAPI

REPEAT = 20
PAGES = {
    "home": "/",
    "indicator": "/indicators/healthy_life_expectancy",
    "area (borough)": "/areas/E09000002",
    "area (ICB)": "/areas/E54000029",
    "area (London)": "/areas/E12000007",
    "overview": "/overview",
    "commitments": "/commitments",
    "search": "/search?q=hackney",
    "releases": "/releases",
    "sources": "/sources",
    "methods": "/methods",
}
#: Views the warmer does not render: their first load is computed on request.
UNWARMED = {
    "indicator, male, vs England": "/indicators/healthy_life_expectancy?sex=male&benchmark=england",
    "overview, focus area, sorted": "/overview?focus=tobacco&sort=area:E09000002",
    "overview, aim, vs England": "/overview?benchmark=england&aim=healthy_places&sort=worse",
}


def _get(url: str) -> tuple[float, float, int, int]:
    """(wall seconds, server ms, bytes sent, HTML bytes) of one gzip GET."""
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        body = r.read()
        timing = r.headers.get("Server-Timing", "app;dur=nan")
        coded = r.headers.get("Content-Encoding") == "gzip"
    wall = time.perf_counter() - t
    html = len(gzip.decompress(body)) if coded else len(body)
    return wall, float(timing.rsplit("=", 1)[-1]), len(body), html


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main() -> int:
    from healthgap.charts import choropleth
    from healthgap.query import open_read_layer, public
    from healthgap.web import mount_website, site_paths

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    warm = "--no-warm" not in sys.argv
    if args:
        store = Path(args[0])
    else:
        from typer.testing import CliRunner

        from healthgap.cli.main import app as cli

        store = Path(tempfile.mkdtemp()) / "healthgap.duckdb"
        CliRunner().invoke(cli, ["init", "--store", str(store)])
    q = open_read_layer(store)
    app = FastAPI()
    started = time.perf_counter()
    warmer = mount_website(app, q, warm=warm)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start"
    )
    if warmer is not None:
        warmer.ready.wait()
        print(
            f"warm-up (the cold crawl): {len(site_paths(q))} pages rendered in "
            f"{warmer.seconds:.1f} s; server ready after {time.perf_counter() - started:.1f} s"
        )
    print(f"load average {os.getloadavg()[0]:.1f} after warm-up")
    print(
        "\n| page | first load (s) | p50 (ms) | p95 (ms) | server p50 (ms) | server p95 (ms) "
        "| bytes sent (gzip) | HTML bytes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, path in PAGES.items():
        first, _, sent, html = _get(base + path)
        runs = [_get(base + path) for _ in range(REPEAT)]
        walls = [r[0] * 1000 for r in runs]
        servers = [r[1] for r in runs]
        print(
            f"| {name} | {first:.2f} | {statistics.median(walls):.1f} | {_pct(walls, 0.95):.1f} "
            f"| {statistics.median(servers):.1f} | {_pct(servers, 0.95):.1f} "
            f"| {sent:,} | {html:,} |"
        )
    print("\n| view not rendered by the warmer | first load (s) | bytes sent | HTML bytes |")
    print("|---|---:|---:|---:|")
    for name, path in UNWARMED.items():
        first, _, sent, html = _get(base + path)
        print(f"| {name} | {first:.2f} | {sent:,} | {html:,} |")
    paths = site_paths(q)
    t = time.perf_counter()
    times, sent_total, html_total = [], 0, 0
    for p in paths:
        wall, _, sent, html = _get(base + p)
        times.append(wall)
        sent_total += sent
        html_total += html
    print(
        f"\ncrawl of every page: {len(paths)} pages, {time.perf_counter() - t:.1f} s, "
        f"slowest {max(times):.2f} s ({paths[times.index(max(times))]}), "
        f"{sent_total:,} bytes sent ({html_total:,} of HTML); largest page sent "
        f"{max(_get(base + p)[2] for p in paths):,} bytes"
    )
    rows = q.latest(public(), indicator="healthy_life_expectancy", area_type="ltla", sex="female")
    chart = choropleth(rows, q.boundaries("ltla"), title="bench")
    import vl_convert as vlc

    vlc.vegalite_to_svg(chart.spec)
    t = time.perf_counter()
    for _ in range(5):
        vlc.vegalite_to_svg(chart.spec)
    print(
        "choropleth SVG render (33 boroughs, uncached, warm): "
        f"{(time.perf_counter() - t) / 5:.3f} s; SVG {len(chart.svg()):,} bytes"
    )
    _, _, sent, size = _get(base + "/static/vega-bundle.js")
    print(f"vega-embed bundle: {size:,} bytes ({sent:,} gzip), cached by the browser for a day")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    server.should_exit = True
    thread.join()
    q.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
