"""Is a target on track? Glide paths, projections to the deadline, and a status.

Fingertips compares a value with a fixed goal at best (METHODS.md §3.6); it has no trajectory,
target year or "on track" projection. healthgap adds them:

- **glide path**: the straight line from the baseline to the target at the deadline;
- **projection**: a linear trend fitted to the observed values — weighted least squares with
  weights 1/SE² where the values carry 95% limits (SE = (upper − lower)/3.92, as in the
  Fingertips trend method), ordinary least squares otherwise — extrapolated to the deadline
  with a prediction interval. For WLS the residual variance is scaled by
  max(1, χ²/(k − 2)) (over-dispersion, as in meta-regression), and the prediction variance
  adds the latest value's sampling variance; for OLS it adds σ̂². The interval uses Student's t
  with k − 2 degrees of freedom.
- **status** (direction-aware):
  ``achieved`` — the latest value meets the target;
  ``on_track`` — the whole prediction interval at the deadline meets the target;
  ``at_risk`` — the target lies inside the prediction interval;
  ``off_track`` — the whole interval misses the target;
  ``not_assessable`` — with the reason (no target set, too few values, no data).

  Once the deadline has passed the verdict rests on the value **for the deadline's final
  period** (mid-point in the deadline's final year, or a period ending within it; a value
  whose mid-point is on or after the deadline is *late*): ``achieved`` when it meets the
  target, ``missed`` when it does not, ``achieved_late`` when it does not (or is not held) but
  a later value meets the target. A later value never makes a missed target achieved or an
  achieved one missed. Without a final-period value an earlier value that meets the target
  still gives ``achieved`` (said in the reason); otherwise the projection to the deadline
  decides, fitted to every value held, and the reason says no final-period value is held.

References: Fingertips technical guidance, *Trend markers*; Draper & Smith (1998) Applied
Regression Analysis §2 (prediction intervals); Thompson & Sharp (1999) Stat Med 18:2693
(multiplicative over-dispersion in weighted regression).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import stats

__all__ = [
    "MIN_POINTS_TO_PROJECT",
    "Assessment",
    "Direction",
    "Observation",
    "Projection",
    "Status",
    "Target",
    "assess",
    "deadline_date",
    "glide_value",
    "in_final_period",
    "project",
]

MIN_POINTS_TO_PROJECT = 3
_Z95_WIDTH = 2 * 1.959963984540054


class Status(StrEnum):
    ACHIEVED = "achieved"
    ACHIEVED_LATE = "achieved_late"
    MISSED = "missed"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NOT_ASSESSABLE = "not_assessable"


class Direction(StrEnum):
    """Which way the value must move to meet the target."""

    DECREASE = "decrease"
    INCREASE = "increase"


@dataclass(frozen=True)
class Observation:
    """One value in time: ``time`` in decimal years (the period's mid-point).

    ``start`` and ``end`` are the instants the period starts and ends (decimal years; the end
    is the start of the day after its last day), when known.
    """

    time: float
    value: float
    lower95: float | None = None
    upper95: float | None = None
    label: str = ""
    start: float | None = None
    end: float | None = None

    @property
    def se(self) -> float | None:
        if self.lower95 is None or self.upper95 is None:
            return None
        width = self.upper95 - self.lower95
        return width / _Z95_WIDTH if width > 0 else None


@dataclass(frozen=True)
class Target:
    """A target value to reach by a deadline (decimal year), from a baseline."""

    value: float
    deadline: float
    direction: Direction
    baseline_value: float | None = None
    baseline_time: float | None = None

    def met_by(self, value: float) -> bool:
        if self.direction is Direction.DECREASE:
            return value <= self.value
        return value >= self.value


@dataclass(frozen=True)
class Projection:
    """A fitted linear trend and its value at ``time`` with a prediction interval."""

    slope: float
    intercept: float
    time: float
    value: float
    lower: float
    upper: float
    confidence: float
    method: str
    points: int

    def at(self, time: float) -> float:
        return self.intercept + self.slope * time


@dataclass(frozen=True)
class Assessment:
    """The verdict on one target, with everything needed to explain it."""

    status: Status
    reason: str
    latest: Observation | None
    target: Target | None
    projection: Projection | None = None
    glide_value_at_latest: float | None = None
    required_annual_change: float | None = None
    observed_annual_change: float | None = None
    judged_on: Observation | None = None
    """The value the verdict rests on (None when a projection decides)."""


def deadline_date(deadline: float) -> str:
    """A deadline in decimal years (the instant it falls due) as the last day it allows.

    >>> deadline_date(2031.0)
    '2030-12-31'
    """
    year = int(deadline)
    start = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - start).days
    due = start + dt.timedelta(days=round((deadline - year) * days))
    return (due - dt.timedelta(days=1)).isoformat()


def glide_value(target: Target, time: float) -> float | None:
    """The glide path's value at ``time``; None without a baseline."""
    if target.baseline_value is None or target.baseline_time is None:
        return None
    span = target.deadline - target.baseline_time
    if span <= 0:
        return target.value
    frac = (time - target.baseline_time) / span
    return target.baseline_value + frac * (target.value - target.baseline_value)


def project(
    observations: Sequence[Observation], *, to: float, confidence: float = 0.95
) -> Projection:
    """Fit a linear trend to ``observations`` and predict the value at time ``to``."""
    k = len(observations)
    if k < MIN_POINTS_TO_PROJECT:
        raise ValueError(f"a projection needs at least {MIN_POINTS_TO_PROJECT} values; got {k}")
    t = np.array([o.time for o in observations], dtype=float)
    y = np.array([o.value for o in observations], dtype=float)
    ses = [o.se for o in observations]
    weighted = all(s is not None for s in ses)
    centre = float(t.mean())
    x = t - centre
    design = np.column_stack([np.ones(k), x])
    if weighted:
        var_i = np.array(ses, dtype=float) ** 2
        w = 1.0 / var_i
        xtwx = design.T @ (design * w[:, None])
        cov_unscaled = np.linalg.inv(xtwx)
        beta = cov_unscaled @ (design.T @ (w * y))
        resid = y - design @ beta
        chi2 = float(np.sum(w * resid**2))
        scale = max(1.0, chi2 / (k - 2)) if k > 2 else 1.0
        cov = cov_unscaled * scale
        new_var = float(var_i[np.argmax(t)]) * scale
        method = "weighted least squares (1/SE²), over-dispersion scaled"
    else:
        xtx = design.T @ design
        cov_unscaled = np.linalg.inv(xtx)
        beta = cov_unscaled @ (design.T @ y)
        resid = y - design @ beta
        sigma2 = float(np.sum(resid**2) / (k - 2)) if k > 2 else 0.0
        cov = cov_unscaled * sigma2
        new_var = sigma2
        method = "ordinary least squares"
    x0 = np.array([1.0, to - centre])
    pred = float(x0 @ beta)
    pred_var = float(x0 @ cov @ x0) + new_var
    tcrit = float(stats.t.ppf(0.5 + confidence / 2, df=max(k - 2, 1)))
    half = tcrit * math.sqrt(max(pred_var, 0.0))
    slope = float(beta[1])
    return Projection(
        slope=slope,
        intercept=float(beta[0]) - slope * centre,
        time=to,
        value=pred,
        lower=pred - half,
        upper=pred + half,
        confidence=confidence,
        method=method,
        points=k,
    )


def in_final_period(o: Observation, deadline: float) -> bool:
    """Whether ``o`` is a value for the deadline's final period (see the module docstring)."""
    if o.time >= deadline:
        return False
    return o.time >= deadline - 1 or (o.end is not None and o.end > deadline - 1)


def _label(o: Observation) -> str:
    return o.label or f"{o.time:.2f}"


def assess(
    observations: Sequence[Observation],
    target: Target | None,
    *,
    as_of: float,
    confidence: float = 0.95,
) -> Assessment:
    """Assess progress towards ``target`` given the values observed up to ``as_of``."""
    obs = sorted((o for o in observations if o.time <= as_of), key=lambda o: o.time)
    latest = obs[-1] if obs else None
    if target is None:
        return Assessment(Status.NOT_ASSESSABLE, "no numeric target is set (TBC)", latest, None)
    if latest is None:
        return Assessment(
            Status.NOT_ASSESSABLE, "no values are held for this measure", None, target
        )
    glide = glide_value(target, latest.time)
    remaining = target.deadline - latest.time
    required = (target.value - latest.value) / remaining if remaining > 0 else None
    passed = as_of >= target.deadline
    on_time = [o for o in obs if o.time < target.deadline]
    late = [o for o in obs if o.time >= target.deadline]
    met_late = next((o for o in late if target.met_by(o.value)), None)
    final = [o for o in on_time if in_final_period(o, target.deadline)]
    due = deadline_date(target.deadline) if math.isfinite(target.deadline) else ""

    def verdict(status: Status, why: str, on: Observation) -> Assessment:
        return Assessment(
            status,
            why,
            latest,
            target,
            glide_value_at_latest=glide,
            required_annual_change=None if passed else required,
            judged_on=on,
        )

    if passed and final:
        f = final[-1]
        if target.met_by(f.value):
            return verdict(
                Status.ACHIEVED,
                f"the value for the deadline's final period, {f.value:g} ({_label(f)}), "
                f"meets the target {target.value:g}",
                f,
            )
        if met_late is not None:
            return verdict(
                Status.ACHIEVED_LATE,
                f"missed at the deadline ({due}): {f.value:g} ({_label(f)}) against a target "
                f"of {target.value:g}; met later: {met_late.value:g} ({_label(met_late)})",
                met_late,
            )
        since = (
            f"; the latest value since, {late[-1].value:g} ({_label(late[-1])}), misses it too"
            if late
            else ""
        )
        return verdict(
            Status.MISSED,
            f"the deadline ({due}) has passed and the value for its final period, "
            f"{f.value:g} ({_label(f)}), misses the target {target.value:g}{since}",
            f,
        )
    last_on_time = on_time[-1] if on_time else None
    if last_on_time is not None and target.met_by(last_on_time.value):
        which, early = "latest value", ""
        if passed:
            which = "the last value before the deadline,"
            early = "; no value for the deadline's final period is held"
        return verdict(
            Status.ACHIEVED,
            f"{which} {last_on_time.value:g} ({_label(last_on_time)}) meets the target "
            f"{target.value:g}{early}",
            last_on_time,
        )
    if passed and met_late is not None:
        return verdict(
            Status.ACHIEVED_LATE,
            f"met only after the deadline ({due}): {met_late.value:g} ({_label(met_late)}) "
            f"against a target of {target.value:g}; no value for the deadline's final period "
            "is held",
            met_late,
        )
    no_final = (
        f"the deadline ({due}) has passed and no value for its final period is held; "
        if passed
        else ""
    )
    if len(obs) < MIN_POINTS_TO_PROJECT:
        return Assessment(
            Status.NOT_ASSESSABLE,
            f"{no_final}a projection needs at least {MIN_POINTS_TO_PROJECT} values; "
            f"{len(obs)} held",
            latest,
            target,
            glide_value_at_latest=glide,
            required_annual_change=required,
        )
    proj = project(obs, to=target.deadline, confidence=confidence)
    lo_meets, hi_meets = target.met_by(proj.lower), target.met_by(proj.upper)
    if lo_meets and hi_meets:
        status, why = Status.ON_TRACK, "the whole projection interval meets the target"
    elif lo_meets or hi_meets:
        status, why = Status.AT_RISK, "the target lies inside the projection interval"
    else:
        status, why = Status.OFF_TRACK, "the whole projection interval misses the target"
    return Assessment(
        status,
        f"{no_final}{why}: projected {proj.value:.3g} ({proj.lower:.3g} to {proj.upper:.3g}) "
        f"by {deadline_date(target.deadline)} against a target of {target.value:g} "
        f"({proj.points} values)",
        latest,
        target,
        projection=proj,
        glide_value_at_latest=glide,
        required_annual_change=None if passed else required,
        observed_annual_change=proj.slope,
    )
