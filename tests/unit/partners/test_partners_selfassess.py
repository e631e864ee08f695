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
from healthgap.partners.selfassess import parse, read_file, score, template, to_csv, to_json

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


def _excel_csv(data: dict[str, Any]) -> bytes:
    """The tool's own CSV as Excel saves it again: a BOM, ';' separators, CRLF lines."""
    rows = list(csv.reader(io.StringIO(to_csv(_score(data), CHECKLIST))))
    return "\r\n".join(";".join(r) for r in rows).encode("utf-8-sig")


def test_csv_saved_by_a_spreadsheet_loads_as_the_same_answers() -> None:
    data = template(CHECKLIST, "healthcare", organisation="St Mary\u2019s NHS Trust")
    first = data["items"][0]["id"]
    text = _excel_csv(data).decode("utf-8-sig").split("\r\n")
    cells = text[1].split(";")
    cells[5] = "Yes"  # the done column, answered in the spreadsheet
    text[1] = ";".join(cells)
    text[2] = text[2].replace(";no;", ";;", 1)  # a blank answer: not done
    loaded = read_file("\r\n".join(text).encode("utf-8-sig"), CHECKLIST, file="mine.csv")
    assert loaded.organisation == "St Mary\u2019s NHS Trust"
    assert [a.item_id for a in loaded.answers if a.done] == [first]
    assert len(loaded.answers) == len(data["items"])


def test_json_with_a_byte_order_mark_and_blank_answers_loads() -> None:
    data = template(CHECKLIST, "vcse")
    data["items"][0]["done"] = None  # left blank: not answered
    data["items"][1]["done"] = True
    loaded = read_file(json.dumps(data).encode("utf-8-sig"), CHECKLIST, file="mine.json")
    assert [a.done for a in loaded.answers[:2]] == [False, True]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.__setitem__(5, "maybe"), r"mine.csv:2: column 'done': value 'maybe'"),
        (lambda c: c.__setitem__(3, "hc-children-dentl"), r"mine.csv:2: column 'item_id'"),
        (lambda c: c.__setitem__(1, "charity"), r"column 'sector' holds more than one sector"),
    ],
)
def test_bad_csv_names_the_row_and_column(change: Any, message: str) -> None:
    text = _excel_csv(template(CHECKLIST, "healthcare")).decode("utf-8-sig").split("\r\n")
    cells = text[1].split(";")
    change(cells)
    text[1] = ";".join(cells)
    with pytest.raises(InputError, match=message):
        read_file("\r\n".join(text).encode("utf-8-sig"), CHECKLIST, file="mine.csv")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"Name,Answer\nfoo,yes\n", "the header row lacks sector, item_id, done"),
        ("sector,item_id,done\nhealthcare,x,\u2019".encode("cp1252"), "not UTF-8 text"),
        (b'{"format": ', "not valid JSON"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a spreadsheet workbook, not a CSV"),
    ],
)
def test_a_file_of_another_kind_is_refused_clearly(raw: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_file(raw, CHECKLIST, file="mine.csv")


def test_sector_ignores_case_and_lists_only_sectors_with_a_checklist() -> None:
    assert template(CHECKLIST, " Healthcare ")["sector"] == "healthcare"
    with pytest.raises(InputError) as err:
        template(CHECKLIST, "charity")
    assert "sector must be one of healthcare, vcse" in str(err.value)
    assert "council" not in str(err.value)  # a sector with no checklist is no choice
