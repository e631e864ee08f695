"""Every applicable WHO HEAT summary measure for one setting, as tidy rows.

Applicability (HEAT Plus technical notes): D, R, PAF and PAR for every dimension; ACI,
RCI, SII and RII for ordered dimensions with > 2 subgroups; BGV … MLD for non-ordered
dimensions with > 2 subgroups (MDRU/MDRW only with a reference subgroup); the extra D/R
spread variants for non-ordered dimensions with > 30, > 60 and > 100 subgroups.
A measure that applies but cannot be computed (no population, an estimate above the
scale for the logistic model …) still gets rows, with NaN values and the reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from numpy.typing import ArrayLike

from healthgap.methods.errors import MethodInputError
from healthgap.methods.heat import disproportionality as dis
from healthgap.methods.heat import impact, ordered, simple
from healthgap.methods.heat.setting import HeatSetting, heat_confidences, heat_setting
from healthgap.methods.heat.simulation import HEAT_DRAWS, HEAT_SEED, HeatSimulation, simulate
from healthgap.methods.result import Result

__all__ = [
    "DEFAULT_DRAWS",
    "HeatRow",
    "applicable_measures",
    "heat_summary",
    "summarise_setting",
]

DEFAULT_DRAWS = 1000
"""Simulation draws unless ``heat_compatible`` (then HEAT's 100)."""


@dataclass(frozen=True)
class HeatRow:
    """One measure at one confidence level for one setting."""

    measure: str
    value: float
    confidence: float
    lower: float
    upper: float
    kind: str
    weighted: bool
    statistic: str
    method: str
    reason: str = ""


@dataclass(frozen=True)
class _Context:
    confidence: tuple[float, ...]
    heat_compatible: bool
    simulation: HeatSimulation | None
    draws: int
    seed: int
    model: ordered.LogisticRankModel | None


@dataclass(frozen=True)
class _Measure:
    code: str
    kind: str
    weighted: bool
    needs_population: bool
    compute: Callable[[HeatSetting, _Context], Result]


def _sim(fn: Callable[..., Result], **fixed: object) -> Callable[[HeatSetting, _Context], Result]:
    def run(setting: HeatSetting, ctx: _Context) -> Result:
        return fn(
            setting,
            confidence=ctx.confidence,
            simulation=ctx.simulation,
            draws=ctx.draws,
            seed=ctx.seed,
            **fixed,
        )

    return run


def _analytic(
    fn: Callable[..., Result], *, compat: bool = False
) -> Callable[[HeatSetting, _Context], Result]:
    def run(setting: HeatSetting, ctx: _Context) -> Result:
        if compat:
            return fn(setting, confidence=ctx.confidence, heat_compatible=ctx.heat_compatible)
        return fn(setting, confidence=ctx.confidence)

    return run


def _mdr(weighted: bool) -> Callable[[HeatSetting, _Context], Result]:
    def run(setting: HeatSetting, ctx: _Context) -> Result:
        return dis.mean_difference_from_reference(
            setting,
            weighted=weighted,
            confidence=ctx.confidence,
            heat_compatible=ctx.heat_compatible,
            simulation=ctx.simulation,
            draws=ctx.draws,
            seed=ctx.seed,
        )

    return run


def _model_measure(fn: Callable[..., Result]) -> Callable[[HeatSetting, _Context], Result]:
    def run(setting: HeatSetting, ctx: _Context) -> Result:
        return fn(setting, confidence=ctx.confidence, model=ctx.model)

    return run


_SIMPLE = (
    _Measure("D", "absolute", False, False, _analytic(simple.difference)),
    _Measure("R", "relative", False, False, _analytic(simple.ratio)),
)
_ORDERED = (
    _Measure(
        "ACI", "absolute", True, True, _analytic(ordered.absolute_concentration_index, compat=True)
    ),
    _Measure(
        "RCI", "relative", True, True, _analytic(ordered.relative_concentration_index, compat=True)
    ),
    _Measure("SII", "absolute", True, True, _model_measure(ordered.heat_slope_index)),
    _Measure("RII", "relative", True, True, _model_measure(ordered.heat_relative_index)),
)
_NON_ORDERED = (
    _Measure("BGV", "absolute", True, True, _analytic(dis.between_group_variance)),
    _Measure("BGSD", "absolute", True, True, _sim(dis.between_group_sd)),
    _Measure("COV", "relative", True, True, _sim(dis.coefficient_of_variation)),
    _Measure("MDMU", "absolute", False, True, _sim(dis.mean_difference_from_mean, weighted=False)),
    _Measure("MDMW", "absolute", True, True, _sim(dis.mean_difference_from_mean, weighted=True)),
    _Measure("MDBU", "absolute", False, False, _sim(dis.mean_difference_from_best, weighted=False)),
    _Measure("MDBW", "absolute", True, True, _sim(dis.mean_difference_from_best, weighted=True)),
)
_REFERENCE = (
    _Measure("MDRU", "absolute", False, False, _mdr(False)),
    _Measure("MDRW", "absolute", True, True, _mdr(True)),
)
_NON_ORDERED_TAIL = (
    _Measure("IDISU", "relative", False, True, _sim(dis.index_of_disparity, weighted=False)),
    _Measure("IDISW", "relative", True, True, _sim(dis.index_of_disparity, weighted=True)),
    _Measure("TI", "relative", True, True, _analytic(dis.theil_index, compat=True)),
    _Measure("MLD", "relative", True, True, _analytic(dis.mean_log_deviation, compat=True)),
)
_IMPACT = (
    _Measure(
        "PAF",
        "relative",
        True,
        True,
        _analytic(impact.population_attributable_fraction, compat=True),
    ),
    _Measure(
        "PAR", "absolute", True, True, _analytic(impact.population_attributable_risk, compat=True)
    ),
)


def _spread(variant: simple.SpreadVariant, relative: bool) -> _Measure:
    def run(setting: HeatSetting, ctx: _Context) -> Result:
        return simple.subgroup_spread(
            setting,
            variant,
            relative=relative,
            confidence=ctx.confidence,
            simulation=ctx.simulation,
            draws=ctx.draws,
            seed=ctx.seed,
        )

    prefix = "R" if relative else "D"
    return _Measure(
        f"{prefix}_{variant.code}", "relative" if relative else "absolute", False, False, run
    )


def _applicable_measures(size: int, *, ordered: bool, reference: bool) -> tuple[_Measure, ...]:
    measures: list[_Measure] = list(_SIMPLE)
    if not ordered:
        for variant in simple.SPREAD_VARIANTS:
            if size >= variant.min_subgroups:
                measures += [_spread(variant, relative=False), _spread(variant, relative=True)]
    if size > 2 and ordered:
        measures += _ORDERED
    if size > 2 and not ordered:
        measures += _NON_ORDERED
        if reference:
            measures += _REFERENCE
        measures += _NON_ORDERED_TAIL
    measures += _IMPACT
    return tuple(measures)


def _applicable(setting: HeatSetting) -> tuple[_Measure, ...]:
    return _applicable_measures(
        setting.size, ordered=setting.ordered, reference=setting.reference is not None
    )


def applicable_measures(size: int, *, ordered: bool, reference: bool = False) -> tuple[str, ...]:
    """Codes of the measures HEAT applies to a setting of ``size`` subgroups (at least the
    simple and impact measures, even for fewer than two subgroups)."""
    return tuple(m.code for m in _applicable_measures(size, ordered=ordered, reference=reference))


def _missing(measure: _Measure, ctx: _Context, reason: str) -> list[HeatRow]:
    return [
        HeatRow(
            measure=measure.code,
            value=math.nan,
            confidence=level,
            lower=math.nan,
            upper=math.nan,
            kind=measure.kind,
            weighted=measure.weighted,
            statistic=measure.code,
            method="not computed",
            reason=reason,
        )
        for level in ctx.confidence
    ]


def _rows(measure: _Measure, result: Result) -> list[HeatRow]:
    return [
        HeatRow(
            measure=measure.code,
            value=float(result.value[0]),
            confidence=interval.confidence,
            lower=float(interval.lower[0]),
            upper=float(interval.upper[0]),
            kind=measure.kind,
            weighted=measure.weighted,
            statistic=result.statistic,
            method=result.method,
            reason=str(result.reason[0]) if len(result.reason) else "",
        )
        for interval in result.intervals
    ]


def summarise_setting(
    setting: HeatSetting,
    *,
    confidence: float | Sequence[float] = 0.95,
    heat_compatible: bool = False,
    draws: int | None = None,
    seed: int = HEAT_SEED,
) -> tuple[HeatRow, ...]:
    """All applicable measures of a validated setting, one row per measure and level.

    Simulated measures share one set of draws (``draws``: default 1000, or HEAT's 100
    when ``heat_compatible``).
    """
    levels = heat_confidences(confidence)
    n_draws = draws if draws is not None else (HEAT_DRAWS if heat_compatible else DEFAULT_DRAWS)
    measures = _applicable(setting)
    simulation: HeatSimulation | None = None
    if setting.se is not None:
        try:
            simulation = simulate(setting, draws=n_draws, seed=seed)
        except MethodInputError:
            simulation = None  # each simulated measure reports the reason itself
    model: ordered.LogisticRankModel | None = None
    model_error = ""
    if setting.ordered and setting.size > 2 and setting.population is not None:
        try:
            model = ordered.logistic_rank_model(setting)
        except MethodInputError as exc:
            model_error = str(exc)
    ctx = _Context(levels, heat_compatible, simulation, n_draws, seed, model)
    rows: list[HeatRow] = []
    for measure in measures:
        if measure.needs_population and setting.population is None:
            if measure.code in {"MDMU", "IDISU"} and setting.setting_average is not None:
                rows += _computed(measure, setting, ctx)
                continue
            rows += _missing(measure, ctx, f"{measure.code} needs the subgroup population")
            continue
        if measure.code in {"SII", "RII"} and model is None:
            rows += _missing(measure, ctx, model_error)
            continue
        rows += _computed(measure, setting, ctx)
    return tuple(rows)


def _computed(measure: _Measure, setting: HeatSetting, ctx: _Context) -> list[HeatRow]:
    """The measure's rows; a measure these estimates cannot bear (the simulation cannot
    stay in range …) gives NaN rows with the reason instead of stopping the others."""
    try:
        return _rows(measure, measure.compute(setting, ctx))
    except MethodInputError as exc:
        return _missing(measure, ctx, str(exc))


def heat_summary(
    estimates: ArrayLike,
    *,
    population: ArrayLike | None,
    se: ArrayLike | None,
    ordered: bool,
    favourable: bool,
    scale: float,
    reference: int | None = None,
    order: ArrayLike | None = None,
    setting_average: float | None = None,
    labels: Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
    heat_compatible: bool = False,
    draws: int | None = None,
    seed: int = HEAT_SEED,
) -> tuple[HeatRow, ...]:
    """Every applicable HEAT summary measure for one setting, as tidy :class:`HeatRow` rows.

    See :func:`heat_setting` for the inputs and :func:`summarise_setting` for the output.
    ``heat_compatible=True`` reproduces HEAT's published interval scales (ADR 0140).
    """
    setting = heat_setting(
        estimates,
        population=population,
        se=se,
        ordered=ordered,
        favourable=favourable,
        scale=scale,
        reference=reference,
        order=order,
        setting_average=setting_average,
        labels=labels,
    )
    return summarise_setting(
        setting, confidence=confidence, heat_compatible=heat_compatible, draws=draws, seed=seed
    )
