"""Benchmark the command line's whole-process times (issue 17).

Run: ``.venv/bin/python bench/bench_cli.py [--runs 10]``.

Each case is a fresh ``healthgap`` process (``python -m healthgap.cli.main``), timed with
hyperfine if it is installed, else with repeated ``subprocess.run`` (median and minimum of
``--runs`` runs after one warm-up). Cases:

- ``--help`` and ``--version`` (target: under 0.3 s);
- ``calc dsr`` on 5,000 areas × 19 ESP 2013 age bands (95,000 rows of CSV; target: under 1 s),
  which takes the pandas-free CSV path (ADR 0105), and the same calculation forced through the
  data-frame path (``run_calc(..., pandas_free=False)``) for comparison.

Prints the machine, the load average and a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
AREAS = 5_000
#: ESP 2013's 19 age bands (0-4, 5-9, ..., 90+) by start age.
STARTAGES = (0, *range(5, 95, 5))


def write_dsr_input(path: Path, *, areas: int = AREAS, seed: int = 1) -> int:
    """A CSV of ``areas`` × the 19 ESP 2013 age bands; returns its number of rows."""
    import numpy as np

    rng = np.random.default_rng(seed)
    bands = STARTAGES
    rows = areas * len(bands)
    deaths = rng.integers(0, 60, rows)
    pop = rng.integers(1_000, 9_000, rows)
    with path.open("w", encoding="utf-8") as out:
        out.write("area,start,deaths,pop\n")
        for i in range(rows):
            out.write(f"A{i // len(bands):05d},{bands[i % len(bands)]},{deaths[i]},{pop[i]}\n")
    return rows


def _time(argv: list[str], runs: int, src: Path = SRC) -> tuple[float, float, float, str]:
    """(median wall s, min wall s, median CPU s, tool) of ``runs`` whole-process runs of
    ``argv``. CPU (user + system of the child) is what the process needs on an idle machine;
    wall time on a shared machine adds the time spent waiting for a core."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    if shutil.which("hyperfine"):
        with tempfile.NamedTemporaryFile(suffix=".json") as report:
            subprocess.run(
                ["hyperfine", "--warmup", "1", "--runs", str(runs), "--export-json",
                 report.name, " ".join(argv)],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
            result = json.loads(Path(report.name).read_text())["results"][0]
            cpu = float(result["user"]) + float(result["system"])
            return float(result["median"]), float(result["min"]), cpu, "hyperfine"
    subprocess.run(argv, env=env, check=True, capture_output=True)
    times, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), min(times), statistics.median(cpus), "subprocess"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--src", type=Path, default=SRC, help="The src/ directory to time (e.g. an older tree)."
    )
    args = parser.parse_args()
    cli = [sys.executable, "-m", "healthgap.cli.main"]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "dsr.csv"
        rows = write_dsr_input(source)
        cases = {
            "healthgap --help": [*cli, "--help"],
            "healthgap --version": [*cli, "--version"],
            f"healthgap calc dsr ({AREAS:,} areas × 19 bands, {rows:,} rows)": [
                *cli,
                "calc",
                "dsr",
                "--input",
                str(source),
                "--output",
                str(Path(tmp) / "out.csv"),
                "--x",
                "deaths",
                "--n",
                "pop",
                "--stdpop",
                "esp2013",
                "--ageband",
                "start",
                "--group-by",
                "area",
            ],
            "calc dsr, the data-frame path (pandas)": [
                sys.executable,
                "-c",
                "from pathlib import Path; from healthgap.cli.calc import run_calc; "
                f"run_calc('dsr', input_path=Path({str(source)!r}), "
                f"output_path=Path({str(Path(tmp) / 'frame.csv')!r}), arguments="
                "'--x deaths --n pop --stdpop esp2013 --ageband start --group-by area'.split(), "
                "pandas_free=False)",
            ],
            "python -c pass (interpreter floor)": [sys.executable, "-c", "pass"],
        }
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        print("\n| case | median wall (s) | min wall (s) | median CPU (s) | timer |")
        print("|---|---:|---:|---:|---|")
        for name, argv in cases.items():
            try:
                median, least, cpu, tool = _time(argv, args.runs, args.src)
            except subprocess.CalledProcessError:  # e.g. an older tree without this case
                print(f"| {name} | failed | | | |")
                continue
            print(f"| {name} | {median:.3f} | {least:.3f} | {cpu:.3f} | {tool} |")
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
