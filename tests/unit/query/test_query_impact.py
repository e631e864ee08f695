"""Health inequalities impact assessment: catchment input (errors naming codes, with
suggestions), the profile against London with citations, the HTML report and the PDF."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import pytest

from healthgap.partners.impact import CatchmentError, chromium_path, print_pdf, render_html
from healthgap.query import ReadLayer, UnknownParameter, public
from healthgap.query.impact import impact_assessment, parse_codes, resolve_catchment

ABBEY_BD = "E05014053"  # Abbey ward, Barking and Dagenham (E09000002, held in the fixture)
NOTTING_DALE = "E05009399"  # Notting Dale ward, Kensington and Chelsea
SPLIT_2011 = "E01000010"  # an LSOA 2011 split in 2021 (2011 only)
SPLIT_2021 = "E01034473"  # one of its 2021 parts (2021 only)


def test_parse_codes_accepts_a_pasted_list() -> None:
    assert parse_codes(["e01000001, E01000002;E01000003\nE01000001", " E01000004 "]) == [
        "E01000001",
        "E01000002",
        "E01000003",
        "E01000004",
    ]


def test_parse_codes_keeps_names_whole() -> None:
    assert parse_codes(["Notting Dale, e05009400 E09000020\nHammersmith  & Fulham"]) == [
        "Notting Dale",
        "E05009400",
        "E09000020",
        "Hammersmith & Fulham",
    ]


def test_catchment_by_name_is_the_catchment_by_code(reader: ReadLayer) -> None:
    by_code = resolve_catchment(reader, [NOTTING_DALE, "E09000013"])
    by_name = resolve_catchment(reader, ["notting dale\nHammersmith & Fulham"])
    assert by_name.lsoas == by_code.lsoas
    assert [g[0] for g in by_name.given] == [NOTTING_DALE, "E09000013"]
    curly = resolve_catchment(reader, ["St Mary\u2019s"])  # typed with a curly apostrophe
    assert curly.given[0][1] == "St Mary's"


def test_a_name_with_a_comma_in_it_stays_one_area(reader: ReadLayer) -> None:
    c = resolve_catchment(reader, ["Ham, Petersham & Richmond Riverside, Notting Dale"])
    assert [(code, name) for code, name, _ in c.given] == [
        ("E05013777", "Ham, Petersham & Richmond Riverside"),
        (NOTTING_DALE, "Notting Dale"),
    ]
    every = "\n".join(a.name for a in reader.geography.areas(area_type="ward"))
    with pytest.raises(CatchmentError) as err:  # every ward by name: only shared names fail
        resolve_catchment(reader, [every])
    assert "Kilburn" in err.value.codes
    assert not any("," in name for name in err.value.codes)


def test_misspelt_name_suggests_the_london_area(reader: ReadLayer) -> None:
    with pytest.raises(CatchmentError) as err:
        resolve_catchment(reader, ["Noting Dale"])
    assert err.value.codes == ("Noting Dale",)
    code = err.value.suggestions["Noting Dale"]
    assert reader.geography.require(code).name == "Notting Dale"
    assert f"did you mean Notting Dale ({code})?" in str(err.value)


def test_ward_resolves_to_its_2021_lsoas(reader: ReadLayer) -> None:
    c = resolve_catchment(reader, [ABBEY_BD])
    expected = {a.code for a in reader.geography.children(ABBEY_BD, area_type="lsoa21")}
    assert set(c.lsoas) == expected
    assert len(expected) >= 3
    assert c.vintage == "2021"
    assert c.boroughs == (("E09000002", "Barking and Dagenham"),)
    lsoas = resolve_catchment(reader, [" ".join(sorted(expected))])
    assert set(lsoas.lsoas) == expected


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ([], "no areas given"),
        (["  ,, "], "no areas given"),
        (["E0501405"], "unknown area codes: E0501405 (did you mean E0501405"),
        (["E09000002", "E0900000X2"], "has these names: E0900000X2"),
        (["E09000002", "NOTACODE"], "no London borough, ward, MSOA or LSOA has these names"),
        (["Kilburn"], "Kilburn: Kilburn (Brent) = E05013503, Kilburn (Camden) = E05013665"),
        (["Kilburn (Barnet)"], "has these names: Kilburn (Barnet) (did you mean Kilburn"),
        (["Nottingham"], "has these names: Nottingham"),
        (["Noting Dale, E0501405"], "has these names or codes: Noting Dale (did you mean Notting"),
        (["Noting Dale, E0501405"], "E0501405 (did you mean E0501405"),
        (["E12000007"], "not a London borough, ward, MSOA or LSOA (E12000007 is region)"),
        ([SPLIT_2011, SPLIT_2021], f"2011 only: {SPLIT_2011}; 2021 only: {SPLIT_2021}"),
    ],
)
def test_bad_catchment_names_the_codes(reader: ReadLayer, codes: list[str], message: str) -> None:
    with pytest.raises(CatchmentError) as err:
        resolve_catchment(reader, codes)
    assert message in str(err.value)


def test_a_shared_name_is_accepted_in_the_form_its_refusal_offers(reader: ReadLayer) -> None:
    """A ward name two boroughs share: the refusal offers "Kilburn (Brent)", and that (or
    "Name (type in Borough)", the borough by name or code) is accepted."""
    with pytest.raises(CatchmentError) as err:
        resolve_catchment(reader, ["Kilburn"])
    offered = re.findall(r"(Kilburn \([A-Za-z ]+\)) = (E05\d{6})", str(err.value))
    assert [code for _, code in offered] == ["E05013503", "E05013665"]
    for form, code in offered:
        assert [g[0] for g in resolve_catchment(reader, [form]).given] == [code]
    for typed, code in [
        ("kilburn  (brent)", "E05013503"),
        ("Kilburn (ward in Camden)", "E05013665"),
        ("Kilburn (E09000007)", "E05013665"),  # Camden by code
        ("Kilburn (Brent), Notting Dale", "E05013503"),
    ]:
        assert resolve_catchment(reader, [typed]).given[0][0] == code, typed
    with pytest.raises(CatchmentError, match="Kilburn \\(msoa21 in Brent\\)"):
        resolve_catchment(reader, ["Kilburn (msoa21 in Brent)"])


def test_2011_lsoa_catchment_uses_imd2019(reader: ReadLayer) -> None:
    a = impact_assessment(reader, public(), [SPLIT_2011], title="T")
    assert a.catchment.vintage == "2011"
    assert "2019" in next(c for c in a.citations if c.key == "D1").source


def test_assessment_profiles_against_london_and_cites_every_figure(reader: ReadLayer) -> None:
    a = impact_assessment(
        reader,
        public(),
        [ABBEY_BD],
        title="Closing a walk-in centre",
        description="Moving the service 3 km away.",
        now=datetime(2025, 1, 1),
    )
    assert sum(d.lsoas for d in a.deprivation) == len(a.catchment.lsoas)
    assert sum(d.share for d in a.deprivation) == pytest.approx(1.0)
    assert sum(d.london_share for d in a.deprivation) == pytest.approx(1.0)
    le = [f for f in a.findings if f.indicator_id == "life_expectancy"]
    assert [(f.area_code, f.domain) for f in le] == [("E09000002", "outcomes")]
    assert le[0].london_value == pytest.approx(81.2)
    keys = {c.key for c in a.citations}
    assert le[0].citation in keys
    assert a.deprivation_citation in keys
    release = next(c for c in a.citations if c.key == le[0].citation)
    assert release.source == "fingertips"
    assert release.release_id is not None
    assert release.title == "OHID Fingertips"  # the source's title; the id stays in source
    assert release.published_at is not None
    assert any("Age and sex" in g for g in a.data_gaps)  # no population in this store
    assert any("Ethnicity" in g for g in a.data_gaps)
    assert any("relevant indicator" in g for g in a.data_gaps)
    html = render_html(a)
    assert '<html lang="en-GB">' in html
    assert "Closing a walk-in centre" in html
    assert f'id="{le[0].citation}"' in html
    assert "<caption id=" in html
    assert 'scope="col"' in html
    for heading in ("Access", "Experience", "Outcomes", "Groups at risk", "Data gaps"):
        assert heading in html
    # Sources are listed by title and publication date; ids only in machine attributes.
    day = release.published_at
    cited = re.search(rf'<li id="{release.key}"([^>]*)>([^<]*)</li>', html)
    assert cited is not None
    assert cited[2] == (
        f"[{release.key}] indicator values: OHID Fingertips, published {day.day} {day:%B %Y}."
    )
    assert f'data-source="fingertips" data-release="{release.release_id}"' in cited[1]


def test_source_titles_replace_source_ids() -> None:
    from healthgap.sources.titles import source_title

    assert source_title("fingertips_extract:dashboard_2020") == (
        "OHID Fingertips indicators (Trafford Data Lab extract: dashboard 2020)"
    )
    assert source_title("ons_health_index") == "ONS Health Index for England"
    assert source_title("user:fingertips") == "an editor's own file (fingertips format)"
    assert source_title("something_new") == "something_new"
    from healthgap.sources import pending_bundled_releases

    for bundled in pending_bundled_releases():  # every bundled source has a title
        assert source_title(bundled.source) != bundled.source, bundled.source


def test_significantly_worse_value_is_a_group_at_risk(reader: ReadLayer) -> None:
    # The City (E09000001) is held as worse than London in the fixture.
    a = impact_assessment(reader, public(), ["E09000001"], title="T")
    worse = [f for f in a.findings if f.compared_to_london == "Worse"]
    assert worse
    assert any("significantly worse than London" in g for g in a.groups_at_risk)


def test_without_a_london_value_the_catchment_is_compared_with_england(tmp_path: Path) -> None:
    # Like life expectancy as bundled: the boroughs and England, no London.
    import pyarrow.compute as pc

    from healthgap.publish import load_release
    from healthgap.store import open_store

    from .conftest import release, values

    table = values()
    table = table.filter(pc.not_equal(table.column("area_code"), "E12000007"))
    path = tmp_path / "no-london.duckdb"
    with open_store(path) as s:
        load_release(s, release(table))
    read = ReadLayer(open_store(path, read_only=True))
    try:
        a = impact_assessment(read, public(), ["E09000001"], title="T")
    finally:
        read.close()
    [f] = [f for f in a.findings if f.indicator_id == "life_expectancy"]
    assert f.compared_to_london == "Not compared"
    assert (f.benchmark, f.compared_to_benchmark) == ("England", "Worse")
    assert f.benchmark_value == pytest.approx(80.2)
    assert any(
        "significantly worse than England (2021; London has no value for this period)" in g
        for g in a.groups_at_risk
    )
    assert any("compared with England instead" in g for g in a.data_gaps)
    assert "<td>England</td>" in render_html(a)


def test_unknown_indicator_is_named(reader: ReadLayer) -> None:
    with pytest.raises(UnknownParameter, match="life_expectancy"):
        impact_assessment(reader, public(), [ABBEY_BD], title="T", indicators=["life_expectncy"])


def test_title_is_required(reader: ReadLayer) -> None:
    with pytest.raises(CatchmentError, match="title"):
        impact_assessment(reader, public(), [ABBEY_BD], title=" ")


@pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")
def test_ward_lsoas_print_to_tagged_pdf_in_under_ten_seconds(
    reader: ReadLayer, tmp_path: Path
) -> None:
    lsoas = [a.code for a in reader.geography.children(ABBEY_BD, area_type="lsoa21")]
    start = time.perf_counter()
    a = impact_assessment(reader, public(), lsoas, title="Ward LSOAs")
    out = print_pdf(render_html(a), tmp_path / "impact.pdf")
    elapsed = time.perf_counter() - start
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/StructTreeRoot" in data  # tagged
    assert b"/Outlines" in data
    assert elapsed < 10.0, elapsed


def test_age_and_sex_compare_with_london_in_the_catchments_year(tmp_path: Path) -> None:
    """London's shares come from the catchment's year (London's rows, else its boroughs'
    summed, persons derived from male + female) — never 0 % from a sex London lacks."""
    import pyarrow as pa

    from healthgap.geography import LONDON_BOROUGHS, load_geography
    from healthgap.publish import load_release
    from healthgap.store import POPULATION_COLUMNS, ReleaseInput, SourceFile, open_store

    lsoas = sorted(a.code for a in load_geography().children(ABBEY_BD, area_type="lsoa21"))
    rows = [(c, "lsoa21", 2020, "persons", a, a + 4, 100.0) for c in lsoas for a in (0, 5, 65)]
    rows += [
        (b, "ltla", y, sex, a, None, 1000.0 + (400.0 if a == 18 and y == 2020 else 0.0))
        for b in LONDON_BOROUGHS
        for y in (2014, 2020)
        for sex in ("male", "female")
        for a in (0, 5, 18, 65)
    ]
    rows += [
        ("E12000007", "region", 2014, s, a, None, 5.0) for s in ("male", "female") for a in (0, 65)
    ]
    table = pa.table({c.name: [r[i] for r in rows] for i, c in enumerate(POPULATION_COLUMNS)})
    path = tmp_path / "pop.duckdb"
    with open_store(path) as s:
        load_release(
            s,
            ReleaseInput(
                source="ons",
                files=(SourceFile("pop.csv", "f" * 64, table.num_rows),),
                series=(),
                population=table,
            ),
        )
    read = ReadLayer(open_store(path, read_only=True))
    try:
        a = impact_assessment(read, public(), [ABBEY_BD], title="T")
    finally:
        read.close()
    assert a.age_sex_area == "the catchment (2020 estimates)"
    by_band = {r.age_band: r for r in a.age_sex}
    assert {r.sex for r in a.age_sex} == {"persons"}
    assert by_band["0–4"].share == pytest.approx(1 / 3)
    # London 2020 = the boroughs summed: 1000 per band except 1400 at 18–64 (per sex).
    assert by_band["18–64"].london_share == pytest.approx(1400 / 4400)
    assert by_band["65+"].london_share == pytest.approx(1000 / 4400)
    assert not any("compare different years" in g for g in a.data_gaps)
    assert any("Older people (65+)" in r for r in a.groups_at_risk)
    html = render_html(a)
    people = f"{round(by_band['0–4'].population):,}"
    assert f'<td class="n">{people}</td>' in html  # a count of people, not "2,000.0"


def test_a_value_its_limits_and_benchmark_share_decimal_places() -> None:
    """The impact report chose places value by value (2 below 10, 1 from 10), so one row
    read "9.75 (9.6–10.3)"; a value's limits and benchmark now take the value's places."""
    from healthgap.partners.impact import _num

    assert [_num(9.75), _num(9.6, 9.75), _num(10.3, 9.75), _num(12.04, 9.75)] == [
        "9.75", "9.60", "10.30", "12.04"
    ]  # fmt: skip
    assert [_num(10.25), _num(9.6, 10.25)] == ["10.2", "9.6"]
    assert _num(None, 9.75) == "–"
