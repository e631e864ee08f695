"""Website benchmark (issue 14): server time and bytes per page type, p50/p95, warm server.

Usage: ``python bench/bench_web.py [STORE]`` (default: a store built by ``healthgap init``
in a temporary folder). Serves the website with uvicorn on 127.0.0.1, requests each page
type once cold and ``REPEAT`` times warm, then crawls every borough, indicator and the
other pages once, and prints a markdown table. Also times a 33-borough choropleth's SVG
render (uncached) and the vega-embed bundle's size. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

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
    "area": "/areas/E09000002",
    "overview": "/overview",
    "commitments": "/commitments",
    "search": "/search?q=hackney",
    "releases": "/releases",
    "sources": "/sources",
    "methods": "/methods",
}


def _get(url: str) -> tuple[float, int]:
    t = time.perf_counter()
    with urllib.request.urlopen(url) as r:
        n = len(r.read())
    return time.perf_counter() - t, n


def main() -> int:
    from healthgap.charts import choropleth
    from healthgap.query import open_read_layer, public
    from healthgap.web import mount_website

    if len(sys.argv) > 1:
        store = Path(sys.argv[1])
    else:
        from typer.testing import CliRunner

        from healthgap.cli.main import app as cli

        store = Path(tempfile.mkdtemp()) / "healthgap.duckdb"
        CliRunner().invoke(cli, ["init", "--store", str(store)])
    q = open_read_layer(store)
    app = FastAPI()
    mount_website(app, q)
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
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    print("\n| page | cold (s) | warm p50 (ms) | warm p95 (ms) | bytes |")
    print("|---|---:|---:|---:|---:|")
    for name, path in PAGES.items():
        cold, size = _get(base + path)
        warm = sorted(_get(base + path)[0] for _ in range(REPEAT))
        p95 = warm[min(len(warm) - 1, int(0.95 * len(warm)))]
        print(
            f"| {name} | {cold:.2f} | {statistics.median(warm) * 1000:.1f} | "
            f"{p95 * 1000:.1f} | {size:,} |"
        )
    rows = q.latest(public(), indicator="healthy_life_expectancy", area_type="ltla", sex="female")
    chart = choropleth(rows, q.boundaries("ltla"), title="bench")
    import vl_convert as vlc

    vlc.vegalite_to_svg(chart.spec)
    t = time.perf_counter()
    for _ in range(5):
        vlc.vegalite_to_svg(chart.spec)
    print(
        "\nchoropleth SVG render (33 boroughs, uncached, warm): "
        f"{(time.perf_counter() - t) / 5:.3f} s; "
        f"SVG {len(chart.svg()):,} bytes"
    )
    t, n = _get(base + "/static/vega-bundle.js")
    print(f"vega-embed bundle: {n:,} bytes")
    paths = [f"/areas/{a.code}" for a in q.areas(area_type="ltla", parent="E12000007")]
    paths += ["/areas/E12000007"] + [f"/indicators/{i.id}" for i in q.indicators()]
    paths += ["/commitments", "/overview?benchmark=england", "/indicators", "/areas"]
    t = time.perf_counter()
    total = sum(_get(base + p)[1] for p in paths)
    print(
        f"crawl: {len(paths)} pages, {total:,} bytes, {time.perf_counter() - t:.1f} s (cold cache)"
    )
    server.should_exit = True
    thread.join()
    q.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
