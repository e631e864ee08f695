"""Inequality measures from the engine's own values: SII, RII and the deprivation gap.

For every area × period × sex whose values are held for all ten London IMD 2019 deciles (none
withheld by disclosure control), the engine derives:

- the **slope index of inequality** (Low & Low 2004, as in Fingertips' "SII in life
  expectancy"): deciles ordered most → least deprived, ranks at cumulative population mid-points,
  population-weighted regression, limits by simulation (seeded) from each decile's standard
  error, taken from its 95% limits; life expectancy and other normally distributed values
  untransformed, rates on the log scale and proportions on the logit scale (``transform``), as
  PHEindicatormethods recommends;
- the **relative index of inequality** from the same fit;
- the **gap**: least minus most deprived decile, with a normal interval from the two SEs.

Each becomes a value row in the canonical shape (series ``engine:<indicator>/sii-…`` etc.,
see ``engine_series_key``;
``breakdown_type`` 'none'); the SII of life expectancy maps to the catalogue's
``sii_life_expectancy`` indicator.

References: Low A, Low A (2004) JECH 58:680; PHE (2019) *Slope index of inequality* (PHE SII
tool); Fingertips indicator 92901.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from healthgap.engine.compute import engine_series_key
from healthgap.errors import InputError
from healthgap.methods import slope_index_of_inequality, z_from_confidence
from healthgap.methods.result import Result
from healthgap.store.columns import column_names
from healthgap.store.schema import data_table

__all__ = ["DECILE_BREAKDOWN", "DECILE_BREAKDOWNS", "SII_INDICATORS", "inequality_values"]

DECILE_BREAKDOWN = "imd2019_decile_london"
#: Decile breakdowns the measures are derived across: series-key suffix and wording.
DECILE_BREAKDOWNS: dict[str, tuple[str, str]] = {
    "imd2019_decile_london": ("imd2019-decile-london", "London IMD 2019 deciles"),
    "imd2019_decile": ("imd2019-decile", "national IMD 2019 deciles"),
}
#: Catalogue indicators holding the SII of another indicator.
SII_INDICATORS: dict[str, str] = {"life_expectancy": "sii_life_expectancy"}
_VALUE_TYPE = {"life_expectancy": 0, "dsr": 1, "crude_rate": 1, "proportion": 2}
_KEYS = ("area_code", "area_type", "period_start", "period_end", "period_label", "sex")


def inequality_values(
    values: pa.Table,
    *,
    indicator_id: str,
    statistic: str,
    repetitions: int = 10_000,
    seed: int = 0,
    breakdown: str = DECILE_BREAKDOWN,
    multiplier: float = 1.0,
) -> pa.Table:
    """SII, RII and gap rows for every complete set of ``breakdown`` deciles in ``values``
    (London deciles by default; ``imd2019_decile`` for national ones).

    ``multiplier``: the indicator's (100 for a percentage). Proportions are regressed on the
    logit scale as fractions, so values and limits are divided by it and the SII multiplied
    back; a decile at 0 % or 100 % (or a limit there) leaves that area without an SII."""
    if breakdown not in DECILE_BREAKDOWNS:
        raise InputError(
            f"choose a decile breakdown from {', '.join(DECILE_BREAKDOWNS)}", value=breakdown
        )
    suffix, wording = DECILE_BREAKDOWNS[breakdown]
    dec = values.filter(
        (pc.field("breakdown_type") == breakdown) & (pc.field("indicator_id") == indicator_id)
    ).to_pandas()
    schema = data_table("values").arrow_schema()
    empty = schema.empty_table()
    if dec.empty:
        return empty
    dec["decile"] = dec.breakdown_category.astype(int)
    value_type = _VALUE_TYPE.get(statistic, 0)
    transform = value_type != 0
    # a proportion is a fraction for the logit: value / multiplier (e.g. 37.5 % → 0.375)
    scale = multiplier if value_type == 2 else 1.0
    top = 1.0 if value_type == 2 else np.inf
    # Rates and proportions are regressed on the log/logit scale, which needs every value and
    # limit above zero: a decile with no events leaves that area and period without an SII.
    usable = dec.groupby(list(_KEYS), dropna=False).filter(
        lambda g: (
            len(g) == 10
            and g.value.notna().all()
            and g.lower95_0cl.notna().all()
            and (g.upper95_0cl > g.lower95_0cl).all()
            and (g.denominator > 0).all()
            and (not transform or ((g.value > 0).all() and (g.lower95_0cl > 0).all()))
            and (g.value / scale < top).all()
            and (g.upper95_0cl / scale < top).all()
        )
    )
    if usable.empty:
        return empty
    usable = usable.sort_values([*_KEYS, "decile"])
    group_id = usable.groupby(list(_KEYS), sort=False).ngroup().to_numpy()
    result = slope_index_of_inequality(
        usable.value.to_numpy(float) / scale,
        quantile=usable.decile.to_numpy(),
        population=usable.denominator.to_numpy(float),
        group=group_id,
        value_type=value_type,
        transform=transform,
        lower_cl=usable.lower95_0cl.to_numpy(float) / scale,
        upper_cl=usable.upper95_0cl.to_numpy(float) / scale,
        multiplier=scale,
        repetitions=repetitions,
        confidence=(0.95, 0.998),
        rii=True,
        seed=seed,
    )
    keys = usable.drop_duplicates(list(_KEYS)).reset_index(drop=True)  # aligned with ngroup
    order = np.argsort(result.groups)  # result groups are sorted labels 0..G-1
    total_pop = usable.groupby(group_id).denominator.sum().to_numpy()
    unit = usable.unit.iloc[0] if "unit" in usable else None
    rows = []
    sii_id = SII_INDICATORS.get(indicator_id)
    label = f"{wording}, {repetitions:,} simulations, seed {seed}"
    rows.append(
        _rows(
            keys,
            result.sii,
            order,
            total_pop,
            engine_series_key(indicator_id, f"sii-{suffix}"),
            sii_id,
            unit,
            f"slope index of inequality across {label}",
        )
    )
    if result.rii is not None:
        rows.append(
            _rows(
                keys,
                result.rii,
                order,
                total_pop,
                engine_series_key(indicator_id, f"rii-{suffix}"),
                None,
                "ratio",
                f"relative index of inequality across {label}",
            )
        )
    rows.append(_gap_rows(usable, keys, indicator_id, unit, suffix=suffix, wording=wording))
    table = pa.concat_tables(rows)
    return table.cast(empty.schema)


def _frame(
    keys: pd.DataFrame, series: str, indicator: str | None, unit: str | None, note: str
) -> dict[str, pa.Array]:
    n = len(keys)
    return {
        "indicator_id": pa.array([indicator] * n, pa.string()),
        "series": pa.array([series] * n, pa.string()),
        "area_code": pa.array(keys.area_code.astype(str).tolist(), pa.string()),
        "area_type": pa.array(keys.area_type.astype(str).tolist(), pa.string()),
        "period_start": pa.array(keys.period_start.tolist(), pa.date32()),
        "period_end": pa.array(keys.period_end.tolist(), pa.date32()),
        "period_label": pa.array(keys.period_label.astype(str).tolist(), pa.string()),
        "sex": pa.array(keys.sex.astype(str).tolist(), pa.string()),
        "age_band": pa.array(keys.age_band.astype(str).tolist(), pa.string()),
        "breakdown_type": pa.array(["none"] * n, pa.string()),
        "breakdown_category": pa.array([""] * n, pa.string()),
        "unit": pa.array([unit] * n, pa.string()),
        "suppressed": pa.array([False] * n, pa.bool_()),
        "provisional": pa.array([False] * n, pa.bool_()),
        "revised": pa.array([False] * n, pa.bool_()),
        "note": pa.array([note] * n, pa.string()),
        "count": pa.array([None] * n, pa.float64()),
    }


def _rows(
    keys: pd.DataFrame,
    res: Result,
    order: NDArray[np.intp],
    total_pop: NDArray[np.float64],
    series: str,
    indicator: str | None,
    unit: str | None,
    note: str,
) -> pa.Table:
    data = _frame(keys, series, indicator, unit, note)
    data["value"] = pa.array(res.value[order], pa.float64(), from_pandas=True)
    for conf, tag in ((0.95, "95_0"), (0.998, "99_8")):
        interval = res.at(conf)
        data[f"lower{tag}cl"] = pa.array(interval.lower[order], pa.float64(), from_pandas=True)
        data[f"upper{tag}cl"] = pa.array(interval.upper[order], pa.float64(), from_pandas=True)
    data["denominator"] = pa.array(total_pop, pa.float64())
    return pa.table(data).select(column_names())


def _gap_rows(
    usable: pd.DataFrame,
    keys: pd.DataFrame,
    indicator_id: str,
    unit: str | None,
    *,
    suffix: str,
    wording: str,
) -> pa.Table:
    grouped = usable.groupby(list(_KEYS), sort=False)
    first = grouped.nth(0).reset_index(drop=True)  # decile 1, most deprived
    last = grouped.nth(9).reset_index(drop=True)  # decile 10, least deprived
    se1 = (first.upper95_0cl - first.lower95_0cl) / (2 * z_from_confidence(0.95))
    se10 = (last.upper95_0cl - last.lower95_0cl) / (2 * z_from_confidence(0.95))
    gap = (last.value - first.value).to_numpy(float)
    se = np.hypot(se1.to_numpy(float), se10.to_numpy(float))
    data = _frame(
        keys,
        engine_series_key(indicator_id, f"gap-{suffix}"),
        None,
        unit,
        f"least minus most deprived of the {wording}",
    )
    data["value"] = pa.array(gap, pa.float64())
    for conf, tag in ((0.95, "95_0"), (0.998, "99_8")):
        z = z_from_confidence(conf)
        data[f"lower{tag}cl"] = pa.array(gap - z * se, pa.float64())
        data[f"upper{tag}cl"] = pa.array(gap + z * se, pa.float64())
    data["denominator"] = pa.array(
        (first.denominator + last.denominator).to_numpy(float), pa.float64()
    )
    return pa.table(data).select(column_names())
