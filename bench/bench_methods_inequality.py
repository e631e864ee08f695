"""Benchmark: SII for 200 areas × 10 deciles × 10,000 simulations; quantiles and funnels.

PHStatsMethods has no SII, so SII has no side-by-side figure; quantile assignment and funnel
significance are compared with PHStatsMethods on the same inputs. Prints a markdown table.
Run: .venv/bin/python bench/bench_methods_inequality.py
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from healthgap.methods import (
    assign_funnel_significance,
    assign_quantiles,
    slope_index_of_inequality,
)


def best_of(fn: Callable[[], object], n: int = 5) -> float:
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    rng = np.random.default_rng(0)
    groups, deciles = 200, 10
    q = np.tile(np.arange(1, deciles + 1), groups)
    grp = np.repeat(np.arange(groups), deciles)
    le = 75 + 0.9 * q + rng.normal(0, 0.3, q.size)
    pop = rng.uniform(1000, 5000, q.size)
    se = rng.uniform(0.2, 0.6, q.size)
    rate = rng.uniform(300, 900, q.size) / 1e5
    rows = []

    def sii_linear() -> object:
        return slope_index_of_inequality(
            le, quantile=q, population=pop, group=grp, se=se, repetitions=10_000
        )

    def sii_linear_rii() -> object:
        return slope_index_of_inequality(
            le, quantile=q, population=pop, group=grp, se=se, repetitions=10_000, rii=True
        )

    def sii_log() -> object:
        return slope_index_of_inequality(
            rate,
            quantile=q,
            population=pop,
            group=grp,
            lower_cl=rate * 0.9,
            upper_cl=rate * 1.1,
            value_type=1,
            repetitions=10_000,
        )

    for name, fn in (
        ("SII, value_type 0", sii_linear),
        ("SII + RII, value_type 0", sii_linear_rii),
        ("SII, value_type 1, no transform (per-quantile draws)", sii_log),
    ):
        rows.append((name, "200 groups × 10 deciles × 10,000 sims", best_of(fn), None))

    from PHStatsMethods import assign_funnel_significance as ref_sig
    from PHStatsMethods import ph_quantile

    n = 33_000
    imd = rng.uniform(0, 80, n)
    la = rng.integers(0, 33, n)
    df = pd.DataFrame({"imd": imd, "la": la})

    def ref_quantile() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ph_quantile(df, "imd", group_cols=["la"], nquantiles=10)

    rows.append(
        (
            "quantiles (deciles within groups)",
            f"{n} LSOAs × 33 groups",
            best_of(lambda: assign_quantiles(imd, groups=la, nquantiles=10)),
            best_of(ref_quantile, 3),
        )
    )
    den = rng.integers(500, 50_000, 5000).astype(float)
    num = rng.binomial(den.astype(int), 0.1).astype(float)
    fdf = pd.DataFrame({"num": num, "den": den})
    rows.append(
        (
            "funnel significance (proportion)",
            "5,000 areas",
            best_of(lambda: assign_funnel_significance(num, den, statistic="proportion")),
            best_of(lambda: ref_sig(fdf.copy(), "num", "proportion", denom_col="den"), 1),
        )
    )
    print("| method | inputs | healthgap (best of N) | PHStatsMethods | ratio |")
    print("|---|---|---|---|---|")
    for name, inputs, ours, other in rows:
        other_s = "n/a (no SII)" if other is None else f"{other * 1000:.1f} ms"
        ratio = "—" if other is None else f"{other / ours:.0f}×"
        print(f"| {name} | {inputs} | {ours * 1000:.1f} ms | {other_s} | {ratio} |")


if __name__ == "__main__":
    main()
