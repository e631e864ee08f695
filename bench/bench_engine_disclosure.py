"""Time ``healthgap compute``'s engine and its disclosure control, cells withheld per indicator.

Run: ``PYTHONPATH=SRC .venv/bin/python bench/bench_engine_disclosure.py DIR [DIR ...]`` where
each ``DIR`` is a ``healthgap synth`` output (the README's ``synth --rows 60000 --seed 1``;
``--rows 170000 --seed 3``). ``SRC`` is the ``src`` of the tree to measure: a ``git archive``
of main's for "before", this tree's for "after", with the same interpreter.

Per input, ``run_engine`` (DuckDB, no checksums, no store write, comparisons and HEAT on, as
``compute`` runs it) once: the load average before and after, wall and CPU seconds of the run,
its disclosure stage (``stage_seconds``), and per indicator the cells withheld (primary +
secondary) and how the audits of small counts were settled. ``--rolling`` turns
``pipeline.ROLLING_PERIODS`` on for the run (overlapping periods audited exactly, ADR 0611; the
default since 2026-12-07), ``--per-period`` off (each period's table alone), so that trees from
before and after the default changed can be compared with the same flags.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import healthgap.engine.pipeline as pipeline
from healthgap.engine.pipeline import run_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", type=Path, nargs="+")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--rolling", action="store_true", help="ROLLING_PERIODS on")
    mode.add_argument("--per-period", action="store_true", help="ROLLING_PERIODS off")
    args = parser.parse_args()
    if args.rolling:
        pipeline.ROLLING_PERIODS = True
    if args.per_period:
        pipeline.ROLLING_PERIODS = False
    for directory in args.inputs:
        load = os.getloadavg()
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_engine(directory, backend="duckdb", checksums=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        stages = result.provenance["stage_seconds"]
        assert isinstance(stages, dict)
        print(
            f"{directory}: run {wall:.1f} s wall, {cpu:.1f} CPU s; disclosure "
            f"{stages['disclosure']:.1f} s wall; {result.values.num_rows:,} values; load "
            f"{load[0]:.2f} before, {os.getloadavg()[0]:.2f} after"
        )
        total = 0
        for name, r in sorted(result.disclosure.items()):
            total += r.primary + r.secondary
            print(
                f"  {name}: withheld {r.primary + r.secondary:,} ({r.primary:,} primary + "
                f"{r.secondary:,} secondary)"
            )
        print(f"  all: withheld {total:,}")


if __name__ == "__main__":
    main()
