"""Reads continue, consistent, while a load is written; a failed or killed derivation leaves
nothing half-written."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from healthgap.errors import StoreError
from healthgap.publish import load_release
from healthgap.query import ReadLayer, editor, public
from healthgap.store import ReadFingerprint, Store, Writer, open_store

from .conftest import release, values


def _state(s: Store) -> tuple[int, int, int, int]:
    q = s._query  # one look at every table a load writes
    return (
        int(q("SELECT count(*) FROM releases")[0][0]),
        int(q("SELECT count(*) FROM indicator_values")[0][0]),
        int(q("SELECT count(*) FROM comparisons")[0][0]),
        int(q("SELECT count(*) FROM assessments")[0][0]),
    )


def test_reads_continue_and_stay_consistent_while_a_load_runs(reader: ReadLayer) -> None:
    store = reader.store
    inside = threading.Event()
    finish = threading.Event()
    old_rows = reader.bulk(public(), indicator="life_expectancy").num_rows

    def slow_derive(view: Store) -> Mapping[str, pa.Table]:
        inside.set()  # the load's transaction is open: values and comparisons written
        assert finish.wait(30)
        return {}

    writer = Writer(store)
    new = release(values((2022, 2023), shift=2.0), name="le2.csv")
    done = writer.submit(lambda s: s.load_release(new, derive=slow_derive))
    assert inside.wait(30)

    seen: list[tuple[int, frozenset[int]]] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(5):
                t = reader.bulk(public(), indicator="life_expectancy")
                seen.append((t.num_rows, frozenset(t.column("release_id").to_pylist())))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # Every read finished while the load's transaction stayed open: no read waited for it.
    assert not done.done()
    assert not errors, errors
    assert len(seen) == 20
    assert set(seen) == {(old_rows, frozenset({1}))}
    assert time.perf_counter() - started < 60

    finish.set()
    assert done.result(60) == 2
    writer.close()
    after = reader.bulk(public(), indicator="life_expectancy")
    assert after.num_rows == old_rows + 10
    assert set(after.column("release_id").to_pylist()) == {1, 2}


def test_a_failing_derivation_writes_nothing(reader: ReadLayer) -> None:
    store = reader.store
    before = _state(store)

    def broken(view: Store) -> Mapping[str, pa.Table]:
        # The derivation sees the release being written...
        assert view.values(indicator_ids=["life_expectancy"]).num_rows == 25
        raise RuntimeError("derivation failed")

    with pytest.raises(RuntimeError, match="derivation failed"):
        store.load_release(release(values((2022, 2023)), name="le3.csv"), derive=broken)
    assert _state(store) == before
    with pytest.raises(StoreError, match="not one the store keeps"):
        store.load_release(
            release(values((2022,)), name="le4.csv"), derive=lambda v: {"nonsense": pa.table({})}
        )
    assert _state(store) == before


_KILL = """
import os, signal, sys
from pathlib import Path
sys.path[:0] = [{tests!r}]
from query_conftest import release, values
from healthgap.publish import derive_assessments
from healthgap.catalogue import load_catalogue
from healthgap.store import open_store

cat = load_catalogue()
def killed(view):
    derive_assessments(view, cat)  # computed inside the transaction, then the process dies
    os.kill(os.getpid(), signal.SIGKILL)

s = open_store(Path({path!r}))
s.load_release(release(values((2022, 2023)), name="killed.csv"), derive=killed)
"""


def test_a_killed_derivation_leaves_the_store_as_it_was(store_path: Path, tmp_path: Path) -> None:
    with open_store(store_path) as s:
        before = _state(s)
    helper = tmp_path / "helpers"
    helper.mkdir()
    (helper / "query_conftest.py").write_text((Path(__file__).parent / "conftest.py").read_text())
    code = _KILL.format(tests=str(helper), path=str(store_path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300)
    assert done.returncode == -9, done.stderr.decode()
    with open_store(store_path) as s:
        assert _state(s) == before
        assert s.release(1).source == "fingertips"


def test_a_load_between_a_reads_key_and_its_answer_files_nothing_under_the_old_key(
    reader: ReadLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached read computes its key (``version``) and its answer in one snapshot: an
    embargoed release committed in between is in neither, so an editor's answer is never
    filed under a fingerprint a public read computes later (an embargo leak)."""
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
    embargoed = release(values((2022,)), name="emb.csv", published_at=None, embargo_until=later)
    real = reader.store.read_fingerprint
    loaded: list[int] = []

    def then_a_load(**kwargs: Any) -> ReadFingerprint:
        got = real(**kwargs)
        if not loaded:  # committed by another thread once the first key is known
            worker = threading.Thread(
                target=lambda: loaded.append(load_release(reader.store, embargoed))
            )
            worker.start()
            worker.join()
        return got

    monkeypatch.setattr(reader.store, "read_fingerprint", then_a_load)
    first = reader.bulk(editor(), indicator="life_expectancy")
    assert loaded
    assert "2022" not in first["period_label"].to_pylist()  # the key's state, not the load's
    seen = reader.bulk(public(), indicator="life_expectancy")
    assert "2022" not in seen["period_label"].to_pylist()
    assert "2022" in reader.bulk(editor(), indicator="life_expectancy")["period_label"].to_pylist()
