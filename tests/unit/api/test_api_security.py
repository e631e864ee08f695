"""Writes need a live bearer token with the role; embargoes hold for public reads (also with a
future ``as_of``) until their time, then show without a restart; tokens are stored hashed;
every write is audited; bad uploads write nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb
import pytest

from healthgap.publish import access, load_release

from .conftest import TIDY, Served, bearer, release, values

WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/v1/releases", {"data": {"source": "healthgap"}, "files": {"file": ("m.csv", TIDY)}}),
    ("PUT", "/v1/releases/1/embargo", {"json": {"until": None}}),
    (
        "POST",
        "/v1/commitments/school_superzones_2025/progress",
        {"json": {"value": 10, "as_of": "2025-01-01", "source": "GLA"}},
    ),
    ("POST", "/v1/tokens", {"json": {"name": "x", "role": "editor"}}),
    ("GET", "/v1/tokens", {}),
    ("DELETE", "/v1/tokens/1", {}),
]


def _state(served: Served) -> tuple[int, int, int]:
    s = served.writer.store
    return (
        len(s.releases()),
        len(access.list_tokens(s)),
        len(s.progress_history("school_superzones_2025")),
    )


@pytest.mark.parametrize(("method", "url", "kw"), WRITES)
def test_every_write_is_refused_without_a_token(
    served: Served, method: str, url: str, kw: dict[str, Any]
) -> None:
    before = _state(served)
    http = served.http()
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        r = http.request(method, url, headers=headers, **kw)
        assert r.status_code == 401, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert _state(served) == before


@pytest.mark.parametrize(("method", "url", "kw"), WRITES[3:])
def test_token_management_is_refused_to_an_editor(
    served: Served, method: str, url: str, kw: dict[str, Any]
) -> None:
    before = _state(served)
    r = served.http().request(method, url, headers=bearer(served.editor), **kw)
    assert r.status_code == 403
    assert "admin" in r.json()["detail"]
    assert _state(served) == before


def test_a_revoked_token_is_refused_at_once(served: Served) -> None:
    http = served.http()
    made = http.post(
        "/v1/tokens", json={"name": "temp", "role": "editor"}, headers=bearer(served.admin)
    )
    assert made.status_code == 201
    token, token_id = made.json()["token"], made.json()["token_id"]
    body = {"value": 3, "as_of": "2025-01-01", "source": "GLA"}
    url = "/v1/commitments/school_superzones_2025/progress"
    assert http.post(url, json=body, headers=bearer(token)).status_code == 201
    assert http.delete(f"/v1/tokens/{token_id}", headers=bearer(served.admin)).status_code == 200
    before = _state(served)
    refused = http.post(url, json=body, headers=bearer(token))
    assert refused.status_code == 401
    assert _state(served) == before


def test_writes_are_audited_with_who_and_what(served: Served) -> None:
    http = served.http()
    body = {"value": 12, "as_of": "2025-03-31", "source": "GLA return"}
    r = http.post(
        "/v1/commitments/school_superzones_2025/progress", json=body, headers=bearer(served.editor)
    )
    assert r.status_code == 201
    assert r.json()["recorded_by"] == "eddie"
    log = access.audit_log(served.writer.store)
    assert [(e.who, e.action) for e in log] == [("eddie", "progress")]
    assert log[0].detail["commitment_id"] == "school_superzones_2025"


def test_tokens_are_not_recoverable_from_the_store(served: Served) -> None:
    store = served.writer.store
    rows = store._query("SELECT * FROM api_tokens")
    flat = " ".join(str(c) for r in rows for c in r)
    assert served.admin not in flat
    assert served.editor not in flat
    assert access.hash_token(served.admin) in flat
    served.writer.store.close()
    with duckdb.connect(str(served.path), read_only=True) as con:
        tables = [t[0] for t in con.execute("SHOW TABLES").fetchall()]
        for t in tables:
            for row in con.execute(f'SELECT * FROM "{t}"').fetchall():
                assert served.admin not in " ".join(map(str, row))
    assert served.admin.encode() not in served.path.read_bytes()


def test_embargo_hides_a_release_until_its_time_without_restart(served: Served) -> None:
    until = served.clock.now + timedelta(hours=2)
    rid = load_release(
        served.writer.store,
        release(values((2022,), shift=1.0), name="le2.csv", embargo_until=until),
    )
    http = served.http()
    params = {"indicator": "life_expectancy", "latest": "true"}
    for extra in ({}, {"as_of": "2099-12-31"}):
        r = http.get("/v1/values", params=params | extra)
        assert {row["period_label"] for row in r.json()} == {"2021"}
        assert (
            http.get("/v1/bulk", params={"format": "json", "period": "2022"} | extra).status_code
            == 404
        )
    listed = {x["release_id"]: x["status"] for x in http.get("/v1/releases").json()}
    assert listed[rid] == "embargoed"
    etag = http.get("/v1/values", params=params).headers["etag"]

    served.clock.now = until + timedelta(seconds=1)
    r = http.get("/v1/values", params=params, headers={"If-None-Match": etag})
    assert r.status_code == 200
    assert {row["period_label"] for row in r.json()} == {"2022"}


def test_an_editor_embargoes_and_publishes_a_release(served: Served) -> None:
    http = served.http()
    before = http.get("/v1/releases")
    assert before.json()[0]["status"] == "published"
    until = (served.clock.now + timedelta(days=1)).isoformat()
    r = http.put("/v1/releases/1/embargo", json={"until": until}, headers=bearer(served.editor))
    assert r.status_code == 200
    # Seen at once (same clock second): the cached fingerprint is forgotten after a write.
    after = http.get("/v1/releases", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()[0]["status"] == "embargoed"
    assert http.get("/v1/values", params={"indicator": "life_expectancy"}).status_code == 404
    r = http.put("/v1/releases/1/embargo", json={"until": None}, headers=bearer(served.editor))
    assert r.status_code == 200
    assert http.get("/v1/values", params={"indicator": "life_expectancy"}).status_code == 200
    assert [e.action for e in access.audit_log(served.writer.store)] == ["embargo", "embargo"]


def test_upload_loads_a_release_and_is_idempotent(served: Served) -> None:
    http = served.http()
    kw: dict[str, Any] = {
        "data": {"source": "healthgap", "published_at": "2024-02-01"},
        "files": {"file": ("mine.csv", TIDY)},
        "headers": bearer(served.editor),
    }
    r = http.post("/v1/releases", **kw)
    assert r.status_code == 201, r.text
    rid = r.json()["release_id"]
    assert r.json()["release"]["loaded_by"] == "eddie"
    got = http.get("/v1/values", params={"indicator": "user:my-measure"}).json()
    assert sorted(row["value"] for row in got) == [12.5, 14.0]
    again = http.post("/v1/releases", **kw)
    assert again.status_code == 200
    assert again.json() == {**again.json(), "release_id": rid, "loaded": False}


@pytest.mark.parametrize(
    ("name", "content", "source"),
    [
        ("../../etc/passwd", TIDY, "healthgap"),
        ("/tmp/x.csv", TIDY, "healthgap"),
        ("a\\..\\b.csv", TIDY, "healthgap"),
        ("ok.csv", TIDY, "nonsense"),
        ("bad.csv", "series,area_code\nx,y\n", "healthgap"),
        ("sql.csv", TIDY.replace("12.5", "1; DROP TABLE releases"), "healthgap"),
    ],
)
def test_bad_uploads_are_4xx_and_write_nothing(
    served: Served, name: str, content: str, source: str
) -> None:
    before = _state(served)
    r = served.http().post(
        "/v1/releases",
        data={"source": source},
        files={"file": (name, content)},
        headers=bearer(served.editor),
    )
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["detail"]
    assert _state(served) == before
    assert access.audit_log(served.writer.store) == []


def test_bad_progress_is_422_and_writes_nothing(served: Served) -> None:
    http = served.http()
    before = _state(served)
    for url, body in [
        ("/v1/commitments/no_such/progress", {"value": 1, "as_of": "2025-01-01", "source": "x"}),
        (
            "/v1/commitments/school_superzones_2025/progress",
            {"value": "NaN", "as_of": "2025-01-01", "source": "x"},
        ),
        (
            "/v1/commitments/school_superzones_2025/progress",
            {"value": 1, "as_of": "yesterday", "source": "x"},
        ),
        (
            "/v1/commitments/school_superzones_2025/progress",
            {"value": 1, "as_of": "2025-01-01", "source": ""},
        ),
        (
            "/v1/commitments/school_superzones_2025/progress",
            {"value": 1, "as_of": "2025-01-01", "source": "x", "corrects": 999},
        ),
    ]:
        r = http.post(url, json=body, headers=bearer(served.editor))
        assert r.status_code == 422, (url, body, r.text)
    assert _state(served) == before


def test_a_read_only_server_refuses_writes_with_403(served: Served) -> None:
    from fastapi.testclient import TestClient

    from healthgap.api import create_app

    app = create_app(served.reader, writer=None, clock=served.clock)
    before = _state(served)
    for method, url, kw in WRITES:
        r = TestClient(app).request(method, url, headers=bearer(served.admin), **kw)
        assert r.status_code == 403
        assert "read-only" in r.json()["detail"]
    assert _state(served) == before
