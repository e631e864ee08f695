"""Bad input answered as a careful API would (RFC 9457): a body of the wrong shape names its
JSON path, the rule and what is expected (never a "parameter 'request'", which is no
parameter); a required query parameter not given names the parameter, what it is and its
valid choices or format; a parameter of the wrong type says what it takes. The Python client
raises these as exceptions carrying the detail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from healthgap.client import ApiError, Client, UnknownParameter

from .conftest import Served, Template, bearer, serving

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def served(served_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One store and app for the module: every request here is refused before it writes."""
    yield from serving(served_template, tmp_path_factory.mktemp("api-bad-input") / "store.duckdb")


def _refused(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert "'request'" not in body["detail"]
    assert body.get("parameter") != "request"
    return body


def _post_routes(served: Served) -> list[tuple[str, str, dict[str, str]]]:
    """Every route that reads a JSON body: (method, path, headers)."""
    editor, admin = bearer(served.editor), bearer(served.admin)
    return [
        ("POST", "/v1/selfassess/score", {}),
        ("POST", "/v1/impact", {}),
        ("POST", "/v1/actions", editor),
        ("POST", "/v1/commitments/wellbeing_ambassadors_2025/progress", editor),
        ("PUT", "/v1/releases/1/embargo", editor),
        ("POST", "/v1/tokens", admin),
    ]


@pytest.mark.parametrize("sent", ["[1, 2]", '"text"', "42", "null"])
def test_a_body_of_the_wrong_shape_is_named_as_the_body_on_every_route(
    served: Served, sent: str
) -> None:
    http = served.http()
    for method, path, headers in _post_routes(served):
        r = http.request(
            method, path, content=sent, headers={**headers, "content-type": "application/json"}
        )
        body = _refused(r)
        assert body["detail"].startswith("body: "), (path, body)
        assert body["path"] == ""
        assert body["pointer"] == "#"
        assert "JSON object" in body["expected"], (path, body)
        assert body["errors"][0]["rule"] == body["rule"]
    assert served.reader.progress_history("wellbeing_ambassadors_2025") == []


def test_a_body_that_is_not_json_says_where_it_breaks(served: Served) -> None:
    for method, path, headers in _post_routes(served):
        r = served.http().request(
            method,
            path,
            content='{"areas": [',
            headers={**headers, "content-type": "application/json"},
        )
        body = _refused(r)
        assert body["detail"].startswith("body: not valid JSON (at character"), body
        assert body["rule"] == "json_invalid"


def test_no_body_says_the_body_is_required_and_what_it_is(served: Served) -> None:
    body = _refused(served.http().post("/v1/impact"))
    assert body["detail"].startswith("body: required, not given")
    assert "areas (required)" in body["expected"]
    assert "title (required)" in body["expected"]
    score = _refused(served.http().post("/v1/selfassess/score"))
    assert "healthgap-selfassessment/1" in score["detail"]


def test_a_field_of_the_body_is_named_by_its_json_path(served: Served) -> None:
    http = served.http()
    body = _refused(http.post("/v1/impact", json={"areas": ["E09000002", 7], "title": ""}))
    assert body["path"] == "areas[1]"
    assert body["pointer"] == "#/areas/1"
    assert body["parameter"] == "areas[1]"  # as API 1.2 named a body field, as its JSON path
    assert body["rule"] == "string_type"
    assert (
        body["detail"]
        == "body: areas[1]: Input should be a valid string; got 7 (and 1 more: see errors)"
    )
    assert [e["path"] for e in body["errors"]] == ["areas[1]", "title"]
    progress = _refused(
        http.post(
            "/v1/commitments/wellbeing_ambassadors_2025/progress",
            json={"value": "many", "as_of": "2025-02-30", "source": "x"},
            headers=bearer(served.editor),
        )
    )
    assert [e["path"] for e in progress["errors"]] == ["value", "as_of"]
    assert progress["detail"].startswith("body: value: Input should be a valid number")
    assert 'got "many"' in progress["detail"]
    missing = _refused(http.post("/v1/impact", json={"areas": ["E09000002"]}))
    assert missing["detail"] == "body: title: required, not given"
    assert missing["rule"] == "missing"


def test_a_self_assessment_item_is_named_by_its_json_path(served: Served) -> None:
    http = served.http()
    checklist = http.get("/v1/selfassess/template", params={"sector": "vcse"}).json()
    checklist["items"][2]["done"] = "yes"
    body = _refused(http.post("/v1/selfassess/score", json=checklist))
    item = checklist["items"][2]["id"]
    assert body["path"] == "items[2].done"
    assert body["pointer"] == "#/items/2/done"
    assert body["detail"] == (
        f"body: items[2].done: done must be true or false (item '{item}'); got \"yes\""
    )
    checklist["items"][2] = {"done": True}
    assert _refused(http.post("/v1/selfassess/score", json=checklist))["path"] == "items[2].id"
    checklist["items"] = {}
    assert _refused(http.post("/v1/selfassess/score", json=checklist))["detail"] == (
        "body: items: items must be a list; got a JSON object"
    )


def test_a_missing_required_parameter_names_it_and_its_choices(served: Served) -> None:
    http = served.http()
    body = _refused(http.get("/v1/inequality"))
    assert body["parameter"] == "indicator"
    assert body["rule"] == "missing"
    assert body["detail"].startswith("parameter 'indicator': required by /v1/inequality, not given")
    assert "life_expectancy" in body["valid"]
    assert body["valid"] == [i.id for i in served.reader.indicators()]
    asked = {"indicator": "life_expectancy", "area": "E12000007", "period": "2021"}
    breakdown = _refused(http.get("/v1/inequality", params=asked))
    assert breakdown["parameter"] == "breakdown"
    assert breakdown["valid"] == list(served.reader.inequality_breakdowns())
    assert "imd2019_decile_london" in breakdown["detail"]
    period = _refused(http.get("/v1/inequality", params={"indicator": "x", "area": "E12000007"}))
    assert period["parameter"] == "period"
    assert "period_label" in period["detail"]
    assert "2018 - 20" in period["detail"]
    sector = _refused(http.get("/v1/selfassess/template"))
    assert sector["valid"] == ["healthcare", "vcse"]
    assert "one of: healthcare, vcse" in sector["detail"]
    q = _refused(http.get("/v1/areas/search"))
    assert q["parameter"] == "q"
    assert "code or name" in q["detail"]
    # a misspelt name is reported as misspelt, not as the required one missing
    typo = _refused(http.get("/v1/series", params={"indicatr": "life_expectancy"}))
    assert typo["parameter"] == "indicatr"
    assert typo["suggestions"] == ["indicator"]


@pytest.mark.parametrize(
    ("path", "params", "parameter", "expected"),
    [
        ("/v1/values", {"as_of": "2020-13-01"}, "as_of", "a date, YYYY-MM-DD"),
        (
            "/v1/areas/search",
            {"q": "Abbey", "limit": "-1"},
            "limit",
            "a whole number from 1 to 500",
        ),
        ("/v1/areas/search", {"q": "Abbey", "limit": "10000"}, "limit", "from 1 to 500"),
        ("/v1/values", {"latest": "maybe"}, "latest", "true or false"),
        ("/v1/bulk", {"format": "xlsx"}, "format", "one of csv, parquet, json"),
        ("/v1/releases/0", {}, "release_id", "a whole number, 1 or more"),
        ("/v1/releases/one", {}, "release_id", "a whole number, 1 or more"),
    ],
)
def test_a_parameter_of_the_wrong_type_says_what_it_takes(
    served: Served, path: str, params: dict[str, str], parameter: str, expected: str
) -> None:
    body = _refused(served.http().get(path, params=params))
    assert body["parameter"] == parameter
    assert expected in body["expected"]
    assert f"(expected {body['expected']})" in body["detail"]
    if params:
        assert body["value"] == params[parameter]
    if parameter == "format":
        assert body["valid"] == ["csv", "parquet", "json"]


def test_the_client_raises_the_problem_with_its_detail(served: Served, live: str) -> None:
    with Client(live, retries=0) as hg:
        with pytest.raises(ApiError) as err:
            hg.selfassess_score({"format": "healthgap-selfassessment/1", "items": 3})
        assert err.value.status == 422
        assert "body: " in str(err.value)
        assert err.value.problem["path"] in ("sector", "items")
        with pytest.raises(UnknownParameter) as missing:
            hg._json("/inequality", {"indicator": "life_expectancy"})
        assert missing.value.parameter == "area"
        assert "required" in str(missing.value)


def test_the_problem_schema_lists_the_new_fields(served: Served) -> None:
    schema = served.http().get("/v1/openapi.json").json()
    text = json.dumps(schema)
    for name in ("pointer", "path", "rule", "expected", "errors"):
        assert f'"{name}"' in text


def test_head_is_get_without_the_body(served: Served) -> None:
    http = served.http()
    for path in ("/v1/catalogue/aims", "/v1/values?indicator=life_expectancy", "/v1/bulk"):
        got = http.get(path)
        head = http.head(path)
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["etag"] == got.headers["etag"]
        assert head.headers["content-type"] == got.headers["content-type"]
    again = http.head("/v1/catalogue/aims")  # answered from the response cache
    assert again.status_code == 200
    assert again.content == b""
    assert (
        again.headers["content-length"] == http.get("/v1/catalogue/aims").headers["content-length"]
    )


def test_an_unknown_endpoint_or_method_says_so(served: Served) -> None:
    http = served.http()
    r = http.get("/v1/indicators")
    assert r.status_code == 404
    assert r.json()["title"] == "Not found"  # not "No data": nothing was asked of the data
    assert r.json()["detail"].startswith("/v1/indicators is not an endpoint of this API")
    wrong = http.delete("/v1/actions")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD, POST"  # every route at the path
    assert (
        wrong.json()["detail"] == "DELETE is not allowed on /v1/actions; it takes GET, HEAD, POST"
    )
    assert http.post("/v1/releases/1/embargo").headers["allow"] == "PUT"


def test_the_client_keeps_an_id_in_its_path_segment(served: Served, live: str) -> None:
    """An id holding '/' or '?' used to reach another endpoint ('E09000001/parents' answered
    with the parents) or turn into a query; it is percent-encoded as one segment."""
    with Client(live, retries=0) as hg:
        assert hg.area("E09000001")["code"] == "E09000001"
        with pytest.raises(ApiError) as slash:
            hg.area("E09000001/parents")
        assert slash.value.status == 422
        assert "'E09000001/parents': holds a '/'" in slash.value.detail
        with pytest.raises(UnknownParameter) as query:
            hg.commitment("wellbeing_ambassadors_2025?x=1")
        assert query.value.problem["value"] == "wellbeing_ambassadors_2025?x=1"
        with pytest.raises(UnknownParameter) as sector:
            hg.selfassess_template("charity")
        assert sector.value.valid == ["healthcare", "vcse"]


@pytest.mark.parametrize("path", ["/v1/catalogue/search", "/v1/areas/search"])
def test_a_blank_search_is_refused(served: Served, path: str) -> None:
    body = _refused(served.http().get(path, params={"q": "   "}))
    assert body["parameter"] == "q"
    assert body["detail"] == "parameter 'q': blank; give a word to search for"


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_not_sent_as_json_is_415_saying_so(served: Served, media: str | None) -> None:
    headers = {} if media is None else {"content-type": media}
    r = served.http().post(
        "/v1/impact", content=b'{"areas": ["E09000002"], "title": "T"}', headers=headers
    )
    assert r.status_code == 415, r.text
    body = r.json()
    sent = f"'{media}'" if media else "no Content-Type"
    assert body["detail"] == (
        f"body: sent with {sent}; /v1/impact takes JSON: send it with "
        "Content-Type: application/json"
    )
    assert body["rule"] == "content_type"
    assert "b'" not in r.text  # not the raw bytes' repr


def test_a_body_past_the_limit_is_refused_before_it_is_held(served: Served) -> None:
    """/v1/impact took 5,000 areas of 100,000 characters each (about 500 MB held in memory,
    unauthenticated): a body that is not a file upload is refused past 1 MiB with 413, when
    declared (Content-Length) and when sent in chunks; nothing is written."""
    from healthgap.api.app import BODY_LIMIT

    big = json.dumps({"title": "x", "areas": ["E09000001" * 20_000] * 10}).encode()
    assert len(big) > BODY_LIMIT
    http = served.http()
    declared = http.post("/v1/impact", content=big, headers={"content-type": "application/json"})
    chunked = http.post(
        "/v1/impact",
        content=iter([big[:600_000], big[600_000:]]),
        headers={"content-type": "application/json"},
    )
    for r in (declared, chunked):
        assert r.status_code == 413, r.text
        assert r.headers["content-type"].startswith(PROBLEM)
        body = r.json()
        assert body["rule"] == "body_limit"
        assert body["limit"] == BODY_LIMIT
        assert "larger than 1,048,576 bytes" in body["detail"]
    assert "content-length" not in chunked.request.headers
    small = http.post("/v1/impact", json={"title": "x", "areas": ["E09000001"]})
    assert small.status_code == 200, small.text
