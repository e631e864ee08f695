"""Directly standardised rates with Dobson confidence limits (Byar's for the total count).

DSR = Σ wᵢ(Oᵢ/nᵢ) / Σwᵢ × multiplier; var = Σ wᵢ²Oᵢ/nᵢ² / (Σwᵢ)²;
limits = DSR + √(var/O)·(O_{L,U} − O)·multiplier, O = ΣOᵢ, O_{L,U} Byar's limits (exact below
10). Value and limits are withheld (NaN, with a reason) when O < 10 (Morris et al. 2018,
Popul Health Metr 16:9). Non-independent events: rows are the numbers of individuals x_f with
f events in an age band; the DSR uses events Σ f·x_f and the variance Σ_f f²·var_f, var_f the
Dobson variance of the x_f (PHE Technical Guide – DSR chapter).

References: Dobson AJ et al. (1991) Stat Med 10:457-62; Breslow & Day (1987) vol. II;
Eurostat (2013) Revision of the European Standard Population.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from healthgap.methods import _core_checks as check
from healthgap.methods.errors import MethodInputError
from healthgap.methods.intervals import dobson
from healthgap.methods.result import FloatArray, Interval, Result

__all__ = ["DSR_MIN_COUNT", "DsrComponents", "dsr", "dsr_components"]

DSR_MIN_COUNT = 10
"""A DSR is not published when the total count is below this."""

_METHOD = "Dobson"
_METHOD_NON_INDEPENDENT = "Dobson, with confidence adjusted for non-independent events"


@dataclass(frozen=True)
class DsrComponents:
    """Per-group total events, total population, Σw, Σ wᵢOᵢ/nᵢ and the Dobson variance."""

    total_count: FloatArray
    total_pop: FloatArray
    total_weight: FloatArray
    weighted_rate: FloatArray
    variance: FloatArray


def dsr_components(
    x: ArrayLike,
    n: ArrayLike,
    stdpop: ArrayLike,
    *,
    groups: ArrayLike | None = None,
    eventfreq: ArrayLike | None = None,
    ageband: ArrayLike | None = None,
    events_can_recur: bool = True,
) -> DsrComponents:
    """The sums a DSR is made of; see :func:`dsr` for the arguments and rules."""
    xa = check.floats("x", x)
    na = check.floats("n", n)
    wa = check.floats("stdpop", stdpop)
    check.same_length(x=xa, n=na, stdpop=wa)
    codes, n_groups = check.group_codes(groups, len(xa))
    xa = np.where(np.isnan(xa), 0.0, xa)  # missing counts are zero events
    check.no_nan("x", xa, codes)
    check.no_nan("n", na, codes)
    check.no_nan("stdpop", wa, codes)
    check.non_negative("x", xa, codes)
    check.positive("n", na, codes)
    check.non_negative("stdpop", wa, codes)
    if eventfreq is None:
        freq = np.ones_like(xa)
        band_weight = wa
        band_pop = na
        if not events_can_recur:
            check.people_within_population("x", xa, "n", na, codes)
    else:
        if ageband is None:
            raise MethodInputError("needed when eventfreq is given", field="ageband")
        freq = check.floats("eventfreq", eventfreq)
        check.same_length(x=xa, eventfreq=freq)
        check.no_nan("eventfreq", freq, codes)
        check.positive("eventfreq", freq, codes)
        band_weight, band_pop, band_people, band_n = _band_once(
            codes, np.asarray(ageband), xa, na, wa
        )
        check.people_within_population("x", band_people, "n", band_n, codes)
    events = xa * freq
    total_weight = check.group_sum(band_weight, codes, n_groups)
    weighted_rate = check.group_sum(events * wa / na, codes, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = check.group_sum(freq**2 * xa * (wa / na) ** 2, codes, n_groups) / total_weight**2
    return DsrComponents(
        total_count=check.group_sum(events, codes, n_groups),
        total_pop=check.group_sum(band_pop, codes, n_groups),
        total_weight=total_weight,
        weighted_rate=weighted_rate,
        variance=variance,
    )


def _band_once(
    codes: check.IntArray, ageband: np.ndarray, x: FloatArray, n: FloatArray, stdpop: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Weights and populations counted once per (group, age band); rows must agree on both.

    Also, per row, the individuals of the row's band (Σ x over its event frequencies) and the
    band's population, for the rule that individuals cannot outnumber the population.
    """
    if len(ageband) != len(codes):
        raise MethodInputError(
            f"length {len(ageband)} differs from 'x' (length {len(codes)})", field="ageband"
        )
    _, band = np.unique(ageband, return_inverse=True)
    key = codes.astype(np.int64) * (int(band.max()) + 1) + band.reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    for field, values in (("n", n), ("stdpop", stdpop)):
        differs = values != values[first][inverse]
        if differs.any():
            raise MethodInputError(
                "differs between rows of the same age band",
                field=field,
                group=int(codes[np.flatnonzero(differs)[0]]),
            )
    once = np.zeros(len(codes), dtype=np.float64)
    once[first] = 1.0
    people: FloatArray = np.bincount(inverse, weights=x, minlength=len(first)).astype(np.float64)
    people = people[inverse]
    return stdpop * once, n * once, people, n


def dsr(
    x: ArrayLike,
    n: ArrayLike,
    stdpop: ArrayLike,
    *,
    groups: ArrayLike | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    eventfreq: ArrayLike | None = None,
    ageband: ArrayLike | None = None,
    events_can_recur: bool = True,
) -> Result:
    """Directly standardised rate per group, one row per age band (or band × event frequency).

    Arguments are per-row 1-D arrays: ``x`` events (NaN = 0), ``n`` population (> 0),
    ``stdpop`` the standard population weight of the row's band (see
    :mod:`healthgap.methods.standard_populations`); ``groups`` dense integer codes (None = one
    group). Groups may hold different numbers of bands. For non-independent events give
    ``eventfreq`` (events per individual, so ``x`` counts individuals) and ``ageband`` (any
    label; rows of one band must share ``n`` and ``stdpop``); the individuals of a band
    cannot outnumber its population. With ``events_can_recur=False`` (``x`` counts people,
    e.g. deaths) a row with x > n is refused; events that can recur (admissions) may exceed n.

    Groups with total count < 10 get NaN value and limits with a reason.
    """
    levels = check.confidences(confidence)
    parts = dsr_components(
        x,
        n,
        stdpop,
        groups=groups,
        eventfreq=eventfreq,
        ageband=ageband,
        events_can_recur=events_can_recur,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        value = parts.weighted_rate / parts.total_weight * multiplier
    withheld = parts.total_count < DSR_MIN_COUNT
    no_weight = parts.total_weight <= 0
    value = np.where(withheld | no_weight, np.nan, value)
    intervals = []
    for level in levels:
        lower, upper = dobson(
            value, parts.total_count, parts.variance, confidence=level, multiplier=multiplier
        )
        intervals.append(Interval(level, lower, upper))
    reason = np.where(
        no_weight,
        "standard population weights sum to 0",
        np.where(withheld, f"total count < {DSR_MIN_COUNT}: dsr not published", ""),
    )
    return Result(
        value=value,
        intervals=tuple(intervals),
        statistic=f"dsr per {multiplier:g}",
        method=_METHOD if eventfreq is None else _METHOD_NON_INDEPENDENT,
        multiplier=float(multiplier),
        reason=reason.astype(np.str_),
    )
