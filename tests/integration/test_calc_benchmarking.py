"""healthgap calc for quintiles, spine statistics, change from previous and targets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.methods.compare import spine_statistics, value_categories


def _calc(tmp_path: Path, frame: pd.DataFrame, *args: str) -> pd.DataFrame:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    frame.to_csv(src, index=False)
    result = CliRunner().invoke(
        app, ["calc", *args[:1], "--input", str(src), "--output", str(out), *args[1:]]
    )
    assert result.exit_code == 0, result.output
    return pd.read_csv(out)


AREAS = pd.DataFrame(
    {
        "region": ["A"] * 6 + ["B"] * 6,
        "value": [10.0, 12, 14, 16, 18, 20, 5, 6, 7, 8, 9, 30],
    }
)


def test_quintiles_per_group_match_the_method(tmp_path: Path) -> None:
    out = _calc(tmp_path, AREAS, "categories", "--value", "value", "--group-by", "region")
    for region, part in AREAS.groupby("region"):
        expected = value_categories(part.value.to_numpy(), method=15, polarity=1).category
        got = out[out.region == region].category.to_numpy()
        assert list(got) == list(expected)
    # polarity 1 (high is good): the highest value is quintile 1
    assert out.loc[out.value.idxmax(), "category"] == 1


def test_spine_statistics_per_group(tmp_path: Path) -> None:
    out = _calc(
        tmp_path, AREAS, "spine", "--value", "value", "--group-by", "region", "--expected", "8"
    )
    a = spine_statistics(AREAS.value[:6].to_numpy(), expected=8)
    row = out[out.region == "A"].iloc[0]
    assert row["median"] == pytest.approx(a.median)
    assert row["coverage"] == pytest.approx(0.75)
    assert bool(row["shown"]) is True


def test_change_from_previous_uses_overlapping_intervals(tmp_path: Path) -> None:
    series = pd.DataFrame(
        {
            "area": ["X", "X", "Y", "Y"],
            "year": [2021, 2022, 2021, 2022],
            "value": [10.0, 20.0, 10.0, 10.5],
            "lcl": [9.0, 19.0, 9.0, 9.5],
            "ucl": [11.0, 21.0, 11.0, 11.5],
        }
    )
    out = _calc(
        tmp_path,
        series,
        "change",
        "--value",
        "value",
        "--period",
        "year",
        "--lower-cl",
        "lcl",
        "--upper-cl",
        "ucl",
        "--group-by",
        "area",
    )
    changes = dict(zip(out.area, out.change, strict=True))
    assert changes["X"] != changes["Y"]
    assert "no" in changes["Y"].lower()


def test_target_comparison_is_polarity_aware(tmp_path: Path) -> None:
    frame = pd.DataFrame({"value": [8.0, 12.0]})
    low_good = _calc(
        tmp_path, frame, "target", "--value", "value", "--polarity", "0", "--target", "10"
    )
    assert list(low_good.outcome) == ["Better", "Worse"]
    high_good = _calc(
        tmp_path, frame, "target", "--value", "value", "--polarity", "1", "--target", "10"
    )
    assert list(high_good.outcome) == ["Worse", "Better"]


def test_missing_column_names_the_file_and_column(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    AREAS.to_csv(src, index=False)
    result = CliRunner().invoke(
        app, ["calc", "spine", "--input", str(src), "--output", str(out), "--value", "nope"]
    )
    assert result.exit_code == 2
    assert "nope" in result.output
    assert not out.exists()
