"""Partner tools over HTTP (issue #16): the action library (filters, search, links, drafts
invisible until an editor publishes them, audited), the self-assessment (template, score as
JSON/CSV/PDF) and the impact assessment (JSON, HTML, PDF; a bad catchment is 422 naming the
codes). In-process (TestClient) and through ``healthgap.client`` against a live server."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from healthgap.client import Client, NotAuthorised, UnknownParameter
from healthgap.partners.impact import chromium_path
from healthgap.publish import access

from .conftest import Served, bearer

ABBEY = "E05014053"  # Abbey ward, Barking and Dagenham (E09000002, held in the fixture)
SPLIT_2011 = "E01000010"  # an LSOA 2011 split in 2021 (2011 only)
SPLIT_2021 = "E01034473"  # one of its 2021 parts (2021 only)
PROBLEM = "application/problem+json"

ENTRY: dict[str, Any] = {
    "id": "barking-walking-club",
    "title": "Community walking club for older residents",
    "organisation": "Barking Walkers",
    "boroughs": ["E09000002"],
    "aims": ["healthy_living"],
    "focus_areas": [],
    "sector": "vcse",
    "themes": ["physical activity"],
    "what": "Weekly led walks from the library.",
    "for_whom": "Residents over 65.",
    "results": "No results stated",
    "source": {"document": "001", "section": "Editor's entry"},
    "status": "published",
}

needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="PDF printing needs Chromium (apt-get install chromium)"
)


def test_library_lists_filters_searches_and_links(served: Served) -> None:
    http = served.http()
    every = http.get("/v1/actions").json()
    assert len(every) >= 32
    assert all(e["status"] == "published" for e in every)
    hc = http.get("/v1/actions", params={"sector": "healthcare", "aim": "healthy_children"})
    assert hc.status_code == 200
    assert hc.json()
    assert all(e["sector"] == "healthcare" and "healthy_children" in e["aims"] for e in hc.json())
    found = http.get("/v1/actions", params={"q": "toothbrushng"}).json()  # a typo
    assert found[0]["id"] == "whittington-supervised-toothbrushing"
    one = http.get("/v1/actions/whittington-supervised-toothbrushing").json()
    assert one["source"]["document"] == "000"
    assert one["source"]["title"].startswith("Health Inequalities Strategy")
    linked = http.get("/v1/actions", params={"indicator": "life_expectancy"}).json()
    assert linked
    camden = http.get("/v1/actions", params={"area": "E09000007"}).json()
    assert camden
    assert all("E09000007" in e["boroughs"] for e in camden)
    # A ward within Camden links to Camden's entries.
    ward = http.get("/v1/areas", params={"area_type": "ward", "parent": "E09000007"}).json()[0]
    in_ward = http.get("/v1/actions", params={"area": ward["code"]}).json()
    assert [e["id"] for e in in_ward] == [e["id"] for e in camden]


def test_library_errors_are_problems_never_empty_answers(served: Served) -> None:
    http = served.http()
    bad = http.get("/v1/actions", params={"aim": "healthy_child"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith(PROBLEM)
    assert bad.json()["parameter"] == "aim"
    assert "healthy_children" in bad.json()["suggestions"]
    none = http.get("/v1/actions", params={"q": "zzzzqqq"})
    assert none.status_code == 404
    assert none.json()["asked"] == {"q": "zzzzqqq"}
    assert "healthy_children" in none.json()["available"]["aim"]
    # A borough with no entry: its name is understood, and the boroughs that have one listed.
    borough = http.get("/v1/actions", params={"borough": "Hammersmith & Fulham"})
    assert borough.status_code == 404
    assert "E09000020" in borough.json()["available"]["borough"]
    assert http.get("/v1/actions", params={"q": "--"}).status_code == 422
    unknown = http.get("/v1/actions/whittington-toothbrushing")
    assert unknown.status_code == 422
    assert "whittington-supervised-toothbrushing" in unknown.json()["suggestions"]
    assert http.get("/v1/actions", params={"indicator": "no_such"}).status_code == 422


def test_editor_drafts_are_invisible_until_published_and_audited(served: Served) -> None:
    http = served.http()
    assert http.post("/v1/actions", json=ENTRY).status_code == 401
    etag = http.get("/v1/actions").headers["etag"]
    made = http.post("/v1/actions", json=ENTRY, headers=bearer(served.editor))
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "draft"  # always stored as a draft
    assert http.get(f"/v1/actions/{ENTRY['id']}").status_code == 422
    assert ENTRY["id"] not in {e["id"] for e in http.get("/v1/actions").json()}
    assert http.get("/v1/actions", params={"drafts": True}).status_code == 401
    drafts = http.get("/v1/actions", params={"drafts": True}, headers=bearer(served.editor))
    assert ENTRY["id"] in {e["id"] for e in drafts.json()}
    assert drafts.headers["cache-control"] == "no-store"
    done = http.post(f"/v1/actions/{ENTRY['id']}/publish", headers=bearer(served.editor))
    assert done.status_code == 200
    assert done.json()["status"] == "published"
    after = http.get("/v1/actions", params={"borough": "E09000002"})
    assert after.headers["etag"] != etag
    assert ENTRY["id"] in {e["id"] for e in after.json()}
    assert http.get(f"/v1/actions/{ENTRY['id']}").json()["organisation"] == "Barking Walkers"
    log = [(a.who, a.action) for a in access.audit_log(served.writer.store)]
    assert ("eddie", "action.add") in log
    assert ("eddie", "action.publish") in log


def test_bad_entries_are_refused_and_nothing_is_written(served: Served) -> None:
    http = served.http()
    shipped = {**ENTRY, "id": "whittington-supervised-toothbrushing"}
    r = http.post("/v1/actions", json=shipped, headers=bearer(served.editor))
    assert r.status_code == 422
    assert "shipped" in r.json()["detail"]
    r = http.post("/v1/actions", json={**ENTRY, "aims": ["healthy"]}, headers=bearer(served.editor))
    assert r.status_code == 422
    assert "healthy" in r.json()["detail"]
    r = http.post("/v1/actions", json={**ENTRY, "sector": "x"}, headers=bearer(served.editor))
    assert r.status_code == 422
    assert r.json()["parameter"] == "sector"
    r = http.post("/v1/actions/no-such-entry/publish", headers=bearer(served.editor))
    assert r.status_code == 422
    assert r.json()["value"] == "no-such-entry"
    assert served.writer.store.action_entries() == []


def test_self_assessment_template_and_score(served: Served) -> None:
    http = served.http()
    t = http.get("/v1/selfassess/template", params={"sector": "vcse", "organisation": "Org"})
    assert t.status_code == 200
    checklist = t.json()
    assert checklist["organisation"] == "Org"
    checklist["items"][0]["done"] = True
    scored = http.post("/v1/selfassess/score", json=checklist).json()
    assert scored["score"]["done"] == 1
    assert scored["score"]["total"] == len(checklist["items"])
    gap = scored["score"]["gaps"][0]
    assert gap["case_studies"] or gap["indicators"]
    again = http.post("/v1/selfassess/score", json=scored).json()  # the result loads again
    assert again["score"] == scored["score"]
    got = http.post("/v1/selfassess/score", params={"format": "csv"}, json=checklist)
    assert got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert len(rows) == len(checklist["items"])
    assert rows[0]["done"] == "yes"
    bad = http.get("/v1/selfassess/template", params={"sector": "council"})
    assert bad.status_code == 422
    assert bad.json()["valid"] == ["healthcare", "vcse"]
    checklist["items"][1]["id"] = "vcse-minds-isolatoin"
    wrong = http.post("/v1/selfassess/score", json=checklist)
    assert wrong.status_code == 422
    assert "vcse-minds-isolation" in wrong.json()["detail"]
    assert http.post("/v1/selfassess/score", json={"format": "x"}).status_code == 422


def test_impact_assessment_json_html_and_bad_catchments(served: Served) -> None:
    http = served.http()
    body = {"areas": [ABBEY], "title": "Closing a walk-in centre", "description": "Moving it."}
    a = http.post("/v1/impact", json=body)
    assert a.status_code == 200, a.text
    got = a.json()
    lsoas = {x["code"] for x in http.get("/v1/areas", params={"parent": ABBEY}).json()}
    assert set(got["catchment"]["lsoas"]) == {c for c in lsoas if c.startswith("E01")}
    le = [f for f in got["findings"] if f["indicator_id"] == "life_expectancy"]
    assert le
    assert le[0]["citation"] in {c["key"] for c in got["citations"]}
    html = http.post("/v1/impact", params={"format": "html"}, json=body)
    assert html.headers["content-type"].startswith("text/html")
    assert "<h1>Closing a walk-in centre</h1>" in html.text
    cases = [
        ({**body, "areas": []}, [], "no areas given"),
        ({**body, "areas": ["E0501405", "E09000002"]}, ["E0501405"], "unknown area codes"),
        ({**body, "areas": [f"{SPLIT_2011},{SPLIT_2021}"]}, [SPLIT_2011, SPLIT_2021], "mixed"),
        ({**body, "areas": ["E12000007"]}, ["E12000007"], "is region"),
    ]
    for payload, codes, message in cases:
        r = http.post("/v1/impact", json=payload)
        assert r.status_code == 422, payload
        assert r.headers["content-type"].startswith(PROBLEM)
        assert message in r.json()["detail"]
        assert r.json()["codes"] == codes
        assert r.json()["parameter"] == "areas"
    r = http.post("/v1/impact", json={**body, "areas": ["E0501405"]})
    assert r.json()["suggested"]["E0501405"].startswith("E0501405")
    blank = http.post("/v1/impact", json={**body, "title": " "})
    assert blank.status_code == 422
    assert blank.json()["parameter"] == "title"
    assert blank.json()["detail"] == "key 'title': the assessment needs a title"
    assert http.post("/v1/impact", json={**body, "indicators": ["nope"]}).status_code == 422


def test_the_changelog_names_the_new_endpoints(served: Served) -> None:
    text = served.http().get("/v1/changelog").text
    for path in ("/v1/actions", "/v1/selfassess/score", "/v1/impact"):
        assert path in text


@needs_chromium
def test_client_round_trips_the_partner_tools(served: Served, live: str) -> None:
    with Client(live) as hg:
        lib = hg.actions(sector="vcse")
        assert set(lib["sector"]) == {"vcse"}
        assert hg.action(lib["id"].iloc[0])["id"] == lib["id"].iloc[0]
        with pytest.raises(UnknownParameter) as unknown:
            hg.actions(aim="healthy_child")
        assert "healthy_children" in unknown.value.suggestions
        template = hg.selfassess_template("healthcare", organisation="Trust")
        template["items"][0]["done"] = True
        scored = hg.selfassess_score(template)
        assert isinstance(scored, dict)
        assert scored["score"]["done"] == 1
        table = hg.selfassess_score(template, format="csv")
        assert isinstance(table, bytes)
        assert table.startswith(b"organisation,sector,aim")
        pdf = hg.selfassess_score(template, format="pdf")
        assert isinstance(pdf, bytes)
        assert pdf.startswith(b"%PDF")
        a = hg.impact([ABBEY], title="Walk-in centre")
        assert isinstance(a, dict)
        assert a["catchment"]["boroughs"] == [["E09000002", "Barking and Dagenham"]]
        report = hg.impact([ABBEY], title="Walk-in centre", format="pdf")
        assert isinstance(report, bytes)
        assert report.startswith(b"%PDF")
        with pytest.raises(UnknownParameter) as bad:
            hg.impact(["E0501405"], title="T")
        assert bad.value.problem["codes"] == ["E0501405"]
        with pytest.raises(NotAuthorised):
            hg.add_action(ENTRY)
    with Client(live, token=served.editor) as editor:
        assert editor.add_action(ENTRY)["status"] == "draft"
        assert ENTRY["id"] in set(editor.actions(drafts=True)["id"])
        assert editor.publish_action(ENTRY["id"])["status"] == "published"
        assert editor.action(ENTRY["id"])["title"] == ENTRY["title"]
