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
    assert f"{source}:3" in result.output  # the file's line of area E2
    assert "'count'" in result.output
    assert "larger than the denominator" in result.output
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


def _esp_file(tmp_path: Path, *, shuffle: bool) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(11)
    data = pd.DataFrame(
        {
            "band": methods.ESP2013.labels,
            "deaths": rng.integers(0, 60, 19) * np.linspace(0.2, 5, 19).round(),
            "pop": rng.integers(2000, 9000, 19),
        }
    )
    written = data.sample(frac=1.0, random_state=4) if shuffle else data
    source = tmp_path / ("shuffled.csv" if shuffle else "sorted.csv")
    written.to_csv(source, index=False)
    return source, written


def _dsr(app: typer.Typer, source: Path, target: Path, *extra: str):  # type: ignore[no-untyped-def]
    return _run(
        app, "dsr", "--input", source, "--output", target, "--x", "deaths", "--n", "pop",
        "--stdpop", "esp2013", *extra,
    )  # fmt: skip


def test_dsr_esp2013_shuffled_file_gives_the_sorted_answer(
    app: typer.Typer, tmp_path: Path
) -> None:
    """Bands are matched by label, not row position (issue #11: 3,260.8 instead of 1,113.6)."""
    sorted_file, data = _esp_file(tmp_path, shuffle=False)
    shuffled_file, _ = _esp_file(tmp_path, shuffle=True)
    for source in (sorted_file, shuffled_file):
        result = _dsr(app, source, tmp_path / f"out_{source.stem}.csv", "--ageband", "band")
        assert result.exit_code == 0, result.output
    by_hand = (data.deaths / data["pop"] * methods.ESP2013.array()).sum()  # per 100,000
    for stem in ("sorted", "shuffled"):
        out = pd.read_csv(tmp_path / f"out_{stem}.csv")
        assert out.value[0] == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize(
    ("change", "extra", "words"),
    [
        (None, (), ["--ageband", "0-4", "90+"]),
        ("repeat", ("--ageband", "band"), ["appears twice", ":7:", "column 'band'"]),
        ("drop", ("--ageband", "band"), ["missing", "column 'band'"]),
        ("unknown", ("--ageband", "band"), ["not an age band", ":4:", "0-4, 5-9", "90+"]),
    ],
)
def test_dsr_named_standard_refuses_ambiguous_bands(
    app: typer.Typer, tmp_path: Path, change: str | None, extra: tuple[str, ...], words: list[str]
) -> None:
    source, data = _esp_file(tmp_path, shuffle=True)
    data = data.reset_index(drop=True)
    if change == "repeat":
        data.loc[5, "band"] = data.band[4]
    elif change == "drop":
        data = data.drop(index=3)
    elif change == "unknown":
        data.loc[2, "band"] = "15 to 19"
    data.to_csv(source, index=False)
    target = tmp_path / "out.csv"
    result = _dsr(app, source, target, *extra)
    assert result.exit_code == 2, result.output
    assert str(source) in result.output
    for word in words:
        assert word in result.output
    assert not target.exists()


def test_dsr_refuses_more_deaths_than_population_unless_events_can_recur(
    app: typer.Typer, tmp_path: Path
) -> None:
    """One rule with the store's load: deaths cannot outnumber the population of their band."""
    source, data = _esp_file(tmp_path, shuffle=False)
    data.loc[17, "deaths"] = data["pop"][17] + 1  # 85-89: one death more than people
    data.to_csv(source, index=False)
    target = tmp_path / "out.csv"
    refused = _dsr(app, source, target, "--ageband", "band")
    assert refused.exit_code == 2, refused.output
    assert f"{source}:19" in refused.output
    assert "column 'deaths'" in refused.output
    assert "cannot outnumber" in refused.output
    assert "--events-can-recur true" in refused.output
    assert not target.exists()
    admissions = _dsr(app, source, target, "--ageband", "band", "--events-can-recur", "true")
    assert admissions.exit_code == 0, admissions.output
    assert target.exists()


@pytest.mark.parametrize(
    ("method", "columns", "options"),
    [
        ("rate", {"x": [5, 120], "n": [100, 100]}, ("--x", "x", "--n", "n")),
        (
            "isr_ratio",
            {"x": [5, 120], "n": [100, 100], "xr": [1, 1], "nr": [10, 10]},
            ("--x", "x", "--n", "n", "--x-ref", "xr", "--n-ref", "nr"),
        ),
        (
            "isr_rate",
            {"x": [5, 5], "n": [100, 100], "xr": [1, 11], "nr": [10, 10]},
            ("--x", "x", "--n", "n", "--x-ref", "xr", "--n-ref", "nr"),
        ),
    ],
)
def test_rates_of_people_refuse_counts_above_population(
    app: typer.Typer, tmp_path: Path, method: str, columns: dict[str, list[int]], options: tuple
) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame(columns).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    refused = _run(app, method, "--input", source, "--output", target, *options)
    assert refused.exit_code == 2, refused.output
    assert f"{source}:3" in refused.output
    assert "cannot outnumber" in refused.output
    assert not target.exists()
    recurring = _run(
        app, method, "--input", source, "--output", target, *options, "--events-can-recur", "true"
    )
    assert recurring.exit_code == 0, recurring.output


def test_life_expectancy_small_90_plus_band_gets_a_value_as_in_r(
    app: typer.Typer, tmp_path: Path
) -> None:
    """Total population > 5,000: phe_life_expectancy gives every start age a value, 90+ too."""
    reference = pd.read_csv(Path(__file__).parents[1] / "reference" / "life_expectancy.csv")
    case = reference[reference.case.str.startswith("total > 5,000 but only 40 aged 90+")]
    case = case.assign(area="E1").sample(frac=1.0, random_state=2)
    case[["area", "startage", "deaths", "population"]].to_csv(tmp_path / "le.csv", index=False)
    result = _run(
        app, "life_expectancy", "--input", tmp_path / "le.csv", "--output", tmp_path / "out.csv",
        "--deaths", "deaths", "--population", "population", "--startage", "startage",
        "--group-by", "area",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "out.csv").sort_values("startage")
    expected = case.sort_values("startage")
    assert out.pops_used.iloc[-1] == 40
    assert out.value.notna().all()
    np.testing.assert_allclose(out.value, expected.value, rtol=1e-7)
    np.testing.assert_allclose(out.lowercl, expected.lower, rtol=1e-7)
