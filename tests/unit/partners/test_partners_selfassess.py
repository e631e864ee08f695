"""Organisation self-assessment: template, parse (errors), score (coverage, gap links), JSON
that loads again, and CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from healthgap.catalogue import load_catalogue
from healthgap.catalogue.actions import Sector, load_actions, load_checklist
from healthgap.errors import InputError
from healthgap.partners.selfassess import parse, score, template, to_csv, to_json

CAT = load_catalogue()
AIMS = {a.id for a in CAT.aims}
FOCUS = {f.id for f in CAT.focus_areas}
CHECKLIST = load_checklist(aims=AIMS, focus_areas=FOCUS)
ENTRIES = load_actions(aims=AIMS, focus_areas=FOCUS)


def _score(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return score(
        parse(data, CHECKLIST),
        CHECKLIST,
        aims=CAT.aims,
        entries=ENTRIES,
        indicators=CAT.indicators,
    )


def test_template_lists_the_sector_items_all_not_done() -> None:
    t = template(CHECKLIST, "vcse", organisation="Org")
    assert t["sector"] == "vcse"
    assert len(t["items"]) == sum(1 for i in CHECKLIST if i.sector is Sector.VCSE)
    assert not any(i["done"] for i in t["items"])
    result = _score(t)
    assert result.done == 0
    assert result.total == len(t["items"])
    assert len(result.gaps) == result.total


def test_coverage_by_aim_counts_what_is_done() -> None:
    t = template(CHECKLIST, "healthcare", organisation="Trust")
    for item in t["items"]:
        if item["aim"] == "healthy_minds":
            item["done"] = True
    item0 = next(i for i in t["items"] if i["aim"] == "healthy_places")
    item0["done"] = True
    result = _score(t)
    by_aim = {c.aim: c for c in result.coverage}
    assert by_aim["healthy_minds"].percent == 100.0
    assert by_aim["healthy_places"].done == 1
    assert by_aim["healthy_places"].total == sum(
        1 for i in CHECKLIST if i.sector is Sector.HEALTHCARE and i.aim == "healthy_places"
    )
    assert by_aim["healthy_children"].done == 0
    assert all(g.item.aim != "healthy_minds" for g in result.gaps)


def test_each_gap_links_relevant_case_studies_and_indicators() -> None:
    result = _score(template(CHECKLIST, "healthcare"))
    gap = next(g for g in result.gaps if g.item.id == "hc-communities-hiv")
    assert gap.case_studies[0].id in {"positive-east-reassure", "vision-hiv-actions"}
    assert gap.indicators
    assert all("hiv_sti" in i.focus_areas for i in gap.indicators)
    dental = next(g for g in result.gaps if g.item.id == "hc-children-dental")
    assert {e.id for e in dental.case_studies} >= {"whittington-supervised-toothbrushing"}


def test_result_json_loads_again_and_csv_has_a_row_per_item() -> None:
    t = template(CHECKLIST, "vcse", organisation="Charity")
    t["items"][0]["done"] = True
    t["items"][0]["note"] = "since 2020"
    first = _score(t)
    dumped = json.loads(json.dumps(to_json(first, CHECKLIST)))
    again = _score(dumped)
    assert again.assessment == first.assessment
    assert again.coverage == first.coverage
    assert dumped["score"]["done"] == 1
    rows = list(csv.DictReader(io.StringIO(to_csv(first, CHECKLIST))))
    assert len(rows) == len(t["items"])
    assert rows[0]["done"] == "yes"
    assert rows[0]["note"] == "since 2020"
    assert rows[1]["done"] == "no"
    assert rows[1]["case_studies"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="x"), "format must be"),
        (lambda d: d.update(sector="charity"), "sector must be one of"),
        (lambda d: d.update(sector="business"), "no checklist is held for this sector"),
        (
            lambda d: d["items"][0].update(id="hc-children-dentl"),
            "did you mean 'hc-children-dental'",
        ),
        (lambda d: d["items"][0].update(done="yes"), "done must be true or false"),
        (lambda d: d["items"].append(dict(d["items"][1])), "item listed twice"),
        (lambda d: d.update(items={}), "items must be a list"),
    ],
)
def test_bad_file_names_the_item_and_rule(mutate: Any, message: str) -> None:
    data = template(CHECKLIST, "healthcare")
    mutate(data)
    with pytest.raises(InputError, match=message):
        parse(data, CHECKLIST, file="mine.json")
