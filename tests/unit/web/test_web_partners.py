"""The partner tools' pages answer bad input with a page (or a plain message for a download)
naming what is wrong, with a 4xx status; a published editor's entry appears at once on the
area page that links to it. A real app over a real store (no values needed)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthgap.catalogue.actions import ActionEntry
from healthgap.partners import add_action, publish_action
from healthgap.publish import Writer, open_writer
from healthgap.query import ReadLayer
from healthgap.web import mount_website

ENTRY = {
    "id": "dagenham-lunch-club",
    "title": "Lunch club for isolated older people",
    "organisation": "Dagenham Neighbours",
    "boroughs": ["E09000002"],
    "aims": ["healthy_communities"],
    "sector": "vcse",
    "what": "A weekly lunch club.",
    "for_whom": "Older people living alone.",
    "results": "No results stated",
    "source": {"document": "001", "section": "Editor's entry"},
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Writer]]:
    path: Path = tmp_path_factory.mktemp("webpartners") / "store.duckdb"
    writer = open_writer(path)
    app = FastAPI()
    mount_website(app, ReadLayer(writer.store), warm=False)
    yield TestClient(app), writer
    writer.close()
    writer.store.close()


@pytest.fixture(scope="module")
def http(site: tuple[TestClient, Writer]) -> TestClient:
    return site[0]


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/actions?aim=healthy_child", 400, "healthy_children"),
        ("/actions?sector=charity", 400, "vcse"),
        ("/actions/whittington-toothbrushing", 404, "whittington-supervised-toothbrushing"),
        ("/self-assessment?sector=council", 400, "healthcare, vcse"),
        ("/self-assessment?sector=vcse&done=vcse-nope&result=1", 400, "vcse-nope"),
        ("/impact-assessment?areas=E05014053&title=", 422, "Give the assessment a title"),
        ("/impact-assessment?areas=E0501405&title=T", 422, "E0501405"),
        ("/impact-assessment?areas=E01000010+E01034473&title=T", 422, "2011 only: E01000010"),
        ("/impact-assessment?areas=E12000007&title=T", 422, "E12000007 is region"),
        ("/impact-assessment?areas=&title=T", 422, "no areas given"),
    ],
)
def test_bad_input_is_a_page_naming_it(http: TestClient, url: str, status: int, says: str) -> None:
    r = http.get(url)
    assert r.status_code == status
    assert "<h1>" in r.text
    assert says in r.text


def test_impact_form_takes_names_and_speaks_plainly(http: TestClient) -> None:
    ok = http.get("/impact-assessment?title=T&areas=Notting+Dale%0AHammersmith+%26+Fulham")
    assert ok.status_code == 200
    assert "E05009399" in ok.text
    assert "E09000013" in ok.text
    bad = http.get("/impact-assessment?title=T&areas=Noting+Dale")
    assert bad.status_code == 422
    summary = bad.text.split('class="error-summary"')[1].split("</div>")[0]
    assert "key &#39;areas&#39;" not in summary
    assert "key 'areas'" not in summary
    assert "did you mean Notting Dale (<code>E05009399</code>)?" in summary


def test_downloads_need_a_valid_state(http: TestClient) -> None:
    r = http.get("/self-assessment.csv")
    assert r.status_code == 400
    assert "sector" in r.text
    r = http.get("/impact-assessment.pdf?areas=NOPE&title=T")
    assert r.status_code == 422
    assert "NOPE" in r.text
    good = http.get("/self-assessment.csv?sector=healthcare&done=hc-minds-thrive")
    assert good.status_code == 200
    assert good.headers["content-disposition"] == 'attachment; filename="self-assessment.csv"'
    assert "hc-minds-thrive" in good.text


def test_loading_a_file_redirects_to_its_url_or_names_the_problem(http: TestClient) -> None:
    saved = http.get("/self-assessment.json?sector=vcse&done=vcse-minds-isolation").content
    ok = http.post(
        "/self-assessment/load", files={"file": ("mine.json", saved)}, follow_redirects=False
    )
    assert ok.status_code == 303
    assert "done=vcse-minds-isolation" in ok.headers["location"]
    assert http.post("/self-assessment/load", files={}).status_code == 400
    bad = http.post("/self-assessment/load", files={"file": ("x.json", b"{not json")})
    assert bad.status_code == 400
    assert "x.json: not valid JSON" in bad.text
    # The CSV the page downloads, saved again by Excel (BOM, ';'), loads as the same answers.
    csv_text = http.get("/self-assessment.csv?sector=vcse&done=vcse-minds-isolation").text
    rows = list(csv.reader(io.StringIO(csv_text)))
    excel = "\r\n".join(";".join(r) for r in rows).encode("utf-8-sig")
    again = http.post(
        "/self-assessment/load", files={"file": ("mine.csv", excel)}, follow_redirects=False
    )
    assert again.status_code == 303
    assert again.headers["location"] == ok.headers["location"]
    data = json.loads(saved)
    data["items"][0]["id"] = "vcse-minds-isolatoin"
    wrong = http.post("/self-assessment/load", files={"file": ("y.json", json.dumps(data))})
    assert wrong.status_code == 400
    assert "y.json" in wrong.text
    assert "vcse-minds-isolation" in wrong.text


def test_a_published_entry_appears_on_its_area_page(site: tuple[TestClient, Writer]) -> None:
    http, writer = site
    reader = ReadLayer(writer.store)
    boroughs = [b.code for b in reader.geography.boroughs()]
    assert ENTRY["title"] not in http.get("/areas/E09000002").text
    add_action(
        writer,
        ActionEntry.model_validate(ENTRY),
        recorded_by="eddie",
        catalogue=reader.catalogue,
        boroughs=boroughs,
    )
    assert ENTRY["title"] not in http.get("/areas/E09000002").text  # a draft
    assert http.get(f"/actions/{ENTRY['id']}").status_code == 404
    publish_action(writer, str(ENTRY["id"]), recorded_by="eddie")
    page = http.get("/areas/E09000002").text
    assert ENTRY["title"] in page
    assert "What is being done" in page
    assert http.get(f"/actions/{ENTRY['id']}").status_code == 200


def test_two_websites_in_one_process_each_read_their_own_library(
    site: tuple[TestClient, Writer], tmp_path: Path
) -> None:
    """The "What is being done" block is bound to its own website's read layer: a second
    website mounted later in the same process (here over an empty store, then closed) neither
    replaces the first's entries nor breaks its pages (it once did: the block was a global of
    the shared template environment, so the last website mounted answered for all)."""
    http, writer = site
    reader = ReadLayer(writer.store)
    if ENTRY["title"] not in http.get("/areas/E09000002").text:
        add_action(
            writer,
            ActionEntry.model_validate(ENTRY),
            recorded_by="eddie",
            catalogue=reader.catalogue,
            boroughs=[b.code for b in reader.geography.boroughs()],
        )
        publish_action(writer, str(ENTRY["id"]), recorded_by="eddie")
    other_writer = open_writer(tmp_path / "other.duckdb")
    other = FastAPI()
    mount_website(other, ReadLayer(other_writer.store), warm=False)
    other_page = TestClient(other).get("/areas/E09000002")
    assert other_page.status_code == 200
    assert ENTRY["title"] not in other_page.text  # the second store has no such entry
    other_writer.close()
    other_writer.store.close()
    page = http.get("/areas/E09000002?sex=persons")  # not a cached page: rendered again
    assert page.status_code == 200
    assert ENTRY["title"] in page.text
