"""England's public-health statistics and the WHO HEAT inequality measures.

Pure, vectorised functions over NumPy arrays of aggregated counts. No I/O, no data frames.

The comparison, funnel, HEAT, ISR, quantile, SII, target and trend kernels are imported on first
use (PEP 562), so a command that needs only a DSR does not pay for them (issue 17, ADR 0105).
Modules whose names are also functions (``dsr``, ``mean``, ``rate`` …) are imported eagerly, so
``methods.dsr`` is always the function.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from healthgap.methods.dsr import (
    DSR_MIN_COUNT,
    DsrComponents,
    dsr,
    dsr_components,
)
from healthgap.methods.errors import MethodInputError
from healthgap.methods.healthy_life_expectancy import healthy_life_expectancy
from healthgap.methods.intervals import (
    byars_lower,
    byars_upper,
    dobson,
    exact_poisson,
    poisson_limits,
    poisson_method,
    wilson,
    z_from_confidence,
)
from healthgap.methods.life_expectancy import (
    LE_STARTAGES,
    LifeTable,
    life_expectancy,
    life_table,
)
from healthgap.methods.mean import (
    MeanComponents,
    mean,
    mean_components,
)
from healthgap.methods.proportion import proportion
from healthgap.methods.rate import rate
from healthgap.methods.result import (
    Interval,
    Result,
    confidence_label,
)
from healthgap.methods.standard_populations import (
    ESP1976,
    ESP2013,
    ESP2013_21,
    STANDARD_POPULATIONS,
    StandardPopulation,
    standard_weights,
)

if TYPE_CHECKING:
    from healthgap.methods.compare import (
        Comparison,
        ComparisonMethod,
        Outcome,
        Polarity,
        SpineStatistics,
        ValueCategories,
        benchmark_value,
        compare_with_benchmark,
        fingertips_percentile,
        outcome_labels,
        spine_statistics,
        value_categories,
    )
    from healthgap.methods.funnel import (
        FunnelLimits,
        FunnelSignificance,
        FunnelStatistic,
        assign_funnel_significance,
        funnel_axis_points,
        funnel_limits,
        funnel_limits_at,
        funnel_points,
        poisson_mean_limits,
    )
    from healthgap.methods.heat import (
        HeatRow,
        HeatSetting,
        heat_setting,
        heat_summary,
    )
    from healthgap.methods.isr import (
        IsrComponents,
        isr_components,
        isr_rate,
        isr_ratio,
    )
    from healthgap.methods.quantiles import QuantileAssignment, assign_quantiles
    from healthgap.methods.sii import (
        SIIResult,
        ValueType,
        sii_confidence_positions,
        slope_index_of_inequality,
    )
    from healthgap.methods.targets import compare_with_target
    from healthgap.methods.trend import (
        CHI_SQUARED_998,
        Change,
        TrendLabel,
        TrendResult,
        change_from_previous,
        recent_trend,
    )

#: Names imported on first use → the submodule that defines them.
_LAZY: dict[str, str] = {
    "Comparison": "compare",
    "ComparisonMethod": "compare",
    "Outcome": "compare",
    "Polarity": "compare",
    "SpineStatistics": "compare",
    "ValueCategories": "compare",
    "benchmark_value": "compare",
    "compare_with_benchmark": "compare",
    "fingertips_percentile": "compare",
    "outcome_labels": "compare",
    "spine_statistics": "compare",
    "value_categories": "compare",
    "FunnelLimits": "funnel",
    "FunnelSignificance": "funnel",
    "FunnelStatistic": "funnel",
    "assign_funnel_significance": "funnel",
    "funnel_axis_points": "funnel",
    "funnel_limits": "funnel",
    "funnel_limits_at": "funnel",
    "funnel_points": "funnel",
    "poisson_mean_limits": "funnel",
    "HeatRow": "heat",
    "HeatSetting": "heat",
    "heat_setting": "heat",
    "heat_summary": "heat",
    "IsrComponents": "isr",
    "isr_components": "isr",
    "isr_rate": "isr",
    "isr_ratio": "isr",
    "QuantileAssignment": "quantiles",
    "assign_quantiles": "quantiles",
    "SIIResult": "sii",
    "ValueType": "sii",
    "sii_confidence_positions": "sii",
    "slope_index_of_inequality": "sii",
    "compare_with_target": "targets",
    "CHI_SQUARED_998": "trend",
    "Change": "trend",
    "TrendLabel": "trend",
    "TrendResult": "trend",
    "change_from_previous": "trend",
    "recent_trend": "trend",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'healthgap.methods' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"healthgap.methods.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CHI_SQUARED_998",
    "DSR_MIN_COUNT",
    "ESP1976",
    "ESP2013",
    "ESP2013_21",
    "LE_STARTAGES",
    "STANDARD_POPULATIONS",
    "Change",
    "Comparison",
    "ComparisonMethod",
    "DsrComponents",
    "FunnelLimits",
    "FunnelSignificance",
    "FunnelStatistic",
    "HeatRow",
    "HeatSetting",
    "Interval",
    "IsrComponents",
    "LifeTable",
    "MeanComponents",
    "MethodInputError",
    "Outcome",
    "Polarity",
    "QuantileAssignment",
    "Result",
    "SIIResult",
    "SpineStatistics",
    "StandardPopulation",
    "TrendLabel",
    "TrendResult",
    "ValueCategories",
    "ValueType",
    "assign_funnel_significance",
    "assign_quantiles",
    "benchmark_value",
    "byars_lower",
    "byars_upper",
    "change_from_previous",
    "compare_with_benchmark",
    "compare_with_target",
    "confidence_label",
    "dobson",
    "dsr",
    "dsr_components",
    "exact_poisson",
    "fingertips_percentile",
    "funnel_axis_points",
    "funnel_limits",
    "funnel_limits_at",
    "funnel_points",
    "healthy_life_expectancy",
    "heat_setting",
    "heat_summary",
    "isr_components",
    "isr_rate",
    "isr_ratio",
    "life_expectancy",
    "life_table",
    "mean",
    "mean_components",
    "outcome_labels",
    "poisson_limits",
    "poisson_mean_limits",
    "poisson_method",
    "proportion",
    "rate",
    "recent_trend",
    "sii_confidence_positions",
    "slope_index_of_inequality",
    "spine_statistics",
    "standard_weights",
    "value_categories",
    "wilson",
    "z_from_confidence",
]
