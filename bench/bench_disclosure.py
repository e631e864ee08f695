"""Benchmark disclosure control on a sparse input beside a dense one (issue 11, item 12).

Run: ``.venv/bin/python bench/bench_disclosure.py [--sparse-rows 1000000] [--dense-rows 4000000]``.

Inputs (generated once, or reused, under ``bench/out/``, which git ignores):

- **sparse**: ``healthgap synth --rows N --years 1`` (every table synth makes, one simulated
  year: the issue's case, where most counts are small);
- **dense**: ``healthgap synth --rows N --tables deaths,admissions`` (synth's default years),
  as in ``bench_engine.py``.

Each runs ``run_engine`` on DuckDB in a fresh process (``healthgap compute`` without the
store write) with ``protect`` wrapped to time it. Reported per input: wall and CPU seconds
of the whole run and of disclosure control, value rows (cells), withheld counts (primary,
secondary), and how the audits of small counts were settled: cheaply (true counts and capped
batch solves), in the per-count LP phase, by local programmes, or exposed (more suppression),
with the number of counts given their own LPs and of LP solves (``DisclosureReport``).
Prints the machine, the load average, the command and a markdown table; the raw figures go
to ``bench/out/bench_disclosure.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import OUT, _machine

_CHILD = r"""
import dataclasses, json, resource, sys, time
import healthgap.engine.pipeline as pipeline
from healthgap.engine.pipeline import run_engine

calls = []
_protect = pipeline.protect

def timed(values, rule, **kw):
    w, c = time.perf_counter(), time.process_time()
    out = _protect(values, rule, **kw)
    calls.append((time.perf_counter() - w, time.process_time() - c, values.num_rows))
    return out

pipeline.protect = timed
last = [0.0]

def progress(message, n, total):
    now = time.perf_counter()
    if now - last[0] > 15:
        last[0] = now
        print(f"  [{now - t0:6.0f} s] {message} ({n + 1}/{total})", file=sys.stderr, flush=True)

w0, c0 = time.perf_counter(), time.process_time()
t0 = w0
r = run_engine(sys.argv[1], backend="duckdb", checksums=False, progress=progress)
wall, cpu = time.perf_counter() - w0, time.process_time() - c0
reports = {k: dataclasses.asdict(v) for k, v in r.disclosure.items()}
per = [
    {"indicator": k, "wall": w, "cpu": c, "rows": n, **reports[k]}
    for k, (w, c, n) in zip(reports, calls, strict=True)
]
print(json.dumps({
    "wall": wall, "cpu": cpu, "stages": r.provenance["stage_seconds"],
    "rows": r.values.num_rows, "indicators": per,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

_FIELDS = (
    "primary",
    "secondary",
    "settled_cheap",
    "settled_by_lp",
    "settled_local",
    "exposed",
    "lp_counts",
    "lp_solves",
)


def _data(rows: int, seed: int, *, sparse: bool) -> Path:
    """Synthetic London (see the module docstring), generated once under ``bench/out``."""
    d = OUT / (f"synth_{rows}_seed{seed}_years1" if sparse else f"synth_{rows}_seed{seed}")
    if not (d / "synth.json").exists():
        shape = ["--years", "1"] if sparse else ["--tables", "deaths,admissions"]
        cli = str(Path(sys.executable).with_name("healthgap"))
        cmd = [cli, "synth", "--rows", str(rows), "--seed", str(seed), *shape, "--out", str(d)]
        subprocess.run(cmd, check=True)
    return d


def _run(d: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(d)], stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed on {d}")
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sparse-rows", type=int, nargs="*", default=[1_000_000])
    ap.add_argument("--dense-rows", type=int, nargs="*", default=[4_000_000])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    print(f"Machine: {_machine()}")
    print(f"Load average before: {os.getloadavg()}")
    print(f"Command: {' '.join([Path(sys.executable).name, *sys.argv])}\n", flush=True)
    runs = [(r, True) for r in args.sparse_rows] + [(r, False) for r in args.dense_rows]
    results = []
    for rows, sparse in runs:
        d = _data(rows, args.seed, sparse=sparse)
        meta = json.loads((d / "synth.json").read_text())
        label = f"{rows:,} {'sparse' if sparse else 'dense'}"
        print(f"{label}: {d.name}", file=sys.stderr, flush=True)
        t = time.perf_counter()
        res = _run(d)
        res.update(label=label, input=d.name, synth=meta, load_after=os.getloadavg())
        results.append(res)
        print(f"{label}: {time.perf_counter() - t:.1f} s, load {os.getloadavg()}", flush=True)
    (OUT / "bench_disclosure.json").write_text(json.dumps(results, indent=1, default=str))
    print(
        "\n| input | value rows | run wall s | run CPU s | disclosure wall s | disclosure CPU s "
        "| withheld (primary + secondary) | small-count audits: cheap / per-count LP phase / "
        "local / exposed | counts with own LPs | LP solves | peak RSS MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for res in results:
        per = res["indicators"]
        assert isinstance(per, list)
        tot = {f: sum(int(p[f]) for p in per) for f in _FIELDS}
        dw = sum(float(p["wall"]) for p in per)
        dc = sum(float(p["cpu"]) for p in per)
        print(
            f"| {res['label']} | {int(res['rows']):,} | {float(res['wall']):.1f} | "  # type: ignore[call-overload]
            f"{float(res['cpu']):.1f} | {dw:.1f} | {dc:.1f} | "  # type: ignore[arg-type]
            f"{tot['primary'] + tot['secondary']:,} ({tot['primary']:,} + "
            f"{tot['secondary']:,}) | {tot['settled_cheap']:,} / {tot['settled_by_lp']:,} / "
            f"{tot['settled_local']:,} / {tot['exposed']:,} | {tot['lp_counts']:,} | "
            f"{tot['lp_solves']:,} | {float(res['peak_rss_mb']):.0f} |"  # type: ignore[arg-type]
        )
    print(
        "\nPer indicator (wall s, CPU s, value rows, withheld, cheap / LP phase / local / exposed):"
    )
    for res in results:
        for p in res["indicators"]:  # type: ignore[attr-defined]
            print(
                f"- {res['label']} {p['indicator']}: {p['wall']:.1f} s, {p['cpu']:.1f} CPU s, "
                f"{p['rows']:,} rows, {p['primary'] + p['secondary']:,} withheld, "
                f"{p['settled_cheap']:,} / {p['settled_by_lp']:,} / {p['settled_local']:,} / "
                f"{p['exposed']:,}; {p['lp_counts']:,} own-LP counts, {p['lp_solves']:,} solves"
            )


if __name__ == "__main__":
    main()
