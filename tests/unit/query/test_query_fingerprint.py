"""``ReadLayer.version`` (every cached read's key, the API's ETag) comes from one store query
and is byte for byte the fingerprint the separate reads made, so ETags already handed out stay
valid — except that a progress return older than the latest release change is named too, so
that a new return changes every viewer's fingerprint (ADR 0800)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from healthgap.publish import load_release
from healthgap.query import ReadLayer
from healthgap.store import Store, Visibility, open_store

from .conftest import release, values

#: The clock of the fixed reads (after every bundled release and the test store's).
NOW = datetime.now(UTC).replace(tzinfo=None)


def separate_reads_version(layer: ReadLayer, viewer: Visibility) -> str:
    """The fingerprint as ``version`` made it before ``Store.read_fingerprint``: the visible
    release ids, ``latest_change`` and the action library's latest ``seq``, read separately."""
    vis = viewer.fixed()
    with layer.store.snapshot():
        ids = layer.store.visible_release_ids(visibility=vis)
        returns = layer.store.latest_change(visibility=vis)
        library = max((r.seq for r in layer.store.action_entries()), default=0)
        recorded = [r.recorded_at for r in layer.store.progress_returns(include_superseded=True)]
    text = f"{layer.catalogue.version}|{','.join(map(str, ids))}|{returns}|{library}"
    if recorded and max(recorded) != returns:
        text += f"|return {max(recorded)}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def viewers(now: datetime) -> dict[str, Visibility]:
    return {
        "public": Visibility.public(now=now),
        "editor": Visibility.editor(now=now),
        "public 2020": Visibility.public(date(2020, 1, 1), now=now),
        "editor 2020": Visibility.editor(date(2020, 1, 1), now=now),
    }


def assert_same_as_separate_reads(layer: ReadLayer, now: datetime = NOW) -> dict[str, str]:
    """Each viewer's ``version`` equals the separate reads' fingerprint; the versions."""
    got = {k: layer.version(v) for k, v in viewers(now).items()}
    assert got == {k: separate_reads_version(layer, v) for k, v in viewers(now).items()}
    return got


def record_progress_and_an_action(store: Store) -> None:
    store.record_progress("c1", value=1.0, as_of=date(2024, 1, 1), source="t", recorded_by="ed")
    store.record_action_entry("a", status="draft", body="{}", recorded_by="ed")
    store.record_action_entry("b", status="draft", body="{}", recorded_by="ed")
    store.record_action_entry("a", status="published", body="{}", recorded_by="ed")


def test_an_empty_store_has_the_same_fingerprint(tmp_path: Path) -> None:
    with ReadLayer(open_store(tmp_path / "empty.duckdb")) as layer:
        got = assert_same_as_separate_reads(layer)
        assert len(set(got.values())) == 1  # nothing to see, whoever asks


def test_the_bundled_store_has_the_same_fingerprint(bundled_store_copy: Path) -> None:
    with ReadLayer(open_store(bundled_store_copy)) as layer:
        first = assert_same_as_separate_reads(layer)
        record_progress_and_an_action(layer.store)
        then = assert_same_as_separate_reads(layer)
        assert all(then[k] != first[k] for k in first)


def test_embargo_progress_and_actions_keep_the_fingerprint(reader: ReadLayer) -> None:
    """An embargoed release before and after its embargo (injected clock), then a progress
    return, then action library entries: every state, every viewer, the same bytes."""
    seen = [assert_same_as_separate_reads(reader)]
    ends = NOW + timedelta(days=2)
    load_release(
        reader.store,
        release(values((2022,)), name="emb.csv", published_at=None, embargo_until=ends),
    )
    seen.append(assert_same_as_separate_reads(reader))
    assert seen[1]["public"] == seen[0]["public"] != seen[1]["editor"]
    seen.append(assert_same_as_separate_reads(reader, now=ends + timedelta(hours=1)))
    assert seen[2]["public"] == seen[2]["editor"] != seen[1]["public"]
    reader.store.record_progress(
        "c1", value=1.0, as_of=date(2024, 1, 1), source="t", recorded_by="ed"
    )
    seen.append(assert_same_as_separate_reads(reader))
    # a return changes every viewer's fingerprint, the editor's too, though it sees an
    # embargo ending in two days, later than the return
    assert all(seen[3][k] != seen[1][k] for k in seen[1])
    reader.store.record_progress(
        "c1", value=2.0, as_of=date(2024, 2, 1), source="t", recorded_by="ed"
    )
    seen.append(assert_same_as_separate_reads(reader))
    assert all(seen[4][k] != seen[3][k] for k in seen[3])
    reader.store.record_action_entry("a", status="draft", body="{}", recorded_by="ed")
    seen.append(assert_same_as_separate_reads(reader))
    reader.store.record_action_entry("b", status="draft", body="{}", recorded_by="ed")
    reader.store.record_action_entry("a", status="published", body="{}", recorded_by="ed")
    seen.append(assert_same_as_separate_reads(reader))
    # every change after the embargo's end gave every viewer a new fingerprint
    for before, after in itertools.pairwise(seen[3:]):
        assert all(after[k] != before[k] for k in before)


@contextmanager
def counting_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The store's reads while the block runs: the SQL of each ``_query`` and ``_arrow``
    call, and one ``"cursor"`` entry per read cursor taken (every read takes one)."""
    reads: list[str] = []

    def wrap(name: str) -> None:
        real: Callable[..., Any] = getattr(store, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            reads.append(name if name == "_reading" else str(args[0]))
            return real(*args, **kwargs)

        monkeypatch.setattr(store, name, counted)

    for name in ("_query", "_arrow", "_reading"):
        wrap(name)
    yield reads
    monkeypatch.undo()


def test_version_makes_one_store_query(reader: ReadLayer, monkeypatch: pytest.MonkeyPatch) -> None:
    reader.store.record_progress(
        "c1", value=1.0, as_of=date(2024, 1, 1), source="t", recorded_by="ed"
    )
    reader.store.record_action_entry("a", status="draft", body="{}", recorded_by="ed")
    for viewer in viewers(NOW).values():
        with counting_reads(reader.store, monkeypatch) as reads:
            reader.version(viewer)
        assert len(reads) == 2, reads  # one query, on one cursor
        assert reads[1] == "_reading"
        assert "progress_returns" in reads[0]
        assert "action_entries" in reads[0]
