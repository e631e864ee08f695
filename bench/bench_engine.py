"""Benchmark the engine against its floor: a hand-written DuckDB SQL group-by.

Run: ``.venv/bin/python bench/bench_engine.py [--rows 10000000 100000000] [--spark-rows N]``.

For each size, Synthetic London deaths + admissions are generated (or reused: keyed by rows
and seed under ``bench/out/``, which git ignores). Then, each in a fresh subprocess so that
peak RSS (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``) is that run's alone:

- **floor**: one DuckDB connection and hand-written SQL producing the same aggregates as the
  engine: per computable indicator, its selected events joined onto the LSOA attributes and
  counted by borough/ICB/deciles × year × sex × age band × ethnic group, full-joined onto the
  population summed the same way (once per distinct denominator), pooled into the rolling
  periods and rolled up with ``GROUPING SETS`` to every area × breakdown × sex (and persons)
  the engine publishes; fetched as Arrow. No methods, no disclosure control;
- **stage-1 scan** (reference): the plain per-LSOA ``GROUP BY`` of events and population
  only — the scan no aggregation can avoid;
- **engine**: ``run_engine`` on DuckDB for the full computable indicator set, with its stage
  breakdown (stage 1, roll-up, compute, disclosure control);
- **spark** (``--spark-rows``, default the smallest size): ``run_engine`` on Spark local[2];
  its values must equal DuckDB's exactly (asserted).

Prints the machine, the command and a markdown table; the ratio is engine / floor.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"

_FLOOR = r"""
import json, sys, time
from pathlib import Path
import duckdb
from healthgap.catalogue import load_catalogue
from healthgap.engine.pipeline import lsoa_attributes, rolling_periods
from healthgap.engine.recipes import EngineRecipe, compile_recipe

d = Path(sys.argv[1])
stage1_only = len(sys.argv) > 2 and sys.argv[2] == "stage1"
recipes = [r for i in load_catalogue().indicators
           if isinstance(r := compile_recipe(i), EngineRecipe)]
attrs = lsoa_attributes()
t0 = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.register("attrs_arrow", attrs)
con.execute("CREATE TEMP TABLE attrs AS SELECT * FROM attrs_arrow")
pop_years = [r[0] for r in con.execute(
    f"SELECT DISTINCT year FROM read_parquet('{d}/population/*.parquet') ORDER BY 1").fetchall()]
years = ", ".join(map(str, pop_years))

def band(starts):
    if len(starts) == 1:
        return "0"
    arms = " ".join(f"WHEN age >= {s} THEN {i}" for i, s in reversed(list(enumerate(starts))) if s)
    return f"CASE {arms} ELSE 0 END"

def where(sel):
    w = [f"age >= {sel.age_min}"]
    if sel.age_max is not None:
        w.append(f"age <= {sel.age_max}")
    if sel.sexes:
        w.append("sex IN (" + ", ".join(f"'{s}'" for s in sel.sexes) + ")")
    for col, allowed in sel.values:
        w.append(f"{col} IN (" + ", ".join(f"'{a}'" for a in allowed) + ")")
    for f in sel.codes:
        code = f"replace(upper({f.column}), '.', '')"
        either = [f"starts_with({code}, '{p}')" for p in f.prefixes]
        either += [f"substr({code}, 1, 3) BETWEEN '{lo}' AND '{hi}'" for lo, hi in f.ranges]
        w.append("(" + " OR ".join(either) + ")")
    return " AND ".join(w)

# The engine's breakdowns: boroughs by London quintile; ICBs and London by national and
# London deciles and London quintiles, and ethnic group x London quintile; every level by
# ethnic group; each by sex and persons.
CELLS = ("ltla_code, icb_code, region_code, imd_decile, imd_london_decile, "
         "imd_london_quintile, year, sex, age_index, ethnic_group")
SETS = []
for area, cats in (("ltla_code", ("imd_london_quintile",)),
                   ("icb_code", ("imd_decile", "imd_london_decile", "imd_london_quintile")),
                   ("region_code", ("imd_decile", "imd_london_decile", "imd_london_quintile"))):
    crossed = () if area == "ltla_code" else ("ethnic_group, imd_london_quintile",)
    for cat in (None, *cats, "ethnic_group", *crossed):
        for sex in ("sex", None):
            cols = (area, cat, "label", sex, "age_index")
            SETS.append("(" + ", ".join(c for c in cols if c) + ")")

rows = 0
dens = {}
for r in recipes:
    assert r.denominator == "population"
    sel, s = r.selection, r.denominator_selection
    b = band(r.spec.banding.starts)
    group = "GROUP BY ALL" if stage1_only else f"GROUP BY {CELLS}"
    place = "lsoa_code" if stage1_only else CELLS.split(", year")[0]
    join = "" if stage1_only else "JOIN attrs a USING (lsoa_code)"
    key = (r.spec.banding.starts, s.age_min, s.age_max, s.sexes)
    if key not in dens:
        dens[key] = f"pop{len(dens)}"
        con.execute(
            f"CREATE TEMP TABLE {dens[key]} AS SELECT {place}, year, sex, {band(key[0])} "
            f"AS age_index, ethnic_group, sum(population)::DOUBLE AS population "
            f"FROM read_parquet('{d}/population/*.parquet') {join} "
            f"WHERE {where(s)} AND year IN ({years}) {group}")
    ev = (f"SELECT {place}, year({r.date_column}) AS year, sex, {b} AS age_index, "
          f"ethnic_group, count(*)::DOUBLE AS events "
          f"FROM read_parquet('{d}/{r.table}/*.parquet') {join} WHERE {where(sel)} "
          f"AND year({r.date_column}) IN ({years}) {group}")
    if stage1_only:
        rows += con.execute(ev).to_arrow_table().num_rows
        continue
    periods = rolling_periods(pop_years, r.period_years)
    if not periods:  # the engine skips it too
        continue
    values = ", ".join(f"('{p.label}', {p.start_year}, {p.end_year})" for p in periods)
    q = (f"WITH ev AS ({ev}), "
         f"cells AS (SELECT {CELLS}, coalesce(events, 0) AS events, "
         f"coalesce(population, 0) AS population FROM {dens[key]} FULL JOIN ev USING ({CELLS})), "
         f"periods(label, s, e) AS (VALUES {values}), "
         f"per AS (SELECT * FROM cells JOIN periods ON year BETWEEN s AND e) "
         f"SELECT ltla_code, icb_code, region_code, imd_decile, imd_london_decile, "
         f"imd_london_quintile, ethnic_group, label, sex, age_index, "
         f"sum(events) AS events, sum(population) AS population "
         f"FROM per GROUP BY GROUPING SETS ({', '.join(SETS)})")
    rows += con.execute(q).to_arrow_table().num_rows
if not stage1_only:
    rows += sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in dens.values())
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "result_rows": rows, "indicators": len(recipes)}))
"""

_ENGINE = r"""
import json, sys, time
from healthgap.engine.pipeline import run_engine
t0 = time.perf_counter()
r = run_engine(sys.argv[1], backend=sys.argv[2], checksums=False)
t1 = time.perf_counter()
if len(sys.argv) > 3:
    import pyarrow.parquet as pq
    pq.write_table(r.values, sys.argv[3])
print(json.dumps({"seconds": t1 - t0, "stages": r.provenance["stage_seconds"],
                  "indicators": list(r.computed), "rows": r.values.num_rows}))
"""


_WRAP = r"""
import resource, subprocess, sys
r = subprocess.run([sys.executable, "-c", *sys.argv[1:]], capture_output=True, text=True)
sys.stderr.write(r.stderr)
print(next((x for x in reversed(r.stdout.splitlines()) if x.startswith("{")), ""))
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(r.returncode)
"""


def _child(code: str, *args: str) -> tuple[dict[str, object], float]:
    """Run ``code`` in a fresh interpreter; its JSON result and its peak RSS in MB.

    A fresh wrapper process runs it, so ``RUSAGE_CHILDREN`` (the largest finished descendant,
    the JVM included for Spark) is this run's alone.
    """
    out = subprocess.run([sys.executable, "-c", _WRAP, code, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr[-4000:]}")
    result_line, rss_kb = out.stdout.strip().splitlines()[-2:]
    result: dict[str, object] = json.loads(result_line)
    return result, int(rss_kb) / 1024


def _data(rows: int, seed: int, *, sparse: bool = False) -> Path:
    """Synthetic London of ``rows`` events; ``sparse``: every table synth makes, spread over
    the fewest years the rows need (one year at 1M rows), so most counts are small."""
    d = OUT / f"synth_{rows}_seed{seed}{'_sparse' if sparse else ''}"
    if not (d / "synth.json").exists():
        tables = [] if sparse else ["--tables", "deaths,admissions"]
        subprocess.run(
            [
                str(Path(sys.executable).with_name("healthgap")),
                "synth",
                "--rows",
                str(rows),
                "--seed",
                str(seed),
                *tables,
                "--out",
                str(d),
            ],
            check=True,
        )
    return d


def _machine() -> str:
    import duckdb
    import ibis
    import pyarrow

    try:
        import pyspark

        spark = pyspark.__version__
    except ImportError:
        spark = "not installed"
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return (
        f"nproc {os.cpu_count()}, {cpu}, RAM {mem_kb / 2**20:.1f} GiB, "
        f"Python {platform.python_version()}, duckdb {duckdb.__version__}, "
        f"ibis {ibis.__version__}, "
        f"pyarrow {pyarrow.__version__}, pyspark {spark}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rows", type=int, nargs="*", default=[10_000_000, 100_000_000])
    ap.add_argument(
        "--sparse-rows",
        type=int,
        nargs="*",
        default=[1_000_000],
        help="sparse inputs (synth's default tables and years): engine only, by stage",
    )
    ap.add_argument("--spark-rows", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-engine", action="store_true", help="time only the floor")
    args = ap.parse_args(argv)
    spark_rows = args.spark_rows if args.spark_rows is not None else min(args.rows, default=0)
    print(f"Machine: {_machine()}")
    print(f"Command: {' '.join([Path(sys.executable).name, *sys.argv])}\n")
    lines = [
        "| rows | floor s | stage-1 scan s | engine s | engine / floor | validation s | "
        "stage 1 s | roll-up s | compute s | disclosure s | peak RSS MB floor / engine | Spark s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    spark_rows = spark_rows if args.rows else 0
    sizes = sorted(set(args.rows) | ({spark_rows} if spark_rows else set()))
    for rows in sizes:
        d = _data(rows, args.seed)
        floor, floor_rss = _child(_FLOOR, str(d))
        scan, _ = _child(_FLOOR, str(d), "stage1")
        print(
            f"{rows:,}: floor {floor['seconds']:.1f} s, {floor_rss:.0f} MB; "
            f"stage-1 scan {scan['seconds']:.1f} s",
            flush=True,
        )
        if args.no_engine:
            lines.append(
                f"| {rows:,} | {floor['seconds']:.1f} | {scan['seconds']:.1f} | – | – | – | – | – "
                f"| – | – | {floor_rss:.0f} / – | – |"
            )
            continue
        duck_file = d / "engine_duckdb.parquet"
        eng, eng_rss = _child(_ENGINE, str(d), "duckdb", str(duck_file))
        st = eng["stages"]
        assert isinstance(st, dict)
        print(f"{rows:,}: engine stages (s) {json.dumps(st)}", flush=True)
        spark_s = "–"
        if rows == spark_rows:
            import pyarrow.parquet as pq

            spark_file = d / "engine_spark.parquet"
            t = time.perf_counter()
            _, spark_rss = _child(_ENGINE, str(d), "spark", str(spark_file))
            spark_s = f"{time.perf_counter() - t:.1f}"
            duck, spark = pq.read_table(duck_file), pq.read_table(spark_file)
            assert duck.equals(spark), "Spark and DuckDB values differ"
            spark_s += f" (identical; {spark_rss:.0f} MB)"
        fs, es = float(floor["seconds"]), float(eng["seconds"])  # type: ignore[arg-type]
        lines.append(
            f"| {rows:,} | {fs:.1f} | {float(scan['seconds']):.1f} | {es:.1f} | {es / fs:.2f} | "  # type: ignore[arg-type]
            f"{st.get('validation', 0.0):.1f} | {st['stage1']:.1f} | {st['roll_up']:.1f} | "
            f"{st['compute']:.1f} | "
            f"{st['disclosure']:.1f} | {floor_rss:.0f} / {eng_rss:.0f} | {spark_s} |"
        )
        print(f"{rows:,}: indicators {eng['indicators']}, {eng['rows']:,} value rows", flush=True)
    for rows in args.sparse_rows if not args.no_engine else []:
        d = _data(rows, args.seed, sparse=True)
        eng, eng_rss = _child(_ENGINE, str(d), "duckdb", str(d / "engine_duckdb.parquet"))
        st = eng["stages"]
        assert isinstance(st, dict)
        lines.append(
            f"| {rows:,} sparse | – | – | {float(eng['seconds']):.1f} | – | "  # type: ignore[arg-type]
            f"{st.get('validation', 0.0):.1f} | {st['stage1']:.1f} | {st['roll_up']:.1f} | "
            f"{st['compute']:.1f} | "
            f"{st['disclosure']:.1f} | – / {eng_rss:.0f} | – |"
        )
        print(f"{rows:,} sparse: indicators {eng['indicators']}", flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
