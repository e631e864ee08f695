"""``Store.json_array``: a JSON array of objects, one per row in the table's order, keys in
column order, non-finite numbers as null, written by DuckDB and copied out of its string
buffer (ADR 0811) — also for a table of many chunks and for a slice."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pyarrow as pa

from healthgap.store import open_store


def _table(n: int) -> pa.Table:
    values = [float(i) / 4 if i % 7 else math.nan for i in range(n)]
    values[1] = math.inf
    return pa.table(
        {
            "code": [f"E{i:08d}" for i in range(n)],
            "value": values,
            "day": [date(2020, 1, 1 + i % 28) for i in range(n)],
            "note": [None if i % 3 else 'ä "quoted" \\ line\nbreak' for i in range(n)],
            "nested": [{"x": i, "y": [i, i + 1]} for i in range(n)],
        }
    )


def _expected(table: pa.Table) -> list[dict[str, object]]:
    rows = table.to_pylist()
    for r in rows:
        v = r["value"]
        r["value"] = v if v is not None and math.isfinite(v) else None
        r["day"] = r["day"].isoformat()
    return rows


def test_rows_in_order_with_nulls_for_non_finite_numbers(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as s:
        # Several chunks, and a slice of them (offsets not starting at zero).
        table = pa.concat_tables([_table(5000), _table(3000), _table(7)])
        for t in (table, table.slice(4990, 30), table.slice(1, 1)):
            got = json.loads(s.json_array(t))
            assert got == _expected(t)
            assert [list(r) for r in got[:1]] == [list(t.schema.names)]
        assert s.json_array(table.slice(0, 0)) == b"[]"
