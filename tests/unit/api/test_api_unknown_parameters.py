"""A query parameter a route does not declare, or one given twice, is 422, not ignored: a
misspelt filter (``indicatr=``) used to be dropped silently and the answer was every row; of
``sex=female&sex=male`` only the last counted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .conftest import BOROUGHS, Served, Template, serving

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def served(served_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One store and app for the module: every test here is refused before it reads or
    writes anything (checked at the end of each test)."""
    yield from serving(served_template, tmp_path_factory.mktemp("api-params") / "store.duckdb")


def test_a_misspelt_filter_is_422_naming_it_and_the_closest_parameter(served: Served) -> None:
    http = served.http()
    everything = http.get("/v1/values")
    assert everything.status_code == 200
    r = http.get("/v1/values", params={"indicatr": "life_expectancy"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["parameter"] == "indicatr"
    assert body["value"] == "life_expectancy"
    assert body["suggestions"][0] == "indicator"
    assert {"indicator", "area", "period", "sex", "as_of", "fields"} <= set(body["valid"])
    assert "did you mean 'indicator'" in body["detail"]
    # asked again, it is still refused (never answered from the response cache)
    assert http.get("/v1/values", params={"indicatr": "life_expectancy"}).status_code == 422


def test_one_unknown_among_known_parameters_is_refused(served: Served) -> None:
    r = served.http().get("/v1/values", params={"indicator": "life_expectancy", "limit": "5"})
    assert r.status_code == 422
    assert r.json()["parameter"] == "limit"


def test_a_repeated_parameter_is_422_showing_the_comma_separated_form(served: Served) -> None:
    http = served.http()
    two = f"{BOROUGHS[0]},{BOROUGHS[1]}"
    both = http.get("/v1/values", params={"area": two})
    assert both.status_code == 200
    assert {row["area_code"] for row in both.json()} == set(BOROUGHS[:2])
    r = http.get("/v1/values", params=[("area", BOROUGHS[0]), ("area", BOROUGHS[1])])
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["parameter"] == "area"
    assert f"area={two}" in body["detail"]
    # in another order, and again: still refused, never a cached answer
    again = [("area", BOROUGHS[1]), ("sex", "persons"), ("area", BOROUGHS[1])]
    assert http.get("/v1/values", params=again).status_code == 422


def test_a_route_without_query_parameters_says_it_takes_none(served: Served) -> None:
    ok = served.http().get("/v1/areas/E09000001")
    assert ok.status_code == 200
    r = served.http().get("/v1/areas/E09000001", params={"sex": "female"})
    assert r.status_code == 422
    body = r.json()
    assert body["valid"] == []
    assert "takes none" in body["detail"]


def test_writes_and_partner_routes_refuse_unknown_parameters_and_write_nothing(
    served: Served,
) -> None:
    http = served.http()
    before = len(served.reader.releases(served.app.state.api.viewer(None)))
    auth = {"Authorization": f"Bearer {served.editor}"}
    posted = http.post(
        "/v1/commitments/wellbeing_ambassadors_2025/progress",
        params={"dry_run": "1"},
        json={"value": 1, "as_of": "2024-01-01", "source": "t"},
        headers=auth,
    )
    assert posted.status_code == 422, posted.text
    assert posted.json()["parameter"] == "dry_run"
    assert served.reader.progress_history("wellbeing_ambassadors_2025") == []
    assert http.get("/v1/actions", params={"qq": "x"}).json()["parameter"] == "qq"
    assert len(served.reader.releases(served.app.state.api.viewer(None))) == before


def test_every_declared_parameter_is_accepted(served: Served) -> None:
    """Each GET operation's declared query parameters, from the OpenAPI document, pass the
    check (a 422 for another reason names its own parameter, never an undeclared one)."""
    http = served.http()
    doc = http.get("/v1/openapi.json").json()
    checked = 0
    for path, operations in doc["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        if not names:
            continue
        r = http.get(path, params=dict.fromkeys(names, "zz"))
        assert r.status_code != 500, (path, r.text)
        if r.status_code == 422:
            assert r.json().get("parameter") in names, (path, r.text)
        checked += 1
    assert checked >= 8
