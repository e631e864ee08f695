"""The current records derived at load time (schema v8, ADR 0811): a read that sees exactly
the release set they were derived for scans them, and gets the same rows the live join
gives; any other read (an embargo, an as-of date, an editor, a load that skipped the
refresh) joins afresh, so the visibility rule never depends on them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from healthgap.errors import StoreError
from healthgap.publish import load_release
from healthgap.query import ReadLayer, editor, public
from healthgap.store import Store, Visibility

from .conftest import BOROUGHS, SERIES, release, values


def _live(store: Store, vis: Visibility, **filters: object) -> pa.Table:
    """``value_records`` by the live join (the stored records ignored)."""
    basis = store._current_basis
    store._current_basis = lambda: None  # type: ignore[method-assign]
    try:
        return store.value_records(visibility=vis, **filters)  # type: ignore[arg-type]
    finally:
        store._current_basis = basis  # type: ignore[method-assign]


def _stored_rows(store: Store) -> int:
    return int(store._query("SELECT count(*) FROM current_records")[0][0])


FILTERS: list[dict[str, object]] = [
    {},
    {"latest": True},
    {"area_codes": list(BOROUGHS[:2]), "latest": True},
    {"indicator_ids": ["life_expectancy"], "latest": True},
    {"narrow": [("period_label", ["2020"])], "latest": True},
    {"narrow": [("area_type", ["ltla"]), ("sex", ["persons"])]},
    {"series": [SERIES], "narrow": [("breakdown_type", ["none"])], "latest": True},
]


@pytest.mark.parametrize("filters", FILTERS)
def test_stored_current_records_answer_as_the_live_join_does(
    reader: ReadLayer, filters: dict[str, object]
) -> None:
    store = reader.store
    vis = Visibility.public().fixed()
    assert store._current_basis() == store.visible_release_ids(visibility=vis) == (1,)
    assert _stored_rows(store) == 15
    got = store.value_records(visibility=vis, **filters)  # type: ignore[arg-type]
    want = _live(store, vis, **filters)
    assert got.num_rows > 0
    assert got.equals(want)


def test_a_later_release_supersedes_in_the_stored_records(reader: ReadLayer) -> None:
    store = reader.store
    load_release(store, release(values((2021, 2022), shift=1.0), name="le2.csv"))
    vis = Visibility.public().fixed()
    assert store._current_basis() == (1, 2)
    got = store.value_records(visibility=vis, latest=True)
    assert got.equals(_live(store, vis, latest=True))
    assert set(got.column("period_label").to_pylist()) == {"2022"}
    restated = store.value_records(visibility=vis, narrow=[("period_label", ["2021"])])
    assert set(restated.column("release_id").to_pylist()) == {2}


def test_an_embargoed_release_is_never_read_from_the_stored_records(reader: ReadLayer) -> None:
    store = reader.store
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
    load_release(
        store,
        release(values((2022,), shift=1.0), name="emb.csv", published_at=None, embargo_until=later),
    )
    # Derived for what a public read sees now: the embargoed release is not in the set.
    assert store._current_basis() == (1,)
    stored = store.value_records(visibility=Visibility.public().fixed(), latest=True)
    assert "2022" not in set(stored.column("period_label").to_pylist())
    # An editor sees another set: the live join, which shows the embargoed values.
    ed = editor().fixed()
    assert store.visible_release_ids(visibility=ed) == (1, 2)
    seen = store.value_records(visibility=ed, latest=True)
    assert set(seen.column("period_label").to_pylist()) == {"2022"}
    # Once the embargo has passed, a public read sees another set: joined afresh.
    after = Visibility.public(now=later + timedelta(hours=1)).fixed()
    shown = store.value_records(visibility=after, latest=True)
    assert set(shown.column("period_label").to_pylist()) == {"2022"}
    assert shown.equals(_live(store, after, latest=True))
    # An as-of read before the release: the live join too.
    old = store.value_records(visibility=public(date(2024, 6, 1)).fixed(), latest=True)
    assert set(old.column("period_label").to_pylist()) == {"2021"}


def test_a_load_that_skips_the_refresh_leaves_reads_correct(reader: ReadLayer) -> None:
    store = reader.store
    load_release(store, release(values((2022,)), name="skip.csv"), refresh_current=False)
    vis = Visibility.public().fixed()
    assert store._current_basis() == (1,) != store.visible_release_ids(visibility=vis)
    assert store.current_stale()
    got = store.value_records(visibility=vis, latest=True)
    assert set(got.column("period_label").to_pylist()) == {"2022"}
    assert store.refresh_current() == (1, 2)
    assert not store.current_stale()
    assert store.value_records(visibility=vis, latest=True).equals(got)


def test_a_failed_load_leaves_the_stored_records_as_they_were(reader: ReadLayer) -> None:
    store = reader.store
    before = store.value_records(visibility=Visibility.public().fixed())

    def fail(_: Store) -> dict[str, pa.Table]:
        raise StoreError("stopped part-way")

    with pytest.raises(StoreError, match="part-way"):
        store.load_release(release(values((2023,)), name="bad.csv"), derive=fail)
    assert store._current_basis() == (1,)
    assert _stored_rows(store) == 15
    assert store.value_records(visibility=Visibility.public().fixed()).equals(before)


def test_read_layer_answers_are_the_same_either_way(reader: ReadLayer, store_path: Path) -> None:
    fast = reader.value_table(public(), parent="E12000007", latest=True)
    store = reader.store
    store.execute_atomically("forget", [("DELETE FROM current_records_basis", [])])
    fresh = ReadLayer(store)
    assert store._current_basis() is None
    assert fresh.value_table(public(), parent="E12000007", latest=True).equals(fast)
