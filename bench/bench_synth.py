"""Benchmark Synthetic London: rows per second and peak memory for 1M and 10M event rows.

Run: ``.venv/bin/python bench/bench_synth.py [ROWS ...]`` (default 1000000 10000000). Each size
runs in a fresh subprocess so peak RSS (``resource.getrusage``) is that run's alone; the time
excludes loading the real inputs (reported separately). Also reports the size of the
``population/`` denominators (by LSOA × sex × age × ethnic group, zero cells omitted) and times
validating the output's largest table with ``healthgap.engine.records``. Prints a markdown
table.
"""

from __future__ import annotations

import json
import subprocess
import sys

_CHILD = """
import json, pathlib, resource, sys, tempfile, time
t0 = time.perf_counter()
from healthgap.engine.synth import generate_synthetic_london, _model
from healthgap.engine.records import validate_records
_model()
t1 = time.perf_counter()
with tempfile.TemporaryDirectory() as d:
    s = generate_synthetic_london(d + "/o", rows=int(sys.argv[1]), seed=1)
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pop_mb = sum(f.stat().st_size for f in pathlib.Path(d, "o", "population").iterdir()) / 1e6
    validate_records(d + "/o/registers", schema="registers", lsoa_vintage="lsoa11")
    t3 = time.perf_counter()
print(json.dumps({"rows": s.event_rows, "setup": t1 - t0, "generate": t2 - t1,
                  "validate": t3 - t2, "rss_mb": rss, "files": sum(map(len, s.files.values())),
                  "pop_rows": s.rows["population"], "pop_mb": pop_mb}))
"""


def main(sizes: list[int]) -> None:
    print(
        "| rows asked | rows written | setup s | generate s | rows/s | peak RSS MB | "
        "population rows | population MB | validate registers s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(n)], check=True, capture_output=True, text=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {n:,} | {r['rows']:,} | {r['setup']:.1f} | {r['generate']:.1f} | "
            f"{r['rows'] / r['generate']:,.0f} | {r['rss_mb']:.0f} | {r['pop_rows']:,} | "
            f"{r['pop_mb']:.1f} | {r['validate']:.1f} |"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000])
