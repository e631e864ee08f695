"""Numbers on the website: a count reads as a whole number (55 wellbeing ambassadors, not
55.0), a rate or a share keeps its decimal, and one column never mixes the two (the places
are chosen for the column, by its unit and all its values)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthgap.publish import access, open_writer
from healthgap.query import ReadLayer
from healthgap.web import mount_website
from healthgap.web.pages import is_count, num, places

AMBASSADORS = "wellbeing_ambassadors_2025"  # unit: wellbeing ambassadors (a count)


def test_a_count_is_whole_and_a_rate_keeps_its_decimal() -> None:
    assert num(55.0, "wellbeing ambassadors") == "55"
    assert num(1234567.0, "people") == "1,234,567"
    assert num(55.5, "people") == "55.5"  # not a whole count: not rounded away
    assert num(55.0, "per 100,000") == "55.0"
    assert num(55.0, "%") == "55.0"
    assert num(55.0) == "55.0"
    assert num(None, "people") == "n/a"
    assert [is_count(u) for u in ("schools", "suicides a week", "years", "ratio", None)] == [
        True,
        False,
        False,
        False,
        False,
    ]
    assert places([10.0, 12.0], "people") == 0
    assert places([10.0, 12.5], "people") == 1  # one column, one number of places
    assert places([10.0, 12.0], "people", None) == 1  # a row without a unit: not known to count
    assert places([10.0, 12.0], "years") == 1


def test_progress_returns_of_a_count_read_as_whole_numbers(tmp_path: Path) -> None:
    writer = open_writer(tmp_path / "store.duckdb")
    try:
        for n, value in enumerate((55.0, 1200.0)):
            access.record_progress(
                writer.store,
                AMBASSADORS,
                value=value,
                as_of=date(2024, 3 + 3 * n, 1),
                source="Programme return",
                recorded_by="test",
                unit="wellbeing ambassadors",
            )
        app = FastAPI()
        mount_website(app, ReadLayer(writer.store), warm=False)
        page = TestClient(app).get("/commitments")
        assert page.status_code == 200
        article = page.text.split(f'id="{AMBASSADORS}"')[1].split("</article>")[0]
        returns = re.findall(r"<td>([\d,.]+) wellbeing ambassadors</td>", article)
        assert returns == ["55", "1,200"]
    finally:
        writer.close()
        writer.store.close()
