"""Compute stage: aggregated counts → indicator values, with England's official methods.

Takes the roll-up from :mod:`healthgap.engine.aggregate` (one row per group × age band) and
applies one of the ``healthgap.methods`` kernels to every group at once:

- ``dsr``: directly standardised rate (Dobson/Byar's; ESP 2013), withheld below 10 events;
- ``crude_rate``: events / population × multiplier (Byar's, exact below 10);
- ``proportion``: events / population (Wilson) — for register prevalence;
- ``life_expectancy``: Chiang II life table at the requested age (Silcocks final band).

The result is in the canonical value shape (``healthgap.store.columns.VALUE_COLUMNS``), with
95% and 99.8% limits, the count and denominator, and the reason whenever a value is withheld.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthgap.catalogue.series import series_key
from healthgap.engine.bands import ESP2013_19, ESP2013_21, LIFE_TABLE_20, AgeBanding
from healthgap.errors import InputError
from healthgap.methods import dsr, life_expectancy, proportion, rate
from healthgap.methods.result import Interval, Result
from healthgap.methods.standard_populations import ESP2013
from healthgap.methods.standard_populations import ESP2013_21 as ESP2013_21_STD
from healthgap.store.columns import VALUE_COLUMNS, column_names

__all__ = [
    "GROUP_KEYS",
    "Statistic",
    "StatisticSpec",
    "compute_values",
    "engine_series_key",
]

Statistic = Literal["dsr", "crude_rate", "proportion", "life_expectancy"]

#: Columns identifying one published value in the aggregates.
GROUP_KEYS: tuple[str, ...] = (
    "area_code",
    "area_type",
    "period_label",
    "period_start_year",
    "period_end_year",
    "sex",
    "breakdown_type",
    "breakdown_category",
)

_STANDARDS = {ESP2013_19.name: ESP2013, ESP2013_21.name: ESP2013_21_STD}


@dataclass(frozen=True)
class StatisticSpec:
    """How to turn the aggregates of one indicator into values."""

    indicator_id: str
    statistic: Statistic
    banding: AgeBanding
    multiplier: float = 100_000
    age_label: str = "All ages"
    unit: str | None = None
    life_expectancy_age: int = 0
    confidence: tuple[float, ...] = (0.95, 0.998)


def engine_series_key(indicator_id: str, measure: str | None = None) -> str:
    """The series key of values the engine computes, in the source-series convention
    (``'<kind>:<slug>'``, slugs hyphenated): ``engine:life-expectancy``,
    ``engine:life-expectancy/sii-imd2019-decile-london``."""
    return series_key("engine", indicator_id, *([measure] if measure else []))


def _group_codes(aggregates: pa.Table) -> tuple[np.ndarray, pa.Table]:
    """Dense group codes for every row and one row of keys per group (first occurrence)."""
    keys = aggregates.select(list(GROUP_KEYS))
    encoded = [pc.dictionary_encode(keys[k]).combine_chunks() for k in GROUP_KEYS]
    combined = np.zeros(aggregates.num_rows, dtype=np.int64)
    for arr in encoded:
        idx = arr.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        combined = combined * (len(arr.dictionary) + 1) + idx
    _, first, codes = np.unique(combined, return_index=True, return_inverse=True)
    return codes.astype(np.intp), keys.take(pa.array(first))


def _sums(values: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(codes, weights=values, minlength=n)


def compute_values(aggregates: pa.Table, spec: StatisticSpec) -> pa.Table:
    """Indicator values for every group in ``aggregates`` (canonical VALUE_COLUMNS)."""
    if aggregates.num_rows == 0:
        raise InputError("no aggregated rows to compute from", key=spec.indicator_id)
    codes, group_keys = _group_codes(aggregates)
    n_groups = group_keys.num_rows
    events = aggregates["events"].to_numpy()
    population = aggregates["population"].to_numpy()
    age_index = aggregates["age_index"].to_numpy()
    count = _sums(events, codes, n_groups)
    denominator = _sums(population, codes, n_groups)

    # Groups whose denominator is empty (a whole group, or an age band for a DSR) have no
    # value; they are withheld with the reason rather than passed to a method that refuses.
    # A band with no row at all (empty cells omitted upstream) is an empty band too.
    bands_held = np.bincount(codes, minlength=n_groups)
    empty_band = (_sums((population <= 0).astype(float), codes, n_groups) > 0) | (
        bands_held < bands_held.max()
    )
    by_band = spec.statistic in ("dsr", "life_expectancy")
    unusable = (denominator <= 0) | (empty_band if by_band else False)
    if unusable.any():
        keep_rows = ~unusable[codes]
        if not keep_rows.any():
            raise InputError("every group has an empty denominator", key=spec.indicator_id)
        kept_groups = np.flatnonzero(~unusable)
        sub = aggregates.filter(pa.array(keep_rows))
        partial = compute_values(sub, spec)
        return _with_unusable(
            partial, group_keys, unusable, kept_groups, count, denominator, spec, empty_band
        )

    result: Result
    if spec.statistic == "dsr":
        standard = _STANDARDS.get(spec.banding.name)
        if standard is None:
            raise InputError(
                "a DSR needs an ESP 2013 banding", key=spec.indicator_id, value=spec.banding.name
            )
        weights = standard.array()[age_index]
        # The recipe's age range: only the bands present are standardised (e.g. under 75).
        result = dsr(
            events,
            population,
            weights,
            groups=codes,
            confidence=spec.confidence,
            multiplier=spec.multiplier,
        )
    elif spec.statistic == "crude_rate":
        result = rate(count, denominator, confidence=spec.confidence, multiplier=spec.multiplier)
    elif spec.statistic == "proportion":
        result = proportion(
            count, denominator, confidence=spec.confidence, multiplier=spec.multiplier
        )
    elif spec.statistic == "life_expectancy":
        if spec.banding != LIFE_TABLE_20:
            raise InputError(
                "life expectancy needs the 20-band life-table banding",
                key=spec.indicator_id,
                value=spec.banding.name,
            )
        startage = np.asarray(LIFE_TABLE_20.starts)[age_index]
        order = np.lexsort((startage, codes))
        le = life_expectancy(
            events[order],
            population[order],
            startage=startage[order],
            groups=codes[order],
            confidence=spec.confidence,
        )
        pick = startage[order] == spec.life_expectancy_age
        group_of_pick = codes[order][pick]
        result = _reorder(le, pick, group_of_pick, n_groups)
    else:  # pragma: no cover - Literal exhausts the cases
        raise InputError("unknown statistic", key=spec.indicator_id, value=spec.statistic)
    return _to_values(group_keys, result, count, denominator, spec)


def _with_unusable(
    partial: pa.Table,
    group_keys: pa.Table,
    unusable: np.ndarray,
    kept_groups: np.ndarray,
    count: np.ndarray,
    denominator: np.ndarray,
    spec: StatisticSpec,
    empty_band: np.ndarray,
) -> pa.Table:
    """Rows for groups with an empty denominator, merged with the computed rows in order."""
    n = group_keys.num_rows
    nan = np.full(n, np.nan)
    reason = np.where(
        denominator <= 0,
        "not calculated: the denominator is 0",
        np.where(empty_band, "not calculated: an age band has no population", ""),
    )
    empty = Result(
        value=nan,
        intervals=(Interval(0.95, nan, nan), Interval(0.998, nan, nan)),
        statistic=spec.statistic,
        method="none",
        multiplier=spec.multiplier,
        reason=reason.astype(str),
    )
    withheld = _to_values(group_keys, empty, count, denominator, spec)
    # The computed rows keep their groups' first-occurrence order, so line them up by index.
    order = np.empty(n, dtype=np.int64)
    order[kept_groups] = np.arange(len(kept_groups))
    unusable_idx = np.flatnonzero(unusable)
    order[unusable_idx] = len(kept_groups) + np.arange(len(unusable_idx))
    merged = pa.concat_tables([partial, withheld.take(pa.array(unusable_idx))])
    return merged.take(pa.array(order))


def _reorder(le: Result, pick: np.ndarray, group_of_pick: np.ndarray, n_groups: int) -> Result:
    def take(a: np.ndarray) -> np.ndarray:
        out = np.full(n_groups, np.nan)
        out[group_of_pick] = a[pick]
        return out

    reason = np.full(n_groups, "", dtype=object)
    if le.reason.size:
        reason[group_of_pick] = le.reason[pick]
    return Result(
        value=take(le.value),
        intervals=tuple(Interval(i.confidence, take(i.lower), take(i.upper)) for i in le.intervals),
        statistic=le.statistic,
        method=le.method,
        multiplier=le.multiplier,
        reason=reason.astype(str),
    )


def _to_values(
    keys: pa.Table, result: Result, count: np.ndarray, denominator: np.ndarray, spec: StatisticSpec
) -> pa.Table:
    n = keys.num_rows
    start_year = keys["period_start_year"].to_numpy()
    end_year = keys["period_end_year"].to_numpy()
    reason = result.reason if result.reason.size == n else np.full(n, "", dtype=str)
    value = result.value
    withheld = np.isnan(value)
    limits: dict[str, np.ndarray] = {}
    for conf, tag in ((0.95, "95_0"), (0.998, "99_8")):
        try:
            interval = result.at(conf)
        except KeyError:
            lower = upper = np.full(n, np.nan)
        else:
            lower, upper = interval.lower, interval.upper
        limits[f"lower{tag}cl"] = lower
        limits[f"upper{tag}cl"] = upper
    note = np.where(withheld, reason, "")
    note = np.where((note == "") & withheld, f"not calculated ({result.method})", note).astype(
        object
    )
    data = {
        "indicator_id": pa.array([spec.indicator_id] * n, pa.string()),
        "series": pa.array([engine_series_key(spec.indicator_id)] * n, pa.string()),
        "area_code": keys["area_code"],
        "area_type": keys["area_type"],
        "period_start": pa.array([dt.date(int(y), 1, 1) for y in start_year], pa.date32()),
        "period_end": pa.array([dt.date(int(y), 12, 31) for y in end_year], pa.date32()),
        "period_label": keys["period_label"],
        "sex": keys["sex"],
        "age_band": pa.array([spec.age_label] * n, pa.string()),
        "breakdown_type": keys["breakdown_type"],
        "breakdown_category": keys["breakdown_category"],
        "value": pa.array(value, pa.float64(), from_pandas=True),
        **{k: pa.array(v, pa.float64(), from_pandas=True) for k, v in limits.items()},
        "count": pa.array(count, pa.float64()),
        "denominator": pa.array(denominator, pa.float64()),
        "unit": pa.array([spec.unit] * n, pa.string()),
        "suppressed": pa.array(withheld, pa.bool_()),
        "provisional": pa.array([False] * n, pa.bool_()),
        "revised": pa.array([False] * n, pa.bool_()),
        "note": pa.array([s or None for s in note], pa.string()),
    }
    table = pa.table(data)
    schema = pa.schema(
        [
            pa.field(c.name, table.schema.field(c.name).type, nullable=c.nullable)
            for c in VALUE_COLUMNS
        ]
    )
    return table.select(column_names()).cast(schema)
