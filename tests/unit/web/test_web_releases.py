"""The releases page: a release under embargo is listed with the time its embargo ends (as a
statistics release calendar pre-announces it), and the order is said as it is."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthgap.publish import load_release
from healthgap.query import ReadLayer
from healthgap.store import VALUE_COLUMNS, ReleaseInput, SeriesInfo, SourceFile, open_store
from healthgap.web import mount_website


def _release(name: str, value: float, **when: object) -> ReleaseInput:
    rows: dict[str, list[object]] = {c.name: [] for c in VALUE_COLUMNS}
    row = dict.fromkeys(rows) | {
        "indicator_id": "life_expectancy", "series": "fingertips:90366",
        "area_code": "E12000007", "area_type": "region", "period_start": date(2022, 1, 1),
        "period_end": date(2022, 12, 31), "period_label": "2022", "sex": "persons",
        "age_band": "All ages", "breakdown_type": "none", "breakdown_category": "",
        "value": value, "unit": "years", "suppressed": False, "provisional": False,
        "revised": False,
    }  # fmt: skip
    for k, v in row.items():
        rows[k].append(v)
    table = pa.table(rows)
    digest = hashlib.sha256(name.encode()).hexdigest()
    return ReleaseInput(
        source="fingertips",
        files=(SourceFile(name, digest, 1),),
        series=(SeriesInfo("fingertips:90366", "LE", "OHID", "years"),),
        values=table,
        **when,  # type: ignore[arg-type]
    )


def test_an_embargoed_release_is_listed_with_its_embargo_end(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path) as s:
        load_release(s, _release("a.csv", 81.0, published_at=date(2024, 1, 10)))
        load_release(s, _release("b.csv", 99.9, embargo_until=datetime(2099, 1, 1, 9, 30)))
    with ReadLayer(open_store(path, read_only=True)) as layer:
        app = FastAPI()
        mount_website(app, layer, warm=False)
        page = TestClient(app).get("/releases").text
    assert "Every release, the most recently loaded first" in page
    assert "embargoed until 2099-01-01 09:30 UTC" in page
    assert "2024-01-10" in page
    assert "99.9" not in page
