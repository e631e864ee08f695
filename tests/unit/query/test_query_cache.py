"""The read layer's cache (``ReadLayer._cached``) and its one snapshot for a version and the
reads filed under it (``ReadLayer.snapshot``): "no data" answers are remembered like any
other, never across the embargo line, never after a load that adds the data; other errors
are not remembered; the website's pages and the reports are built in their version's
snapshot. A real store (``conftest``), real loads, a real app; the store's reads counted."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthgap.errors import StoreError
from healthgap.publish import load_release
from healthgap.query import NoData, ReadLayer, UnknownParameter, editor, public
from healthgap.query import reader as reader_module
from healthgap.reports.web import mount_reports
from healthgap.store import ReadFingerprint
from healthgap.web import mount_website

from .conftest import release, values
from .test_query_fingerprint import counting_reads

LATER = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)


def no_data(read: Callable[[], object]) -> NoData:
    with pytest.raises(NoData) as caught:
        read()
    return caught.value


def periods(layer: ReadLayer, viewer: Any) -> set[str]:
    return {r.period_label for r in layer.values(viewer, indicator="life_expectancy")}


# ---------------------------------------------------------------------- "no data" remembered
def test_a_repeated_no_data_read_does_not_touch_the_store(
    reader: ReadLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second identical read costs the key (``version``) only, and raises a new, equal
    exception: same class, message and fields, not the same object, no longer traceback."""

    def read() -> object:
        return reader.values(public(), indicator="life_expectancy", period="2030")

    with counting_reads(reader.store, monkeypatch) as key_reads:
        reader.version(public())
    first = no_data(read)
    raised = []
    for _ in range(3):
        with counting_reads(reader.store, monkeypatch) as reads:
            raised.append(no_data(read))
        assert len(reads) == len(key_reads), reads  # the fingerprint's query only
    for again in raised:
        assert type(again) is NoData
        assert again is not first
        assert str(again) == str(first)
        assert (again.asked, again.available) == (first.asked, first.available)
        assert "2019" in str(again)  # what is held, to ask again
    assert len({id(e) for e in raised}) == 3
    depth = {len(traceback.extract_tb(e.__traceback__)) for e in raised}
    assert len(depth) == 1, depth  # each raised afresh, nothing accumulates
    raised[0].asked["period"] = ["changed by a caller"]
    assert no_data(read).asked == first.asked  # a caller cannot change the remembered one


def test_a_load_that_adds_the_data_answers_the_same_read(reader: ReadLayer) -> None:
    with pytest.raises(NoData):
        reader.values(public(), indicator="life_expectancy", period="2022")
    load_release(reader.store, release(values((2022,)), name="le22.csv"))
    got = reader.values(public(), indicator="life_expectancy", period="2022")
    assert {r.period_label for r in got} == {"2022"}
    assert len(got) == 5


@pytest.mark.parametrize("editor_first", [False, True], ids=["public first", "editor first"])
def test_public_and_editor_never_share_a_no_data_answer(
    reader: ReadLayer, editor_first: bool
) -> None:
    """Around an embargoed release, in either order (each twice: the second from the
    cache): the public sees no data for its period, the editor sees the data."""
    load_release(
        reader.store,
        release(values((2022,)), name="emb.csv", published_at=None, embargo_until=LATER),
    )

    def as_public() -> None:
        with pytest.raises(NoData, match="2021"):
            reader.values(public(), indicator="life_expectancy", period="2022")

    def as_editor() -> None:
        got = reader.values(editor(), indicator="life_expectancy", period="2022")
        assert {r.period_label for r in got} == {"2022"}

    order = [as_editor, as_public] if editor_first else [as_public, as_editor]
    for ask in order * 2:
        ask()
    assert "2022" not in periods(reader, public())
    assert "2022" in periods(reader, editor())


def test_no_data_answers_share_the_caches_bound(
    reader: ReadLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_module, "_CACHE_ENTRIES", 3)
    for year in range(2030, 2035):
        no_data(lambda y=str(year): reader.values(public(), indicator="life_expectancy", period=y))
    assert len(reader._cache) == 3
    with counting_reads(reader.store, monkeypatch) as reads:  # dropped: read again
        no_data(lambda: reader.values(public(), indicator="life_expectancy", period="2030"))
    assert any("indicator_values" in r for r in reads), reads


@pytest.mark.parametrize(
    "error",
    [
        StoreError("the store is closed"),
        UnknownParameter("indicator", "nonsense", suggestions=("life_expectancy",)),
        RuntimeError("a bug"),
    ],
    ids=["store error", "unknown parameter", "other"],
)
def test_other_errors_are_not_remembered(reader: ReadLayer, error: Exception) -> None:
    calls: list[int] = []

    def build(_: object) -> list[int]:
        calls.append(1)
        if len(calls) == 1:
            raise error
        return [1]

    with pytest.raises(type(error)):
        reader._cached("test", public(), {}, build)
    assert reader._cached("test", public(), {}, build) == [1]
    assert reader._cached("test", public(), {}, build) == [1]  # the answer is remembered
    assert len(calls) == 2


# ---------------------------------------------------------------------- one snapshot
def load_on_the_first_fingerprint(
    layer: ReadLayer, monkeypatch: pytest.MonkeyPatch, new: Any
) -> list[int]:
    """Commit ``new`` from another thread right after the first fingerprint is read (the
    first ``version``): a load between a key and what is filed under it. The release ids
    loaded."""
    real = layer.store.read_fingerprint
    loaded: list[int] = []

    def then_a_load(**kwargs: Any) -> ReadFingerprint:
        got = real(**kwargs)
        if not loaded:
            worker = threading.Thread(target=lambda: loaded.append(load_release(layer.store, new)))
            worker.start()
            worker.join()
        return got

    monkeypatch.setattr(layer.store, "read_fingerprint", then_a_load)
    return loaded


def test_reads_in_a_snapshot_see_the_state_its_version_fingerprints(reader: ReadLayer) -> None:
    with reader.snapshot(public()) as version:
        worker = threading.Thread(
            target=lambda: load_release(reader.store, release(values((2022,)), name="x.csv"))
        )
        worker.start()
        worker.join()
        assert reader.version(public()) == version
        assert "2022" not in periods(reader, public())
    assert reader.version(public()) != version
    assert "2022" in periods(reader, public())


def test_a_page_is_built_in_the_snapshot_of_its_version(
    reader: ReadLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load committed between the page's version (its cache key and ETag) and its build:
    the page shows the state its key names, then the next request the new one."""
    app = FastAPI()
    mount_website(app, reader, warm=False)
    client = TestClient(app)
    loaded = load_on_the_first_fingerprint(
        reader, monkeypatch, release(values((2022,)), name="le22.csv")
    )
    first = client.get("/indicators/life_expectancy")
    assert loaded
    assert first.status_code == 200
    assert '<option value="2021" selected>' in first.text
    assert '<option value="2022"' not in first.text  # the state of its key, not the load's
    then = client.get("/indicators/life_expectancy")
    assert '<option value="2022" selected>' in then.text
    assert then.headers["etag"] != first.headers["etag"]


@pytest.mark.parametrize(
    ("mount", "url"),
    [
        (
            lambda app, r: mount_website(app, r, warm=False),
            "/indicators/life_expectancy?download=trend",
        ),
        (mount_reports, "/reports/indicator-life_expectancy.html"),
    ],
    ids=["download", "report"],
)
def test_a_download_or_report_is_built_in_the_snapshot_of_its_version(
    reader: ReadLayer,
    monkeypatch: pytest.MonkeyPatch,
    mount: Callable[[FastAPI, ReadLayer], object],
    url: str,
) -> None:
    app = FastAPI()
    mount(app, reader)
    client = TestClient(app)
    loaded = load_on_the_first_fingerprint(
        reader, monkeypatch, release(values((2022,)), name="le22.csv")
    )
    first = client.get(url)
    assert loaded
    assert first.status_code == 200, first.text
    assert "2021" in first.text
    assert "2022" not in first.text
    assert "2022" in client.get(url).text
