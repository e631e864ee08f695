"""Assessments stored with releases, release differences and inequality on demand."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from healthgap.publish import load_release
from healthgap.query import NoData, ReadLayer, UnknownParameter, editor, public
from healthgap.tracking import assess_commitments

from .conftest import LONDON, release, values


def test_assessments_are_stored_with_the_release_and_looked_up(reader: ReadLayer) -> None:
    stored = reader.store.assessments()
    expected = assess_commitments(reader.catalogue, reader.store)
    assert stored.num_rows == len(expected)
    assert set(stored.column("release_id").to_pylist()) == {1}
    # An editor read (or an as-of read) is a look-up of the stored rows.
    rows = reader.assessments(editor())
    assert [r.id for r in rows] == [a.id for a in expected]
    assert {r.release_id for r in rows} == {1}
    assert rows[0].detail["status"] == rows[0].status
    one = reader.assessments(public(), commitment=expected[0].commitment_id or expected[0].id)
    assert one
    with pytest.raises(UnknownParameter):
        reader.assessments(public(), commitment="no_such_commitmnt")


def test_a_progress_return_after_the_load_makes_public_assessments_fresh(
    reader: ReadLayer,
) -> None:
    c = reader.catalogue.commitments[0]
    reader.store.record_progress(
        c.id, value=1.0, as_of=date(2024, 1, 1), source="test", recorded_by="tester"
    )
    rows = reader.assessments(public(), commitment=c.id)
    assert rows[0].id == c.id
    assert reader.progress_history(c.id)[0].value == 1.0


def test_release_diff_counts_added_revised_and_unchanged(reader: ReadLayer) -> None:
    table = values((2021, 2022))
    v = table.column("value").to_pylist()
    v[0] = 99.0  # England 2021 revised
    table = table.set_column(
        table.schema.get_field_index("value"), "value", pa.array(v, pa.float64())
    )
    load_release(reader.store, release(table, name="le2.csv", published_at=date(2024, 6, 1)))
    diff = reader.release_diff(public(), 1, 2)
    (change,) = diff.changes
    assert (change.added, change.removed, change.revised, change.unchanged) == (5, 10, 1, 4)
    assert change.indicator_id == "life_expectancy"


def _deciles() -> pa.Table:
    base = values((2021,)).slice(0, 1).to_pylist()[0]
    rows = []
    for d in range(1, 11):
        v = 75.0 + d
        rows.append(
            {
                **base,
                "area_code": LONDON,
                "area_type": "region",
                "breakdown_type": "imd2019_decile_london",
                "breakdown_category": str(d),
                "value": v,
                "lower95_0cl": v - 0.4,
                "upper95_0cl": v + 0.4,
                "lower99_8cl": v - 0.7,
                "upper99_8cl": v + 0.7,
                "denominator": 80000.0,
            }
        )
    return pa.Table.from_pylist(rows)


def test_inequality_on_demand_from_a_decile_breakdown(reader: ReadLayer) -> None:
    load_release(reader.store, release(_deciles(), name="deciles.csv"))
    rows = reader.inequality(
        public(),
        indicator="life_expectancy",
        area=LONDON,
        period="2021",
        breakdown="imd2019_decile_london",
    )
    by = {r.measure: r for r in rows}
    sii = next(r for m, r in by.items() if m.startswith("sii"))
    assert sii.value == pytest.approx(10.0, abs=0.5)  # one year per decile over the range
    assert sii.lower95_0cl < sii.value < sii.upper95_0cl  # type: ignore[operator]
    assert any(m.startswith("gap") for m in by)
    with pytest.raises(NoData) as err:
        reader.inequality(
            public(), indicator="life_expectancy", area=LONDON, period="2021", breakdown="sex"
        )
    assert "imd2019_decile_london" in err.value.available["breakdowns"]
