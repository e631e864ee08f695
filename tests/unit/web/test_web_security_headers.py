"""Security headers: every answer of a server carrying the website says ``nosniff`` and a
referrer policy; the website's HTML pages carry the Content Security Policy; the API's
documentation pages (FastAPI's, with an inline script) and JSON answers do not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from healthgap.api.app import create_app
from healthgap.query import ReadLayer
from healthgap.store import open_store
from healthgap.web import mount_website
from healthgap.web.security import WEBSITE_CSP


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The API with the website mounted, over an empty store (as ``healthgap serve``)."""
    path = tmp_path_factory.mktemp("security") / "s.duckdb"
    open_store(path).close()
    with ReadLayer(open_store(path, read_only=True)) as layer:
        app = create_app(layer, writer=None)
        mount_website(app, layer, warm=False)
        yield TestClient(app)


def test_pages_carry_the_policy_and_every_answer_nosniff(client: TestClient) -> None:
    answers = {
        url: client.get(url)
        for url in ("/", "/methods", "/no-such-page", "/static/site.js", "/v1/indicators", "/docs")
    }
    for url, answer in answers.items():
        assert answer.headers["x-content-type-options"] == "nosniff", url
        assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin", url
    policed = {u for u, a in answers.items() if "content-security-policy" in a.headers}
    assert policed == {"/", "/methods", "/no-such-page"}
    assert answers["/"].headers["content-security-policy"] == WEBSITE_CSP
    assert answers["/no-such-page"].status_code == 404
    assert "'unsafe-inline'" not in WEBSITE_CSP.split("script-src")[1].split(";")[0]


def test_an_address_the_site_does_not_have_gets_a_page_not_json(client: TestClient) -> None:
    """A Londoner who mistypes an address got the API's JSON problem ("No data"); the site
    answers with its own "Page not found" page and the closest address it has. Under /v1 the
    API's problem stands."""
    typo = client.get("/indicator/life_expectancy")
    unknown = client.get("/no-such-page")
    api = client.get("/v1/no-such-route")
    assert typo.status_code == unknown.status_code == api.status_code == 404
    assert typo.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in typo.text
    assert '<a href="/indicators/life_expectancy">' in typo.text
    assert "Page not found" in unknown.text
    assert "Did you mean" not in unknown.text
    assert api.headers["content-type"] == "application/problem+json"
