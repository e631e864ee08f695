"""WHO HEAT summary measures as a data-frame calculation (``healthgap calc heat``).

Input: one row per subgroup, in the HEAT Plus template's spirit — an estimate column and,
optionally, population, standard error, subgroup label, subgroup order (1 = most
disadvantaged) and a 0/1 reference-subgroup flag. ``group_by`` names the columns that
identify a *setting* (indicator, dimension, place, date …). Whether the dimension is
ordered, the indicator favourable and its scale come from options, or per setting from the
template's columns (``ordered_dimension``, ``favourable_indicator``, ``indicator_scale``).

Output: one row per setting and measure with ``value``, its limits (``lowercl``/``uppercl``,
or ``lower95_0cl`` … for several levels), ``kind`` (absolute/relative), ``weighted`` and,
with ``type="full"``, ``confidence``, ``statistic``, ``method`` and ``reason``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthgap.analyst.calculation import Calculation, Parameter
from healthgap.analyst.frame import (
    OUTPUT_TYPES,
    Grouping,
    OutputType,
    confidence_text,
    group_rows,
    interval_columns,
    numeric_column,
    parse_confidence,
)
from healthgap.errors import InputError
from healthgap.methods import heat as heat_methods
from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray

__all__ = ["CALCULATIONS", "heat"]

Confidence = float | str | Sequence[float]


def _setting_value(
    values: FloatArray | None,
    option: float | bool | None,
    rows: np.ndarray,
    *,
    column: str | None,
    option_name: str,
    grouping: Grouping,
    code: int,
) -> float:
    """A per-setting constant from its column (must not vary) or else the option."""
    if values is not None and column is not None:
        own = values[rows]
        if np.isnan(own).any() or (own != own[0]).any():
            raise InputError(
                "must hold one value for the whole setting",
                column=column,
                key=f"group {grouping.describe(code)}",
            )
        return float(own[0])
    if option is None:
        raise InputError(
            f"give --{option_name.replace('_', '-')} or a column for it", key=option_name
        )
    return float(option)


def _optional(data: pd.DataFrame, column: str | None, argument: str) -> FloatArray | None:
    if column is None:
        return None
    return numeric_column(data, column, argument=argument)


def heat(
    data: pd.DataFrame,
    *,
    estimate: str,
    population: str | None = None,
    se: str | None = None,
    subgroup: str | None = None,
    subgroup_order: str | None = None,
    reference_subgroup: str | None = None,
    setting_average: str | None = None,
    group_by: Sequence[str] = (),
    ordered: bool | None = None,
    favourable: bool | None = None,
    scale: float | None = None,
    ordered_dimension: str | None = None,
    favourable_indicator: str | None = None,
    indicator_scale: str | None = None,
    confidence: Confidence = 0.95,
    heat_compatible: bool = False,
    draws: int | None = None,
    seed: int = heat_methods.HEAT_SEED,
    type: OutputType = "full",
) -> pd.DataFrame:
    """Every applicable HEAT summary measure per setting (see the module docstring)."""
    levels = parse_confidence(confidence)
    grouping = group_rows(data, group_by)
    y = numeric_column(data, estimate, argument="estimate")
    pop = _optional(data, population, "population")
    sev = _optional(data, se, "se")
    orders = _optional(data, subgroup_order, "subgroup_order")
    refs = _optional(data, reference_subgroup, "reference_subgroup")
    averages = _optional(data, setting_average, "setting_average")
    ordered_col = _optional(data, ordered_dimension, "ordered_dimension")
    favourable_col = _optional(data, favourable_indicator, "favourable_indicator")
    scale_col = _optional(data, indicator_scale, "indicator_scale")
    if refs is not None and not np.isin(refs, (0.0, 1.0)).all():
        i = int(np.argmax(~np.isin(refs, (0.0, 1.0))))
        raise InputError("must be 0 or 1", row=i + 2, column=reference_subgroup, value=refs[i])
    names = (
        data[subgroup].astype(str).to_numpy()
        if subgroup is not None
        else np.array([f"row {i + 2}" for i in range(len(data))])
    )
    columns = {
        "estimates": estimate,
        "population": population or "population",
        "se": se or "se",
        "order": subgroup_order or "subgroup_order",
        "reference": reference_subgroup or "reference_subgroup",
        "setting_average": setting_average or "setting_average",
        "labels": subgroup or "subgroup",
    }
    out: list[dict[str, object]] = []
    bounds = interval_columns(levels)
    for code in range(grouping.count):
        rows = np.flatnonzero(grouping.codes == code)
        is_ordered = bool(
            _setting_value(
                ordered_col,
                ordered,
                rows,
                column=ordered_dimension,
                option_name="ordered",
                grouping=grouping,
                code=code,
            )
        )
        is_favourable = bool(
            _setting_value(
                favourable_col,
                favourable,
                rows,
                column=favourable_indicator,
                option_name="favourable",
                grouping=grouping,
                code=code,
            )
        )
        setting_scale = _setting_value(
            scale_col,
            scale,
            rows,
            column=indicator_scale,
            option_name="scale",
            grouping=grouping,
            code=code,
        )
        reference = None
        if refs is not None:
            flagged = np.flatnonzero(refs[rows] == 1)
            if len(flagged) > 1:
                raise InputError(
                    "more than one reference subgroup in a setting",
                    column=reference_subgroup,
                    key=f"group {grouping.describe(code)}",
                )
            reference = int(flagged[0]) if len(flagged) else None
        average = None
        if averages is not None:
            average = _setting_value(
                averages,
                None,
                rows,
                column=setting_average,
                option_name="setting_average",
                grouping=grouping,
                code=code,
            )
        try:
            summary = heat_methods.heat_summary(
                y[rows],
                population=None if pop is None else pop[rows],
                se=None if sev is None else sev[rows],
                ordered=is_ordered,
                favourable=is_favourable,
                scale=setting_scale,
                reference=reference,
                order=None if orders is None or not is_ordered else orders[rows],
                setting_average=average,
                labels=[str(n) for n in names[rows]],
                confidence=levels,
                heat_compatible=heat_compatible,
                draws=draws,
                seed=seed,
            )
        except MethodInputError as exc:
            subgroup_text = f", subgroup {exc.group}" if exc.group is not None else ""
            raise InputError(
                exc.rule,
                column=columns.get(exc.field or "", exc.field),
                key=f"group {grouping.describe(code)}{subgroup_text}",
            ) from exc
        keys: dict[str, object] = (
            {str(k): v for k, v in grouping.keys.iloc[code].to_dict().items()}
            if grouping.columns
            else {}
        )
        by_measure: dict[str, list[heat_methods.HeatRow]] = {}
        for row in summary:
            by_measure.setdefault(row.measure, []).append(row)
        for measure, measure_rows in by_measure.items():
            first = measure_rows[0]
            record: dict[str, object] = dict(keys)
            record["measure"] = measure
            if type in ("full", "standard", "value"):
                record["value"] = first.value
            for (lower_name, upper_name), row in zip(bounds, measure_rows, strict=True):
                if type in ("full", "standard", "lower"):
                    record[lower_name] = row.lower
                if type in ("full", "standard", "upper"):
                    record[upper_name] = row.upper
            record["kind"] = first.kind
            record["weighted"] = first.weighted
            if type == "full":
                record["confidence"] = confidence_text(levels)
                record["statistic"] = first.statistic
                record["method"] = first.method
                record["reason"] = first.reason
            out.append(record)
    return pd.DataFrame(out)


def _column(name: str, help: str, *, required: bool = False) -> Parameter:
    return Parameter(name, "column", help) if required else Parameter(name, "column", help, None)


CALCULATIONS: tuple[Calculation, ...] = (
    Calculation(
        "heat",
        "WHO HEAT summary measures (D, R, ACI, RCI, SII, RII, BGV ... PAF, PAR) per setting.",
        (
            _column("estimate", "Column of subgroup estimates.", required=True),
            _column("population", "Column of subgroup populations (weighted measures)."),
            _column("se", "Column of standard errors of the estimates (intervals)."),
            _column("subgroup", "Column of subgroup names."),
            _column("subgroup_order", "Column of order, 1 = most disadvantaged (ordered)."),
            _column("reference_subgroup", "Column flagging the reference subgroup with 1."),
            _column("setting_average", "Column of the setting average (else weighted mean)."),
            Parameter("group_by", "columns", "Columns identifying a setting, comma-separated.", ()),
            Parameter("ordered", "flag", "The dimension is ordered (true/false).", None),
            Parameter("favourable", "flag", "Higher is better (true/false).", None),
            Parameter("scale", "number", "Indicator scale: 100 for %, 1000 per 1,000 ...", None),
            _column("ordered_dimension", "Column of 0/1: ordered dimension, per setting."),
            _column("favourable_indicator", "Column of 0/1: favourable indicator."),
            _column("indicator_scale", "Column of the indicator scale, per setting."),
            Parameter(
                "confidence", "confidence", "Confidence level(s): 0.95, 95 or 0.95,0.998.", (0.95,)
            ),
            Parameter(
                "heat_compatible",
                "flag",
                "Reproduce HEAT's published interval scales (ADR 0140).",
                False,
            ),
            Parameter("draws", "integer", "Simulation draws (default 1000; 100 if HEAT).", None),
            Parameter("seed", "integer", "Seed of the simulation.", heat_methods.HEAT_SEED),
            Parameter(
                "type",
                "choice",
                "Output columns: full, standard, value, lower or upper.",
                "full",
                OUTPUT_TYPES,
            ),
        ),
        heat,
    ),
)
