"""Reports benchmark (issue 15): the annual report (HTML and PDF) and all 33 borough
briefings (HTML and PDF), end to end from a freshly opened read layer.

Usage: ``python bench/bench_reports.py [STORE]`` (default: a store built by ``healthgap init``
in a temporary folder). Targets on the 2-core reference machine: annual < 30 s, 33 briefings
< 60 s. Prints a markdown table with the machine it ran on. Not a test: nothing here asserts
a time.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

AS_OF = date(2026, 11, 30)
LOAD0 = os.getloadavg()


def main() -> int:
    from healthgap.geography import LONDON_BOROUGHS
    from healthgap.query import open_read_layer
    from healthgap.reports import build_annual, build_boroughs, write_reports

    if len(sys.argv) > 1:
        store = Path(sys.argv[1])
    else:
        from typer.testing import CliRunner

        from healthgap.cli.main import app as cli

        store = Path(tempfile.mkdtemp()) / "healthgap.duckdb"
        CliRunner().invoke(cli, ["init", "--store", str(store)])
    out = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    rows: list[tuple[str, float, str]] = []
    cpu0 = _cpu()

    t0 = time.perf_counter()
    q = open_read_layer(store)
    report = build_annual(q, AS_OF.year, AS_OF)
    t1 = time.perf_counter()
    written = write_reports([report], out / "annual", pdf=False)
    t2 = time.perf_counter()
    size = written[0].stat().st_size
    written = write_reports([report], out / "annual", pdf=True)
    t3 = time.perf_counter()
    cpu1 = _cpu()
    pages = _pages(out / "annual" / f"annual-{AS_OF.year}.pdf")
    rows += [
        ("annual: build (cold read layer)", t1 - t0, f"{len(report.charts)} charts"),
        ("annual: HTML (charts to SVG, two at a time)", t2 - t1, f"{size / 1e6:.2f} MB"),
        ("annual: HTML again (SVG cached) + print PDF", t3 - t2, f"{pages} pages"),
        ("**annual report, HTML and PDF**", t3 - t0, "target < 30 s"),
        ("annual: CPU seconds (this process + Chromium)", cpu1 - cpu0, "machine shared"),
    ]
    q.close()
    del written

    t0 = time.perf_counter()
    q = open_read_layer(store)
    briefings = build_boroughs(q, LONDON_BOROUGHS, AS_OF)
    t1 = time.perf_counter()
    files = write_reports(briefings, out / "boroughs", pdf=True)
    t2 = time.perf_counter()
    cpu2 = _cpu()
    counts = [_pages(p) for p in files if p.suffix == ".pdf"]
    rows += [
        ("33 briefings: build (cold read layer)", t1 - t0, ""),
        ("33 briefings: HTML + PDF (one browser)", t2 - t1, f"{min(counts)}–{max(counts)} pages"),
        ("33 briefings: pages (PDF count by length)", 0.0, str(sorted(Counter(counts).items()))),
        ("**all 33 borough briefings, HTML and PDF**", t2 - t0, "target < 60 s"),
        ("33 briefings: CPU seconds (this process + Chromium)", cpu2 - cpu1, "machine shared"),
    ]
    q.close()

    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load average at the start {LOAD0[0]:.1f} / "
        f"{LOAD0[1]:.1f}, at the end {load[0]:.1f} / {load[1]:.1f}"
    )
    print("\n| step | seconds | note |\n|---|---:|---|")
    for name, secs, note in rows:
        print(f"| {name} | {secs:.1f} | {note} |")
    return 0


def _cpu() -> float:
    """CPU seconds used by this process and its finished children (Playwright, Chromium):
    on a shared machine a fairer figure than the wall clock."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _pages(pdf: Path) -> int:
    import subprocess

    got = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    line = next(x for x in got.stdout.splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


if __name__ == "__main__":
    raise SystemExit(main())
