"""On the bundled store (the session's): ``profile`` shows an area's comparisons,
``export`` filters by area and adds comparisons, Fingertips' own ``compared_to_England``
outcomes are kept, and ``catalogue coverage`` says an indicator has data exactly when
``export --indicator`` finds it (issue 17, items 3 and 6)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from healthgap.catalogue import load_catalogue
from healthgap.cli.catalogue import store_coverage
from healthgap.cli.main import app
from healthgap.query import NoData, open_read_layer, public
from healthgap.store.schema import VALUE_KEY

pytestmark = pytest.mark.slow

HACKNEY = "E09000012"
ENGLAND = "E92000001"


@pytest.fixture(scope="module")
def bundled(bundled_store) -> Path:
    """The session's store of the bundled data (``healthgap init``, which is ``populate`` over
    ``bundled_releases()``; tests/conftest.py): read-only."""
    return bundled_store.path


def _run(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args])


# ------------------------------------------------------------------ item 6: coverage


def test_coverage_says_data_exactly_when_export_finds_it_for_every_indicator(
    bundled: Path,
) -> None:
    cat = load_catalogue()
    result, note, _ = store_coverage(cat, bundled)
    assert result.basis == "store", note
    assert len(result.indicators) == len(cat.indicators)
    disagree = []
    with open_read_layer(bundled, read_only=True) as q:
        for ic in result.indicators:
            try:
                rows = q.tidy_values(public(), indicator=[ic.indicator_id]).num_rows
            except NoData:
                rows = 0
            if ic.has_data != (rows > 0):
                disagree.append((ic.indicator_id, ic.has_data, rows))
    assert not disagree
    held = sum(ic.has_data for ic in result.indicators)
    assert 0 < held < len(result.indicators)  # both ways are exercised


def test_coverage_names_a_series_held_under_another_id_instead_of_claiming_data(
    bundled: Path,
) -> None:
    shown = _run("catalogue", "coverage", "--store", bundled)
    assert shown.exit_code == 0, shown.output
    data = json.loads(_run("catalogue", "coverage", "--store", bundled, "--json").output)
    proxied = [i for i in data["indicators"] if i["series"] and not i["has_data"]]
    assert proxied  # e.g. indicators whose only held series is a proxy
    assert "none (a proxy series is held)" in shown.output


# ------------------------------------------------------------------ Fingertips outcomes


def test_fingertips_compared_to_england_outcomes_are_kept(bundled: Path) -> None:
    from healthgap.sources.bundled import context_for
    from healthgap.sources.fingertips_extracts import EXTRACT_DIRECTORIES, read_extract_directory

    context = context_for(None)
    keys = [*VALUE_KEY, "benchmark"]
    kept = 0
    with open_read_layer(bundled, read_only=True) as q:
        releases = {r.source: r.release_id for r in q.releases(public())}
        for directory in EXTRACT_DIRECTORIES:
            release = read_extract_directory(directory, context=context)
            published = release.published_outcomes
            assert published is not None, directory
            stored = q.store.comparisons(release_id=releases[release.source])
            stored = stored.filter(pc.equal(stored["benchmark"], "country"))
            given = published.to_pandas()
            # England's own rows are not compared with England; every other area's are.
            given = given[given["area_code"] != ENGLAND]
            mine = given.merge(
                stored.select([*keys, "outcome"]).to_pandas(), on=keys, suffixes=("", "_stored")
            )
            assert len(mine) == len(given), directory  # every outcome has its row
            assert (mine["outcome"] == mine["outcome_stored"]).all(), directory
            kept += int((mine["outcome"] != "Not compared").sum())
    assert kept > 1000
    rows = _profile_json(bundled, "--indicator", "life_expectancy")
    assert {r["compared_to_england"] for r in rows} <= {
        "Better than England", "Similar to England", "Worse than England"
    }  # fmt: skip


# ------------------------------------------------------------------ profile


def _profile_json(store: Path, *extra: object, area: str = HACKNEY) -> list[dict]:  # type: ignore[type-arg]
    shown = _run("profile", area, "--store", store, "--json", *extra)
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["area"]["code"] == area
    rows: list[dict] = data["indicators"]  # type: ignore[type-arg]
    return rows


def test_profile_shows_values_benchmarks_and_polarity_aware_outcomes(bundled: Path) -> None:
    rows = _profile_json(bundled)
    assert len({r["indicator_id"] for r in rows}) >= 10
    judged = 0
    for r in rows:
        england, value, said = r["england_value"], r["value"], r["compared_to_england"]
        if england is None or value is None or not said.startswith(("Better", "Worse")):
            continue
        judged += 1
        higher = value > england
        if r["polarity"] == "high_is_good":
            assert said.startswith("Better") == higher, r
        elif r["polarity"] == "low_is_good":
            assert said.startswith("Better") == (not higher), r
    assert judged >= 5
    assert any(r["compared_to_london"] == "Similar to London" for r in rows)
    assert all(r["red_red_benchmark"] in {"London", "England"} for r in rows)


def test_profile_names_the_series_of_an_indicator_shown_twice(bundled: Path) -> None:
    """London's PM2.5-attributable mortality is held in two ONS series (old and new method):
    the table's two rows must say which is which."""
    got = _run("profile", "E12000007", "-i", "pm_attributable_mortality", "--store", bundled)
    assert got.exit_code == 0, got.output
    lines = got.output.splitlines()
    at = next(i for i, x in enumerate(lines) if "is shown from 2 series:" in x)
    named = " ".join(lines[at + 1 : at + 3])
    assert "new-method" in named
    assert "old-method" in named
    single = _run("profile", "E12000007", "-i", "mean_anxiety", "--store", bundled)
    assert "is shown from" not in single.output


def test_nothing_published_yet_says_the_date_it_read_at(bundled: Path, tmp_path: Path) -> None:
    """Before the earliest bundled publication date there is nothing to show: the message
    named only the area ("no indicator values are held for …"), as if the store were empty."""
    early = "2015-01-01"
    got = _run("profile", HACKNEY, "--as-published-on", early, "--store", bundled)
    assert got.exit_code == 1
    assert f"as published on {early}" in got.output
    out = tmp_path / "x.csv"
    got = _run("export", "--as-published-on", early, "--format", "csv", "--out", out,
               "--store", bundled)  # fmt: skip
    assert got.exit_code == 1
    assert f"as published on {early}" in got.output
    assert not out.exists()


def test_profile_table_csv_and_name(bundled: Path) -> None:
    table = _run("profile", "Hackney", "--store", bundled, "-i", "life_expectancy")
    assert table.exit_code == 0, table.output
    assert "Worse than England" in table.output or "Similar to England" in table.output
    assert "years" in table.output
    assert "2023–25" in table.output
    assert "red-red" in table.output
    shown = _run("profile", HACKNEY, "--store", bundled, "-i", "life_expectancy", "--csv")
    assert shown.exit_code == 0, shown.output
    rows = list(csv.DictReader(io.StringIO(shown.output)))
    assert {r["sex"] for r in rows} == {"female", "male"}
    assert all(r["indicator_id"] == "life_expectancy" for r in rows)


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["Hackny"], 2, "did you mean 'E09000012 (Hackney)'"),
        (["E09000099"], 2, "unknown value 'E09000099'"),
        ([HACKNEY, "-i", "life_expectency"], 2, "did you mean 'life_expectancy'"),
        (["E05009399"], 1, "no indicator values are held for E05009399"),
        ([HACKNEY, "--json", "--csv"], 2, "--json or --csv"),
    ],
)
def test_profile_errors(bundled: Path, args: list[str], code: int, said: str) -> None:
    refused = _run("profile", *args, "--store", bundled)
    assert refused.exit_code == code, refused.output
    assert said in refused.output
    assert "Traceback" not in refused.output


def test_profile_refuses_a_missing_store(tmp_path: Path) -> None:
    refused = _run("profile", HACKNEY, "--store", tmp_path / "typo.duckdb")
    assert refused.exit_code == 2
    assert "no such store" in refused.output


# ------------------------------------------------------------------ export


def test_export_by_area_with_comparisons(bundled: Path, tmp_path: Path) -> None:
    out = tmp_path / "hackney.csv"
    done = _run("export", "--format", "csv", "--out", out, "--store", bundled, "--area",
                HACKNEY, "--indicator", "life_expectancy", "--comparisons")  # fmt: skip
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows
    assert {r["area_code"] for r in rows} == {HACKNEY}
    assert {"compared_to_england", "england_value", "recent_trend"} <= set(rows[0])
    assert {r["compared_to_england"] for r in rows} & {"Better", "Similar", "Worse"}
    plain = tmp_path / "icbs.csv"
    done = _run("export", "--format", "csv", "--out", plain, "--store", bundled,
                "--area-type", "icb")  # fmt: skip
    assert done.exit_code == 0, done.output
    icbs = list(csv.DictReader(plain.open(encoding="utf-8")))
    assert icbs
    assert {r["area_type"] for r in icbs} == {"icb"}
    assert "compared_to_england" not in icbs[0]


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["--area", "E0900001"], 2, "did you mean 'E09000019'"),
        (["--area-type", "ltl"], 2, "did you mean 'ltla'"),
        (["--area", "E05009399"], 1, "no values match (area(s) E05009399)"),
        (["--comparisons", "--release", "1"], 2, "without --release"),
    ],
)
def test_export_area_errors(
    bundled: Path, tmp_path: Path, args: list[str], code: int, said: str
) -> None:
    out = tmp_path / "x.csv"
    refused = _run("export", "--format", "csv", "--out", out, "--store", bundled, *args)
    assert refused.exit_code == code, refused.output
    assert said in refused.output
    assert not out.exists()


# ------------------------------------------------------------------ areas CODE


def test_areas_code_lists_its_childrens_codes_and_names() -> None:
    shown = _run("areas", "E05009399")
    assert shown.exit_code == 0, shown.output
    assert "E01002870" in shown.output
    assert "Kensington and Chelsea 005A" in shown.output
    data = json.loads(_run("areas", HACKNEY, "--json").output)
    wards = [a for a in data["child_areas"] if a["area_type"] == "ward"]
    assert len(wards) == data["children"]["ward"] == 21
    assert all(a["parent_code"] == HACKNEY for a in wards)
