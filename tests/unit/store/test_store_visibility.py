"""Embargo and "as published on": one Visibility rule for every read (ADR 0400)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from healthgap.cli.store_commands import register
from healthgap.engine.comparisons import comparison_outcomes
from healthgap.errors import StoreError
from healthgap.store import POPULATION_COLUMNS, ReleaseInput, Store, Visibility, open_store

MakeValues = Callable[..., pa.Table]
MakeRelease = Callable[..., ReleaseInput]

DAY = date(2024, 5, 10)
EMBARGO = datetime(2024, 5, 10, 9, 30)
AT_0929 = datetime(2024, 5, 10, 9, 29)
AT_0931 = datetime(2024, 5, 10, 9, 31)


def _ids(table: pa.Table) -> set[int]:
    return set(table["release_id"].to_pylist())


@pytest.fixture
def two(store: Store, make_values: MakeValues, make_release: MakeRelease) -> tuple[Store, int, int]:
    """A public 2023 release and one published 10 May 2024, embargoed until 09:30 that day."""
    public = store.load_release(make_release(make_values(base=70), published_at=date(2023, 1, 1)))
    held = store.load_release(
        make_release(make_values(base=80), file="b.csv", published_at=DAY, embargo_until=EMBARGO)
    )
    return store, public, held


def test_embargo_until_0930_is_hidden_at_0929_and_shown_at_0931(
    two: tuple[Store, int, int],
) -> None:
    store, public, held = two
    assert _ids(store.values(visibility=Visibility.public(now=AT_0929))) == {public}
    assert _ids(store.values(visibility=Visibility.public(now=AT_0931))) == {held}
    # asking for the day (its end) at 09:29 is capped at now: still hidden
    assert _ids(store.values(visibility=Visibility.public(DAY, now=AT_0929))) == {public}
    assert _ids(store.values(visibility=Visibility.public(DAY, now=AT_0931))) == {held}
    # an instant within the day, read later, sees what was public at that instant
    assert _ids(store.values(visibility=Visibility.public(AT_0929, now=AT_0931))) == {public}
    assert store.release(held, visibility=Visibility.public(now=AT_0929)).status == "embargoed"
    assert store.release(held, visibility=Visibility.public(now=AT_0931)).status == "published"
    assert store.release(public, visibility=Visibility.public(now=AT_0931)).status == "superseded"


def test_aware_instants_are_compared_in_utc(two: tuple[Store, int, int]) -> None:
    store, public, held = two
    bst = timezone(timedelta(hours=1))
    at_1029_bst = datetime(2024, 5, 10, 10, 29, tzinfo=bst)  # 09:29 UTC
    assert _ids(store.values(visibility=Visibility.public(now=at_1029_bst))) == {public}
    at_1031_bst = datetime(2024, 5, 10, 10, 31, tzinfo=bst)
    assert _ids(store.values(visibility=Visibility.public(now=at_1031_bst))) == {held}


def test_a_future_date_is_capped_at_now(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    public = store.load_release(make_release(make_values(base=70), published_at=date(2023, 1, 1)))
    soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=2)
    held = store.load_release(make_release(make_values(base=80), file="b.csv", embargo_until=soon))
    next_year = soon.date() + timedelta(days=365)
    assert _ids(store.values(as_published_on=next_year)) == {public}
    assert _ids(store.values(visibility=Visibility.public(next_year))) == {public}
    assert _ids(store.comparisons(as_published_on=next_year)) <= {public}
    assert store.series_summary(as_published_on=next_year)["fingertips:90366"][2] == 6
    assert _ids(store.series(as_published_on=next_year)) == {public}
    # the same read once the embargo has passed
    later = Visibility.public(next_year, now=soon + timedelta(seconds=1))
    assert _ids(store.values(visibility=later)) == {held}
    assert Visibility.public(next_year, now=soon).cutoff() == soon


def test_a_future_publication_date_is_capped_too(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    rid = store.load_release(make_release(make_values(), published_at=tomorrow))
    assert store.values(as_published_on=tomorrow).num_rows == 0
    assert store.release(rid).status == "embargoed"
    editor = store.values(visibility=Visibility.editor())
    assert _ids(editor) == {rid}
    assert store.values(as_published_on=tomorrow, include_embargoed=True).num_rows == 6


def test_a_release_without_publication_date_counts_from_its_load_instant(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    before = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    rid = store.load_release(make_release(make_values()))
    assert store.values(visibility=Visibility.public(before)).num_rows == 0
    assert _ids(store.values()) == {rid}


def test_release_values_and_comparisons_of_an_embargoed_release_are_refused(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    values = make_values()
    icb_of = {"E09000001": "E54000027", "E09000002": "E54000029", "E09000003": "E54000028"}
    outcomes = comparison_outcomes(values, polarity="high_is_good", icb_of=icb_of)
    assert outcomes.num_rows > 0
    future = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
    rid = store.load_release(
        replace(make_release(values, embargo_until=future), comparisons=outcomes)
    )
    with pytest.raises(StoreError, match=f"release {rid} is under embargo until"):
        store.release_values(rid)
    with pytest.raises(StoreError, match="cannot see it"):
        store.comparisons(release_id=rid)
    with pytest.raises(StoreError, match="under embargo"):
        store.release_values(rid, visibility=Visibility.public(future.date()))
    assert store.values().num_rows == 0
    assert store.comparisons().num_rows == 0
    # an explicit editor read sees it
    editor = Visibility.editor()
    assert store.release_values(rid, visibility=editor).num_rows == 6
    assert store.comparisons(release_id=rid, visibility=editor).num_rows == outcomes.num_rows
    assert store.comparisons(include_embargoed=True).num_rows == outcomes.num_rows
    # and a public read once the embargo has passed
    after = Visibility.public(now=future + timedelta(minutes=1))
    assert store.release_values(rid, visibility=after).num_rows == 6


def test_release_values_before_publication_is_refused(
    two: tuple[Store, int, int],
) -> None:
    store, public, _ = two
    with pytest.raises(StoreError, match="not published until 2023-01-01"):
        store.release_values(public, visibility=Visibility.public(date(2022, 12, 31)))
    assert store.release_values(public).num_rows == 6


def test_visibility_and_shorthand_cannot_be_mixed(store: Store) -> None:
    with pytest.raises(StoreError, match="not both"):
        store.values(visibility=Visibility.public(), as_published_on=DAY)
    with pytest.raises(StoreError, match="not both"):
        store.values(visibility=Visibility.public(), include_embargoed=True)


def test_the_python_rule_and_the_sql_rule_agree(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    """Each release is visible through ``values`` exactly when ``Visibility.sees`` says so."""
    dates = [(date(2024, 5, 9), None), (DAY, EMBARGO), (DAY, None), (date(2024, 5, 11), None)]
    dates.append((date(2024, 5, 9), datetime(2024, 5, 12, 0, 0)))
    rids = [
        store.load_release(
            make_release(
                make_values(series=f"s:{i}"),
                file=f"{i}.csv",
                published_at=published,
                embargo_until=embargo,
            )
        )
        for i, (published, embargo) in enumerate(dates)
    ]
    moments = [datetime(2024, 5, 9, 12), AT_0929, AT_0931, datetime(2024, 5, 11, 1)]
    moments.append(datetime(2024, 5, 12, 0, 0))
    for now in moments:
        for vis in (Visibility.public(now=now), Visibility.editor(now, now=now)):
            seen = _ids(store.values(visibility=vis))
            for rid in rids:
                r = store.release(rid)
                expected = vis.sees(
                    published_at=r.published_at,
                    loaded_at=r.loaded_at,
                    embargo_until=r.embargo_until,
                )
                assert (rid in seen) == expected, (now, vis, rid)
    # spot checks of the rule itself
    assert _ids(store.values(visibility=Visibility.public(now=AT_0931))) == {
        rids[0],
        rids[1],
        rids[2],
    }
    assert _ids(store.values(visibility=Visibility.editor(AT_0929))) == {
        rids[0],
        rids[1],
        rids[2],
        rids[4],
    }


# ------------------------------------------------------------------ export
@pytest.fixture
def app() -> typer.Typer:
    a = typer.Typer()
    register(a)
    return a


def test_export_never_writes_embargoed_values(
    app: typer.Typer,
    store_path: Path,
    tmp_path: Path,
    make_values: MakeValues,
    make_release: MakeRelease,
) -> None:
    future = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
    with open_store(store_path) as s:
        public = s.load_release(make_release(make_values(base=70), published_at=date(2023, 1, 1)))
        held = s.load_release(
            make_release(make_values(base=80), file="b.csv", embargo_until=future)
        )
    out = tmp_path / "out.parquet"
    base = ["export", "--store", str(store_path), "--format", "parquet", "--out", str(out)]
    runner = CliRunner()

    result = runner.invoke(app, [*base, "--release", str(held)])
    assert result.exit_code == 1
    assert f"release {held} is under embargo until" in result.output
    assert not out.exists()

    result = runner.invoke(
        app, [*base, "--as-published-on", (future.date() + timedelta(days=30)).isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert _ids(pq.read_table(out)) == {public}

    result = runner.invoke(app, base)
    assert result.exit_code == 0, result.output
    assert _ids(pq.read_table(out)) == {public}

    result = runner.invoke(app, [*base, "--release", str(held), "--include-embargoed"])
    assert result.exit_code == 0, result.output
    assert _ids(pq.read_table(out)) == {held}
    result = runner.invoke(app, [*base, "--include-embargoed"])
    assert result.exit_code == 0, result.output
    assert _ids(pq.read_table(out)) == {held}


def test_a_dated_editor_read_names_the_publication_date_not_the_embargo(
    two: tuple[Store, int, int],
) -> None:
    store, _, held = two
    with pytest.raises(StoreError, match="not published until 2024-05-10, so an editor read"):
        store.release_values(held, visibility=Visibility.editor(date(2024, 5, 9)))
    assert store.release_values(held, visibility=Visibility.editor(DAY)).num_rows == 6


def test_value_indicator_ids_are_those_of_the_visible_values(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    """The ids a NoData answer lists: the same read as ``values`` (embargo, publication date,
    unmapped series left out), without the values."""
    store.load_release(make_release(make_values(base=70), published_at=date(2023, 1, 1)))
    hle = make_values(series="ons:hle", indicator_id="hle", base=60)
    unmapped = make_values(series="user:x", indicator_id=None).cast(hle.schema)
    store.load_release(
        make_release(
            pa.concat_tables([hle, unmapped]),
            file="b.csv",
            published_at=DAY,
            embargo_until=EMBARGO,
        )
    )
    reads = {
        "before": Visibility.public(now=AT_0929),
        "after": Visibility.public(now=AT_0931),
        "editor": Visibility.editor(now=AT_0929),
        "2022": Visibility.public(date(2022, 1, 1), now=AT_0931),
    }
    got = {k: store.value_indicator_ids(visibility=v) for k, v in reads.items()}
    assert got == {
        "before": ["life_expectancy"],
        "after": ["hle", "life_expectancy"],
        "editor": ["hle", "life_expectancy"],
        "2022": [],
    }
    for k, v in reads.items():
        held = store.values(visibility=v)["indicator_id"].to_pylist()
        assert got[k] == sorted({i for i in held if i is not None}), k


def test_an_indicator_filter_applies_to_the_latest_row_of_each_key(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    """A later release that maps a series to another indicator wins for its keys: asking for
    the old indicator finds none of that series' rows (the filter is on the current rows,
    not on every stored row), and the reads agree with filtering ``values()`` itself."""
    first = store.load_release(
        make_release(make_values(series="s:a", indicator_id="old"), published_at=date(2022, 1, 1))
    )
    later = store.load_release(
        make_release(
            make_values(series="s:a", indicator_id="new", years=(2022,)),
            file="b.csv",
            published_at=date(2023, 1, 1),
        )
    )
    old = store.values(indicator_ids=["old"])
    assert set(old["period_label"].to_pylist()) == {"2021"}  # 2022 is now "new"'s
    assert _ids(old) == {first}
    assert _ids(store.values(indicator_ids=["new"])) == {later}
    full = store.values()
    for ids in (["old"], ["new"], ["old", "new"], ["none"]):
        got = store.values(indicator_ids=ids)
        assert got.equals(full.filter(pc.is_in(full["indicator_id"], pa.array(ids)))), ids
    # as published before the later release, "old" holds both years
    assert len(store.values(indicator_ids=["old"], as_published_on=date(2022, 6, 1))) == 6


def test_the_read_fingerprint_is_what_each_read_sees_in_one_query(
    two: tuple[Store, int, int], make_values: MakeValues, make_release: MakeRelease
) -> None:
    """``read_fingerprint``: the visible release ids, the latest change of a visible release
    of values (its load, or an embargo ending later), the latest progress return and action
    library entry; the same as the separate reads, under the same Visibility rule."""
    store, public, held = two
    soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
    future = store.load_release(
        make_release(make_values(base=90), file="c.csv", embargo_until=soon)
    )
    people = pa.table(
        {
            c.name: [v]
            for c, v in zip(
                POPULATION_COLUMNS, ("E09000001", "ltla", 2020, "male", 0, 4, 1.0), strict=True
            )
        }
    )
    # loaded last, but without values: it changes no value a read sees
    no_values = store.load_release(
        make_release(None, source="ons", file="pop", population=people, series=())
    )
    loaded = {r.release_id: r.loaded_at for r in store.releases()}
    reads = {
        "before": Visibility.public(now=AT_0929),
        "after": Visibility.public(now=AT_0931),
        "now": Visibility.public(),
        "editor": Visibility.editor(now=AT_0929),
        "2022": Visibility.public(date(2022, 1, 1), now=AT_0931),
        "ended": Visibility.public(now=soon + timedelta(hours=1)),
    }
    got = {k: store.read_fingerprint(visibility=v) for k, v in reads.items()}
    assert {k: (f.release_ids, f.latest_release_change) for k, f in got.items()} == {
        "before": ((public,), loaded[public]),
        "after": ((public, held), loaded[held]),
        "now": ((public, held, no_values), loaded[held]),
        "editor": ((public, held, future, no_values), soon),
        "2022": ((), None),
        "ended": ((public, held, future, no_values), soon),
    }
    assert {(f.latest_progress_return, f.latest_action_seq) for f in got.values()} == {(None, 0)}
    for k, v in reads.items():
        assert got[k].release_ids == store.visible_release_ids(visibility=v), k
        assert got[k].latest_change == store.latest_change(visibility=v), k

    store.record_action_entry("a", status="draft", body="{}", recorded_by="ed")
    store.record_action_entry("b", status="draft", body="{}", recorded_by="ed")
    store.record_action_entry("a", status="draft", body="{}", recorded_by="ed")
    returned = store.record_progress(
        "c1", value=1.0, as_of=date(2024, 1, 1), source="test", recorded_by="ed"
    )
    after = store.read_fingerprint(visibility=reads["before"])
    assert (after.latest_progress_return, after.latest_action_seq) == (returned.recorded_at, 3)
    assert (
        after.latest_change
        == returned.recorded_at
        == store.latest_change(visibility=reads["before"])
    )
