"""The data-frame calculations: PHEindicatormethods' names in and out, errors naming the group."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthgap import analyst, methods
from healthgap.errors import InputError


def test_grouped_proportion_sums_per_group_and_names_columns() -> None:
    data = pd.DataFrame({"area": ["A", "A", "B"], "x": [10, 5, 3], "n": [100, 50, 30]})
    out = analyst.proportion(data, x="x", n="n", group_by=["area"], multiplier=100)
    assert list(out.columns) == [
        *("area", "x", "n", "value", "lowercl", "uppercl"),
        *("confidence", "statistic", "method", "reason"),
    ]
    assert list(out.area) == ["A", "B"]
    assert list(out.x) == [15, 3]
    expected = methods.proportion([15, 3], [150, 30], multiplier=100)
    np.testing.assert_allclose(out.lowercl, expected.at(0.95).lower)
    assert set(out.statistic) == {"percentage"}
    assert set(out.confidence) == {"95%"}


def test_two_confidence_levels_use_labelled_columns() -> None:
    data = pd.DataFrame({"x": [10, 20], "n": [100, 100]})
    out = analyst.rate(data, x="x", n="n", confidence="95,99.8")
    for column in ("lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"):
        assert column in out.columns
    assert "lowercl" not in out.columns
    assert set(out.confidence) == {"95%, 99.8%"}
    assert (out.lower99_8cl < out.lower95_0cl).all()


def test_rate_method_column_is_per_row() -> None:
    out = analyst.rate(pd.DataFrame({"x": [3, 30], "n": [100, 100]}), x="x", n="n")
    assert list(out.method) == ["Exact", "Byars"]


@pytest.mark.parametrize(
    ("kind", "columns"),
    [
        ("standard", ["value", "lowercl", "uppercl"]),
        ("value", ["value"]),
        ("lower", ["lowercl"]),
        ("upper", ["uppercl"]),
    ],
)
def test_output_type_selects_columns(kind: str, columns: list[str]) -> None:
    out = analyst.proportion(pd.DataFrame({"x": [1], "n": [4]}), x="x", n="n", type=kind)  # type: ignore[arg-type]
    assert list(out.columns) == ["x", "n", *columns]


def test_row_wise_error_names_row_and_column() -> None:
    data = pd.DataFrame({"count": [1, 12], "pop": [10, 10]})
    with pytest.raises(InputError, match="larger than the denominator") as info:
        analyst.proportion(data, x="count", n="pop")
    assert info.value.row == 3  # header is line 1
    assert info.value.column == "count"


def test_grouped_error_names_the_group() -> None:
    data = pd.DataFrame({"area": ["A", "B"], "x": [1, -2], "n": [10, 10]})
    with pytest.raises(InputError, match="negative") as info:
        analyst.proportion(data, x="x", n="n", group_by=["area"])
    assert info.value.key == "group area=B"
    assert info.value.column == "x"


def test_non_numeric_value_names_row_and_value() -> None:
    data = pd.DataFrame({"x": ["1", "ten"], "n": [10, 10]})
    with pytest.raises(InputError, match="numeric") as info:
        analyst.rate(data, x="x", n="n")
    assert (info.value.row, info.value.value) == (3, "ten")


def test_missing_column_is_named() -> None:
    with pytest.raises(InputError, match="no such column") as info:
        analyst.rate(pd.DataFrame({"x": [1]}), x="x", n="pop")
    assert info.value.column == "pop"


def test_mean_outputs_sum_count_and_sd() -> None:
    data = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 2, "v": [1.0, 2.0, 3.0, 10.0, 20.0]})
    out = analyst.mean(data, x="v", group_by=["g"])
    assert list(out.value_sum) == [6.0, 30.0]
    assert list(out.value_count) == [3, 2]
    assert out.stdev[0] == pytest.approx(1.0)
    assert list(out.value) == [2.0, 15.0]


def _esp_frame(areas: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame({
        "area": np.repeat([f"E{i}" for i in range(areas)], 19),
        "start": np.tile(methods.ESP2013.startages, areas),
        "deaths": rng.integers(0, 40, 19 * areas),
        "pop": rng.integers(1000, 9000, 19 * areas),
    })  # fmt: skip


def test_dsr_with_named_standard_by_ageband_equals_column_standard() -> None:
    data = _esp_frame()
    by_name = analyst.dsr(
        data, x="deaths", n="pop", stdpop="esp2013", group_by=["area"], ageband="start"
    )
    with_column = data.assign(w=np.tile(methods.ESP2013.array(), 2))
    by_column = analyst.dsr(with_column, x="deaths", n="pop", stdpop="w", group_by=["area"])
    pd.testing.assert_frame_equal(by_name, by_column)
    assert list(by_name.columns[:3]) == ["area", "total_count", "total_pop"]


def test_dsr_named_standard_without_ageband_is_refused() -> None:
    """Matching by row position gave a wrong rate for an unsorted file (issue #11)."""
    with pytest.raises(InputError, match="--ageband") as info:
        analyst.dsr(_esp_frame(), x="deaths", n="pop", stdpop="esp2013", group_by=["area"])
    assert info.value.key == "ageband"
    assert "90+" in str(info.value)


def test_dsr_repeated_age_band_names_row_and_group() -> None:
    data = _esp_frame()
    data.loc[5, "start"] = 20  # row 5 held 25-29; now 20-24 twice in E0
    with pytest.raises(InputError, match="appears twice") as info:
        analyst.dsr(data, x="deaths", n="pop", stdpop="esp2013", group_by=["area"], ageband="start")
    assert info.value.row == 7
    assert info.value.column == "start"
    assert "area=E0" in str(info.value)


def test_dsr_unknown_age_band_label_lists_the_valid_ones() -> None:
    data = _esp_frame().astype({"start": object})
    data.loc[3, "start"] = "15 to 19"
    with pytest.raises(InputError, match="not an age band of esp2013") as info:
        analyst.dsr(data, x="deaths", n="pop", stdpop="esp2013", group_by=["area"], ageband="start")
    assert info.value.row == 5
    assert info.value.column == "start"
    assert "0-4, 5-9" in str(info.value)
    assert "90+" in str(info.value)


def test_dsr_age_band_labels_with_spaces_match() -> None:
    data = _esp_frame()
    labelled = data.assign(band=[label.replace("-", " - ") for label in np.tile(
        methods.ESP2013.labels, 2)])  # fmt: skip
    by_label = analyst.dsr(
        labelled, x="deaths", n="pop", stdpop="esp2013", group_by=["area"], ageband="band"
    )
    by_start = analyst.dsr(
        data, x="deaths", n="pop", stdpop="esp2013", group_by=["area"], ageband="start"
    )
    np.testing.assert_allclose(by_label.value, by_start.value, rtol=1e-12)


def test_dsr_named_standard_by_ageband_ignores_row_order() -> None:
    data = _esp_frame()
    ordered = analyst.dsr(
        data, x="deaths", n="pop", stdpop="esp2013", group_by=["area"], ageband="start"
    )
    shuffled = data.sample(frac=1.0, random_state=1).reset_index(drop=True)
    out = analyst.dsr(
        shuffled, x="deaths", n="pop", stdpop="esp2013", group_by=["area"], ageband="start"
    )
    out = out.sort_values("area").reset_index(drop=True)
    np.testing.assert_allclose(out.value, ordered.value, rtol=1e-12)


def test_dsr_missing_age_band_names_group_and_band() -> None:
    data = _esp_frame().drop(index=25).reset_index(drop=True)
    with pytest.raises(InputError, match="missing") as info:
        analyst.dsr(data, x="deaths", n="pop", stdpop="esp2013", group_by=["area"], ageband="start")
    assert info.value.key == "group area=E1"
    assert "30-34" in str(info.value)


def test_dsr_unknown_standard_is_refused() -> None:
    with pytest.raises(InputError, match="neither a column nor a standard"):
        analyst.dsr(_esp_frame(), x="deaths", n="pop", stdpop="esp2099")


def test_dsr_non_independent_events_need_eventfreq_and_ageband() -> None:
    with pytest.raises(InputError, match="eventfreq"):
        analyst.dsr(_esp_frame(), x="deaths", n="pop", stdpop="esp2013", independent_events=False)


def test_dsr_non_independent_events_runs_from_columns() -> None:
    data = _esp_frame(1)
    twice = data.assign(f=1).copy()
    extra = data.assign(f=2, deaths=data.deaths // 4)
    both = pd.concat([twice, extra], ignore_index=True)
    out = analyst.dsr(
        both, x="deaths", n="pop", stdpop="esp2013", ageband="start",
        independent_events=False, eventfreq="f",
    )  # fmt: skip
    assert out.total_count[0] == data.deaths.sum() + 2 * (data.deaths // 4).sum()
    assert out.total_pop[0] == data["pop"].sum()
    assert out.method[0] == "Dobson, with confidence adjusted for non-independent events"


def test_isr_rate_and_ratio_columns() -> None:
    data = pd.DataFrame({
        "area": ["A", "A", "B", "B"], "x": [5, 20, 1, 2], "n": [2000, 3000, 500, 500],
        "xr": [100, 900, 50, 150], "nr": [100000, 100000, 100000, 50000],
    })  # fmt: skip
    rate = analyst.isr_rate(data, x="x", n="n", x_ref="xr", n_ref="nr", group_by=["area"])
    assert list(rate.columns[:4]) == ["area", "observed", "expected", "ref_rate"]
    assert list(rate.method) == ["Byars", "Exact"]
    ratio = analyst.isr_ratio(
        data, x="x", n="n", x_ref="xr", n_ref="nr", group_by=["area"], refvalue=100
    )
    np.testing.assert_allclose(ratio.value, rate.observed / rate.expected * 100)


def test_isr_observed_totals_must_be_constant_in_a_group() -> None:
    data = pd.DataFrame({"g": ["A", "A"], "n": [10, 10], "xr": [1, 1], "nr": [10, 10], "o": [3, 4]})
    with pytest.raises(InputError, match="same on every row") as info:
        analyst.isr_ratio(data, n="n", x_ref="xr", n_ref="nr", group_by=["g"], observed_totals="o")
    assert info.value.row == 3


def _example_life_table() -> tuple[np.ndarray, np.ndarray]:
    """Deaths and population of the golden reference case "one area, 20 bands"."""
    ref = pd.read_csv(Path(__file__).resolve().parents[2] / "reference" / "life_expectancy.csv")
    case = ref[ref.case == "one area, 20 bands"]
    return case.deaths.to_numpy(dtype=float), case.population.to_numpy(dtype=float)


def _le_frame() -> pd.DataFrame:
    deaths, pop = _example_life_table()
    return pd.DataFrame({
        "sex": np.repeat(["F", "M"], 20), "age": np.tile(methods.LE_STARTAGES, 2),
        "d": np.r_[deaths, deaths * 1.2], "p": np.r_[pop, pop],
    })  # fmt: skip


def test_life_expectancy_one_row_per_input_row_with_used_totals() -> None:
    data = _le_frame()
    out = analyst.life_expectancy(
        data, deaths="d", population="p", startage="age", group_by=["sex"]
    )
    assert len(out) == 40
    assert out.pops_used[0] == data.p[:20].sum()
    assert out.dths_used[19] == data.d[19]
    assert out.value[0] > out.value[20]  # higher mortality, lower e0
    assert out.method[0] == "Chiang, using Silcocks et al for confidence limits"


def test_life_expectancy_missing_band_names_group() -> None:
    data = _le_frame().drop(index=30).reset_index(drop=True)
    with pytest.raises(InputError, match="missing") as info:
        analyst.life_expectancy(data, deaths="d", population="p", startage="age", group_by=["sex"])
    assert info.value.key == "group sex=M"
    assert info.value.column == "age"


def test_hle_runs_per_group() -> None:
    data = _le_frame().assign(good=0.8, size=300)
    out = analyst.hle(
        data, deaths="d", population="p", startage="age", prevalence="good", sample_size="size",
        group_by=["sex"],
    )  # fmt: skip
    le = analyst.life_expectancy(data, deaths="d", population="p", startage="age", group_by=["sex"])
    assert (out.value < le.value).all()
