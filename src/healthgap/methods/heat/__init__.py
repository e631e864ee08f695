"""The WHO Health Equity Assessment Toolkit (HEAT) summary measures.

Build a validated :class:`HeatSetting` with :func:`heat_setting`, then call a measure, or
get every applicable measure at once with :func:`heat_summary`. Families: ``simple`` (D, R),
``ordered`` (ACI, RCI, SII, RII), ``disproportionality`` (BGV … MLD), ``impact`` (PAF, PAR).
Intervals are on the value's own scale by default; ``heat_compatible=True`` reproduces
HEAT's published numbers (docs/design/0140-heat-interval-scales.md).
"""

from __future__ import annotations

from healthgap.methods.heat.disproportionality import (
    ZERO_REPLACEMENT,
    between_group_sd,
    between_group_variance,
    coefficient_of_variation,
    index_of_disparity,
    mean_difference_from_best,
    mean_difference_from_mean,
    mean_difference_from_reference,
    mean_log_deviation,
    theil_index,
)
from healthgap.methods.heat.impact import (
    impact_reference,
    population_attributable_fraction,
    population_attributable_risk,
)
from healthgap.methods.heat.ordered import (
    LogisticRankModel,
    absolute_concentration_index,
    heat_relative_index,
    heat_slope_index,
    logistic_rank_model,
    relative_concentration_index,
)
from healthgap.methods.heat.setting import HeatSetting, heat_confidences, heat_setting, z_value
from healthgap.methods.heat.simple import (
    SPREAD_VARIANTS,
    SpreadVariant,
    difference,
    ratio,
    simple_pair,
    spread_variants,
    subgroup_spread,
)
from healthgap.methods.heat.simulation import (
    HEAT_DRAWS,
    HEAT_SEED,
    HeatSimulation,
    simulate,
    simulation_limits,
)
from healthgap.methods.heat.summary import (
    DEFAULT_DRAWS,
    HeatRow,
    applicable_measures,
    heat_summary,
    summarise_setting,
)

__all__ = [
    "DEFAULT_DRAWS",
    "HEAT_DRAWS",
    "HEAT_SEED",
    "SPREAD_VARIANTS",
    "ZERO_REPLACEMENT",
    "HeatRow",
    "HeatSetting",
    "HeatSimulation",
    "LogisticRankModel",
    "SpreadVariant",
    "absolute_concentration_index",
    "applicable_measures",
    "between_group_sd",
    "between_group_variance",
    "coefficient_of_variation",
    "difference",
    "heat_confidences",
    "heat_relative_index",
    "heat_setting",
    "heat_slope_index",
    "heat_summary",
    "impact_reference",
    "index_of_disparity",
    "logistic_rank_model",
    "mean_difference_from_best",
    "mean_difference_from_mean",
    "mean_difference_from_reference",
    "mean_log_deviation",
    "population_attributable_fraction",
    "population_attributable_risk",
    "ratio",
    "relative_concentration_index",
    "simple_pair",
    "simulate",
    "simulation_limits",
    "spread_variants",
    "subgroup_spread",
    "summarise_setting",
    "theil_index",
    "z_value",
]
