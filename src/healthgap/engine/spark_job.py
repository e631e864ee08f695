"""Entry point for running the engine on a Spark cluster (spark-submit, Databricks).

On a cluster there is no local store to write to: the job computes the indicators with the
Spark backend — using the active ``SparkSession`` when there is one (Databricks), else starting
one with the master spark-submit gives it — and writes the protected values (canonical columns)
as one Parquet file, plus the provenance as JSON beside it. Load the file into a healthgap store
anywhere with ``healthgap load FILE --source healthgap``.

    spark-submit --master yarn "$(python -m healthgap.engine.spark_job --path)" \\
        --input /data/london_records --out /data/healthgap_values.parquet

(or, in a Databricks notebook: ``from healthgap.engine.spark_job import main;
main(["--input", "/dbfs/…", "--out", "/dbfs/…/values.parquet"])``). See docs/spark.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from healthgap.engine.pipeline import run_engine
from healthgap.errors import HealthgapError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the engine on Spark and write values (Parquet) and provenance (JSON)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--path"]:  # where this script is, for spark-submit (it takes a file path)
        print(Path(__file__).resolve())
        return 0
    parser = argparse.ArgumentParser(prog="healthgap.engine.spark_job", description=__doc__)
    parser.add_argument("--input", required=True, type=Path, help="directory of record tables")
    parser.add_argument("--out", required=True, type=Path, help="output Parquet file")
    parser.add_argument("--indicator", action="append", default=None, help="indicator id")
    args = parser.parse_args(argv)
    try:
        result = run_engine(args.input, indicators=args.indicator, backend="spark")
    except HealthgapError as exc:  # bad records, a bad setting: the report, no traceback
        print(f"healthgap.engine.spark_job: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(args.out.suffix + ".partial")
    pq.write_table(result.values, tmp)
    tmp.replace(args.out)
    provenance = {**result.provenance, "skipped": dict(result.skipped)}
    args.out.with_suffix(".provenance.json").write_text(
        json.dumps(provenance, indent=2, default=str) + "\n"
    )
    print(
        f"wrote {result.values.num_rows} values for {len(result.computed)} indicators to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
