"""WHO HEAT summary measures of inequality, derived from the engine's published values.

For every indicator × area × period × sex whose values are held for every category of a
dimension, the applicable HEAT measures (:func:`healthgap.methods.heat.heat_summary`) across:

- **London IMD 2019 deciles** (ordered, 1 = most deprived): D, R, PAF, PAR, SII, RII, ACI,
  RCI;
- **ethnic group** (unordered): D, R, PAF, PAR, BGV, BGSD, COV, MDB/MDM, IDIS, TI, MLD.

Only published (disclosure-protected) values are used, so no measure reveals a withheld
count; a dimension with any withheld or empty category gives no measure for that group
(a measure over the remaining categories would silently change its meaning). A measure the
group's values cannot bear — one subgroup only, no events anywhere (a setting average of 0),
a model that does not converge — is a row with no value, marked suppressed, and the reason
in its note: small inputs never stop the engine. Standard errors
come from the 95% limits, ``(upper − lower) / (2 × 1.96)``. Each measure is a row of its own
series ``engine:<indicator>/heat-<measure>-<dimension>`` with 95% and 99.8% limits.

Reference: WHO (2024) *Health Equity Assessment Toolkit: technical notes*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from healthgap.engine.compute import engine_series_key
from healthgap.methods.errors import MethodInputError
from healthgap.methods.heat import HeatRow, applicable_measures, heat_summary
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
            if len(group) != n_categories:
                continue  # a withheld or empty category: see the module docstring
            est = group.value.to_numpy(float)
            se = (group.upper95_0cl - group.lower95_0cl).to_numpy(float) / (2 * _Z95)
            pop = group.denominator.to_numpy(float)
            if not (np.isfinite(est).all() and np.isfinite(se).all() and (se > 0).all()):
                continue
            if (est < 0).any() or (pop <= 0).any():
                continue
            base = {
                **dict(zip(_KEYS, key, strict=True)),
                "age_band": group.iloc[0].age_band,
                "denominator": float(pop.sum()),
            }

            def series(measure: str, suffix: str = suffix) -> str:
                return engine_series_key(indicator_id, f"heat-{measure.lower()}-{suffix}")

            if len(group) < 2:
                reason = "needs at least two subgroups; the input holds one"
                out += [
                    _row(base, series(m), None, None, f"HEAT {m} across {wording}: {reason}")
                    for m in applicable_measures(len(group), ordered=ordered)
                ]
                continue
            order = group.breakdown_category.astype(int).to_numpy() if ordered else None
            try:
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
            except MethodInputError as exc:
                out += [
                    _row(base, series(m), None, None, f"HEAT {m} across {wording}: {exc}")
                    for m in applicable_measures(len(group), ordered=ordered)
                ]
                continue
            by_measure: dict[str, dict[float, HeatRow]] = {}
            for r in rows:
                by_measure.setdefault(r.measure, {})[r.confidence] = r
            for measure, levels in sorted(by_measure.items()):
                r95, r998 = levels.get(0.95), levels.get(0.998)
                if r95 is None or not np.isfinite(r95.value):
                    why = (r95.reason if r95 is not None else "") or "not calculated"
                    note = f"HEAT {measure} across {wording}: {why}"
                    out.append(_row(base, series(measure), None, None, note))
                    continue
                out.append(
                    _row(
                        base,
                        series(measure),
                        r95,
                        r998,
                        f"HEAT {measure} across {wording} ({r95.method})",
                    )
                )
    schema = data_table("values").arrow_schema()
    if not out:
        return schema.empty_table()
    table = pa.Table.from_pandas(pd.DataFrame(out)[column_names()], preserve_index=False)
    return table.cast(schema)


def _row(
    base: dict[str, object],
    series: str,
    r95: HeatRow | None,
    r998: HeatRow | None,
    note: str,
) -> dict[str, object]:
    """One value row: the measure at 95% (and 99.8%) or, without ``r95``, no value and
    ``suppressed`` with the reason in ``note``.

    A simulation interval of a dispersion measure need not contain the value (ADR 0140);
    such limits are not published (a value's limits must bracket it), and the note says so.
    """
    limits: dict[str, float | None] = {}
    dropped = []
    for tag, r in (("95_0", r95), ("99_8", r998)):
        lower = None if r is None else _finite(r.lower)
        upper = None if r is None else _finite(r.upper)
        outside = (
            r95 is not None
            and lower is not None
            and upper is not None
            and not lower <= r95.value <= upper
        )
        if outside:
            dropped.append(f"{tag.replace('_', '.')}% ({lower:.6g} to {upper:.6g})")
            lower = upper = None
        limits[f"lower{tag}cl"], limits[f"upper{tag}cl"] = lower, upper
    if dropped:
        note += "; simulation limits not published, as they do not contain the value: " + ", ".join(
            dropped
        )
    return {
        **base,
        "indicator_id": None,
        "series": series,
        "breakdown_type": "none",
        "breakdown_category": "",
        "value": None if r95 is None else float(r95.value),
        **limits,
        "count": None,
        "unit": None,
        "suppressed": r95 is None,
        "provisional": False,
        "revised": False,
        "note": note,
    }


def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None
