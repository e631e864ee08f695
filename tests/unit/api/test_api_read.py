"""Reads over HTTP: fields, problem details (422 with suggestions, 404 with what exists),
ETag/304, Cache-Control, gzip, CORS, offline docs, the changelog, bad input → 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import BOROUGHS, Served, Template, serving

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def served(served_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One store and app for the module (building them was most of each test's time): every
    test here only reads, by GET (none posts, loads, or moves the clock); a test that writes
    belongs in another module, with the conftest's per-test ``served``."""
    yield from serving(served_template, tmp_path_factory.mktemp("api-read") / "store.duckdb")


def test_values_carry_metadata_limits_comparisons_and_provenance(served: Served) -> None:
    r = served.http().get(
        "/v1/values", params={"indicator": "life_expectancy", "area": BOROUGHS[0]}
    )
    assert r.status_code == 200
    rows = r.json()
    assert [row["period_label"] for row in rows] == ["2019", "2020", "2021"]
    first = rows[0]
    assert first["value"] == pytest.approx(70.0)
    assert first["lower95_0cl"] == pytest.approx(69.5)
    assert first["indicator_name"] == "Life expectancy at birth"
    assert first["area_name"] == "City of London"
    assert first["provenance"]["release_id"] == 1
    assert {c["benchmark"] for c in first["comparisons"]} >= {"country"}


def test_unknown_indicator_is_422_naming_the_parameter_and_closest(served: Served) -> None:
    r = served.http().get("/v1/values", params={"indicator": "life_expectncy"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["parameter"] == "indicator"
    assert "life_expectancy" in body["suggestions"]
    assert body["status"] == 422
    assert body["title"]
    assert body["type"]


def test_unknown_area_is_422_with_suggestions(served: Served) -> None:
    r = served.http().get("/v1/values", params={"area": "E0900000X"})
    assert r.status_code == 422
    assert r.json()["parameter"] == "area"


def test_no_data_is_404_listing_what_exists(served: Served) -> None:
    r = served.http().get("/v1/values", params={"indicator": "life_expectancy", "period": "1999"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["available"]["periods"] == ["2019", "2020", "2021"]


def test_etag_and_if_none_match_give_304(served: Served) -> None:
    http = served.http()
    r = http.get("/v1/series", params={"indicator": "life_expectancy"})
    assert r.status_code == 200
    etag = r.headers["etag"]
    assert r.headers["cache-control"].startswith("public")
    again = http.get(
        "/v1/series", params={"indicator": "life_expectancy"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    other = http.get("/v1/series", params={"indicator": "life_expectancy", "area": BOROUGHS[1]})
    assert other.headers["etag"] != etag


def test_gzip_and_cors(served: Served) -> None:
    r = served.http().get(
        "/v1/catalogue/indicators",
        headers={"Accept-Encoding": "gzip", "Origin": "https://example.org"},
    )
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["access-control-allow-origin"] == "*"
    plain = served.http().get("/v1/catalogue/indicators", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert r.json() == plain.json()


def test_docs_load_nothing_from_the_internet(served: Served) -> None:
    http = served.http()
    html = http.get("/docs").text
    assert "swagger" in html.lower()
    assert "http://" not in html
    assert "https://" not in html
    assert http.get("/v1/openapi.json").json()["info"]["title"] == "healthgap API"


def test_changelog_is_served_and_matches_docs(served: Served) -> None:
    served_text = served.http().get("/v1/changelog").text
    docs = Path(__file__).resolve().parents[3] / "docs" / "api-changelog.md"
    assert served_text == docs.read_text(encoding="utf-8")
    assert "## 1.0.0" in served_text


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_bulk_formats_round_trip(served: Served, fmt: str) -> None:
    import io

    import pandas as pd

    r = served.http().get("/v1/bulk", params={"format": fmt, "indicator": "life_expectancy"})
    assert r.status_code == 200
    frame = {
        "csv": lambda b: pd.read_csv(io.BytesIO(b)),
        "parquet": lambda b: pd.read_parquet(io.BytesIO(b)),
        "json": lambda b: pd.read_json(io.BytesIO(b)),
    }[fmt](r.content)
    assert len(frame) == 15
    assert "lower95_0cl" in frame.columns


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        ("/v1/values", {"indicator": "x' OR 1=1; DROP TABLE releases; --"}, 422),
        ("/v1/values", {"area": "../../etc/passwd"}, 422),
        ("/v1/values", {"indicator": "a" * 5000}, 422),
        ("/v1/values", {"as_of": "not-a-date"}, 422),
        ("/v1/values", {"latest": "maybe"}, 422),
        ("/v1/values", {"sex": "robot"}, 422),
        ("/v1/areas/search", {"q": "camden", "limit": "1000000000"}, 422),
        ("/v1/areas/search", {"q": "camden", "limit": "-5"}, 422),
        ("/v1/bulk", {"format": "xlsx"}, 422),
        ("/v1/releases/99999", {}, 422),
        ("/v1/releases/0", {}, 422),
        ("/v1/boundaries/planet", {}, 422),
        ("/v1/inequality", {"indicator": "life_expectancy"}, 422),
    ],
)
def test_bad_input_is_a_4xx_naming_the_problem(
    served: Served, url: str, params: dict[str, str], status: int
) -> None:
    r = served.http().get(url, params=params)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["detail"]
    assert served.reader.releases(served.app.state.api.viewer(None))[0].release_id == 1
