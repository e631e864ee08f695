"""Time one indicator's protection with overlapping rolling periods, phase by phase.

Run: ``PYTHONPATH=SRC .venv/bin/python bench/bench_disclosure_windows.py DIR [--indicator
life_expectancy]`` where ``DIR`` is a ``healthgap synth`` output (the README's ``synth --rows
60000 --seed 1``) and ``SRC`` the ``src`` of the tree to measure (a ``git archive`` of an older
commit for "before", with the same interpreter).

``run_engine`` runs once with disclosure control replaced by a recorder (the blocks ``compute``
protects; ``bench_disclosure_families._blocks``). Then ``protect`` on the indicator's block per
period (as ``compute`` does today) and with ``periods=True`` (ADR 0611, three windows): wall and
CPU seconds, cells withheld, the load average, and each audit call of the rolling run in order
(held-still components through ``_unprotected_in``; the exact recheck over every latent cell
through ``_exact_unprotected_in``), with its size, seconds and failing counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_disclosure_families import _blocks

import healthgap.engine.disclosure as disclosure
import healthgap.engine.pipeline as pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--indicator", default="life_expectancy")
    args = parser.parse_args()
    blocks = {name: (values, rule) for name, values, rule in _blocks(args.input)}
    values, rule = blocks[args.indicator]
    parents = pipeline.area_parents("london")
    print(f"{args.indicator}: {values.num_rows:,} rows; load {os.getloadavg()[0]:.2f}")

    events: list[tuple[str, int, float, int]] = []
    inner = {"depth": 0}
    held, exact = disclosure._unprotected_in, disclosure._exact_unprotected_in

    def timed_held(component: list[int], *rest: Any) -> list[int]:
        inner["depth"] += 1
        start = time.perf_counter()
        try:
            out = held(component, *rest)
        finally:
            inner["depth"] -= 1
        events.append(("held still", len(component), time.perf_counter() - start, len(out)))
        return out

    def timed_exact(component: list[int], *rest: Any) -> list[int]:
        start = time.perf_counter()
        out = exact(component, *rest)
        if inner["depth"] == 0:  # called by protect_many itself: the exact recheck
            events.append(("exact recheck", len(component), time.perf_counter() - start, len(out)))
        return out

    for periods in (False, True):
        events.clear()
        disclosure._unprotected_in = timed_held  # type: ignore[assignment]
        disclosure._exact_unprotected_in = timed_exact  # type: ignore[assignment]
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            out, report = disclosure.protect(values, rule, parents=parents, periods=periods)
        finally:
            disclosure._unprotected_in, disclosure._exact_unprotected_in = held, exact
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        label = "with periods" if periods else "per period"
        print(
            f"{label}: {wall:.1f} s wall, {cpu:.1f} CPU s; withheld {out['count'].null_count:,}; "
            f"load {os.getloadavg()[0]:.2f}; {report}"
        )
        if periods:
            for kind, size, seconds, failing in events:
                if seconds >= 0.5:
                    print(f"  {kind}: {size:,} cells, {seconds:.1f} s, {failing:,} failing")
            rest = sum(s for _, _, s, _ in events if s < 0.5)
            print(f"  smaller audits: {rest:.1f} s")


if __name__ == "__main__":
    main()
