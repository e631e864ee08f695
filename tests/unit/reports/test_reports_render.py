"""Rendering pieces that need no store: the charts the reports add draw exactly their records,
the SVG is byte-stable, file names, and the --out check."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest

from healthgap.charts.reports import decile_profile, decimal_year, glide_path
from healthgap.errors import InputError
from healthgap.query import Provenance, ValueRow
from healthgap.reports.render import check_out_dir


def _row(year: int, value: float) -> ValueRow:
    return ValueRow(
        "x", "X", "s", "%", "low_is_good", "proportion", 1, 100.0, "E12000007", "London",
        "region", None, None, f"{year}/{(year + 1) % 100:02d}", date(year, 9, 1),
        date(year + 1, 8, 31), "persons", "4-5 yrs", "none", "", value, value - 0.3,
        value + 0.3, None, None, None, None, False, False, False, None, None, None, (),
        Provenance(10, "ons", date(2024, 2, 22), datetime(2024, 2, 23)),
    )  # fmt: skip


DETAIL = {
    "target": {"baseline_time": 2018.2, "baseline_value": 21.8, "deadline": 2031.0, "value": 10.9},
    "projection": {"time": 2031.0, "value": 20.5, "lower": 17.9, "upper": 23.1},
}


def test_glide_path_draws_observed_glide_and_projection_and_says_so() -> None:
    chart = glide_path(
        [_row(2018, 21.8), _row(2019, 21.6), _row(2021, 21.9)], DETAIL, title="t", chart_id="g"
    )
    series = [r["series"] for r in chart.records]
    assert series == ["Observed"] * 3 + ["Glide path"] * 2 + ["Projection"]
    assert chart.records[-1]["lower95"] == 17.9
    assert chart.records[-1]["upper95"] == 23.1
    assert "projected 20.5 (95% interval 17.9 to 23.1)" in chart.summary
    svg = chart.svg()
    assert svg.count("<path") > 5  # marks drawn, not an empty frame


def test_a_baseline_of_unstated_year_draws_no_glide_path_and_says_so() -> None:
    """The catalogue's "around one in five (22%)", year not stated: the chart must not put
    it at the first observation (2007/08), which would draw a 16-year glide path."""
    undated = {**DETAIL, "target": {**DETAIL["target"], "baseline_time": None}}
    rows = [_row(2007, 22.9), _row(2018, 21.8), _row(2021, 21.9)]
    chart = glide_path(rows, undated, title="t", chart_id="g")
    glide = [r for r in chart.records if r["series"] == "Glide path"]
    assert [r["period"] for r in glide] == ["target at deadline"]
    assert "baseline 21.8 in a year the source does not state" in chart.summary
    assert "no glide path is drawn" in chart.summary
    dated = glide_path(rows, DETAIL, title="t", chart_id="g")
    assert [r["time"] for r in dated.records if r["series"] == "Glide path"] == [2018.2, 2031.0]


def test_the_svg_of_a_spec_is_byte_stable() -> None:
    """The reports embed vl-convert's SVG; the same spec must give the same bytes (here
    rendered afresh, bypassing the cache), so two runs give identical HTML."""
    import vl_convert as vlc

    chart = glide_path([_row(2018, 21.8), _row(2020, 21.0)], DETAIL, title="t", chart_id="g")
    first = vlc.vegalite_to_svg(chart.spec)
    assert vlc.vegalite_to_svg(chart.spec) == first
    assert first == chart.svg()


def test_decile_profile_shares_and_summary() -> None:
    shares = [
        (d, n, n / 10) for d, n in zip(range(1, 11), [3, 2, 1, 1, 1, 1, 1, 0, 0, 0], strict=True)
    ]
    chart = decile_profile(shares, area_name="Camden")
    assert [r["share_pct"] for r in chart.records][:3] == [30.0, 20.0, 10.0]
    assert chart.summary.startswith("Camden: 50.0% of its small areas are in London's two most")
    assert "decile 1" in chart.summary


def test_decimal_year() -> None:
    assert decimal_year(date(2020, 1, 1)) == 2020.0
    assert decimal_year(date(2021, 7, 2)) == pytest.approx(2021.5, abs=0.01)


def test_out_dir_check(tmp_path: Path) -> None:
    check_out_dir(tmp_path / "new" / "deeper")  # may be created
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    with pytest.raises(InputError, match=r"--out .*file.txt is a file, not a directory"):
        check_out_dir(afile / "sub")
    if os.geteuid() != 0:  # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        with pytest.raises(InputError, match="is not writable"):
            check_out_dir(ro / "x")
