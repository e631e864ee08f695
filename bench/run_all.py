"""Run every benchmark in bench/ in turn, each in its own process, and print their reports.

Usage: ``python bench/run_all.py`` (or ``make bench``). Each benchmark prints a markdown
table with the machine it ran on; copy the figures into BENCHMARKS.md. Benchmarks are not
tests: nothing here asserts a time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = (
    "bench_methods_core.py",
    "bench_methods_inequality.py",
    "bench_store_build.py",
    "bench_synth.py",
    "bench_engine.py",
    "bench_web.py",
    "bench_web_profiles.py",
    "bench_partners.py",
    "bench_reports.py",
)


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = 0
    for name in BENCHES:
        path = here / name
        if not path.exists():
            continue
        print(f"\n## {name}\n", flush=True)
        failed += subprocess.call([sys.executable, str(path)]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
