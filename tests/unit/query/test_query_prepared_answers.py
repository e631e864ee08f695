"""Prepared answers (schema v9, ADR 0812): the latest-of-everything answer is made with the
current records, in the same transaction, and served only to a public read now that sees
exactly the releases (and provenance) it was made for, by the same recipe. Anything else —
an embargo ending, an editor, an as-of date, another catalogue, a refresh without a
preparer, a changed publication date — is answered afresh: the old bytes are never served."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from healthgap.errors import StoreError
from healthgap.publish import access, load_release, with_comparisons
from healthgap.query import PREPARED_QUESTIONS, JsonAnswer, ReadLayer, editor, public
from healthgap.store import LATEST_VERSION, Store, open_store

from .conftest import LONDON, release, values

QUESTION = next(iter(PREPARED_QUESTIONS))
SRC = str(Path(__file__).resolve().parents[3] / "src")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _live(reader: ReadLayer, viewer: object = None) -> bytes:
    """The answer built afresh (current records or the live join, then the JSON writer)."""
    vis = public() if viewer is None else viewer
    return reader.json(reader.value_table(vis, parent=LONDON, latest=True))  # type: ignore[arg-type]


def _asked(reader: ReadLayer, viewer: object = None) -> JsonAnswer:
    vis = public() if viewer is None else viewer
    return reader.values_json(vis, parent=LONDON, latest=True)  # type: ignore[arg-type]


def _stored(store: Store) -> list[tuple[str, int, int]]:
    return store.prepared_names()


def test_a_refresh_prepares_the_answer_and_it_is_the_live_one(reader: ReadLayer) -> None:
    store = reader.store
    assert _stored(store) == []  # loaded before any read layer prepared answers
    assert _asked(reader).gzip is None  # answered afresh
    store.refresh_current()
    ((name, size, packed),) = _stored(store)
    assert name == QUESTION
    got = _asked(reader)
    assert got.gzip is not None
    assert len(got.gzip) == packed < size
    assert got.size == size
    assert got.body == _live(reader) == gzip.decompress(got.gzip)
    assert b'"period_label":"2021"' in got.body


def test_a_load_prepares_the_answer_in_its_transaction(reader: ReadLayer) -> None:
    store = reader.store
    load_release(store, release(values((2022,), shift=1.0), name="le2.csv"))
    got = _asked(reader)
    assert got.gzip is not None
    assert got.body == _live(reader)
    assert b'"period_label":"2022"' in got.body


def test_a_failed_load_leaves_the_prepared_answer_as_it_was(reader: ReadLayer) -> None:
    store = reader.store
    store.refresh_current()
    before = _asked(reader)
    assert before.gzip is not None

    def fail(_: Store) -> dict[str, pa.Table]:
        raise StoreError("stopped part-way")

    with pytest.raises(StoreError, match="part-way"):
        store.load_release(release(values((2023,)), name="bad.csv"), derive=fail)
    after = _asked(reader)
    assert after.gzip == before.gzip


def test_a_failing_preparer_fails_the_load_and_writes_nothing(reader: ReadLayer) -> None:
    store = reader.store
    store.refresh_current()
    before = _asked(reader).gzip

    def broken(_: Store, __: object) -> list[object]:
        raise StoreError("cannot prepare")

    store.prepare_answers_with(broken)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="cannot prepare"):
        load_release(store, release(values((2022,)), name="le2.csv"))
    assert len(store.releases()) == 1
    assert _asked(reader).gzip == before


def test_an_embargo_ending_never_serves_the_old_bytes(reader: ReadLayer) -> None:
    """Made while the release is embargoed: one answer for what a public read sees now and
    one for what it will see once the embargo ends. Before then only the first is served;
    after it (the clock alone, no write) only the second — never the old bytes."""
    store = reader.store
    until = _now() + timedelta(days=2)
    load_release(
        store,
        release(values((2022,), shift=1.0), name="emb.csv", published_at=None, embargo_until=until),
    )
    assert len(_stored(store)) == 2
    held = _asked(reader)
    assert held.gzip is not None
    assert b'"period_label":"2022"' not in held.body
    assert held.body == _live(reader)
    just_before = public(now=until - timedelta(seconds=1))
    assert _asked(reader, just_before).gzip == held.gzip
    later = public(now=until + timedelta(hours=1))
    passed = _asked(reader, later)
    assert passed.gzip is not None
    assert passed.gzip != held.gzip
    assert b'"period_label":"2022"' in passed.body
    assert passed.body == _live(reader, later)
    # Editors and as-of reads always take the live path.
    ed = _asked(reader, editor())
    assert ed.gzip is None
    assert b'"period_label":"2022"' in ed.body
    assert _asked(reader, public(date(2024, 6, 1))).gzip is None
    # Publishing it now (a write) prepares the answer afresh, in the same transaction.
    access.set_embargo(store, 2, None)
    assert len(_stored(store)) == 1
    published = _asked(reader)
    assert published.gzip is not None
    assert b'"period_label":"2022"' in published.body
    assert published.body == _live(reader)


def test_answers_ahead_are_bounded_and_the_rest_answered_afresh(reader: ReadLayer) -> None:
    """Three embargoes pending: answers are made for now and the next two instants only;
    a public read after the third embargo ends is answered afresh, and rightly."""
    store = reader.store
    now = _now()
    ends = [now + timedelta(days=d) for d in (1, 2, 3)]
    for i, until in enumerate(ends):
        load_release(
            store,
            release(
                values((2022 + i,), shift=float(i)),
                name=f"emb{i}.csv",
                published_at=None,
                embargo_until=until,
            ),
        )
    assert len(_stored(store)) == 3
    for i, until in enumerate(ends):
        view = public(now=until + timedelta(minutes=1))
        got = _asked(reader, view)
        assert (got.gzip is not None) == (i < 2)
        assert f'"period_label":"{2022 + i}"'.encode() in got.body
        assert got.body == _live(reader, view)


def test_a_reembargo_prepares_what_the_public_sees_again(reader: ReadLayer) -> None:
    store = reader.store
    load_release(store, release(values((2022,), shift=1.0), name="le2.csv"))
    assert b'"period_label":"2022"' in _asked(reader).body
    access.set_embargo(store, 2, _now() + timedelta(days=1))
    got = _asked(reader)
    assert got.gzip is not None
    assert b'"period_label":"2022"' not in got.body
    assert got.body == _live(reader)


def test_a_changed_provenance_is_never_served_from_the_old_answer(reader: ReadLayer) -> None:
    """A publication date changed by a path that does not refresh (none does today): the
    basis covers each release's provenance, so the stored answer no longer matches."""
    store = reader.store
    store.refresh_current()
    assert _asked(reader).gzip is not None
    store.execute_atomically(
        "restate",
        [("UPDATE releases SET published_at = ? WHERE release_id = 1", [date(2024, 2, 1)])],
    )
    got = _asked(reader)
    assert got.gzip is None
    assert b'"published_at":"2024-02-01"' in got.body


def test_another_recipe_is_never_served(reader: ReadLayer) -> None:
    """A read layer with another catalogue (an indicator renamed) makes other bytes: the
    stored answer, made by the first layer's recipe, is not served to it."""
    store = reader.store
    store.refresh_current()
    cat = reader.catalogue
    renamed = cat.model_copy(
        update={
            "indicators": tuple(
                i.model_copy(update={"name": "Renamed"}) if i.id == "life_expectancy" else i
                for i in cat.indicators
            )
        }
    )
    other = ReadLayer(store, catalogue=renamed, geography=reader.geography, prepare=False)
    assert other._recipe(QUESTION) != reader._recipe(QUESTION)
    got = _asked(other)
    assert got.gzip is None
    assert b'"indicator_name":"Renamed"' in got.body
    assert _asked(reader).gzip is not None


def test_a_refresh_without_a_preparer_clears_them(reader: ReadLayer) -> None:
    """``healthgap compute`` and other writers without a read layer: their refresh leaves
    no answer made from older records."""
    store = reader.store
    store.refresh_current()
    assert _stored(store)
    store.prepare_answers_with(None)
    load_release(store, release(values((2022,)), name="le2.csv"))
    assert _stored(store) == []
    got = _asked(reader)
    assert got.gzip is None
    assert b'"period_label":"2022"' in got.body


def test_only_the_exact_question_is_answered_from_the_store(reader: ReadLayer) -> None:
    reader.store.refresh_current()
    asked = reader.values_json(public(), parent=LONDON, latest=True, sex="persons")
    assert asked.gzip is None
    assert reader.values_json(public(), parent=LONDON).gzip is None
    assert reader.values_json(public(), parent=LONDON, latest=True).gzip is not None


def test_a_v8_store_migrates_and_prepares_on_its_next_refresh(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old = open_store(path, migrate=False)
    old.migrate(to=8)
    # A v8 store's load wrote no assessments' rules (schema v10): the store's own load.
    old.load_release(with_comparisons(old, release(values())))
    assert old.prepared_names() == []
    old.close()
    with open_store(path) as store:  # opened for writing: migrated to the latest
        assert store.schema_version == LATEST_VERSION == 10
        assert store.prepared_names() == []
        assert not store.current_stale()
        layer = ReadLayer(store)
        assert store.prepared_stale()  # what `healthgap init` checks on a rerun
        assert _asked(layer).gzip is None
        store.refresh_current()
        assert not store.prepared_stale()
        got = _asked(layer)
        assert got.gzip is not None
        assert got.body == _live(layer)


_KILLED = """
import sys, time
from healthgap.publish import load_release
from healthgap.query import ReadLayer
from healthgap.store import open_store
sys.path.insert(0, sys.argv[2])
from conftest import release, values

store = open_store(sys.argv[1])
layer = ReadLayer(store)

def slow(st, vis):
    answers = layer._prepare(st, vis)
    print("prepared", flush=True)
    time.sleep(120)
    return answers

store.prepare_answers_with(slow)
load_release(store, release(values((2022,), shift=1.0), name="killed.csv"))
"""


def test_a_load_killed_while_preparing_leaves_the_store_unchanged(
    store_path: Path, tmp_path: Path
) -> None:
    """A real process SIGKILLed inside the load's transaction, after its answers were made:
    the release, its current records and the prepared answers are as they were."""
    with open_store(store_path) as store:
        ReadLayer(store)
        store.refresh_current()
        before = store.prepared_answer(
            QUESTION, recipe=ReadLayer(store, prepare=False)._recipe(QUESTION)
        )
        assert before is not None
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    here = str(Path(__file__).resolve().parent)
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED, str(store_path), here],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == b"prepared", proc.stderr.read() if proc.stderr else line
        time.sleep(0.2)
        proc.kill()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    with open_store(store_path, read_only=True) as store:
        layer = ReadLayer(store)
        assert [r.release_id for r in store.releases()] == [1]
        after = store.prepared_answer(QUESTION, recipe=layer._recipe(QUESTION))
        assert after is not None
        assert after.gzip == before.gzip
        got = _asked(layer)
        assert got.gzip == before.gzip
        assert b'"period_label":"2022"' not in got.body


def test_a_store_with_nothing_to_answer_prepares_nothing(tmp_path: Path) -> None:
    """A first release outside London (or with no values): the question has no answer yet,
    so nothing is stored and the read refuses as before (404's NoData)."""
    from healthgap.query import NoData

    with open_store(tmp_path / "s.duckdb") as store:
        layer = ReadLayer(store)
        england_only = values().filter(pc.equal(values()["area_code"], "E92000001"))
        load_release(store, release(england_only, name="eng.csv"))
        assert store.prepared_names() == []
        with pytest.raises(NoData):
            _asked(layer)
