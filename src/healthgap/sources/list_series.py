"""Print every bundled source series as CSV (``docs/reference/source-series.csv``).

Usage: ``python -m healthgap.sources.list_series > docs/reference/source-series.csv``

One line per series key. A key held by several bundled releases (e.g. ``fingertips:90362``
in three Fingertips extracts) is listed once: its files joined with ';', the earliest first
period, the latest last period and the rows summed over those releases.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import TextIO

import pyarrow.compute as pc

from healthgap.sources.bundled import bundled_releases
from healthgap.sources.common import no_indicator
from healthgap.sources.fingertips_extracts import SPECS
from healthgap.sources.ons_els_app import FILES as NCMP_FILES
from healthgap.store.release_input import SeriesInfo, SourceFile

__all__ = ["HEADER", "files_for", "main", "write_series"]

HEADER = (
    "key",
    "name",
    "publisher",
    "unit",
    "fingertips_id",
    "file",
    "first_period",
    "last_period",
    "rows",
)


def files_for(key: str, files: tuple[SourceFile, ...]) -> list[str]:
    """The files of a release that hold series ``key`` (by the readers' naming rules)."""
    kind, _, rest = key.partition(":")
    head = rest.split("/")[0]
    names = [f.name for f in files]

    def stem(name: str) -> str:
        return PurePosixPath(name).stem

    if kind == "fingertips":
        fid = int(head)
        return [
            n
            for n in names
            if stem(n) in SPECS
            and fid in (SPECS[stem(n)].fingertips_id, SPECS[stem(n)].deprivation_id)
        ]
    if kind == "ons_explore":
        return [n for n in names if stem(n) == head]
    if kind == "ons_sdg":
        return [n for n in names if f"indicator_{head}_" in n]
    if kind == "ons_els_app":
        return [n for n in names if NCMP_FILES.get(PurePosixPath(n).name, ("",))[0] == key]
    if kind == "ons_health_index":
        part = "scores" if head == "score" else "indicators"
        return [n for n in names if part in n]
    return names


@dataclass
class _Row:
    info: SeriesInfo
    files: list[str] = field(default_factory=list)
    first: tuple[date, str] | None = None
    last: tuple[date, date, str] | None = None
    rows: int = 0


def write_series(out: TextIO) -> int:
    """Write one CSV line per bundled series key; return how many were written."""
    found: dict[str, _Row] = {}
    for release in bundled_releases(resolve_indicator=no_indicator):
        if release.values is None:
            continue
        table = release.values
        for info in release.series:
            rows = table.filter(pc.equal(table["series"], info.key))
            starts = rows["period_start"].to_pylist()
            ends = rows["period_end"].to_pylist()
            labels = rows["period_label"].to_pylist()
            first = min(zip(starts, labels, strict=True))
            last = max(zip(ends, starts, labels, strict=True))
            row = found.setdefault(info.key, _Row(info))
            row.files += [f for f in files_for(info.key, release.files) if f not in row.files]
            row.first = first if row.first is None else min(row.first, first)
            row.last = last if row.last is None else max(row.last, last)
            row.rows += rows.num_rows
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for key in sorted(found):
        row = found[key]
        assert row.first is not None
        assert row.last is not None
        writer.writerow(
            (
                key,
                row.info.name,
                row.info.publisher,
                row.info.unit or "",
                row.info.fingertips_id or "",
                ";".join(row.files),
                row.first[1],
                row.last[2],
                row.rows,
            )
        )
    return len(found)


def main() -> None:
    """Entry point: CSV to standard output."""
    write_series(sys.stdout)


if __name__ == "__main__":
    main()
