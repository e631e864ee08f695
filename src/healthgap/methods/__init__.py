"""England's public-health statistics and the WHO HEAT inequality measures.

Pure, vectorised functions over NumPy arrays of aggregated counts. No I/O, no data frames.
"""

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
from healthgap.methods.dsr import DSR_MIN_COUNT, DsrComponents, dsr, dsr_components
from healthgap.methods.errors import MethodInputError
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
from healthgap.methods.healthy_life_expectancy import healthy_life_expectancy
from healthgap.methods.heat import HeatRow, HeatSetting, heat_setting, heat_summary
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
from healthgap.methods.isr import IsrComponents, isr_components, isr_rate, isr_ratio
from healthgap.methods.life_expectancy import LE_STARTAGES, LifeTable, life_expectancy, life_table
from healthgap.methods.mean import MeanComponents, mean, mean_components
from healthgap.methods.proportion import proportion
from healthgap.methods.quantiles import QuantileAssignment, assign_quantiles
from healthgap.methods.rate import rate
from healthgap.methods.result import Interval, Result, confidence_label
from healthgap.methods.sii import (
    SIIResult,
    ValueType,
    sii_confidence_positions,
    slope_index_of_inequality,
)
from healthgap.methods.standard_populations import (
    ESP1976,
    ESP2013,
    ESP2013_21,
    STANDARD_POPULATIONS,
    StandardPopulation,
    standard_weights,
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
