"""Time disclosure control with the relation families ``compute`` leaves off (issue 11, item 6).

Run: ``.venv/bin/python bench/bench_disclosure_families.py DIR [--families both] [--limit 600]``
where ``DIR`` is a ``healthgap synth`` output (e.g. ``synth --rows 170000 --seed 3``).

``run_engine`` runs once with ``protect_many`` replaced by a recorder (nothing protected), keeping
each indicator's values and rule: the blocks ``compute`` protects. Then, in this process:

- **per indicator**: ``protect`` on each block, as ``compute`` did before 2026-12-07
  (it now protects subset indicators together per period: the joint ``subsets`` run);
- **per indicator with rolling periods** (``--families periods-each``): ``protect(...,
  periods=True)`` on each block, as ``compute`` would with ``ROLLING_PERIODS`` on;
- **joint**: ``protect_many`` on every block together, with overlapping rolling periods
  (``--families periods``), subset indicators (``subsets``; pairs from
  ``healthgap.engine.recipes.subset_pairs``), or both.

With rolling periods, suppression is consistent across overlapping periods unless
``--inconsistent`` (``protect_many(consistent=False)``: the pattern before 2026-12-07 10:20 UTC).
Each is stopped after ``--limit`` seconds (reported as not finished). Prints wall and CPU
seconds, withheld counts and the audit counters (``DisclosureReport``).
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

import healthgap.engine.pipeline as pipeline
from healthgap.catalogue import load_catalogue
from healthgap.engine.disclosure import DisclosureReport, DisclosureRule, protect, protect_many
from healthgap.engine.recipes import EngineRecipe, compile_recipe, subset_pairs


class _TooLateError(Exception):
    pass


def _blocks(input_dir: Path) -> list[tuple[str, pa.Table, DisclosureRule]]:
    got: list[tuple[str, pa.Table, DisclosureRule]] = []

    def record(blocks: list[tuple[pa.Table, DisclosureRule]], **_: Any) -> Any:
        for values, rule in blocks:
            got.append((str(values["indicator_id"][0].as_py()), values, rule))
        return [(values, DisclosureReport(0, 0, 0, 0, 0)) for values, _ in blocks]

    real = pipeline.protect_many
    pipeline.protect_many = record  # type: ignore[assignment]
    try:
        pipeline.run_engine(input_dir, backend="duckdb", checksums=False, comparisons=False)
    finally:
        pipeline.protect_many = real
    return got


def _timed(label: str, limit: int, run: Any) -> None:
    def late(*_: Any) -> None:
        raise _TooLateError

    signal.signal(signal.SIGALRM, late)
    signal.alarm(limit)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        reports: list[tuple[str, DisclosureReport]] = run()
    except _TooLateError:
        print(f"{label}: not finished after {limit} s (CPU {time.process_time() - cpu:.1f} s)")
        return
    finally:
        signal.alarm(0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label}: {wall:.1f} s wall, {cpu:.1f} CPU s")
    for name, r in reports:
        print(
            f"  {name}: withheld {r.primary + r.secondary:,} ({r.primary:,} + {r.secondary:,});"
            f" cheap / LP phase / local / exposed {r.settled_cheap} / {r.settled_by_lp} /"
            f" {r.settled_local} / {r.exposed}; solves {r.lp_solves}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument(
        "--families",
        choices=("periods", "subsets", "both", "periods-each"),
        default="both",
        help="joint run; periods-each: per indicator with rolling periods (run_engine's switch)",
    )
    parser.add_argument("--limit", type=int, default=600, help="seconds per run")
    parser.add_argument(
        "--inconsistent",
        action="store_true",
        help="rolling periods without consistent suppression (ADR 0611)",
    )
    args = parser.parse_args()
    print(f"input {args.input}; load average {os.getloadavg()}")
    blocks = _blocks(args.input)
    parents = pipeline.area_parents("london")
    cat = load_catalogue()
    recipes = [compile_recipe(cat.indicator(i)) for i, _, _ in blocks]
    assert all(isinstance(r, EngineRecipe) for r in recipes)
    pairs = subset_pairs(recipes)  # type: ignore[arg-type]
    for name, values, _ in blocks:
        periods = sorted(set(values["period_label"].to_pylist()))
        print(f"  {name}: {values.num_rows:,} rows, periods {periods}")
    print(f"  subset pairs: {[(blocks[i][0], blocks[j][0]) for i, j in pairs]}")
    _timed(
        "per indicator (compute before subsets)",
        args.limit,
        lambda: [(n, protect(v, r, parents=parents)[1]) for n, v, r in blocks],
    )
    consistent = not args.inconsistent
    each: dict[str, Any] = {"parents": parents, "periods": True, "consistent": consistent}
    if args.families == "periods-each":
        _timed(
            "per indicator with rolling periods",
            args.limit,
            lambda: [(n, protect_many([(v, r)], **each)[0][1]) for n, v, r in blocks],
        )
        print(f"load average {os.getloadavg()}")
        return
    periods = args.families in ("periods", "both")
    subsets = pairs if args.families in ("subsets", "both") else []
    _timed(
        f"joint, {args.families}",
        args.limit,
        lambda: [
            (n, rep)
            for (n, _, _), (_, rep) in zip(
                blocks,
                protect_many(
                    [(v, r) for _, v, r in blocks],
                    parents=parents,
                    subsets=subsets,
                    periods=periods,
                    consistent=periods and consistent,
                ),
                strict=True,
            )
        ],
    )


if __name__ == "__main__":
    main()
