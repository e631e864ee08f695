"""Benchmark the core statistics against PHStatsMethods on the same inputs.

Run: ``.venv/bin/python bench/bench_methods_core.py [--quick]``. Prints a markdown table:
method, inputs, healthgap time (best of N), PHStatsMethods time, ratio.

healthgap is timed on the array kernels of ``healthgap.methods`` (what the engine calls) and,
for DSR, also through the data-frame front end ``healthgap.analyst``. PHStatsMethods is timed
through its public data-frame functions (``ph_dsr``, ``ph_proportion``, ``ph_rate``), which
compute row by row; where the full size would take minutes it is timed on a subset (stated in
the table) and scaled linearly to the full size. PHStatsMethods has no life expectancy.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from healthgap import analyst, methods


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` calls, in seconds (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn()
    return time.perf_counter() - start


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main(quick: bool = False) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import PHStatsMethods as ph  # noqa: N813

    rng = np.random.default_rng(20260101)
    rows: list[tuple[str, str, float, float | None, str]] = []

    # DSR: 5,000 areas x 19 bands.
    areas = 5_000
    groups = np.repeat(np.arange(areas), 19)
    n = rng.integers(500, 20_000, areas * 19).astype(float)
    x = rng.poisson(0.005 * n).astype(float)
    w = np.tile(methods.ESP2013.array(), areas)
    ours = best_of(lambda: methods.dsr(x, n, w, groups=groups, confidence=(0.95, 0.998)), 20)
    frame = pd.DataFrame({"area": groups, "x": x, "n": n, "w": w})
    ours_frame = best_of(
        lambda: analyst.dsr(
            frame, x="x", n="n", stdpop="w", group_by=["area"], confidence="95,99.8"
        ),
        5,
    )
    subset = 500 if not quick else 100
    part = frame[frame.area < subset].copy()
    theirs_part = once(
        lambda: ph.ph_dsr(
            part.copy(), "x", "n", "w", "area", confidence=[0.95, 0.998], euro_standard_pops=False
        )
    )
    theirs = theirs_part * areas / subset
    rows.append(("DSR (kernel)", "5,000 areas x 19 bands, 95% + 99.8%", ours, theirs,
                 f"ph_dsr timed on {subset} areas, scaled x{areas // subset}"))  # fmt: skip
    rows.append(("DSR (data frame)", "5,000 areas x 19 bands, 95% + 99.8%", ours_frame, theirs,
                 "healthgap.analyst.dsr incl. grouping"))  # fmt: skip

    # Life expectancy: 5,000 areas x 20 bands.
    base_m = np.array([4e-3, 2e-4, 1e-4, 1e-4, 3e-4, 4e-4, 5e-4, 7e-4, 1e-3, 1.5e-3, 2.5e-3,
                       4e-3, 6e-3, 1e-2, 1.6e-2, 2.6e-2, 4.3e-2, 7.5e-2, 0.13, 0.25])  # fmt: skip
    pop = rng.integers(2_000, 8_000, (areas, 20)).astype(float)
    deaths = rng.poisson(base_m * pop).astype(float)
    deaths[:, -1] = np.maximum(deaths[:, -1], 1)
    starts = np.tile(methods.LE_STARTAGES, areas)
    le_groups = np.repeat(np.arange(areas), 20)
    d1, p1 = deaths.reshape(-1), pop.reshape(-1)
    ours = best_of(lambda: methods.life_expectancy(d1, p1, startage=starts, groups=le_groups), 10)
    rows.append(("Life expectancy", "5,000 areas x 20 bands, 95%", ours, None,
                 "PHStatsMethods has no life expectancy"))  # fmt: skip

    # Wilson and Byar's: 1,000,000 rows.
    size = 1_000_000
    denominators = rng.integers(10, 100_000, size).astype(float)
    counts = rng.binomial(denominators.astype(np.int64), 0.05).astype(float) + 10  # Byar's branch
    counts = np.minimum(counts, denominators)
    ours = best_of(lambda: methods.proportion(counts, denominators), 5)
    sub = 20_000 if not quick else 5_000
    prop_frame = pd.DataFrame({"x": counts[:sub], "n": denominators[:sub]})
    theirs = once(lambda: ph.ph_proportion(prop_frame.copy(), "x", "n")) * size / sub
    rows.append(("Wilson proportion", "1,000,000 rows, 95%", ours, theirs,
                 f"ph_proportion timed on {sub:,} rows, scaled x{size // sub}"))  # fmt: skip
    ours = best_of(lambda: methods.rate(counts, denominators), 5)
    theirs = once(lambda: ph.ph_rate(prop_frame.copy(), "x", "n")) * size / sub
    rows.append(("Byar's rate", "1,000,000 rows (all counts >= 10), 95%", ours, theirs,
                 f"ph_rate timed on {sub:,} rows, scaled x{size // sub}"))  # fmt: skip

    print("| method | inputs | healthgap (best of N) | PHStatsMethods | ratio | note |")
    print("|---|---|---|---|---|---|")
    for name, inputs, mine, other, note in rows:
        ratio = f"{other / mine:,.0f}x" if other is not None else "-"
        other_text = fmt(other) if other is not None else "-"
        print(f"| {name} | {inputs} | {fmt(mine)} | {other_text} | {ratio} | {note} |")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
