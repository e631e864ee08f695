"""Assess every commitment (and every target-bearing indicator) from the store.

Rules (ADR 0700):

- ``tbc`` and ``qualitative`` targets are held and shown as ``not_assessable`` with the reason.
- A verdict rests only on the indicator's own series (``Indicator.own_series_keys``: not a
  proxy, not transformed; :func:`indicator_rows`), never on a proxy or another indicator's
  series, and names the key it rests on (``series``).
- A commitment is **measured by a linked indicator** when its target is on the indicator's
  scale: a relative change ("% relative reduction") or a target unit that begins with the
  indicator's unit. Otherwise it is **measured by progress returns**, recorded in the
  target's unit (the linked indicators are context).
- Relative targets become absolute from the baseline: the catalogue baseline when its unit
  is the indicator's, else the series value of the last period whose **end** is on or before
  31 December ``BASELINE_YEAR`` (2018, the strategy's publication; 2017–19 does not qualify),
  else the first value held.
- Direction comes from the relation (``reduce_by``, ``at_most``, ``zero`` → decrease;
  ``increase_by``, ``at_least`` → increase); ``reach`` takes the indicator's polarity, or for
  progress returns the side of the target the baseline (else the first return) is on.
- A London commitment is assessed on London (E12000007). Without a London row the value is
  Σcount/Σdenominator over all London boroughs (``geography.LONDON_BOROUGHS``, the Fingertips
  benchmark rule) when every borough has both; otherwise not assessable — England is never
  used instead.
- ``as_of`` assesses as on that date: indicator values as published on it
  (``Store.values(as_published_on=…)``) and progress returns recorded by its end, with only
  the corrections recorded by then applied. ``published_on`` reads the data as known on
  another date (default: ``as_of``; both None: now).
- Two current progress returns for the same commitment and date make it not assessable (the
  basis names them and the fix); ``record_return`` refuses to create them.
- Every row's ``reason`` is plain words, shown to the public; its ``basis`` (series keys,
  area codes, baselines worked out, how to load missing data) is for analysts: the CLI and
  the API (ADR 0700, "Public reasons and analysts' basis").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from healthgap.catalogue import Catalogue, Commitment, Indicator, Polarity, TargetStatus
from healthgap.geography import ENGLAND, LONDON, LONDON_BOROUGHS
from healthgap.methods.compare import benchmark_value
from healthgap.store import ProgressReturn, Store
from healthgap.tracking.periods import deadline_time, decimal_year, period_time
from healthgap.tracking.trajectory import (
    Assessment,
    Direction,
    Observation,
    Status,
    Target,
    assess,
)

__all__ = [
    "BASELINE_YEAR",
    "ENGLAND",
    "LONDON",
    "NO_PROGRESS_RETURNS",
    "CommitmentAssessment",
    "assess_commitment",
    "assess_commitments",
    "assess_indicator",
    "indicator_observations",
    "indicator_rows",
    "measuring_indicator",
    "period_observation",
    "returns_recorded_by",
]

#: Why a commitment measured by progress returns cannot be assessed before its first return.
#: Plain words: the website and reports show it to the public; the CLI adds how to record one.
NO_PROGRESS_RETURNS = "no progress returns recorded yet"

BASELINE_YEAR = 2018
_LONDON_BOROUGHS = frozenset(LONDON_BOROUGHS)
_DECREASE = {"reduce_by", "at_most", "zero"}
_INCREASE = {"increase_by", "at_least"}
_AGGREGABLE = {"proportion": "proportion", "crude_rate": "crude rate", "isr": "isr"}


@dataclass(frozen=True)
class CommitmentAssessment:
    """One row of ``healthgap assess``: what was assessed, on what, and the verdict."""

    kind: Literal["commitment", "indicator"]
    id: str
    title: str
    area_code: str | None
    measured_by: str
    target_text: str
    deadline: str | None
    status: Status
    reason: str
    assessment: Assessment | None = None
    commitment_id: str | None = None
    indicator_id: str | None = None
    sex: str | None = None
    notes: tuple[str, ...] = field(default=())
    #: The key of the series the verdict rests on: always one of the indicator's own series
    #: (``Indicator.own_series_keys``), never a proxy; None for progress returns or no data.
    series: str | None = None
    #: What the verdict rests on, for analysts (the CLI and the API): the series, area, sex
    #: and age band read, the baseline and target worked out, and how to load missing data.
    #: ``reason`` stays plain words, as the website and reports show it (ADR 0700).
    basis: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        a = self.assessment
        latest = a.latest if a is not None else None
        target = a.target if a is not None else None
        proj = a.projection if a is not None else None
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "commitment_id": self.commitment_id,
            "indicator_id": self.indicator_id,
            "area_code": self.area_code,
            "sex": self.sex,
            "measured_by": self.measured_by,
            "series": self.series,
            "target_text": self.target_text,
            "deadline": self.deadline,
            "status": self.status.value,
            "reason": self.reason,
            "basis": self.basis,
            "notes": list(self.notes),
            "target": None
            if target is None
            else {
                "value": target.value,
                "deadline": target.deadline,
                "direction": target.direction.value,
                "baseline_value": target.baseline_value,
                "baseline_time": target.baseline_time,
            },
            "latest": _obs_dict(latest),
            "judged_on": None if a is None else _obs_dict(a.judged_on),
            "projection": None
            if proj is None
            else {
                "time": proj.time,
                "value": proj.value,
                "lower": proj.lower,
                "upper": proj.upper,
                "confidence": proj.confidence,
                "method": proj.method,
                "points": proj.points,
            },
            "glide_value_at_latest": None if a is None else a.glide_value_at_latest,
            "required_annual_change": None if a is None else a.required_annual_change,
            "observed_annual_change": None if a is None else a.observed_annual_change,
        }


def _obs_dict(o: Observation | None) -> dict[str, Any] | None:
    if o is None:
        return None
    return {
        "time": o.time,
        "label": o.label,
        "value": o.value,
        "lower95": o.lower95,
        "upper95": o.upper95,
    }


def _relative(commitment: Commitment) -> bool:
    t = commitment.target
    return (
        t.relation in ("reduce_by", "increase_by")
        and t.unit is not None
        and t.unit.startswith("% relative")
    )


def _on_scale(commitment: Commitment, indicator: Indicator) -> bool:
    unit = commitment.target.unit
    return _relative(commitment) or (unit is not None and unit.startswith(indicator.unit))


def measuring_indicator(catalogue: Catalogue, commitment: Commitment) -> Indicator | None:
    """The first linked indicator the commitment's target is stated on, if any."""
    for ind_id in commitment.indicators:
        ind = catalogue.indicator(ind_id)
        if _on_scale(commitment, ind):
            return ind
    return None


def _as_of_time(as_of: date | None) -> float:
    return decimal_year(as_of if as_of is not None else datetime.now(UTC).date())


def indicator_rows(
    store: Store, indicator: Indicator, as_of: date | None = None
) -> list[dict[str, Any]]:
    """The stored, unsuppressed values of ``indicator``'s own series, as published on ``as_of``.

    Only the series the catalogue declares as measuring the indicator itself
    (``Indicator.own_series_keys``: neither a proxy nor transformed) are read, and only rows
    stored under the indicator's id or under none (a row of one of those series loaded
    without the catalogue's mapping). A proxy, a complement or another indicator's series is
    never read as the indicator, whatever id its rows carry (ADR 0700, "Which series").
    """
    keys = list(indicator.own_series_keys)
    if not keys:
        return []
    table = store.values(series=keys, as_published_on=as_of)
    return [
        r
        for r in table.to_pylist()
        if r["indicator_id"] in (indicator.id, None)
        and r["value"] is not None
        and not r["suppressed"]
    ]


def _rows(store: Store, indicator: Indicator, as_of: date | None = None) -> list[dict[str, Any]]:
    return [r for r in indicator_rows(store, indicator, as_of) if r["breakdown_type"] == "none"]


def _own_series_text(indicator: Indicator) -> str:
    """The indicator's own series, and the stand-ins that are never read as it."""
    stand_ins = indicator.proxy_series_keys
    if not stand_ins:
        return ", ".join(indicator.own_series_keys) or "no series declared"
    own = ", ".join(indicator.own_series_keys) or "no series of its own declared"
    return f"{own}; never read as it: {', '.join(stand_ins)} (proxy or transformed)"


def period_observation(
    start: date,
    end: date,
    value: float,
    *,
    lower95: float | None = None,
    upper95: float | None = None,
    label: str = "",
) -> Observation:
    """An observation for the period ``start`` … ``end`` (inclusive), with its bounds."""
    return Observation(
        time=period_time(start, end),
        value=value,
        lower95=lower95,
        upper95=upper95,
        label=label,
        start=decimal_year(start),
        end=decimal_year(end + timedelta(days=1)),
    )


def _obs(rows: Sequence[dict[str, Any]]) -> list[Observation]:
    out = [
        period_observation(
            r["period_start"],
            r["period_end"],
            float(r["value"]),
            lower95=r["lower95_0cl"],
            upper95=r["upper95_0cl"],
            label=str(r["period_label"]),
        )
        for r in rows
    ]
    return sorted(out, key=lambda o: o.time)


def _pick_series(
    rows: Sequence[dict[str, Any]], keys: Sequence[str], want: set[str]
) -> tuple[str, str, list[dict[str, Any]]] | None:
    """Rows of the first series (catalogue order) and its commonest age band with ``want``."""
    for key in keys:
        mine = [r for r in rows if r["series"] == key and r["area_code"] in want]
        if mine:
            bands: dict[str, int] = {}
            for r in mine:
                bands[r["age_band"]] = bands.get(r["age_band"], 0) + 1
            band = max(sorted(bands), key=lambda b: bands[b])
            return key, band, [r for r in mine if r["age_band"] == band]
    return None


def indicator_observations(
    store: Store,
    indicator: Indicator,
    *,
    area_code: str,
    sex: str = "persons",
    as_of: date | None = None,
) -> tuple[list[Observation], str]:
    """The series of one indicator for one area and sex, and a note on where it came from.

    An empty list comes with the reason. London without a London row is aggregated from
    the boroughs when every borough has a count and denominator (see the module docstring).
    ``as_of`` reads the values as published on that date (default: now). Only the
    indicator's own series are read (:func:`indicator_rows`).
    """
    obs, where, _ = _observations(store, indicator, area_code=area_code, sex=sex, as_of=as_of)
    return obs, where


def _observations(
    store: Store,
    indicator: Indicator,
    *,
    area_code: str,
    sex: str = "persons",
    as_of: date | None = None,
) -> tuple[list[Observation], str, str | None]:
    """:func:`indicator_observations` and the key of the series the observations are from."""
    rows = [r for r in _rows(store, indicator, as_of) if r["sex"] == sex]
    keys = indicator.own_series_keys
    if not rows:
        return (
            [],
            f"the store holds no {sex} values for {indicator.id} ({_own_series_text(indicator)})",
            None,
        )
    picked = _pick_series(rows, keys, {area_code})
    if picked is not None:
        key, band, mine = picked
        return _obs(mine), f"{key} ({band}, {sex}) for {area_code}", key
    if area_code != LONDON:
        return [], f"no {sex} values for {area_code} in the store for {', '.join(keys)}", None
    boroughs = [r for r in rows if r["area_code"] in _LONDON_BOROUGHS]
    picked = _pick_series(boroughs, keys, {r["area_code"] for r in boroughs})
    if picked is None:
        return [], "no London value in the bundled data (and no borough values to aggregate)", None
    key, band, mine = picked
    statistic = _AGGREGABLE.get(indicator.statistic.value)
    complete = [r for r in mine if r["count"] is not None and r["denominator"] is not None]
    if statistic is None or len(complete) < len(mine) or not complete:
        why = (
            f"a {indicator.statistic.value} cannot be summed over boroughs"
            if statistic is None
            else "its borough rows carry no counts and denominators to aggregate"
        )
        return (
            [],
            f"no London value in the bundled data: {key} holds boroughs and England; {why}",
            None,
        )
    by_period: dict[tuple[date, date], list[dict[str, Any]]] = {}
    for r in complete:
        by_period.setdefault((r["period_start"], r["period_end"]), []).append(r)
    out: list[Observation] = []
    for (start, end), group in sorted(by_period.items()):
        if {r["area_code"] for r in group} != _LONDON_BOROUGHS:
            continue
        value = benchmark_value(
            [float(r["count"]) for r in group],
            [float(r["denominator"]) for r in group],
            statistic=statistic,
            unit=indicator.multiplier,
        )
        out.append(period_observation(start, end, value, label=str(group[0]["period_label"])))
    n = len(_LONDON_BOROUGHS)
    if not out:
        return (
            [],
            f"no London value in the bundled data: {key} has no period with all {n} boroughs",
            None,
        )
    return out, f"{key} ({band}, {sex}): London as Σcount/Σdenominator over the {n} boroughs", key


def _series_baseline(obs: Sequence[Observation]) -> Observation | None:
    """The last value whose period ends by the end of ``BASELINE_YEAR``, else the first."""
    before = [o for o in obs if (o.end if o.end is not None else o.time) <= BASELINE_YEAR + 1]
    if before:
        return before[-1]
    return obs[0] if obs else None


def _direction(commitment: Commitment, indicator: Indicator | None) -> Direction | None:
    relation = commitment.target.relation
    if relation in _DECREASE:
        return Direction.DECREASE
    if relation in _INCREASE:
        return Direction.INCREASE
    if indicator is not None and indicator.polarity is Polarity.LOW_IS_GOOD:
        return Direction.DECREASE
    if indicator is not None and indicator.polarity is Polarity.HIGH_IS_GOOD:
        return Direction.INCREASE
    return None


def _not(
    commitment: Commitment,
    reason: str,
    measured_by: str,
    area: str | None = LONDON,
    *,
    basis: str = "",
    indicator_id: str | None = None,
) -> CommitmentAssessment:
    return CommitmentAssessment(
        kind="commitment",
        id=commitment.id,
        title=commitment.title,
        area_code=area,
        measured_by=measured_by,
        target_text=commitment.target.text,
        deadline=commitment.deadline,
        status=Status.NOT_ASSESSABLE,
        reason=reason,
        commitment_id=commitment.id,
        indicator_id=indicator_id,
        basis=basis,
    )


def _judge(
    obs: Sequence[Observation], target: Target | None, deadline: str | None, as_of: float
) -> Assessment:
    if target is not None and deadline is None:
        done = [o for o in obs if o.time <= as_of]
        latest = done[-1] if done else None
        if latest is not None and target.met_by(latest.value):
            return assess(done, target, as_of=as_of)
        shown = "no values are held" if latest is None else f"latest value {latest.value:g}"
        return Assessment(
            Status.NOT_ASSESSABLE,
            f"no deadline is set, so progress cannot be projected; {shown} against a "
            f"target of {target.value:g}",
            latest,
            target,
        )
    return assess(obs, target, as_of=as_of)


def _indicator_target(
    commitment: Commitment,
    indicator: Indicator,
    obs: Sequence[Observation],
    *,
    use_catalogue_baseline: bool,
) -> tuple[Target | None, str]:
    t = commitment.target
    assert t.value is not None
    direction = _direction(commitment, indicator)
    if direction is None:
        # plain words: it becomes the public reason (the relation and polarity are in the
        # catalogue, which the basis's analysts read)
        return None, (
            "neither the target nor the indicator says whether a higher or a lower value is "
            "better, so progress cannot be judged"
        )
    deadline = math.inf if commitment.deadline is None else deadline_time(commitment.deadline)
    series_base = _series_baseline(obs)
    base_value: float | None = None
    base_time: float | None = None
    note = ""
    b = commitment.baseline
    if use_catalogue_baseline and b is not None and b.unit.startswith(indicator.unit):
        base_value = b.value
        if b.period is not None:
            base_time = _label_time(b.period)
        note = f"baseline {b.value:g} from the catalogue"
    elif series_base is not None:
        base_value, base_time = series_base.value, series_base.time
        note = f"baseline {base_value:g} ({series_base.label}) from the series"
    if t.relation in ("reduce_by", "increase_by"):
        if base_value is None:
            return None, "a relative target needs a baseline, and none is held"
        sign = -1.0 if t.relation == "reduce_by" else 1.0
        if _relative(commitment):
            value = base_value * (1 + sign * t.value / 100)
        else:
            value = base_value + sign * t.value
        note += f"; target {t.value:g}{' %' if _relative(commitment) else ''} "
        note += f"{t.relation.replace('_', ' ')} → {value:.4g}"
    else:
        value = t.value
    return Target(value, deadline, direction, base_value, base_time), note


def _label_time(period: str) -> float:
    text = period.strip()
    if len(text) == 4 and text.isdigit():
        return int(text) + 0.5
    if len(text) == 7 and text[4] == "/" and text[:4].isdigit():
        return int(text[:4]) + 0.75
    return deadline_time(text) - 0.5


def _progress_target(
    commitment: Commitment, obs: Sequence[Observation]
) -> tuple[Target | None, str]:
    t = commitment.target
    assert t.value is not None
    deadline = math.inf if commitment.deadline is None else deadline_time(commitment.deadline)
    b = commitment.baseline
    base = b.value if b is not None and b.unit == t.unit else None
    direction: Direction
    if t.relation in ("at_most", "zero"):
        direction = Direction.DECREASE
    elif t.relation in ("at_least", "increase_by", "reduce_by"):
        # a return counts what the target counts: the increase, or the reduction, achieved
        direction = Direction.INCREASE
    else:  # 'reach': the side of the target the start is on
        start = base if base is not None else obs[0].value
        direction = Direction.INCREASE if start <= t.value else Direction.DECREASE
    return Target(t.value, deadline, direction, base, None), f"returns in '{t.unit}'"


def returns_recorded_by(store: Store, commitment_id: str, day: date | None) -> list[ProgressReturn]:
    """The current returns of a commitment as they stood at the end of ``day`` (UTC).

    Only returns recorded by then count, and only the corrections recorded by then apply.
    ``None``: the current returns now.
    """
    if day is None:
        return store.progress_returns(commitment_ids=[commitment_id])
    return _recorded_by(
        store.progress_returns(commitment_ids=[commitment_id], include_superseded=True), day
    )


def _recorded_by(history: Sequence[ProgressReturn], day: date | None) -> list[ProgressReturn]:
    """:func:`returns_recorded_by` from a commitment's full history (``include_superseded``)."""
    if day is None:
        return [r for r in history if r.superseded_by is None]
    known = [r for r in history if r.recorded_at.date() <= day]
    replaced = {r.supersedes for r in known if r.supersedes is not None}
    return [r for r in known if r.return_id not in replaced]


def _same_day(returns: Sequence[ProgressReturn]) -> tuple[str, str]:
    """Two current returns for one date: the plain reason, and the basis (with the fix)."""
    by_day: dict[date, list[int]] = {}
    for r in returns:
        by_day.setdefault(r.as_of, []).append(r.return_id)
    clashes = [(day, ids) for day, ids in sorted(by_day.items()) if len(ids) > 1]
    if not clashes:
        return "", ""
    day, ids = clashes[0]
    reason = (
        f"{len(ids)} progress returns give different values for {day.isoformat()}; one "
        "must be corrected so that one value stands for that date"
    )
    basis = (
        f"{len(ids)} current progress returns as of {day.isoformat()} (ids "
        f"{', '.join(map(str, ids))}): record a correction with `--corrects {ids[-1]}` "
        "(or of the other) so that one value stands for that date"
    )
    return reason, basis


def _no_values(indicator: Indicator, area_code: str) -> str:
    """Why an indicator-measured commitment has nothing to judge, in plain words."""
    place = "London" if area_code == LONDON else "this area"
    reason = f"no {place} values of this measure are held"
    needs = indicator.london_data if area_code == LONDON else None
    return f"{reason}; it could be assessed with {needs}" if needs else reason


def assess_commitment(
    catalogue: Catalogue,
    store: Store,
    commitment: Commitment,
    *,
    as_of: date | None = None,
    published_on: date | None = None,
    area_code: str = LONDON,
) -> CommitmentAssessment:
    """Assess one commitment; every outcome, including not assessable, carries its reason.

    ``as_of`` (default today) is the date assessed at; the data are read as known on
    ``published_on`` (default ``as_of``): values as published then, returns recorded by then.
    """
    return _assess_commitment(
        catalogue, store, commitment, as_of=as_of, published_on=published_on, area_code=area_code
    )


def _assess_commitment(
    catalogue: Catalogue,
    store: Store,
    commitment: Commitment,
    *,
    as_of: date | None,
    published_on: date | None,
    area_code: str,
    histories: dict[str, list[ProgressReturn]] | None = None,
) -> CommitmentAssessment:
    """:func:`assess_commitment`; ``histories`` (every commitment's returns, superseded ones
    included, as ``progress_returns`` orders them) saves a query per commitment."""
    t = commitment.target
    now = _as_of_time(as_of)
    known = published_on if published_on is not None else as_of
    if t.status is TargetStatus.TBC:
        return _not(commitment, f"target to be confirmed (TBC): {t.text}", "none")
    if t.status is TargetStatus.QUALITATIVE:
        return _not(
            commitment, f"the target is qualitative, with no numeric measure: {t.text}", "none"
        )
    indicator = measuring_indicator(catalogue, commitment)
    if indicator is not None:
        obs, where, key = _observations(store, indicator, area_code=area_code, as_of=known)
        measured = f"indicator {indicator.id}: {where}" if obs else f"indicator {indicator.id}"
        if not obs:
            basis = f"indicator {indicator.id}: {where}"
            load = indicator.london_data_load if area_code == LONDON else None
            if load:
                basis += f"; to load it: {load}"
            return _not(
                commitment,
                _no_values(indicator, area_code),
                measured,
                area_code,
                basis=basis,
                indicator_id=indicator.id,
            )
        target, note = _indicator_target(
            commitment, indicator, obs, use_catalogue_baseline=area_code == LONDON
        )
        ind_id: str | None = indicator.id
    else:
        returns = (
            returns_recorded_by(store, commitment.id, known)
            if histories is None
            else _recorded_by(histories.get(commitment.id, []), known)
        )
        measured = f"progress returns ({len(returns)} current)"
        clash, fix = _same_day(returns)
        if clash:
            return _not(commitment, clash, measured, area_code, basis=fix)
        obs = sorted(
            (
                Observation(decimal_year(r.as_of), r.value, label=r.as_of.isoformat())
                for r in returns
            ),
            key=lambda o: o.time,
        )
        if commitment.indicators:
            measured += f"; linked indicators {', '.join(commitment.indicators)} are context"
        if not obs:
            return _not(commitment, NO_PROGRESS_RETURNS, measured, area_code, basis=measured)
        target, note = _progress_target(commitment, obs)
        ind_id = None
        key = None
    if target is None:
        return _not(commitment, note, measured, area_code, basis=measured, indicator_id=ind_id)
    result = _judge(obs, target, commitment.deadline, now)
    return CommitmentAssessment(
        kind="commitment",
        id=commitment.id,
        title=commitment.title,
        area_code=area_code,
        measured_by=measured,
        target_text=t.text,
        deadline=commitment.deadline,
        status=result.status,
        reason=result.reason,
        assessment=result,
        commitment_id=commitment.id,
        indicator_id=ind_id,
        notes=(note,) if note else (),
        series=key,
        basis=f"{measured}; {note}" if note else measured,
    )


def assess_commitments(
    catalogue: Catalogue,
    store: Store,
    *,
    commitment_ids: Sequence[str] | None = None,
    as_of: date | None = None,
    published_on: date | None = None,
) -> list[CommitmentAssessment]:
    """One assessment (or explicit reason) per commitment, in catalogue order (``as_of`` and
    ``published_on`` as in ``assess_commitment``)."""
    chosen = (
        catalogue.commitments
        if commitment_ids is None
        else tuple(catalogue.commitment(c) for c in commitment_ids)
    )
    histories: dict[str, list[ProgressReturn]] = {}
    if chosen:  # one read of the returns for all (a query per commitment adds up)
        ids = [c.id for c in chosen]
        for r in store.progress_returns(commitment_ids=ids, include_superseded=True):
            histories.setdefault(r.commitment_id, []).append(r)
    return [
        _assess_commitment(
            catalogue,
            store,
            c,
            as_of=as_of,
            published_on=published_on,
            area_code=LONDON,
            histories=histories,
        )
        for c in chosen
    ]


def assess_indicator(
    catalogue: Catalogue,
    store: Store,
    indicator_id: str,
    *,
    area_codes: Sequence[str] | None = None,
    as_of: date | None = None,
    published_on: date | None = None,
) -> list[CommitmentAssessment]:
    """A target-bearing indicator against each commitment stated on it, per area held.

    Areas default to London, England and every borough the store holds for the indicator;
    each area's relative target is taken from its own series baseline (London uses the
    catalogue baseline when one is given). ``as_of`` and ``published_on`` as in
    ``assess_commitment``.
    """
    known = published_on if published_on is not None else as_of
    indicator = catalogue.indicator(indicator_id)
    commitments = [
        c
        for c in catalogue.commitments_for_indicator(indicator_id)
        if c.target.status is TargetStatus.SET and _on_scale(c, indicator)
    ]
    if area_codes is None:
        held = sorted({r["area_code"] for r in _rows(store, indicator, known)} - {LONDON, ENGLAND})
        area_codes = [LONDON, ENGLAND, *held]
    now = _as_of_time(as_of)
    out: list[CommitmentAssessment] = []
    for c in commitments:
        for area in area_codes:
            obs, where, key = _observations(store, indicator, area_code=area, as_of=known)
            if not obs:
                status, reason, result, note = (
                    Status.NOT_ASSESSABLE,
                    _no_values(indicator, area),
                    None,
                    "",
                )
            else:
                target, note = _indicator_target(
                    c, indicator, obs, use_catalogue_baseline=area == LONDON
                )
                if target is None:
                    status, reason, result = Status.NOT_ASSESSABLE, note, None
                else:
                    result = _judge(obs, target, c.deadline, now)
                    status, reason = result.status, result.reason
            out.append(
                CommitmentAssessment(
                    kind="indicator",
                    id=indicator.id,
                    title=indicator.name,
                    area_code=area,
                    measured_by=f"indicator {indicator.id}: {where}",
                    target_text=c.target.text,
                    deadline=c.deadline,
                    status=status,
                    reason=reason,
                    assessment=result,
                    commitment_id=c.id,
                    indicator_id=indicator.id,
                    notes=(note,) if note else (),
                    series=key,
                    basis=f"indicator {indicator.id}: {where}" + (f"; {note}" if note else ""),
                )
            )
    return out
