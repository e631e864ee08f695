"""The fast paths (ADR 0811): cached answers served before the other middleware keep the
routes' headers and rules; bulk answers are remembered once streamed; warming fills the
cache with what a caller would get; a write or an embargo still changes every answer."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pyarrow.parquet as pq

from healthgap.api.warm import warm_answers
from healthgap.publish import load_release
from healthgap.store import Visibility

from .conftest import Served, bearer, release, values

SERIES = "/v1/series?indicator=life_expectancy&area_type=ltla&parent=E12000007"
BULK = "/v1/bulk?format=parquet"


def test_a_cached_answer_has_the_routes_headers(served: Served) -> None:
    http = served.http()
    first = http.get(SERIES, headers={"Accept-Encoding": "identity"})
    again = http.get(SERIES, headers={"Accept-Encoding": "identity"})
    assert served.app.state.api.cached(first.headers["etag"]) is not None
    assert again.content == first.content
    for name in ("etag", "cache-control", "content-type", "content-length", "vary"):
        assert again.headers[name] == first.headers[name]
    packed = http.get(SERIES, headers={"Accept-Encoding": "gzip"})
    packed_again = http.get(SERIES, headers={"Accept-Encoding": "gzip"})
    assert packed_again.headers["content-encoding"] == "gzip"
    for name in ("etag", "cache-control", "content-type", "vary"):
        assert packed_again.headers[name] == packed.headers[name]
    assert packed_again.content == packed.content == first.content  # decoded by the client
    not_modified = http.get(SERIES, headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304
    assert not_modified.headers["etag"] == first.headers["etag"]


def test_a_cross_origin_read_gets_cors_headers_when_cached(served: Served) -> None:
    http = served.http()
    http.get(SERIES)
    r = http.get(SERIES, headers={"Origin": "https://example.org"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "etag" in r.headers["access-control-expose-headers"].lower()


def test_a_bulk_answer_is_remembered_and_dropped_by_a_load(served: Served) -> None:
    http = served.http()
    first = http.get(BULK)
    assert first.status_code == 200
    state = served.app.state.api
    assert state.cached(first.headers["etag"]) == first.content
    again = http.get(BULK)
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["content-disposition"] == first.headers["content-disposition"]
    rows = pq.read_table(io.BytesIO(again.content)).num_rows
    assert rows == 15
    served.writer.run(lambda s: load_release(s, release(values((2022,)), name="b.csv")))
    state.invalidate()  # what the API's writer does after every job
    loaded = http.get(BULK)
    assert loaded.headers["etag"] != first.headers["etag"]
    assert pq.read_table(io.BytesIO(loaded.content)).num_rows == 20


def test_an_embargo_ending_changes_a_warmed_answer(served: Served) -> None:
    until = served.clock.now + timedelta(hours=1)
    served.writer.run(
        lambda s: load_release(s, release(values((2022,)), name="e.csv", embargo_until=until))
    )
    served.app.state.api.invalidate()
    latest = "/v1/values?parent=E12000007&latest=true"
    warm_answers(served.app, ("/v1/releases", latest, BULK))
    http = served.http()
    held = http.get(latest)
    state = served.app.state.api
    assert state.cached(held.headers["etag"]) is not None  # warmed
    assert {r["period_label"] for r in held.json()} == {"2021"}
    served.clock.now = until + timedelta(seconds=1)
    shown = http.get(latest)
    assert shown.headers["etag"] != held.headers["etag"]
    assert {r["period_label"] for r in shown.json()} == {"2022"}
    bulk = pq.read_table(io.BytesIO(http.get(BULK).content))
    assert "2022" in set(bulk.column("period_label").to_pylist())


def test_publishing_through_the_api_re_derives_the_current_records(served: Served) -> None:
    store = served.writer.store
    rid = served.writer.run(
        lambda s: load_release(
            s, release(values((2022,)), name="p.csv", embargo_until=datetime(2099, 1, 1))
        )
    )
    assert rid not in (store._current_basis() or ())
    r = served.http().put(
        f"/v1/releases/{rid}/embargo", json={"until": None}, headers=bearer(served.editor)
    )
    assert r.status_code == 200
    # Derived in the embargo change's transaction, for what a public read now sees.
    assert rid in (store._current_basis() or ())
    now = Visibility.public().fixed()
    assert store._current_basis() == store.visible_release_ids(visibility=now)
