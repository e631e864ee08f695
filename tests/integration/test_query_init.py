"""After ``healthgap init`` on the real bundled data, comparisons and assessments are stored
with the releases and read back through the read layer as look-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthgap.query import open_read_layer, public

pytestmark = pytest.mark.slow

ENGLAND = "E92000001"


def test_init_stores_comparisons_and_assessments_read_through_query(bundled_store) -> None:
    """The session's store built by ``healthgap init`` (tests/conftest.py, which checks that
    ``init`` exits 0) holds what the read layer reads back."""
    path: Path = bundled_store.path
    with open_read_layer(path) as q:
        # Every release with values had its comparisons derived and stored at load.
        with_values = {r.release_id for r in q.releases(public()) if r.row_counts["values"] > 0}
        stored = q.store.comparisons()
        assert set(stored.column("release_id").to_pylist()) == with_values
        # A bundled Fingertips borough value: its England comparison is stored and read back.
        rows = q.latest(
            public(), indicator="healthy_life_expectancy", area="E09000002", sex="female"
        )
        (row,) = [r for r in rows if r.series.startswith("fingertips:")][:1]
        assert row.provenance.source.startswith("fingertips_extract")
        england = row.comparison("country")
        assert england is not None
        assert england.benchmark_area_code == ENGLAND
        (eng,) = q.values(
            public(),
            indicator=row.series,
            area=ENGLAND,
            period=row.period_label,
            sex="female",
        )
        assert england.benchmark_value == pytest.approx(eng.value)
        # The Fingertips extracts publish no confidence limits but Fingertips' own outcome
        # (compared_to_England), which is kept (issue 17): 'Similar' in the 2026 extract.
        assert row.period_label == "2022 - 24"
        assert (england.outcome, england.reason) == ("Similar", "")
        # A borough value published with limits (ONS) has a significance verdict stored.
        ons = q.latest(public(), indicator="ons_explore:healthy-life-expectancy", area="E09000002")
        verdicts = {r.comparison("country").outcome for r in ons if r.comparison("country")}
        assert verdicts & {"Better", "Similar", "Worse"}
        # The flat read carries the same comparison.
        flat = q.bulk(
            public(), indicator=row.series, area="E09000002", period=row.period_label, sex="female"
        )
        assert flat.column("england_value").to_pylist()[0] == pytest.approx(eng.value)
        # Assessments were derived with the last release, in its transaction.
        assessed = q.store.assessments()
        assert assessed.num_rows == len(q.catalogue.commitments)
        assert set(assessed.column("release_id").to_pylist()) == {max(with_values)}


def test_init_derives_the_current_records_once_for_the_whole_set(bundled_store) -> None:
    """``init`` refreshes the stored current records at the end: public reads then scan them,
    and they hold what the live join gives."""
    with open_read_layer(bundled_store.path) as q:
        store = q.store
        vis = public().fixed()
        assert store._current_basis() == store.visible_release_ids(visibility=vis)
        london = sorted(q._descendants("E12000007"))
        stored = store.value_records(visibility=vis, area_codes=london, latest=True)
        store._current_basis = lambda: None  # the live join, for comparison
        live = store.value_records(visibility=vis, area_codes=london, latest=True)
        assert stored.num_rows > 1000
        assert stored.equals(live)


def test_init_prepares_the_latest_of_everything_byte_for_byte(bundled_store) -> None:
    """``init`` prepares the latest value of every indicator for every London area with its
    last refresh (ADR 0812): the stored answer is the live one, byte for byte."""
    with open_read_layer(bundled_store.path) as q:
        ((name, size, packed),) = q.store.prepared_names()
        assert name == "values:parent=E12000007&latest=true"
        got = q.values_json(public(), parent="E12000007", latest=True)
        assert got.gzip is not None
        assert len(got.gzip) == packed
        live = q.json(q.value_table(public(), parent="E12000007", latest=True))
        assert len(live) == size > 10_000_000
        assert got.body == live


def test_assessments_as_of_an_earlier_date_are_made_from_what_was_published_then(
    bundled_store,
) -> None:
    """A read as of 2019-12-31 sees the Greater London Authority borough profiles (published
    2019-10-28), whose stored assessments were derived at ``init`` with releases published in
    2020–2026 already loaded, and judged deadlines as of the day of ``init``. Served, they
    showed Reception overweight 'at risk: the deadline (2024-03-31) has passed', as of 2019.
    A read of an earlier date gets tracking's own assessment as on that date."""
    from datetime import date

    from healthgap.tracking import assess_commitments

    day = date(2019, 12, 31)
    with open_read_layer(bundled_store.path) as q:
        got = {a.id: (a.status, a.reason) for a in q.assessments(public(day))}
        want = {
            a.commitment_id: (a.status.value, a.reason)
            for a in assess_commitments(q.catalogue, q.store, as_of=day)
        }
        assert got == want
        assert got["reception_overweight_10pct_2023_24"][0] == "not_assessable"
        # Now, the stored rows stand (the same answer as tracking's, without computing it).
        stored = q.store.assessments().to_pylist()
        now = {a.id: a.status for a in q.assessments(public())}
        assert now == {r["id"]: r["status"] for r in stored}
        assert now["reception_overweight_10pct_2023_24"] != "not_assessable"


def test_assessments_made_under_other_rules_are_made_again(bundled_store_copy: Path) -> None:
    """After an upgrade (new tracking code or catalogue) the stored assessments carry the
    old rules' fingerprint and are not served: a read gets them made under the running
    rules. Under the same rules, the stored rows are what a read gets."""
    import duckdb

    from healthgap.tracking.rules import rules_fingerprint

    con = duckdb.connect(str(bundled_store_copy))
    con.execute("UPDATE assessments SET reason = 'made by this healthgap' || reason")
    con.close()
    with open_read_layer(bundled_store_copy) as q:
        rules = set(q.store.assessments().column("rules").to_pylist())
        assert rules == {rules_fingerprint(q.catalogue)}
        assert all(a.reason.startswith("made by this healthgap") for a in q.assessments(public()))
    con = duckdb.connect(str(bundled_store_copy))
    con.execute("UPDATE assessments SET rules = 'an older healthgap'")
    con.close()
    with open_read_layer(bundled_store_copy) as q:
        fresh = q.assessments(public())
        assert len(fresh) == len(q.catalogue.commitments)
        assert not any(a.reason.startswith("made by this healthgap") for a in fresh)
