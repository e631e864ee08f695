"""Partner tools benchmark (issue 16): an impact assessment of one ward's LSOAs, end to end
through the website (uvicorn on 127.0.0.1): the HTML report page, then its PDF download.

Usage: ``python bench/bench_partners.py [STORE] [WARD]`` (default: a store built by
``healthgap init`` in a temporary folder; ward Notting Dale, E05009399). The LSOAs are pasted
as a list of codes, as a user would. Prints the times of ``REPEAT`` runs (each run a new
assessment: the website does not cache assessments). Not a test: nothing asserts a time.
"""

from __future__ import annotations

import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import uvicorn
from fastapi import FastAPI

REPEAT = 3
WARD = "E05009399"  # Notting Dale, Kensington and Chelsea


def _get(url: str) -> tuple[float, bytes]:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        body = r.read()
    return time.perf_counter() - t, body


def main() -> int:
    from healthgap.geography import load_geography
    from healthgap.query import open_read_layer
    from healthgap.web import mount_website

    if len(sys.argv) > 1:
        store = Path(sys.argv[1])
    else:
        from typer.testing import CliRunner

        from healthgap.cli.main import app as cli

        store = Path(tempfile.mkdtemp()) / "healthgap.duckdb"
        CliRunner().invoke(cli, ["init", "--store", str(store)])
    ward = sys.argv[2] if len(sys.argv) > 2 else WARD
    lsoas = sorted(a.code for a in load_geography().children(ward, area_type="lsoa21"))
    q = open_read_layer(store)
    app = FastAPI()
    mount_website(app, q)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    query = urllib.parse.urlencode(
        {"areas": "\n".join(lsoas), "title": "Benchmark: moving a clinic", "description": "x"}
    )
    rows = []
    for _ in range(REPEAT):
        t_html, html = _get(f"{base}/impact-assessment?{query}")
        t_pdf, pdf = _get(f"{base}/impact-assessment.pdf?{query}")
        assert pdf.startswith(b"%PDF"), pdf[:100]
        rows.append((t_html, t_pdf, len(html), len(pdf)))
    server.should_exit = True
    q.close()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"ward {ward}: {len(lsoas)} LSOAs; {REPEAT} runs")
    print("| run | HTML page (s) | PDF download (s) | end to end (s) | HTML bytes | PDF bytes |")
    print("|---:|---:|---:|---:|---:|---:|")
    for i, (a, b, n_html, n_pdf) in enumerate(rows, 1):
        print(f"| {i} | {a:.2f} | {b:.2f} | {a + b:.2f} | {n_html:,} | {n_pdf:,} |")
    total = [a + b for a, b, _, _ in rows]
    print(f"median end to end: {statistics.median(total):.2f} s; max {max(total):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
