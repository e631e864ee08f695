"""``fields=`` on the values endpoints and bulk (ADR 0812); the fingerprint read once per
clock second, and ahead of the next; the served socket's send buffer."""

from __future__ import annotations

import gzip
import io
import socket
import threading
from datetime import timedelta

import pyarrow.parquet as pq
import pytest
import uvicorn
from typer.testing import CliRunner

from healthgap.api.read import VALUE_FIELDS
from healthgap.api.serving import MIN_SEND_BUFFER, check_send_buffer, listening_socket
from healthgap.cli.main import app as cli
from healthgap.client import Client
from healthgap.query import BULK_COLUMNS

from .conftest import Served

SERIES = "/v1/series?indicator=life_expectancy&area_type=ltla&parent=E12000007"
PICK = "area_code,period_label,sex,value,lower95_0cl,upper95_0cl"


def test_fields_selects_top_level_fields_in_the_usual_order(served: Served) -> None:
    http = served.http()
    full = http.get(SERIES).json()
    # Asked in another order (and one twice): the answer keeps the usual order.
    r = http.get(SERIES + "&fields=value,area_code,upper95_0cl,lower95_0cl,sex,period_label,value")
    assert r.status_code == 200
    rows = r.json()
    assert list(rows[0]) == PICK.split(",")
    assert rows == [{k: row[k] for k in PICK.split(",")} for row in full]
    assert http.get(SERIES + "&fields=").json() == full  # blank: every field
    values = http.get(
        "/v1/values?parent=E12000007&latest=true&fields=provenance,comparisons,value"
    ).json()
    assert {tuple(row) for row in values} == {("value", "comparisons", "provenance")}
    assert all(row["provenance"]["release_id"] for row in values)
    compared = http.get("/v1/comparisons?latest=true&fields=area_code,comparisons").json()
    assert compared
    assert all(list(row) == ["area_code", "comparisons"] for row in compared)


def test_the_value_fields_are_the_answers_fields(served: Served) -> None:
    row = served.http().get(SERIES).json()[0]
    assert tuple(row) == VALUE_FIELDS


def test_a_selection_is_cached_etagged_and_gzipped_on_its_own(served: Served) -> None:
    http = served.http()
    full = http.get(SERIES, headers={"Accept-Encoding": "identity"})
    picked = http.get(SERIES + "&fields=" + PICK, headers={"Accept-Encoding": "identity"})
    assert picked.headers["etag"] != full.headers["etag"]
    assert len(picked.content) < len(full.content) / 5
    state = served.app.state.api
    assert state.cached(picked.headers["etag"]) == picked.content
    again = http.get(SERIES + "&fields=" + PICK, headers={"Accept-Encoding": "identity"})
    assert again.content == picked.content  # from the cache, before routing
    assert again.headers["etag"] == picked.headers["etag"]
    http.get(SERIES + "&fields=" + PICK, headers={"Accept-Encoding": "gzip"})
    packed = state.cached(picked.headers["etag"] + ":gzip")
    assert packed is not None
    assert gzip.decompress(packed) == picked.content
    same = http.get(SERIES + "&fields=" + PICK, headers={"If-None-Match": picked.headers["etag"]})
    assert same.status_code == 304


def test_an_unknown_field_is_422_naming_the_valid_ones(served: Served) -> None:
    http = served.http()
    for path in (SERIES, "/v1/values?latest=true", "/v1/comparisons?latest=true"):
        r = http.get(path + "&fields=area_code,valu")
        assert r.status_code == 422, path
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["parameter"] == "fields"
        assert problem["value"] == "valu"
        assert problem["suggestions"][0] == "value"
        assert problem["valid"] == list(VALUE_FIELDS)
        assert "parameter 'fields'" in problem["detail"]
    r = http.get("/v1/bulk?format=csv&fields=compared_to_englnd")
    assert r.status_code == 422
    assert r.json()["suggestions"][0] == "compared_to_england"
    assert r.json()["valid"] == list(BULK_COLUMNS)


def test_bulk_fields_selects_columns(served: Served) -> None:
    http = served.http()
    r = http.get("/v1/bulk?format=parquet&fields=value,area_code,release_id")
    assert r.status_code == 200
    table = pq.read_table(io.BytesIO(r.content))
    assert table.column_names == ["area_code", "value", "release_id"]
    assert table.num_rows == 15
    csv = http.get("/v1/bulk?format=csv&fields=area_code,value&latest=true").text
    assert csv.splitlines()[0] == '"area_code","value"'


def test_the_client_passes_fields(served: Served, live: str) -> None:
    with Client(live) as client:
        frame = client.series("life_expectancy", parent="E12000007", fields=PICK.split(","))
        assert list(frame.columns) == PICK.split(",")
        assert len(frame) == 9
        bulk = client.bulk(fields="area_code,value")
        assert list(bulk.columns) == ["area_code", "value"]
        latest = client.values(latest=True, fields=["area_code", "value"])
        assert list(latest.columns) == ["area_code", "value"]


class _Counting:
    """The real read layer, counting its ``version`` reads (a spy, not a stand-in)."""

    def __init__(self, reader: object) -> None:
        self._reader = reader
        self.calls = 0
        self.gate = threading.Event()

    def version(self, viewer: object) -> str:
        self.calls += 1
        self.gate.wait(5)
        got: str = self._reader.version(viewer)  # type: ignore[attr-defined]
        return got

    def __getattr__(self, name: str) -> object:
        return getattr(self._reader, name)


def test_the_fingerprint_is_read_once_however_many_ask(served: Served) -> None:
    state = served.app.state.api
    spy = _Counting(state.reader)
    state.reader = spy
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(state.version(None))) for _ in range(8)]
    for t in threads:
        t.start()
    spy.gate.set()
    for t in threads:
        t.join(10)
    assert len(got) == 8
    assert len(set(got)) == 1
    assert spy.calls == 1
    assert state.version(None) == got[0]
    assert spy.calls == 1


def test_the_fingerprint_is_read_ahead_of_the_next_second(served: Served) -> None:
    state = served.app.state.api
    spy = _Counting(state.reader)
    spy.gate.set()
    state.reader = spy
    start = served.clock.now
    assert state.next_second() is None  # the first half of a second: not yet
    served.clock.now = start + timedelta(milliseconds=600)
    ahead = state.next_second()
    assert ahead == start + timedelta(seconds=1)
    assert state.next_second() is None  # handed out once
    state.read_ahead(ahead)
    assert spy.calls == 1
    served.clock.now = start + timedelta(seconds=1, milliseconds=200)
    assert state.known_version(None) is not None  # no read at the turn of the second
    assert state.version(None) == state.known_version(None)
    assert spy.calls == 1
    # A write invalidates what was read ahead.
    served.clock.now = start + timedelta(seconds=1, milliseconds=700)
    nxt = state.next_second()
    assert nxt is not None
    state.read_ahead(nxt)
    state.invalidate()
    served.clock.now = nxt
    assert state.known_version(None) is None


def test_served_answers_read_the_next_fingerprint_ahead(served: Served) -> None:
    http = served.http()
    http.get(SERIES)
    served.clock.now += timedelta(milliseconds=700)
    assert http.get(SERIES).status_code == 200  # from the cache; reads the next one ahead
    served.clock.now += timedelta(milliseconds=400)
    for _ in range(100):
        if served.app.state.api.known_version(None) is not None:
            break
        threading.Event().wait(0.02)
    assert served.app.state.api.known_version(None) is not None


def test_the_listening_socket_carries_the_send_buffer() -> None:
    config = uvicorn.Config(app=None, host="127.0.0.1", port=0)
    sock = listening_socket(config, 128 * 1024)
    auto = listening_socket(config, 0)
    try:
        size = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        assert size >= 128 * 1024  # Linux doubles what is asked
        sock.listen()
        with socket.create_connection(sock.getsockname()):
            conn, _ = sock.accept()
            with conn:  # an accepted connection inherits it
                assert conn.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) == size
        with socket.socket() as fresh:
            default = fresh.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        assert auto.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) == default
    finally:
        sock.close()
        auto.close()


def test_a_too_small_send_buffer_is_refused() -> None:
    assert check_send_buffer(0) == 0
    assert check_send_buffer(MIN_SEND_BUFFER) == MIN_SEND_BUFFER
    with pytest.raises(ValueError, match="at least 65536"):
        check_send_buffer(4096)
    out = CliRunner().invoke(cli, ["serve", "--send-buffer", "4096"])
    assert out.exit_code == 2
    assert "--send-buffer" in out.output
    assert "at least 65536" in out.output
