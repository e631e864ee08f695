"""The indicator statistics as data-frame calculations, with PHEindicatormethods' argument names.

Each function takes a data frame and column names (``x``, ``n``, ``stdpop`` …), groups by
``group_by`` (PHEindicatormethods' grouped data frame), calls :mod:`healthgap.methods` once for
all groups and returns the group columns, the summed inputs and ``value`` with its limits
(``lowercl``/``uppercl`` for one confidence level; ``lower95_0cl`` … for several) and, with
``type="full"``, ``confidence``, ``statistic``, ``method`` and ``reason`` (why a value is NA).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from healthgap import methods
from healthgap.analyst.calculation import Calculation, Parameter
from healthgap.analyst.frame import (
    OUTPUT_TYPES,
    RECUR_HINT,
    Grouping,
    OutputType,
    group_rows,
    input_error,
    numeric_column,
    parse_confidence,
    refuse_people_above_population,
    result_frame,
)
from healthgap.errors import InputError
from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray, Result

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CALCULATIONS",
    "dsr",
    "hle",
    "isr_rate",
    "isr_ratio",
    "life_expectancy",
    "mean",
    "proportion",
    "rate",
]

Confidence = float | str | Sequence[float]


def _sum(values: FloatArray, grouping: Grouping) -> FloatArray:
    sums: FloatArray = np.bincount(grouping.codes, weights=values, minlength=grouping.count).astype(
        np.float64
    )
    return sums


def _join(base: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    base = base.reset_index(drop=True)
    clashes = [c for c in results.columns if c in base.columns]
    return pd.concat([base.drop(columns=clashes), results], axis=1)


def _row_wise(
    data: pd.DataFrame,
    *,
    x: str,
    n: str,
    group_by: Sequence[str],
    people: bool,
    hint: str = "",
) -> tuple[pd.DataFrame, FloatArray, FloatArray, Grouping | None]:
    """Inputs of proportion and rate: per row, or summed per group when grouped.

    ``people``: x counts people, so no row may have x > n (the numerator ≤ denominator rule).
    """
    xv = numeric_column(data, x, argument="x")
    nv = numeric_column(data, n, argument="n")
    if people:
        refuse_people_above_population(data, x=x, x_values=xv, n=n, n_values=nv, hint=hint)
    if not group_by:
        return data.copy(), xv, nv, None
    grouping = group_rows(data, group_by)
    base = grouping.keys.copy()
    xs, ns = _sum(xv, grouping), _sum(nv, grouping)
    base[x] = xs
    base[n] = ns
    return base, xs, ns, grouping


def proportion(
    data: pd.DataFrame,
    *,
    x: str,
    n: str,
    group_by: Sequence[str] = (),
    confidence: Confidence = 0.95,
    multiplier: float = 1,
    type: OutputType = "full",
) -> pd.DataFrame:
    """Proportion x/n with Wilson score limits (PHEindicatormethods ``phe_proportion``)."""
    levels = parse_confidence(confidence)
    base, xs, ns, grouping = _row_wise(data, x=x, n=n, group_by=group_by, people=True)
    try:
        result = methods.proportion(xs, ns, confidence=levels, multiplier=multiplier)
    except MethodInputError as exc:
        raise input_error(exc, columns={"x": x, "n": n}, grouping=grouping) from exc
    return _join(base, result_frame(result, levels=levels, type=type))


def rate(
    data: pd.DataFrame,
    *,
    x: str,
    n: str,
    group_by: Sequence[str] = (),
    confidence: Confidence = 0.95,
    multiplier: float = 100_000,
    events_can_recur: bool = False,
    type: OutputType = "full",
) -> pd.DataFrame:
    """Crude rate with Byar's / exact limits (PHEindicatormethods ``phe_rate``).

    ``x`` counts people (deaths) unless ``events_can_recur``: then no row may have x > n.
    """
    levels = parse_confidence(confidence)
    base, xs, ns, grouping = _row_wise(
        data, x=x, n=n, group_by=group_by, people=not events_can_recur, hint=RECUR_HINT
    )
    try:
        result = methods.rate(
            xs, ns, confidence=levels, multiplier=multiplier, events_can_recur=events_can_recur
        )
    except MethodInputError as exc:
        raise input_error(exc, columns={"x": x, "n": n}, grouping=grouping) from exc
    out = result_frame(result, levels=levels, type=type)
    if "method" in out.columns:
        out["method"] = methods.poisson_method(xs)
    return _join(base, out)


def mean(
    data: pd.DataFrame,
    *,
    x: str,
    group_by: Sequence[str] = (),
    confidence: Confidence = 0.95,
    type: OutputType = "full",
) -> pd.DataFrame:
    """Mean with Student's t limits (PHEindicatormethods ``phe_mean``)."""
    levels = parse_confidence(confidence)
    grouping = group_rows(data, group_by)
    xv = numeric_column(data, x, argument="x")
    try:
        parts = methods.mean_components(xv, groups=grouping.codes)
        result = methods.mean(xv, groups=grouping.codes, confidence=levels)
    except MethodInputError as exc:
        raise input_error(exc, columns={"x": x}, grouping=grouping) from exc
    base = grouping.keys.copy()
    base["value_sum"] = parts.total
    base["value_count"] = parts.count
    base["stdev"] = parts.sd
    return _join(base, result_frame(result, levels=levels, type=type))


def _band_key(value: object) -> str:
    """An age-band cell as a lookup key: floats as ``5``, text without spaces (``85 - 89``)."""
    if isinstance(value, float):
        return f"{value:g}"
    return "".join(str(value).split())


def _band_positions(
    data: pd.DataFrame,
    standard: methods.StandardPopulation,
    ageband: str,
) -> np.ndarray:
    """Each row's band index in ``standard`` from its ``ageband`` (start age or label)."""
    import pandas as pd

    if ageband not in data.columns:
        raise InputError("no such column (--ageband)", column=ageband)
    lookup: dict[str, int] = {}
    for i, (start, label) in enumerate(zip(standard.startages, standard.labels, strict=True)):
        lookup[str(start)] = i
        lookup[label] = i
    raw = data[ageband]
    # Key each distinct cell once (19 bands, not 95,000 rows): Python per row took ~0.7 s.
    inverse, uniques = pd.factorize(raw, use_na_sentinel=False)
    found = np.array([lookup.get(_band_key(u), -1) for u in uniques], dtype=np.intp)
    positions = found[inverse]
    bad = positions < 0
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"not an age band of {standard.name}; valid start ages: "
            f"{', '.join(map(str, standard.startages))}; or labels: {', '.join(standard.labels)}",
            row=i + 2,
            column=ageband,
            value=raw.iloc[i],
        )
    return positions


def _stdpop_weights(
    data: pd.DataFrame,
    stdpop: str,
    *,
    grouping: Grouping,
    ageband: str | None,
    unique_bands: bool,
) -> FloatArray:
    """Weights from a ``stdpop`` column, or from a named standard matched by the age-band column.

    A named standard is matched to rows by ``ageband`` only (never by row order, which silently
    misweights an unsorted file); each group must hold each of its bands exactly once.
    """
    if stdpop in data.columns:
        return numeric_column(data, stdpop, argument="stdpop")
    standard = methods.STANDARD_POPULATIONS.get(stdpop.lower())
    if standard is None:
        names = ", ".join(methods.STANDARD_POPULATIONS)
        raise InputError(
            f"'stdpop' is neither a column nor a standard population ({names})", column=stdpop
        )
    if ageband is None:
        raise InputError(
            f"the standard population {standard.name} is matched to rows by their age band: "
            f"give --ageband COLUMN holding start ages "
            f"({', '.join(map(str, standard.startages))}) or labels ({', '.join(standard.labels)})",
            key="ageband",
        )
    band = _band_positions(data, standard, ageband)
    codes = grouping.codes
    if unique_bands:
        import pandas as pd

        repeated = pd.DataFrame({"g": codes, "b": band}).duplicated().to_numpy()
        if repeated.any():
            i = int(np.argmax(repeated))
            where = f" in group {grouping.describe(int(codes[i]))}" if grouping.columns else ""
            raise InputError(
                f"age band {standard.labels[band[i]]} of {standard.name} appears twice{where}",
                row=i + 2,
                column=ageband,
                value=data[ageband].iloc[i],
            )
        codes_check, band_check = codes, band
    else:  # several event-frequency rows per band: check each band once
        pairs = np.unique(np.stack([codes, band], axis=1), axis=0)
        codes_check, band_check = pairs[:, 0], pairs[:, 1]
    try:
        methods.standard_weights(standard, groups=codes_check, band=band_check)
    except MethodInputError as exc:
        raise input_error(exc, columns={"ageband": ageband}, grouping=grouping) from exc
    weights: FloatArray = standard.array()[band]
    return weights


def dsr(
    data: pd.DataFrame,
    *,
    x: str,
    n: str,
    stdpop: str,
    group_by: Sequence[str] = (),
    confidence: Confidence = 0.95,
    multiplier: float = 100_000,
    independent_events: bool = True,
    eventfreq: str | None = None,
    ageband: str | None = None,
    events_can_recur: bool = False,
    type: OutputType = "full",
) -> pd.DataFrame:
    """Directly standardised rate, Dobson limits (PHEindicatormethods ``calculate_dsr``).

    ``stdpop`` is a column of standard-population weights or a standard's name (``esp2013``,
    ``esp2013_21``, ``esp1976``) matched to rows by the ``ageband`` column (start age or label;
    required with a named standard). ``independent_events=False`` needs ``eventfreq`` and
    ``ageband``. ``x`` counts people (deaths: no row with x > n) unless ``events_can_recur``;
    with ``eventfreq`` the individuals of a band never exceed its population.
    """
    levels = parse_confidence(confidence)
    grouping = group_rows(data, group_by)
    if not independent_events and (eventfreq is None or ageband is None):
        raise InputError(
            "independent_events=false needs both --eventfreq and --ageband", key="eventfreq"
        )
    xv = numeric_column(data, x, argument="x", allow_missing=True)
    nv = numeric_column(data, n, argument="n")
    if independent_events and not events_can_recur:
        refuse_people_above_population(data, x=x, x_values=xv, n=n, n_values=nv, hint=RECUR_HINT)
    weights = _stdpop_weights(
        data, stdpop, grouping=grouping, ageband=ageband, unique_bands=independent_events
    )
    columns = {"x": x, "n": n, "stdpop": stdpop, "eventfreq": str(eventfreq)}
    columns["ageband"] = str(ageband)
    try:
        if independent_events:
            freq = None
            bands = None
        else:
            freq = numeric_column(data, str(eventfreq), argument="eventfreq")
            bands = data[str(ageband)].astype(str).to_numpy()
        parts = methods.dsr_components(
            xv,
            nv,
            weights,
            groups=grouping.codes,
            eventfreq=freq,
            ageband=bands,
            events_can_recur=events_can_recur,
        )
        result = methods.dsr(
            xv,
            nv,
            weights,
            groups=grouping.codes,
            confidence=levels,
            multiplier=multiplier,
            eventfreq=freq,
            ageband=bands,
            events_can_recur=events_can_recur,
        )
    except MethodInputError as exc:
        raise input_error(exc, columns=columns, grouping=grouping) from exc
    base = grouping.keys.copy()
    base["total_count"] = parts.total_count
    base["total_pop"] = parts.total_pop
    return _join(base, result_frame(result, levels=levels, type=type))


def _isr(
    data: pd.DataFrame,
    *,
    x: str | None,
    n: str,
    x_ref: str,
    n_ref: str,
    group_by: Sequence[str],
    observed_totals: str | None,
    people: bool,
) -> tuple[Grouping, dict[str, object], dict[str, str]]:
    grouping = group_rows(data, group_by)
    columns = {"x": str(x), "n": n, "x_ref": x_ref, "n_ref": n_ref}
    nv = numeric_column(data, n, argument="n")
    xr = numeric_column(data, x_ref, argument="x_ref")
    nr = numeric_column(data, n_ref, argument="n_ref")
    arrays: dict[str, object] = {"n": nv, "x_ref": xr, "n_ref": nr, "x": None}
    arrays["observed_totals"] = None
    if people:
        refuse_people_above_population(
            data, x=x_ref, x_values=xr, n=n_ref, n_values=nr, hint=RECUR_HINT
        )
    if observed_totals is not None:
        columns["observed_totals"] = observed_totals
        per_row = numeric_column(data, observed_totals, argument="observed_totals")
        first = np.full(grouping.count, np.nan)
        first[grouping.codes[::-1]] = per_row[::-1]
        differs = per_row != first[grouping.codes]
        if differs.any():
            i = int(np.argmax(differs))
            raise InputError(
                "observed_totals must be the same on every row of a group",
                row=i + 2,
                column=observed_totals,
                key=f"group {grouping.describe(int(grouping.codes[i]))}",
            )
        arrays["observed_totals"] = first
    elif x is None:
        raise InputError("give --x (events per row) or --observed-totals", key="x")
    else:
        xv = numeric_column(data, x, argument="x", allow_missing=True)
        arrays["x"] = xv
        if people:
            refuse_people_above_population(
                data, x=x, x_values=xv, n=n, n_values=nv, hint=RECUR_HINT
            )
    return grouping, arrays, columns


def isr_rate(
    data: pd.DataFrame,
    *,
    n: str,
    x_ref: str,
    n_ref: str,
    x: str | None = None,
    group_by: Sequence[str] = (),
    confidence: Confidence = 0.95,
    multiplier: float = 100_000,
    observed_totals: str | None = None,
    events_can_recur: bool = False,
    type: OutputType = "full",
) -> pd.DataFrame:
    """Indirectly standardised rate (PHEindicatormethods ``calculate_ISRate``).

    ``x`` and ``x_ref`` count people (no row above its population) unless ``events_can_recur``.
    """
    return _isr_calculation(
        data,
        x=x, n=n, x_ref=x_ref, n_ref=n_ref, group_by=group_by, confidence=confidence,
        observed_totals=observed_totals, type=type, multiplier=multiplier,
        events_can_recur=events_can_recur,
        method=lambda levels, **arrays: methods.isr_rate(
            confidence=levels, multiplier=multiplier, **arrays
        ),
    )  # fmt: skip


def isr_ratio(
    data: pd.DataFrame,
    *,
    n: str,
    x_ref: str,
    n_ref: str,
    x: str | None = None,
    group_by: Sequence[str] = (),
    confidence: Confidence = 0.95,
    refvalue: float = 1,
    observed_totals: str | None = None,
    events_can_recur: bool = False,
    type: OutputType = "full",
) -> pd.DataFrame:
    """Indirectly standardised ratio (PHEindicatormethods ``calculate_ISRatio``).

    ``x`` and ``x_ref`` count people (no row above its population) unless ``events_can_recur``.
    """
    return _isr_calculation(
        data,
        x=x, n=n, x_ref=x_ref, n_ref=n_ref, group_by=group_by, confidence=confidence,
        observed_totals=observed_totals, type=type, multiplier=1.0,
        events_can_recur=events_can_recur,
        method=lambda levels, **arrays: methods.isr_ratio(
            confidence=levels, refvalue=refvalue, **arrays
        ),
    )  # fmt: skip


def _isr_calculation(
    data: pd.DataFrame,
    *,
    x: str | None,
    n: str,
    x_ref: str,
    n_ref: str,
    group_by: Sequence[str],
    confidence: Confidence,
    observed_totals: str | None,
    type: OutputType,
    multiplier: float,
    events_can_recur: bool,
    method: Callable[..., Result],
) -> pd.DataFrame:
    """What rate and ratio share: columns, grouping, components; ``method`` gives the result."""
    levels = parse_confidence(confidence)
    grouping, a, columns = _isr(
        data, x=x, n=n, x_ref=x_ref, n_ref=n_ref, group_by=group_by,
        observed_totals=observed_totals, people=not events_can_recur,
    )  # fmt: skip
    arrays: dict[str, Any] = {
        "x": a["x"], "n": a["n"], "x_ref": a["x_ref"], "n_ref": a["n_ref"],
        "groups": grouping.codes, "observed_totals": a["observed_totals"],
        "events_can_recur": events_can_recur,
    }  # fmt: skip
    try:
        parts = methods.isr_components(**arrays)
        result = method(levels, **arrays)
    except MethodInputError as exc:
        raise input_error(exc, columns=columns, grouping=grouping) from exc
    return _isr_frame(grouping, parts, result, levels, type, multiplier)


def _isr_frame(
    grouping: Grouping,
    parts: methods.IsrComponents,
    result: methods.Result,
    levels: tuple[float, ...],
    type: OutputType,
    multiplier: float,
) -> pd.DataFrame:
    base = grouping.keys.copy()
    base["observed"] = parts.observed
    base["expected"] = parts.expected
    base["ref_rate"] = parts.reference_rate * multiplier
    out = result_frame(result, levels=levels, type=type)
    if "method" in out.columns:
        out["method"] = methods.poisson_method(parts.observed)
    return _join(base, out)


def life_expectancy(
    data: pd.DataFrame,
    *,
    deaths: str,
    population: str,
    startage: str,
    group_by: Sequence[str] = (),
    confidence: Confidence = 0.95,
    type: OutputType = "full",
) -> pd.DataFrame:
    """Life expectancy at every age band (PHEindicatormethods ``phe_life_expectancy``).

    One output row per input row, with ``pops_used`` and ``dths_used`` (totals from that age on).
    """
    levels = parse_confidence(confidence)
    grouping = group_rows(data, group_by)
    d = numeric_column(data, deaths, argument="deaths")
    p = numeric_column(data, population, argument="population")
    s = numeric_column(data, startage, argument="startage")
    columns = {"deaths": deaths, "population": population, "startage": startage}
    try:
        table = methods.life_table(d, p, startage=s, groups=grouping.codes)
        result = methods.life_expectancy(d, p, startage=s, groups=grouping.codes, confidence=levels)
    except MethodInputError as exc:
        raise input_error(exc, columns=columns, grouping=grouping) from exc
    base = data.copy()
    base["pops_used"] = table.rows(np.cumsum(table.population[:, ::-1], axis=1)[:, ::-1])
    base["dths_used"] = table.rows(np.cumsum(table.deaths[:, ::-1], axis=1)[:, ::-1])
    return _join(base, result_frame(result, levels=levels, type=type))


def hle(
    data: pd.DataFrame,
    *,
    deaths: str,
    population: str,
    startage: str,
    prevalence: str,
    sample_size: str,
    group_by: Sequence[str] = (),
    confidence: Confidence = 0.95,
    type: OutputType = "full",
) -> pd.DataFrame:
    """Healthy life expectancy at every age band by the Sullivan method."""
    levels = parse_confidence(confidence)
    grouping = group_rows(data, group_by)
    d = numeric_column(data, deaths, argument="deaths")
    p = numeric_column(data, population, argument="population")
    s = numeric_column(data, startage, argument="startage")
    prev = numeric_column(data, prevalence, argument="prevalence")
    size = numeric_column(data, sample_size, argument="sample_size")
    columns = {
        "deaths": deaths,
        "population": population,
        "startage": startage,
        "prevalence": prevalence,
        "sample_size": sample_size,
    }
    try:
        result = methods.healthy_life_expectancy(
            d, p, prev, size, startage=s, groups=grouping.codes, confidence=levels
        )
    except MethodInputError as exc:
        raise input_error(exc, columns=columns, grouping=grouping) from exc
    return _join(data.copy(), result_frame(result, levels=levels, type=type))


# ------------------------------------------------------------------ declarations

_GROUP_BY = Parameter(
    "group_by", "columns", "Grouping columns, comma-separated (a grouped data frame).", ()
)
_CONFIDENCE = Parameter(
    "confidence", "confidence", "Confidence level(s): 0.95, 95 or 0.95,0.998.", (0.95,)
)
_TYPE = Parameter(
    "type", "choice", "Output columns: full, standard, value, lower or upper.", "full", OUTPUT_TYPES
)


def _column(name: str, help: str, *, required: bool = True) -> Parameter:
    return Parameter(name, "column", help) if required else Parameter(name, "column", help, None)


_RECUR = Parameter(
    "events_can_recur",
    "flag",
    "true when one person can have several events (admissions); false (deaths) refuses x > n.",
    False,
)

CALCULATIONS: tuple[Calculation, ...] = (
    Calculation(
        "proportion",
        "Proportion x/n with Wilson score limits (phe_proportion).",
        (
            _column("x", "Column of numerators (events)."),
            _column("n", "Column of denominators."),
            _GROUP_BY,
            _CONFIDENCE,
            Parameter("multiplier", "number", "1 for a proportion, 100 for a percentage.", 1.0),
            _TYPE,
        ),
        proportion,
    ),
    Calculation(
        "rate",
        "Crude rate with Byar's (x >= 10) or exact (x < 10) limits (phe_rate).",
        (
            _column("x", "Column of counts."),
            _column("n", "Column of populations."),
            _GROUP_BY,
            _CONFIDENCE,
            Parameter("multiplier", "number", "Rate per this many.", 100_000.0),
            _RECUR,
            _TYPE,
        ),
        rate,
    ),
    Calculation(
        "mean",
        "Mean with Student's t limits (phe_mean).",
        (_column("x", "Column of values."), _GROUP_BY, _CONFIDENCE, _TYPE),
        mean,
    ),
    Calculation(
        "dsr",
        "Directly standardised rate with Dobson limits; NA when the total count < 10 "
        "(calculate_dsr).",
        (
            _column("x", "Column of events per age band (missing = 0)."),
            _column("n", "Column of populations per age band."),
            _column(
                "stdpop",
                "Column of standard-population weights, or esp2013 / esp2013_21 / esp1976.",
            ),
            _GROUP_BY,
            _CONFIDENCE,
            Parameter("multiplier", "number", "Rate per this many.", 100_000.0),
            Parameter(
                "independent_events",
                "flag",
                "false when individuals can have several events (needs eventfreq, ageband).",
                True,
            ),
            _column("eventfreq", "Column of events per individual.", required=False),
            _column(
                "ageband",
                "Column of age bands (start age or label); required with a named standard.",
                required=False,
            ),
            _RECUR,
            _TYPE,
        ),
        dsr,
    ),
    Calculation(
        "isr_rate",
        "Indirectly standardised rate (calculate_ISRate).",
        (
            _column("x", "Column of observed events per band.", required=False),
            _column("n", "Column of populations per band."),
            _column("x_ref", "Column of reference events per band."),
            _column("n_ref", "Column of reference populations per band."),
            _GROUP_BY,
            _CONFIDENCE,
            Parameter("multiplier", "number", "Rate per this many.", 100_000.0),
            _column(
                "observed_totals",
                "Column holding each group's total observed events (instead of x).",
                required=False,
            ),
            _RECUR,
            _TYPE,
        ),
        isr_rate,
    ),
    Calculation(
        "isr_ratio",
        "Indirectly standardised ratio, SMR (calculate_ISRatio).",
        (
            _column("x", "Column of observed events per band.", required=False),
            _column("n", "Column of populations per band."),
            _column("x_ref", "Column of reference events per band."),
            _column("n_ref", "Column of reference populations per band."),
            _GROUP_BY,
            _CONFIDENCE,
            Parameter("refvalue", "number", "1 for a ratio, 100 for SMR x 100.", 1.0),
            _column(
                "observed_totals",
                "Column holding each group's total observed events (instead of x).",
                required=False,
            ),
            _RECUR,
            _TYPE,
        ),
        isr_ratio,
    ),
    Calculation(
        "life_expectancy",
        "Life expectancy at every age band, Chiang II with Silcocks (phe_life_expectancy).",
        (
            _column("deaths", "Column of deaths per age band."),
            _column("population", "Column of populations per age band."),
            _column("startage", "Column of band start ages: 0, 1, 5, 10, ..., 90."),
            _GROUP_BY,
            _CONFIDENCE,
            _TYPE,
        ),
        life_expectancy,
    ),
    Calculation(
        "hle",
        "Healthy life expectancy at every age band (Sullivan).",
        (
            _column("deaths", "Column of deaths per age band."),
            _column("population", "Column of populations per age band."),
            _column("startage", "Column of band start ages: 0, 1, 5, 10, ..., 90."),
            _column("prevalence", "Column of the proportion in good health (0-1)."),
            _column("sample_size", "Column of survey respondents behind the prevalence."),
            _GROUP_BY,
            _CONFIDENCE,
            _TYPE,
        ),
        hle,
    ),
)
