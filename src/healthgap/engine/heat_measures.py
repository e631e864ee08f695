"""WHO HEAT summary measures of inequality, derived from the engine's published values.

For every indicator × area × period × sex whose values are held for every category of a
dimension, the applicable HEAT measures (:func:`healthgap.methods.heat.heat_summary`) across:

- **London IMD 2019 deciles** (ordered, 1 = most deprived): D, R, PAF, PAR, SII, RII, ACI,
  RCI;
- **ethnic group** (unordered): D, R, PAF, PAR, BGV, BGSD, COV, MDB/MDM, IDIS, TI, MLD.

Only published (disclosure-protected) values are used, so no measure reveals a withheld
count; a dimension with any withheld or empty category gives no measure for that group
(a measure over the remaining categories would silently change its meaning). Standard errors
come from the 95% limits, ``(upper − lower) / (2 × 1.96)``. Each measure is a row of its own
series ``engine:<indicator>/heat-<measure>-<dimension>`` with 95% and 99.8% limits.

Reference: WHO (2024) *Health Equity Assessment Toolkit: technical notes*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from healthgap.engine.compute import engine_series_key
from healthgap.methods.heat import HeatRow, heat_summary
from healthgap.store.columns import column_names
from healthgap.store.schema import data_table

__all__ = ["HEAT_DIMENSIONS", "heat_values"]

#: breakdown_type → (series suffix, ordered, wording)
HEAT_DIMENSIONS: dict[str, tuple[str, bool, str]] = {
    "imd2019_decile_london": ("imd2019-decile-london", True, "London IMD 2019 deciles"),
    "ethnic_group": ("ethnic-group", False, "ethnic groups"),
}
_KEYS = ["area_code", "area_type", "period_start", "period_end", "period_label", "sex"]
_USED = (
    "indicator_id",
    "age_band",
    "breakdown_type",
    "breakdown_category",
    "value",
    "lower95_0cl",
    "upper95_0cl",
    "denominator",
)
_Z95 = 1.959963984540054
_AREA_TYPES = ("region", "icb", "country")


def heat_values(values: pa.Table, *, indicator_id: str, favourable: bool, scale: float) -> pa.Table:
    """HEAT measure rows (canonical value columns) for one indicator's protected values.

    ``favourable``: higher values are better (life expectancy) rather than adverse (rates).
    ``scale``: the indicator's multiplier (1 for years, 100 for percentages, 100,000 for rates
    per 100,000), as HEAT's ``indicator_scale``. Regions, ICBs and England only: boroughs'
    categories are too small to bear the measures.
    """
    frame = values.select([*_KEYS, *_USED]).to_pandas()
    frame = frame[(frame.indicator_id == indicator_id) & frame.area_type.isin(_AREA_TYPES)]
    out: list[dict[str, object]] = []
    for btype, (suffix, ordered, wording) in HEAT_DIMENSIONS.items():
        dim = frame[frame.breakdown_type == btype]
        if dim.empty:
            continue
        n_categories = dim.breakdown_category.nunique()
        for key, group in dim.groupby(_KEYS, sort=True):
            if len(group) != n_categories or len(group) < 2:
                continue
            est = group.value.to_numpy(float)
            se = (group.upper95_0cl - group.lower95_0cl).to_numpy(float) / (2 * _Z95)
            pop = group.denominator.to_numpy(float)
            if not (np.isfinite(est).all() and np.isfinite(se).all() and (se > 0).all()):
                continue
            if (est < 0).any() or (pop <= 0).any() or not (est > 0).any():
                continue  # HEAT's relative measures divide by the mean: none when all zero
            order = group.breakdown_category.astype(int).to_numpy() if ordered else None
            rows = heat_summary(
                est,
                population=pop,
                se=se,
                ordered=ordered,
                favourable=favourable,
                scale=scale,
                order=order,
                labels=[str(c) for c in group.breakdown_category],
                confidence=(0.95, 0.998),
            )
            by_measure: dict[str, dict[float, HeatRow]] = {}
            for r in rows:
                by_measure.setdefault(r.measure, {})[r.confidence] = r
            first = group.iloc[0]
            for measure, levels in sorted(by_measure.items()):
                r95, r998 = levels.get(0.95), levels.get(0.998)
                if r95 is None or not np.isfinite(r95.value):
                    continue
                out.append(
                    {
                        **dict(zip(_KEYS, key, strict=True)),
                        "indicator_id": None,
                        "series": engine_series_key(
                            indicator_id, f"heat-{measure.lower()}-{suffix}"
                        ),
                        "age_band": first.age_band,
                        "breakdown_type": "none",
                        "breakdown_category": "",
                        "value": float(r95.value),
                        "lower95_0cl": _finite(r95.lower),
                        "upper95_0cl": _finite(r95.upper),
                        "lower99_8cl": _finite(getattr(r998, "lower", None)),
                        "upper99_8cl": _finite(getattr(r998, "upper", None)),
                        "count": None,
                        "denominator": float(pop.sum()),
                        "unit": None,
                        "suppressed": False,
                        "provisional": False,
                        "revised": False,
                        "note": f"HEAT {measure} across {wording} ({r95.method})",
                    }
                )
    schema = data_table("values").arrow_schema()
    if not out:
        return schema.empty_table()
    table = pa.Table.from_pandas(pd.DataFrame(out)[column_names()], preserve_index=False)
    return table.cast(schema)


def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None
