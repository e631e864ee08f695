"""``healthgap calc``: files in, files out, PHEindicatormethods names; bad input exits 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from healthgap import methods
from healthgap.cli.calc import register


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """Test root."""

    register(root)
    return root


def _run(app: typer.Typer, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["calc", *map(str, args)])


def test_list_names_every_method(app: typer.Typer) -> None:
    result = _run(app, "--list")
    assert result.exit_code == 0
    for name in (
        "proportion",
        "rate",
        "mean",
        "dsr",
        "isr_rate",
        "isr_ratio",
        "life_expectancy",
        "hle",
    ):
        assert name in result.output


def test_method_help_lists_options_with_phe_names(app: typer.Typer) -> None:
    result = _run(app, "dsr", "--help")
    assert result.exit_code == 0
    for option in (
        "--x",
        "--n",
        "--stdpop",
        "--group-by",
        "--confidence",
        "--multiplier",
        "--independent-events",
        "--eventfreq",
        "--ageband",
    ):
        assert option in result.output


def test_proportion_csv_to_csv_two_levels(app: typer.Typer, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame(
        {"area_code": ["E1", "E1", "E2"], "count": [10, 5, 3], "pop": [100, 50, 30]}
    ).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    result = _run(
        app,
        "proportion",
        "--input",
        source,
        "--output",
        target,
        "--x",
        "count",
        "--n",
        "pop",
        "--group-by",
        "area_code",
        "--confidence",
        "0.95,0.998",
        "--multiplier",
        "100",
    )
    assert result.exit_code == 0, result.output
    out = pd.read_csv(target)
    assert list(out.area_code) == ["E1", "E2"]
    expected = methods.proportion([15, 3], [150, 30], confidence=(0.95, 0.998), multiplier=100)
    np.testing.assert_allclose(out.lower99_8cl, expected.at(0.998).lower, rtol=1e-12)
    np.testing.assert_allclose(out.upper95_0cl, expected.at(0.95).upper, rtol=1e-12)
    assert set(out.statistic) == {"percentage"}


def test_dsr_parquet_to_parquet_with_esp2013(app: typer.Typer, tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    data = pd.DataFrame(
        {
            "area": np.repeat(["A", "B"], 19),
            "start": np.tile(methods.ESP2013.startages, 2),
            "deaths": rng.integers(0, 30, 38),
            "pop": rng.integers(2000, 9000, 38),
        }
    )
    data.to_parquet(tmp_path / "in.parquet")
    result = _run(
        app,
        "dsr",
        "--input",
        tmp_path / "in.parquet",
        "--output",
        tmp_path / "out.parquet",
        "--x",
        "deaths",
        "--n",
        "pop",
        "--stdpop",
        "esp2013",
        "--ageband",
        "start",
        "--group-by",
        "area",
    )
    assert result.exit_code == 0, result.output
    out = pd.read_parquet(tmp_path / "out.parquet")
    weights = np.tile(methods.ESP2013.array(), 2)
    expected = methods.dsr(data.deaths, data["pop"], weights, groups=np.repeat([0, 1], 19))
    np.testing.assert_allclose(out.value, expected.value, rtol=1e-12)


def test_bad_input_exits_2_names_file_group_field_and_writes_nothing(
    app: typer.Typer, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"area_code": ["E1", "E2"], "count": [5, 40], "pop": [100, 30]}).to_csv(
        source, index=False
    )
    target = tmp_path / "out.csv"
    result = _run(
        app,
        "proportion",
        "--input",
        source,
        "--output",
        target,
        "--x",
        "count",
        "--n",
        "pop",
        "--group-by",
        "area_code",
    )
    assert result.exit_code == 2
    assert str(source) in result.output
    assert "area_code=E2" in result.output
    assert "'count'" in result.output
    assert "exceed" in result.output
    assert not target.exists()


def test_missing_option_and_unknown_method_exit_2(app: typer.Typer, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"x": [1], "n": [2]}).to_csv(source, index=False)
    missing = _run(app, "rate", "--input", source, "--output", tmp_path / "o.csv", "--x", "x")
    assert missing.exit_code == 2
    assert "--n" in missing.output
    unknown = _run(app, "nonsense", "--input", source, "--output", tmp_path / "o.csv")
    assert unknown.exit_code == 2
    assert not (tmp_path / "o.csv").exists()


def _example_life_table() -> tuple[np.ndarray, np.ndarray]:
    """Deaths and population of the golden reference case "one area, 20 bands"."""
    ref = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "life_expectancy.csv")
    case = ref[ref.case == "one area, 20 bands"]
    return case.deaths.to_numpy(dtype=float), case.population.to_numpy(dtype=float)


def test_life_expectancy_from_csv(app: typer.Typer, tmp_path: Path) -> None:
    deaths, pop = _example_life_table()
    pd.DataFrame({"startage": methods.LE_STARTAGES, "deaths": deaths, "population": pop}).to_csv(
        tmp_path / "le.csv", index=False
    )
    result = _run(
        app,
        "life_expectancy",
        "--input",
        tmp_path / "le.csv",
        "--output",
        tmp_path / "out.csv",
        "--deaths",
        "deaths",
        "--population",
        "population",
        "--startage",
        "startage",
    )
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "out.csv")
    reference = pd.read_csv(Path(__file__).parents[1] / "reference" / "life_expectancy.csv")
    first = reference[reference.case == "one area, 20 bands"]
    np.testing.assert_allclose(out.value, first.value, rtol=1e-7)
