"""Comparison outcomes of indicator values, as Fingertips shows them (METHODS.md §4).

For every value (indicator × area × period × sex × age band × breakdown category):

* significance against London (``region``), the borough's ICB (``icb``) and England
  (``country``) by the indicator's comparator method (``compare_with_benchmark``);
* the quintile among the London boroughs (``boroughs``, Fingertips method 15,
  ``value_categories``);
* the change from the previous period of the same series (``previous``: double overlapping
  95% CIs, the rule of ``change_from_previous``);
* the recent trend of the series (``recent_trend``) on the rows of its latest period.

Arrow in (VALUE_COLUMNS), Arrow out (COMPARISON_COLUMNS), vectorised over rows: only the
borough quintiles (one call per group of 33) and annual recent trends (one call per series)
loop in Python. Design: ADR 0420.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from healthgap.catalogue import load_catalogue
from healthgap.catalogue.framework import Catalogue
from healthgap.catalogue.models import Indicator
from healthgap.errors import InputError
from healthgap.geography import ENGLAND, LONDON, load_geography
from healthgap.methods.compare import (
    ComparisonMethod,
    Outcome,
    Polarity,
    compare_with_benchmark,
    outcome_labels,
    value_categories,
)
from healthgap.methods.errors import MethodInputError
from healthgap.methods.trend import Change, TrendLabel, recent_trend
from healthgap.store.columns import COMPARISON_COLUMNS, VALUE_COLUMNS
from healthgap.store.schema import ARROW_TYPES

__all__ = [
    "ENGLAND",
    "LONDON",
    "ComparisonSettings",
    "comparison_outcomes",
    "fingertips_polarity",
    "indicator_comparisons",
    "london_icbs",
]

_NOT = Outcome.NOT_COMPARED.value
_KIND_ORDER = {"region": 0, "icb": 1, "country": 2, "boroughs": 3, "previous": 4}
_UNMAPPED = "series not mapped to an indicator: polarity unknown (-1)"
#: Quintile words (FingertipsNext): 1 = best with a polarity, 1 = lowest without one.
_QUINTILE_WORDS = {
    True: ("Best", "Better", "Middle", "Worse", "Worst"),
    False: ("Lowest", "Low", "Middle", "High", "Highest"),
}
_CHANGE_WORDS = {
    Outcome.BETTER.value: Change.INCREASING.value,
    Outcome.WORSE.value: Change.DECREASING.value,
    Outcome.SAME.value: Change.NO_CHANGE.value,
}
#: Columns of a value row that name the series a trend or a previous period belongs to.
_SERIES_KEY = ("series", "area_code", "sex", "age_band", "breakdown_type", "breakdown_category")
#: Columns that, with the area, name one value (the store's value key).
_GROUP_KEY = (
    "series",
    "period_start",
    "period_end",
    "sex",
    "age_band",
    "breakdown_type",
    "breakdown_category",
)
#: How a ``benchmarks`` row is matched to a value (published series differ from ours).
_BENCH_KEY = (
    "indicator_id",
    "period_label",
    "sex",
    "age_band",
    "breakdown_type",
    "breakdown_category",
)
_BENCH_COLUMNS = (*_BENCH_KEY, "area_code", "value", "lower95_0cl", "upper95_0cl", "unit")

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def fingertips_polarity(polarity: int | str) -> int:
    """Fingertips polarity id (1, 0, 99, −1) from an id or a catalogue polarity name."""
    try:
        return int(Polarity.of(polarity))
    except MethodInputError as exc:
        raise InputError(exc.rule, value=polarity) from None


@dataclass(frozen=True)
class ComparisonSettings:
    """How one indicator's values are judged: Fingertips polarity id and comparator method,
    the SPC confidence level and the multiplier (100 for %, 100000 per 100,000)."""

    polarity: int
    method: int = int(ComparisonMethod.SINGLE_CI)
    confidence: float = 0.95
    multiplier: float = 1.0

    @classmethod
    def for_indicator(cls, indicator: Indicator) -> ComparisonSettings:
        """The catalogue's declared polarity, comparator, confidence and multiplier."""
        return cls(
            polarity=fingertips_polarity(indicator.polarity.value),
            method=int(indicator.comparison_method),
            confidence=indicator.confidence,
            multiplier=indicator.multiplier,
        )


def london_icbs() -> dict[str, str]:
    """Borough code → ICB code for the 33 London boroughs (the default ``icb_of``)."""
    geo = load_geography()
    return {b.code: geo.icb_of(b.code).code for b in geo.boroughs()}


# ---------------------------------------------------------------------------- helpers
def _floats(table: pa.Table, column: str) -> FloatArray:
    data = pc.fill_null(table.column(column).cast(pa.float64()), np.nan)
    return np.asarray(data.to_numpy(), dtype=np.float64)


def _strings(table: pa.Table, column: str) -> NDArray[np.object_]:
    return np.asarray(table.column(column).to_pylist(), dtype=object)


def _codes(frame: pd.DataFrame, columns: Sequence[str]) -> IntArray:
    """One integer per distinct combination of ``columns`` (nulls are a value)."""
    return np.asarray(
        frame.groupby(list(columns), sort=False, dropna=False).ngroup(), dtype=np.int64
    )


def _lookup(keys: IntArray, rows: IntArray, wanted: IntArray) -> IntArray:
    """For each ``wanted`` key, the row holding it (keys unique), else −1."""
    if keys.size == 0:
        return np.full(wanted.shape, -1, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    pos = np.clip(np.searchsorted(sorted_keys, wanted), 0, sorted_keys.size - 1)
    found = (sorted_keys[pos] == wanted) & (wanted >= 0)
    return np.where(found, rows[order][pos], -1)


def _check_columns(table: pa.Table, needed: Sequence[str], *, what: str) -> None:
    for column in needed:
        if column not in table.column_names:
            raise InputError(
                f"{what} has no column '{column}'; expected the VALUE_COLUMNS shape",
                column=column,
            )


def _value_rows(values: pa.Table) -> tuple[pa.Table, pd.DataFrame]:
    _check_columns(values, [c.name for c in VALUE_COLUMNS], what="values")
    if values.num_rows == 0:
        raise InputError("values is empty: there is nothing to compare", key="values")
    keys = values.select(["area_code", "area_type", "period_label", *_GROUP_KEY])
    frame = keys.to_pandas(date_as_object=False)
    dup = frame.duplicated(["area_code", *_GROUP_KEY], keep="first").to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        shown = ", ".join(f"{c}={frame.at[row, c]!s}" for c in ("area_code", *_GROUP_KEY))
        raise InputError(
            "the same value appears twice (area, series, period, sex, age band and breakdown "
            "must be unique)",
            row=row + 1,
            key=shown,
        )
    return values, frame


@dataclass
class _Pairs:
    """Value rows paired with benchmark rows; ``reason`` set where no comparison is made."""

    kind: str
    row: IntArray
    area: NDArray[np.object_]
    value: FloatArray
    lower: FloatArray
    upper: FloatArray
    reason: NDArray[np.object_]


def _unit_reason(
    unit: NDArray[np.object_], bench_unit: NDArray[np.object_], found: NDArray[np.bool_]
) -> NDArray[np.object_]:
    same = np.array([a == b for a, b in zip(unit, bench_unit, strict=True)], dtype=bool)
    out = np.full(unit.shape, "", dtype=object)
    bad = found & ~same
    for i in np.flatnonzero(bad):
        out[i] = f"unit {unit[i]!r} differs from the benchmark's {bench_unit[i]!r}"
    return out


def _in_table_pairs(
    kind: str,
    targets: IntArray,
    bench_rows: IntArray,
    missing: str,
    *,
    arrays: Mapping[str, FloatArray],
    suppressed: NDArray[np.bool_],
    units: NDArray[np.object_],
    areas: NDArray[np.object_],
    bench_area: NDArray[np.object_],
) -> _Pairs:
    """Pairs whose benchmark is another row of ``values`` (−1 in ``bench_rows``: none)."""
    found = bench_rows >= 0
    safe = np.where(found, bench_rows, 0)
    reason = np.full(targets.shape, "", dtype=object)
    reason[~found] = missing
    b_supp = found & suppressed[safe]
    reason[(reason == "") & b_supp] = "benchmark suppressed"
    unit_reason = _unit_reason(units[targets], units[safe], found)
    reason = np.where((reason == "") & (unit_reason != ""), unit_reason, reason)
    return _Pairs(
        kind,
        targets,
        np.where(found, areas[safe], bench_area).astype(object),
        np.where(found & ~b_supp, arrays["value"][safe], np.nan),
        np.where(found, arrays["lower95_0cl"][safe], np.nan),
        np.where(found, arrays["upper95_0cl"][safe], np.nan),
        reason,
    )


# ---------------------------------------------------------------------------- main
def comparison_outcomes(
    values: pa.Table,
    *,
    polarity: int | str,
    comparison_method: int = int(ComparisonMethod.SINGLE_CI),
    confidence: float = 0.95,
    multiplier: float = 1.0,
    benchmarks: pa.Table | None = None,
    icb_of: Mapping[str, str] | None = None,
) -> pa.Table:
    """Comparison outcomes (COMPARISON_COLUMNS) of one indicator's ``values`` (VALUE_COLUMNS).

    ``polarity`` is a Fingertips id or catalogue name, ``comparison_method`` the Fingertips
    comparator id (default 1, single overlapping 95% CIs). England rows come from ``values``
    (same series) or else from ``benchmarks`` (e.g. ``Store.values(area_codes=[ENGLAND])``),
    matched on indicator, period label, sex, age band and breakdown. ``icb_of`` maps London
    boroughs to ICBs (default: the bundled geography). Raises ``InputError`` for empty or
    malformed input or ambiguous benchmarks.
    """
    pol = fingertips_polarity(polarity)
    try:
        method = ComparisonMethod(int(comparison_method))
    except ValueError:
        raise InputError(
            "unknown Fingertips comparison method", value=comparison_method, key="method"
        ) from None
    table, frame = _value_rows(values)
    icbs = dict(icb_of) if icb_of is not None else london_icbs()
    n = table.num_rows
    arrays = {
        c: _floats(table, c)
        for c in (
            "value",
            "lower95_0cl",
            "upper95_0cl",
            "lower99_8cl",
            "upper99_8cl",
            "count",
            "denominator",
        )
    }
    suppressed_flag = np.asarray(
        pc.fill_null(table.column("suppressed"), False).to_numpy(zero_copy_only=False), dtype=bool
    )
    suppressed = suppressed_flag | ~np.isfinite(arrays["value"])
    areas = frame["area_code"].to_numpy(dtype=object)
    area_types = frame["area_type"].to_numpy(dtype=object)
    units = _strings(table, "unit")
    indicator_ids = _strings(table, "indicator_id")

    group = _codes(frame, _GROUP_KEY)
    area_id = _codes(frame, ["area_code"])
    n_areas = int(area_id.max()) + 1
    id_of_area = dict(zip(areas.tolist(), area_id.tolist(), strict=True))
    cell = group * n_areas + area_id
    all_rows = np.arange(n, dtype=np.int64)

    def pair(
        kind: str, targets: IntArray, bench: str | NDArray[np.object_], missing: str
    ) -> _Pairs:
        codes = np.full(targets.size, bench, dtype=object) if isinstance(bench, str) else bench
        if isinstance(bench, str):
            ids = np.full(targets.size, id_of_area.get(bench, -1), dtype=np.int64)
        else:
            ids = pd.Series(bench).map(id_of_area).fillna(-1).to_numpy(dtype=np.int64)
        wanted = np.where(ids >= 0, group[targets] * n_areas + ids, -1)
        return _in_table_pairs(
            kind,
            targets,
            _lookup(cell, all_rows, wanted),
            missing,
            arrays=arrays,
            suppressed=suppressed,
            units=units,
            areas=areas,
            bench_area=codes,
        )

    area_series = frame["area_code"]
    is_borough = area_series.isin(list(icbs)).to_numpy() & (area_types == "ltla")
    is_london_icb = area_series.isin(list(set(icbs.values()))).to_numpy() & (area_types == "icb")
    below_region = ~np.isin(area_types, ["region", "country"])
    in_london = below_region & (is_borough | is_london_icb | ~np.isin(area_types, ["ltla", "icb"]))
    targets = np.flatnonzero(in_london)
    pairs = [pair("region", targets, LONDON, "no London value")]
    targets = np.flatnonzero(is_borough)
    icb_codes = area_series.iloc[targets].map(icbs).to_numpy(dtype=object)
    pairs.append(pair("icb", targets, icb_codes, "no value for the borough's ICB"))
    # England: the same series first, then the published benchmarks
    targets = np.flatnonzero(area_types != "country")
    england = pair("country", targets, ENGLAND, "no England value")
    if benchmarks is not None:
        _england_from_benchmarks(england, benchmarks, frame=frame, units=units, ids=indicator_ids)
    pairs.append(england)

    significance = _significance(
        pairs,
        arrays=arrays,
        suppressed=suppressed,
        suppressed_flag=suppressed_flag,
        polarity=pol,
        method=method,
        confidence=confidence,
        multiplier=multiplier,
    )
    quintiles = _quintiles(
        np.flatnonzero(is_borough),
        group=group,
        value=np.where(suppressed, np.nan, arrays["value"]),
        suppressed_flag=suppressed_flag,
        polarity=pol,
    )
    span = _span_years(frame)
    series = _codes(frame.assign(span=span), [*_SERIES_KEY, "span"])
    previous = _previous(
        series,
        frame=frame,
        arrays=arrays,
        suppressed=suppressed,
        suppressed_flag=suppressed_flag,
        areas=areas,
    )
    trend_label, trend_reason = _trends(
        series,
        frame=frame,
        span=span,
        arrays=arrays,
        suppressed=suppressed,
        polarity=pol,
        method=method,
    )
    return _assemble(
        table,
        [*significance, quintiles, previous],
        trend_label=trend_label,
        trend_reason=trend_reason,
    )


@dataclass
class _Rows:
    """Finished comparison rows of one benchmark kind (before the value's key columns)."""

    kind: str
    row: IntArray
    area: NDArray[np.object_]
    bench_value: FloatArray
    method: int
    outcome: NDArray[np.object_]
    reason: NDArray[np.object_]
    quintile: FloatArray | None = None


def _england_from_benchmarks(
    england: _Pairs,
    benchmarks: pa.Table,
    *,
    frame: pd.DataFrame,
    units: NDArray[np.object_],
    ids: NDArray[np.object_],
) -> None:
    """Fill England pairs the values lack from ``benchmarks`` (in place)."""
    _check_columns(benchmarks, _BENCH_COLUMNS, what="benchmarks")
    is_england = pc.equal(benchmarks.column("area_code"), ENGLAND)
    usable = pc.and_(pc.fill_null(is_england, False), pc.is_valid(benchmarks["indicator_id"]))
    bench = benchmarks.filter(usable)
    if bench.num_rows == 0:
        return
    bframe = bench.select(list(_BENCH_KEY)).to_pandas()
    combined = pd.concat(
        [frame.assign(indicator_id=ids)[list(_BENCH_KEY)], bframe], ignore_index=True
    )
    codes = _codes(combined, _BENCH_KEY)
    vcodes, bcodes = codes[: len(frame)].copy(), codes[len(frame) :]
    vcodes[np.array([i is None for i in ids], dtype=bool)] = -1
    dup = pd.Series(bcodes).duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        shown = ", ".join(f"{c}={bframe.at[row, c]!s}" for c in _BENCH_KEY)
        raise InputError(
            "two England benchmark values for one indicator, period, sex, age band and "
            "breakdown (e.g. from two series); keep one",
            row=row + 1,
            key=shown,
            file="benchmarks",
        )
    todo = np.flatnonzero(england.reason == "no England value")
    if todo.size == 0:
        return
    brow = _lookup(bcodes, np.arange(bcodes.size, dtype=np.int64), vcodes[england.row[todo]])
    hit = brow >= 0
    todo, brow = todo[hit], brow[hit]
    if todo.size == 0:
        return
    bvalue = _floats(bench, "value")
    bunit = _strings(bench, "unit")
    bsupp = ~np.isfinite(bvalue[brow])
    if "suppressed" in bench.column_names:
        flag = pc.fill_null(bench.column("suppressed"), False).to_numpy(zero_copy_only=False)
        bsupp |= np.asarray(flag, dtype=bool)[brow]
    reason = np.full(todo.shape, "", dtype=object)
    reason[bsupp] = "benchmark suppressed"
    unit_reason = _unit_reason(
        units[england.row[todo]], bunit[brow], np.ones(todo.shape, dtype=bool)
    )
    reason = np.where((reason == "") & (unit_reason != ""), unit_reason, reason)
    england.reason[todo] = reason
    england.value[todo] = np.where(bsupp, np.nan, bvalue[brow])
    england.lower[todo] = _floats(bench, "lower95_0cl")[brow]
    england.upper[todo] = _floats(bench, "upper95_0cl")[brow]


def _significance(
    pairs: Sequence[_Pairs],
    *,
    arrays: Mapping[str, FloatArray],
    suppressed: NDArray[np.bool_],
    suppressed_flag: NDArray[np.bool_],
    polarity: int,
    method: ComparisonMethod,
    confidence: float,
    multiplier: float,
) -> list[_Rows]:
    """Region, ICB and England outcomes in one ``compare_with_benchmark`` call."""
    row = np.concatenate([p.row for p in pairs])
    bench = np.concatenate([p.value for p in pairs])
    pre = np.concatenate([p.reason for p in pairs])
    value = np.where(suppressed[row], np.nan, arrays["value"][row])
    if method in (ComparisonMethod.QUINTILES, ComparisonMethod.QUARTILES):
        outcome = np.full(row.shape, _NOT, dtype=object)
        reason = np.full(
            row.shape, f"method {int(method)} assigns quantiles, not significance", dtype=object
        )
    else:
        count, den = arrays["count"][row], arrays["denominator"][row]
        with np.errstate(invalid="ignore", divide="ignore"):
            # DSR funnels (method 6) need denominator2: the population for which the
            # count is the value, count / value × multiplier (ADR 0420).
            den2 = np.where(value > 0, count / value * multiplier, np.nan)
        try:
            result = compare_with_benchmark(
                value,
                benchmark=bench,
                method=int(method),
                polarity=polarity,
                lower95=arrays["lower95_0cl"][row],
                upper95=arrays["upper95_0cl"][row],
                lower998=arrays["lower99_8cl"][row],
                upper998=arrays["upper99_8cl"][row],
                benchmark_lower95=np.concatenate([p.lower for p in pairs]),
                benchmark_upper95=np.concatenate([p.upper for p in pairs]),
                denominator=den,
                denominator2=den2,
                unit=multiplier,
                confidence=confidence,
            )
        except MethodInputError as exc:
            raise InputError(str(exc), key="comparison settings") from exc
        words, inverse = np.unique(result.outcome, return_inverse=True)
        outcome = outcome_labels(words, polarity=polarity).astype(object)[inverse]
        reason = result.reason.astype(object)
    reason = np.where(pre != "", pre, reason)
    outcome = np.where(pre != "", _NOT, outcome)
    # a missing own value outranks a missing benchmark
    own = suppressed[row]
    reason = np.where(own, np.where(suppressed_flag[row], "value suppressed", "no value"), reason)
    outcome = np.where(own, _NOT, outcome)
    out: list[_Rows] = []
    start = 0
    for p in pairs:
        stop = start + p.row.size
        sl = slice(start, stop)
        out.append(_Rows(p.kind, p.row, p.area, p.value, int(method), outcome[sl], reason[sl]))
        start = stop
    return out


def _missing_value_reason(
    reason: NDArray[np.object_],
    row: IntArray,
    suppressed: NDArray[np.bool_],
    suppressed_flag: NDArray[np.bool_],
) -> None:
    own = suppressed[row]
    reason[own] = np.where(suppressed_flag[row][own], "value suppressed", "no value")


def _quintiles(
    targets: IntArray,
    *,
    group: IntArray,
    value: FloatArray,
    suppressed_flag: NDArray[np.bool_],
    polarity: int,
) -> _Rows:
    """Fingertips quintiles (method 15) among the London boroughs of each value group."""
    quintile = np.full(targets.shape, np.nan)
    reason = np.full(targets.shape, "", dtype=object)
    outcome = np.full(targets.shape, _NOT, dtype=object)
    if polarity == Polarity.NOT_APPLICABLE:
        reason[:] = "polarity -1"
    elif targets.size:
        order = np.argsort(group[targets], kind="stable")
        sorted_groups = group[targets][order]
        starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
        for lo, hi in zip(starts, np.r_[starts[1:], sorted_groups.size], strict=True):
            idx = order[lo:hi]
            cats = value_categories(value[targets[idx]], method=15, polarity=polarity)
            quintile[idx] = cats.category
            reason[idx] = cats.reason
        words = _QUINTILE_WORDS[polarity != Polarity.NO_JUDGEMENT]
        ok = np.isfinite(quintile)
        outcome[ok] = np.asarray(words, dtype=object)[quintile[ok].astype(np.int64) - 1]
        missing = reason == "missing value"
        reason[missing] = np.where(
            suppressed_flag[targets][missing], "value suppressed", "no value"
        )
    return _Rows(
        "boroughs",
        targets,
        np.full(targets.shape, LONDON, dtype=object),
        np.full(targets.shape, np.nan),
        int(ComparisonMethod.QUINTILES),
        outcome,
        reason,
        quintile,
    )


def _span_years(frame: pd.DataFrame) -> IntArray:
    """Years a period covers (0 for a period shorter than about a year)."""
    days = (frame["period_end"] - frame["period_start"]).dt.days.to_numpy(dtype=np.float64) + 1
    return np.asarray(np.round(days / 365.25), dtype=np.int64)


def _series_order(series: IntArray, frame: pd.DataFrame) -> IntArray:
    start = frame["period_start"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    end = frame["period_end"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    return np.asarray(np.lexsort((end, start, series)), dtype=np.int64)


def _previous(
    series: IntArray,
    *,
    frame: pd.DataFrame,
    arrays: Mapping[str, FloatArray],
    suppressed: NDArray[np.bool_],
    suppressed_flag: NDArray[np.bool_],
    areas: NDArray[np.object_],
) -> _Rows:
    """Change from the previous period of the same series (and period length): double
    overlapping 95% CIs, as ``change_from_previous``, vectorised."""
    n = series.size
    order = _series_order(series, frame)
    prev = np.full(n, -1, dtype=np.int64)
    same = series[order][1:] == series[order][:-1]
    prev[order[1:][same]] = order[:-1][same]
    has = prev >= 0
    safe = np.where(has, prev, 0)
    value = np.where(suppressed, np.nan, arrays["value"])
    bench = np.where(has & ~suppressed[safe], value[safe], np.nan)
    result = compare_with_benchmark(
        value,
        benchmark=bench,
        method=int(ComparisonMethod.DOUBLE_CI),
        polarity=int(Polarity.NO_JUDGEMENT),
        lower95=arrays["lower95_0cl"],
        upper95=arrays["upper95_0cl"],
        benchmark_lower95=np.where(has, arrays["lower95_0cl"][safe], np.nan),
        benchmark_upper95=np.where(has, arrays["upper95_0cl"][safe], np.nan),
    )
    words, inverse = np.unique(result.outcome, return_inverse=True)
    mapped = [_CHANGE_WORDS.get(str(w), Change.NOT_COMPARED.value) for w in words]
    outcome = np.asarray(mapped, dtype=object)[inverse]
    reason = result.reason.astype(object)
    reason[has & suppressed[safe]] = "previous value suppressed"
    reason[~has] = "no previous period"
    rows = np.arange(n, dtype=np.int64)
    _missing_value_reason(reason, rows, suppressed, suppressed_flag)
    outcome[reason != ""] = Change.NOT_COMPARED.value
    return _Rows(
        "previous",
        rows,
        np.asarray(areas, dtype=object),
        bench,
        int(ComparisonMethod.DOUBLE_CI),
        outcome,
        reason,
    )


def _trends(
    series: IntArray,
    *,
    frame: pd.DataFrame,
    span: IntArray,
    arrays: Mapping[str, FloatArray],
    suppressed: NDArray[np.bool_],
    polarity: int,
    method: ComparisonMethod,
) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """Recent trend of each series, set on its latest period's rows (None elsewhere)."""
    n = series.size
    label = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)
    order = _series_order(series, frame)
    s_sorted = series[order]
    ends = np.flatnonzero(np.r_[s_sorted[1:] != s_sorted[:-1], True])
    starts = np.r_[0, ends[:-1] + 1]
    latest = order[ends]
    trend_pol = polarity if polarity != Polarity.NOT_APPLICABLE else int(Polarity.NO_JUDGEMENT)
    spc = method is ComparisonMethod.SPC_PROPORTIONS
    value = np.where(suppressed, np.nan, arrays["value"])
    years = frame["period_start"].dt.year.to_numpy(dtype=np.int64)
    if polarity == Polarity.NOT_APPLICABLE:
        label[latest] = TrendLabel.CANNOT_BE_CALCULATED.value
        reason[latest] = "polarity -1"
        return label, reason
    short = latest[span[latest] == 0]
    label[short] = TrendLabel.CANNOT_BE_CALCULATED.value
    reason[short] = "periods shorter than a year; recent trends need annual data"
    multi = span[latest] > 1
    for years_covered in np.unique(span[latest][multi]):
        one = recent_trend(
            [np.nan],
            polarity=trend_pol,
            lower95=[np.nan],
            upper95=[np.nan],
            year_range=int(years_covered),
        )
        which = latest[span[latest] == years_covered]
        label[which] = one.label.value
        reason[which] = one.reason
    for k in np.flatnonzero(span[latest] == 1):
        idx = order[starts[k] : ends[k] + 1]
        pos = years[idx] - years[idx][0]
        size = int(pos[-1]) + 1

        def spread(
            a: FloatArray, idx: IntArray = idx, pos: IntArray = pos, size: int = size
        ) -> FloatArray:
            out = np.full(size, np.nan)
            out[pos] = a[idx]
            return out

        if spc:
            result = recent_trend(
                spread(value),
                polarity=trend_pol,
                count=spread(arrays["count"]),
                denominator=spread(arrays["denominator"]),
                method="cochran-armitage",
            )
        else:
            result = recent_trend(
                spread(value),
                polarity=trend_pol,
                lower95=spread(arrays["lower95_0cl"]),
                upper95=spread(arrays["upper95_0cl"]),
            )
        label[idx[-1]] = result.label.value
        reason[idx[-1]] = result.reason
    return label, reason


def _assemble(
    table: pa.Table,
    parts: Sequence[_Rows],
    *,
    trend_label: NDArray[np.object_],
    trend_reason: NDArray[np.object_],
) -> pa.Table:
    row = np.concatenate([p.row for p in parts])
    kind = np.concatenate([np.full(p.row.size, _KIND_ORDER[p.kind]) for p in parts])
    order = np.lexsort((kind, row))
    row = row[order]
    kinds = np.asarray(list(_KIND_ORDER), dtype=object)

    def cat(get: str) -> pa.Array:
        data = np.concatenate([np.asarray(getattr(p, get), dtype=object) for p in parts])[order]
        codes, uniques = pd.factorize(data, use_na_sentinel=True)
        dictionary = pa.array(np.asarray(uniques, dtype=object), pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), dictionary).cast(
            pa.string()
        )

    quintile = np.concatenate(
        [p.quintile if p.quintile is not None else np.full(p.row.size, np.nan) for p in parts]
    )[order]
    bench_value = np.concatenate([p.bench_value for p in parts])[order]
    method = np.concatenate([np.full(p.row.size, p.method, dtype=np.int64) for p in parts])[order]
    schema = pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in COMPARISON_COLUMNS]
    )
    keys = table.select([c.name for c in COMPARISON_COLUMNS[:11]]).take(pa.array(row))
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        name: keys.column(name).cast(schema.field(name).type) for name in keys.column_names
    }
    columns |= {
        "benchmark": pa.array(kinds[kind[order]], pa.string()),
        "benchmark_area_code": cat("area"),
        "benchmark_value": pa.array(bench_value, pa.float64(), mask=~np.isfinite(bench_value)),
        "comparison_method": pa.array(method, pa.int64()),
        "outcome": cat("outcome"),
        "reason": cat("reason"),
        "borough_quintile": pa.array(
            np.nan_to_num(quintile).astype(np.int64), pa.int64(), mask=~np.isfinite(quintile)
        ),
        "recent_trend": pa.array(trend_label[row], pa.string()),
        "trend_reason": pa.array(trend_reason[row], pa.string()),
    }
    return pa.Table.from_pydict(
        {c.name: columns[c.name] for c in COMPARISON_COLUMNS}, schema=schema
    )


def indicator_comparisons(
    values: pa.Table,
    *,
    catalogue: Catalogue | None = None,
    benchmarks: pa.Table | None = None,
    icb_of: Mapping[str, str] | None = None,
) -> pa.Table:
    """``comparison_outcomes`` per indicator of ``values``, judged as the catalogue declares.

    Rows of series not mapped to an indicator (``indicator_id`` null, e.g. the engine's RII
    and gap series) have no declared polarity: they are judged with polarity −1, so every
    benchmark outcome is "Not compared" with that reason; change from previous still applies.
    """
    _check_columns(values, ["indicator_id"], what="values")
    if values.num_rows == 0:
        raise InputError("values is empty: there is nothing to compare", key="values")
    ids = values.column("indicator_id")
    cat = catalogue or load_catalogue()
    icbs = dict(icb_of) if icb_of is not None else london_icbs()
    out = []
    if ids.null_count:
        part = values.filter(pc.is_null(ids))
        judged = comparison_outcomes(part, polarity=-1, benchmarks=benchmarks, icb_of=icbs)
        for column in ("reason", "trend_reason"):
            fixed = pc.if_else(pc.equal(judged[column], "polarity -1"), _UNMAPPED, judged[column])
            index = judged.schema.get_field_index(column)
            judged = judged.set_column(index, judged.schema.field(index), fixed)
        out.append(judged)
    for indicator_id in sorted(i for i in set(ids.to_pylist()) if i is not None):
        settings = ComparisonSettings.for_indicator(cat.indicator(indicator_id))
        part = values.filter(pc.equal(values.column("indicator_id"), indicator_id))
        out.append(
            comparison_outcomes(
                part,
                polarity=settings.polarity,
                comparison_method=settings.method,
                confidence=settings.confidence,
                multiplier=settings.multiplier,
                benchmarks=benchmarks,
                icb_of=icbs,
            )
        )
    return pa.concat_tables(out)
