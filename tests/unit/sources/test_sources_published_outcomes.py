"""Fingertips' own comparison outcomes are read from the extracts and replace the derived
outcome of the same value at load (issue 17, item 3; ADR 0503)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow as pa

from healthgap.publish.derive import published_outcomes_kept
from healthgap.sources.fingertips_extracts import published_outcomes
from healthgap.store.schema import VALUE_KEY


def _values(n: int) -> pa.Table:
    return pa.table(
        {
            "series": ["fingertips:90366"] * n,
            "area_code": [f"E0900000{i + 1}" for i in range(n)],
            "period_start": [date(2021, 1, 1)] * n,
            "period_end": [date(2023, 12, 31)] * n,
            "sex": ["female"] * n,
            "age_band": ["All ages"] * n,
            "breakdown_type": ["none"] * n,
            "breakdown_category": [""] * n,
        }
    )


def test_fingertips_words_become_stored_outcomes_row_for_row() -> None:
    words = pd.Series(["Worse", "similar", "Higher 99.8", "Not compared", ""])
    table = published_outcomes(_values(5), words)
    assert table is not None
    assert table.column("area_code").to_pylist() == [
        "E09000001", "E09000002", "E09000003", "E09000004"
    ]  # fmt: skip
    assert table.column("outcome").to_pylist() == ["Worse", "Similar", "Higher", "Not compared"]
    assert table.column("reason").to_pylist() == ["", "", "", "not compared by Fingertips"]
    assert set(table.column("benchmark").to_pylist()) == {"country"}
    assert published_outcomes(_values(2), pd.Series(["", ""])) is None


def test_published_outcomes_replace_only_the_same_value_and_benchmark() -> None:
    values = _values(2)
    rows = []
    for benchmark in ("country", "region"):
        for code in ("E09000001", "E09000002"):
            rows.append({"benchmark": benchmark, "area_code": code})
    frame = values.to_pandas().drop(columns="area_code")
    derived = pd.DataFrame(rows).merge(frame.iloc[:1], how="cross")
    derived["comparison_method"] = 1
    derived["outcome"] = "Not compared"
    derived["reason"] = "missing lower95"
    columns = [*VALUE_KEY, "benchmark", "comparison_method", "outcome", "reason"]
    comparisons = pa.Table.from_pandas(derived[columns], preserve_index=False)
    given = published_outcomes(values, pd.Series(["Worse", ""]))
    assert given is not None
    kept = published_outcomes_kept(comparisons, given).to_pandas()
    by = {(r.benchmark, r.area_code): (r.outcome, r.reason) for r in kept.itertuples()}
    assert by[("country", "E09000001")] == ("Worse", "")
    assert by[("country", "E09000002")] == ("Not compared", "missing lower95")
    assert by[("region", "E09000001")] == ("Not compared", "missing lower95")
    assert kept["comparison_method"].tolist() == [1, 1, 1, 1]
