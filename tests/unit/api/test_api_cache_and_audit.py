"""Cached answers never outlive a change to what a public read sees (a load, a publication,
an embargo ending), and a write's audit row is written in the write's own transaction."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from healthgap.api.app import dumps
from healthgap.errors import StoreError
from healthgap.publish import access, load_release
from healthgap.query import public

from .conftest import Served, bearer, release, values

SERIES_URL = "/v1/series"
SERIES = {"indicator": "life_expectancy", "area_type": "ltla", "parent": "E12000007"}


def _periods(body: list[dict[str, Any]]) -> set[str]:
    return {row["period_label"] for row in body}


def _upload(served: Served, name: str, **form: str) -> int:
    csv = (
        "series,indicator_id,area_code,period_start,period_end,period_label,sex,value\n"
        "fingertips:90366,life_expectancy,E09000001,2022-01-01,2022-12-31,2022,persons,71.5\n"
        "fingertips:90366,life_expectancy,E09000002,2022-01-01,2022-12-31,2022,persons,82.5\n"
    )
    r = served.http().post(
        "/v1/releases",
        data={"source": "healthgap", **form},
        files={"file": (name, csv)},
        headers=bearer(served.editor),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["release_id"])


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_cached_answer_never_outlives_a_change_to_the_visible_set(
    served: Served, encoding: str
) -> None:
    http = served.http()
    headers = {"Accept-Encoding": encoding}
    first = http.get(SERIES_URL, params=SERIES, headers=headers)
    again = http.get(SERIES_URL, params=SERIES, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    state = served.app.state.api
    assert state.cached(first.headers["etag"]) is not None  # the repeat came from the cache
    assert _periods(first.json()) == {"2019", "2020", "2021"}

    # A load through the API, in the same clock second: the next read sees it.
    _upload(served, "later.csv", published_at="2024-02-01")
    loaded = http.get(SERIES_URL, params=SERIES, headers=headers)
    assert loaded.headers["etag"] != first.headers["etag"]
    assert "2022" in _periods(loaded.json())

    # An embargoed load changes nothing a public read sees until the embargo ends...
    until = served.clock.now + timedelta(hours=1)
    table = values((2023,), shift=2.0)
    rid = served.writer.run(
        lambda s: load_release(s, release(table, name="e.csv", embargo_until=until))
    )
    state.invalidate()  # what the API's writer does after every job
    held = http.get(SERIES_URL, params=SERIES, headers=headers)
    assert held.headers["etag"] == loaded.headers["etag"]
    assert held.content == loaded.content
    assert "2023" not in _periods(held.json())

    # ... then shows without a restart (the fingerprint is read again each clock second).
    served.clock.now = until + timedelta(seconds=1)
    shown = http.get(SERIES_URL, params=SERIES, headers=headers)
    assert shown.headers["etag"] != held.headers["etag"]
    assert "2023" in _periods(shown.json())
    # An editor re-embargoes it: hidden again at once.
    later = (served.clock.now + timedelta(days=1)).isoformat()
    r = http.put(
        f"/v1/releases/{rid}/embargo", json={"until": later}, headers=bearer(served.editor)
    )
    assert r.status_code == 200
    hidden = http.get(SERIES_URL, params=SERIES, headers=headers)
    assert "2023" not in _periods(hidden.json())
    assert hidden.content == held.content


def test_the_same_question_asked_in_another_order_shares_one_cache_entry(served: Served) -> None:
    http = served.http()
    a = http.get(SERIES_URL + "?indicator=life_expectancy&area_type=ltla&parent=E12000007")
    b = http.get(SERIES_URL + "?parent=E12000007&area_type=ltla&indicator=life_expectancy")
    assert a.headers["etag"] == b.headers["etag"]
    assert a.content == b.content


def test_json_answers_keep_the_value_row_shape(served: Served) -> None:
    """The Arrow path writes what ``ValueRow.to_dict`` would, field for field."""
    got = served.http().get("/v1/values", params={"indicator": "life_expectancy"}).json()
    rows = served.reader.values(public(now=served.clock()), indicator="life_expectancy")
    want = json.loads(dumps([r.to_dict() for r in rows]))
    assert [list(r) for r in got] == [list(r) for r in want]
    assert got == want


def _audits(served: Served) -> list[tuple[str, dict[str, object]]]:
    return [(e.action, e.detail) for e in access.audit_log(served.writer.store)]


def test_every_successful_write_has_its_audit_row(served: Served) -> None:
    http = served.http()
    rid = _upload(served, "one.csv", published_at="2024-02-01")
    r = http.put(f"/v1/releases/{rid}/embargo", json={"until": None}, headers=bearer(served.editor))
    assert r.status_code == 200
    body = {"value": 4, "as_of": "2025-01-01", "source": "GLA"}
    r = http.post(
        "/v1/commitments/school_superzones_2025/progress", json=body, headers=bearer(served.editor)
    )
    assert r.status_code == 201
    return_id = r.json()["return_id"]
    made = http.post(
        "/v1/tokens", json={"name": "t", "role": "editor"}, headers=bearer(served.admin)
    )
    token_id = made.json()["token_id"]
    assert http.delete(f"/v1/tokens/{token_id}", headers=bearer(served.admin)).status_code == 200
    log = _audits(served)
    assert [a for a, _ in log] == ["load", "embargo", "progress", "token.create", "token.revoke"]
    assert log[0][1]["release_id"] == rid
    assert log[2][1]["return_id"] == return_id
    assert log[3][1]["token_id"] == log[4][1]["token_id"] == token_id


def test_a_write_whose_audit_row_fails_is_not_kept(served: Served) -> None:
    store = served.writer.store
    before = (len(store.releases()), store.progress_history("school_superzones_2025"))
    store.execute_atomically("hide the audit log", [("ALTER TABLE audit_log RENAME TO x", [])])
    try:
        body = {"value": 4, "as_of": "2025-01-01", "source": "GLA"}
        http = TestClient(served.app, raise_server_exceptions=False)
        r = http.post(
            "/v1/commitments/school_superzones_2025/progress",
            json=body,
            headers=bearer(served.editor),
        )
        assert r.status_code >= 400
        with pytest.raises(duckdb.Error, match="audit_log"):
            served.writer.run(
                lambda s: access.audited(
                    s,
                    "eddie",
                    "load",
                    lambda st: load_release(st, release(values((2024,)), name="x.csv")),
                    lambda rid: {"release_id": rid},
                )
            )
    finally:
        store.execute_atomically("restore", [("ALTER TABLE x RENAME TO audit_log", [])])
    assert (len(store.releases()), store.progress_history("school_superzones_2025")) == before
    assert _audits(served) == []


def test_a_failed_write_leaves_no_audit_row(served: Served) -> None:
    store = served.writer.store
    releases = len(store.releases())

    def half_done(st: Any) -> int:
        load_release(st, release(values((2024,)), name="half.csv"))
        raise StoreError("stopped part-way")

    with pytest.raises(StoreError, match="part-way"):
        served.writer.run(
            lambda s: access.audited(s, "eddie", "load", half_done, lambda rid: {"rid": rid})
        )
    r = served.http().put(
        "/v1/releases/999/embargo", json={"until": None}, headers=bearer(served.editor)
    )
    assert 400 <= r.status_code < 500
    assert len(store.releases()) == releases
    assert _audits(served) == []
