"""Benchmark: a first-run store build from the bundled data (target: under 60 s on 2 cores).

Run: ``.venv/bin/python bench/bench_store_build.py``. Prints one markdown table row with the
total seconds, the part spent reading files and the part spent writing the store, the rows
and releases loaded, and the machine; then times the idempotent second run (as ``healthgap
init`` does it: each release's files checksummed, nothing parsed, every release held).
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from healthgap.sources import bundled_releases, pending_bundled_releases
from healthgap.store import open_store


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        start = time.perf_counter()
        read_s = load_s = 0.0
        rows = releases = 0
        with open_store(path) as store:
            it = iter(bundled_releases())
            while True:
                t0 = time.perf_counter()
                release = next(it, None)
                read_s += time.perf_counter() - t0
                if release is None:
                    break
                t0 = time.perf_counter()
                store.load_release(release)
                load_s += time.perf_counter() - t0
                tables = (release.values, release.population, release.deaths, release.deprivation)
                rows += sum(t.num_rows for t in tables if t is not None)
                releases += 1
        total = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6

        t0 = time.perf_counter()
        with open_store(path) as store:
            skipped = sum(
                store.has_release(p.source, p.sha256s) for p in pending_bundled_releases()
            )
        again = time.perf_counter() - t0

    machine = (
        f"nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"DuckDB {version('duckdb')}, PyArrow {version('pyarrow')}, {platform.machine()}"
    )
    print("| benchmark | seconds | detail | machine |")
    print("|---|---|---|---|")
    print(
        f"| store build, first run (bundled data) | {total:.1f} | read {read_s:.1f} s + "
        f"write {load_s:.1f} s; {rows:,} rows in {releases} releases; file {size_mb:.0f} MB "
        f"| {machine} |"
    )
    print(
        f"| store build, second run (all {skipped} releases already held) | {again:.1f} | "
        f"checksum only, nothing parsed | {machine} |"
    )
    return 0 if total < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
