"""The latest-of-everything answer prepared at load time (ADR 0812), through the API: a
client that takes gzip gets the stored gzip bytes with the headers a cached answer has, the
JSON form is cached after it, and a load or an embargo ending is never answered from the
old bytes."""

from __future__ import annotations

from datetime import timedelta

from healthgap.query import public

from .conftest import Served, release, values

LATEST = "/v1/values?parent=E12000007&latest=true"
HEADERS = ("etag", "cache-control", "content-type", "content-length", "content-encoding", "vary")


def _prepare(served: Served) -> None:
    served.writer.run(lambda s: s.refresh_current())
    served.app.state.api.invalidate()  # what the API's writer does after every job


def test_the_prepared_answer_is_served_as_a_cached_one_would_be(served: Served) -> None:
    _prepare(served)
    ((_, size, packed),) = served.reader.store.prepared_names()
    http = served.http()
    with http.stream("GET", LATEST, headers={"Accept-Encoding": "gzip"}) as first:
        raw = b"".join(first.iter_raw())
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    assert len(raw) == packed
    state = served.app.state.api
    etag = first.headers["etag"]
    assert state.cached(etag + ":gzip") == raw
    live = served.reader.json(
        served.reader.value_table(state.viewer(None), parent="E12000007", latest=True)
    )
    assert len(live) == size
    assert state.cached(etag) == live  # cached once the answer was sent
    again = http.get(LATEST, headers={"Accept-Encoding": "gzip"})  # answered from memory
    assert again.content == live
    for name in HEADERS:
        assert again.headers[name] == first.headers[name], name
    plain = http.get(LATEST, headers={"Accept-Encoding": "identity"})
    assert plain.content == live
    assert plain.headers["etag"] == etag


def test_a_client_without_gzip_gets_the_json_of_a_prepared_answer(served: Served) -> None:
    _prepare(served)
    http = served.http()
    plain = http.get(LATEST, headers={"Accept-Encoding": "identity"})  # inflated as sent
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    state = served.app.state.api
    live = served.reader.json(
        served.reader.value_table(state.viewer(None), parent="E12000007", latest=True)
    )
    assert plain.content == live
    assert state.cached(plain.headers["etag"]) == live  # cached once sent
    again = http.get(LATEST, headers={"Accept-Encoding": "identity"})  # from memory
    assert again.content == live
    for name in ("etag", "cache-control", "content-type", "content-length", "vary"):
        assert again.headers.get(name) == plain.headers.get(name), name
    packed = http.get(LATEST, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == live


def test_an_embargoed_release_is_never_answered_from_the_prepared_bytes(served: Served) -> None:
    """The store prepares for what a public read sees by the real clock, which is past this
    embargo; the API's injected clock is before it, so its reads must never get those bytes
    (the 2022 values) — until its clock passes the embargo too."""
    until = served.clock.now + timedelta(hours=1)
    served.writer.run(
        lambda s: s.load_release(release(values((2022,)), name="e.csv", embargo_until=until))
    )
    served.app.state.api.invalidate()
    store = served.reader.store
    assert store.prepared_names()  # made with the load, for the real clock: 2022 included
    assert (
        b'"period_label":"2022"'
        in served.reader.values_json(
            public(),
            parent="E12000007",
            latest=True,
        ).body
    )
    http = served.http()
    held = http.get(LATEST, headers={"Accept-Encoding": "gzip"})
    assert held.status_code == 200
    assert b'"period_label":"2022"' not in held.content
    served.clock.now = until + timedelta(seconds=1)  # no write: the clock passes the embargo
    passed = http.get(LATEST, headers={"Accept-Encoding": "gzip"})
    assert passed.status_code == 200
    assert passed.headers["etag"] != held.headers["etag"]
    assert b'"period_label":"2022"' in passed.content
