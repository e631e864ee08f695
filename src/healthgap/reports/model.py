"""What each report says, built from the read layer: the annual progress report, a borough
briefing and an indicator summary. Builders return frozen records; templates only lay them
out. Selections (which series, sex and period of an indicator; an area's spine entries) are
the website's (:mod:`healthgap.web.data`), so a printed number equals the page's.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from healthgap.catalogue.models import Aim, Commitment, Indicator
from healthgap.charts import Chart, outcome_class
from healthgap.charts import compare_areas as compare_chart
from healthgap.charts import spine as spine_chart
from healthgap.charts import trend as trend_chart
from healthgap.charts.reports import decile_profile, glide_path
from healthgap.charts.specs import SpineEntry
from healthgap.geography import ENGLAND, LATEST_EDITION, LONDON, LONDON_BOROUGHS
from healthgap.query import (
    AssessmentRow,
    NoData,
    ReadLayer,
    Release,
    UnknownParameter,
    ValueRow,
    Viewer,
    closest,
    public,
)
from healthgap.query.equity import GapVerdictRow, gap_verdicts
from healthgap.reports import narrative as say
from healthgap.web.data import (
    BENCHMARKS,
    Selection,
    default_benchmark,
    indicator_values,
    latest_by_indicator,
    london_series,
    select_from,
    spine_entry,
)

__all__ = [
    "AimSection",
    "AnnualReport",
    "BoroughBriefing",
    "CommitmentItem",
    "IndicatorItem",
    "IndicatorSummary",
    "build_annual",
    "build_borough",
    "build_boroughs",
    "build_indicator",
    "resolve_borough",
]

#: Key indicators with a chart per aim in the annual report (the rest are in its table).
KEY_PER_AIM = 4
#: Periods drawn in an indicator summary's trend chart (it fits one page).
SUMMARY_PERIODS = 10


@dataclass(frozen=True)
class IndicatorItem:
    """One indicator's London value against England, with its trend, in sentences."""

    indicator: Indicator
    london: ValueRow | None
    england: ValueRow | None
    sentence: str
    comparison: str  # display class of London against England
    trend: str | None
    chart: Chart | None = None


@dataclass(frozen=True)
class CommitmentItem:
    commitment: Commitment
    assessment: AssessmentRow | None
    status: str
    sentence: str
    chart: Chart | None = None


@dataclass(frozen=True)
class AimSection:
    aim: Aim
    commitments: tuple[CommitmentItem, ...]
    key: tuple[IndicatorItem, ...]
    others: tuple[IndicatorItem, ...]
    gaps: tuple[str, ...]


@dataclass(frozen=True)
class RedRedItem:
    indicator: Indicator
    row: ValueRow
    benchmark: str
    sentence: str


@dataclass(frozen=True)
class Change:
    release: Release
    previous: int | None
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """What every report has: its kind, title, as-of date and the releases it read."""

    kind: str
    title: str
    as_of: date
    releases: tuple[Release, ...]
    charts: tuple[Chart, ...] = field(default=())


@dataclass(frozen=True)
class AnnualReport(Report):
    year: int = 0
    summary: tuple[str, ...] = ()
    status_counts: tuple[tuple[str, int], ...] = ()
    aims: tuple[AimSection, ...] = ()
    red_red: tuple[RedRedItem, ...] = ()
    borough_red_red: tuple[tuple[Indicator, int], ...] = ()
    changes: tuple[Change, ...] = ()
    status_changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BoroughBriefing(Report):
    code: str = ""
    name: str = ""
    summary: tuple[str, ...] = ()
    spine: Chart | None = None
    red_red: tuple[RedRedItem, ...] = ()
    worse: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()
    local: tuple[tuple[CommitmentItem, str], ...] = ()
    deprivation: Chart | None = None


@dataclass(frozen=True)
class IndicatorSummary(Report):
    indicator: Indicator | None = None
    summary: tuple[str, ...] = ()
    compare: Chart | None = None
    trend: Chart | None = None
    counts: tuple[tuple[str, int], ...] = ()
    gaps: tuple[str, ...] = ()
    #: What the boroughs are compared with: London, or England when London has no value.
    benchmark: str = "London"


# ---------------------------------------------------------------------- shared pieces
def _value(row: ValueRow | None) -> float | None:
    return None if row is None else row.value


def _outcome(row: ValueRow, key: str) -> str:
    comp = row.comparison(key)
    return outcome_class(None if comp is None else comp.outcome)


def _london_item(sel: Selection, *, chart: bool, chart_id: str) -> IndicatorItem:
    ind = sel.indicator
    lon_hist = sel.history(LONDON)
    lon = lon_hist[-1] if lon_hist else None
    eng = None
    if lon is not None:
        eng = sel.at(ENGLAND, lon.period_label)
    if lon is None:
        text = f"{ind.name}: no London value is held."
        return IndicatorItem(ind, None, eng, text, "not compared", None)
    comp = lon.comparison("country")
    text = (
        f"{ind.name} ({lon.sex}): London {say.measured(lon)}, "
        f"{say.compared_with(comp, 'England', _value(eng), lon.unit)}; recent trend: "
        f"{say.recent_trend(lon.recent_trend, lon.trend_reason)}."
    )
    pic = None
    if chart:
        series = {k: h for k, h in (("London", lon_hist), ("England", sel.history(ENGLAND))) if h}
        pic = trend_chart(series, title=f"{ind.name} ({sel.sex})", chart_id=chart_id)
    return IndicatorItem(ind, lon, eng, text, _outcome(lon, "country"), lon.recent_trend, pic)


def _london_england(q: ReadLayer, v: Viewer) -> dict[str, list[ValueRow]]:
    """Every period of every series at London and England (breakdown 'none'), by series: one
    read for all the annual report's trend charts."""
    try:
        rows = q.values(v, area=[LONDON, ENGLAND], breakdown="none")
    except NoData:
        return {}
    out: dict[str, list[ValueRow]] = {}
    for r in rows:
        out.setdefault(r.series, []).append(r)
    return out


def _with_history(sel: Selection, history: dict[str, list[ValueRow]]) -> Selection:
    """``sel`` (chosen on the latest values, as the website chooses) with every period of its
    series, sex and age at London and England."""
    if sel.series is None or not sel.rows:
        return sel
    age = sel.rows[0].age
    rows = [r for r in history.get(sel.series, []) if r.sex == sel.sex and r.age == age]
    return replace(sel, rows=tuple(rows))


def _series_history(q: ReadLayer, v: Viewer, a: AssessmentRow) -> list[ValueRow]:
    """The values a commitment was assessed on (the series named in ``measured_by``)."""
    text = a.measured_by
    if ": " not in text or a.area_code is None:
        return []
    series = text.split(": ", 1)[1].split(" (", 1)[0].strip()
    try:
        rows = q.values(v, indicator=series, area=a.area_code, breakdown="none")
    except (NoData, UnknownParameter):
        return []
    sexes = Counter(r.sex for r in rows)
    sex = "persons" if "persons" in sexes else sexes.most_common(1)[0][0]
    rows = [r for r in rows if r.sex == sex]
    age = Counter(r.age for r in rows).most_common(1)[0][0]
    return [r for r in rows if r.age == age]


def _commitment_item(
    q: ReadLayer, v: Viewer, c: Commitment, a: AssessmentRow | None, *, chart: bool
) -> CommitmentItem:
    if a is None:
        return CommitmentItem(c, None, "not assessed", "No assessment is held.")
    pic = None
    if chart and a.status != "not_assessable" and a.detail.get("target"):
        hist = _series_history(q, v, a)
        if hist:
            pic = glide_path(hist, a.detail, title=c.title, chart_id=f"glide-{c.id}")
    status = say.STATUS_LABELS.get(a.status, a.status)
    return CommitmentItem(c, a, status, say.commitment_sentence(a), pic)


def _assessments(q: ReadLayer, v: Viewer) -> dict[str, AssessmentRow]:
    try:
        rows = q.assessments(v)
    except NoData:
        return {}
    return {a.id: a for a in rows if a.kind == "commitment"}


def _gaps(q: ReadLayer, v: Viewer) -> list[GapVerdictRow]:
    return gap_verdicts(q, v)


_RELEASES: weakref.WeakKeyDictionary[ReadLayer, dict[str, tuple[Release, ...]]] = (
    weakref.WeakKeyDictionary()
)


def _visible(q: ReadLayer, v: Viewer) -> tuple[Release, ...]:
    """The releases ``v`` sees, in id order; remembered per read layer under its version
    fingerprint (equal fingerprints, equal answers), as 33 briefings ask the same."""
    with q.snapshot(v) as version:  # the key and the releases in one view of the store
        held = _RELEASES.setdefault(q, {})
        if version not in held:
            held.clear()
            held[version] = tuple(sorted(q.releases(v), key=lambda r: r.release_id))
        return held[version]


def _releases(q: ReadLayer, v: Viewer, ids: set[int]) -> tuple[Release, ...]:
    return tuple(r for r in _visible(q, v) if r.release_id in ids)


def _names(q: ReadLayer) -> dict[str, str]:
    names = {a.code: a.name for a in q.areas(area_type="ltla", parent=LONDON)}
    names.update({LONDON: "London", ENGLAND: "England"})
    return names


def _sized(chart: Chart, *, width: int | None = None, height: int | None = None) -> Chart:
    """``chart`` drawn at another size for print (a briefing fits two to four A4 pages, an
    indicator summary one): the website's spec, with only its plot size changed."""
    spec = dict(chart.spec)
    if width is not None:
        spec["width"] = width
    if height is not None:
        spec["height"] = height
    return replace(chart, spec=spec)


def _full_labels(spec: Any) -> Any:
    """``spec`` with axis labels drawn whole (no ``labelLimit``): on paper the whole indicator
    name reads better than a truncated one, and vl-convert's truncation (measuring each label
    again and again) was three quarters of a spine chart's drawing time."""
    if isinstance(spec, dict):
        out = {k: _full_labels(v) for k, v in spec.items()}
        axis = out.get("axis")
        if isinstance(axis, dict) and "labelLimit" in axis:
            out["axis"] = {**axis, "labelLimit": 0}
        return out
    if isinstance(spec, list):
        return [_full_labels(v) for v in spec]
    return spec


def _red_red(row: ValueRow, key: str) -> bool:
    return _outcome(row, key) == "worse" and (row.recent_trend or "").endswith("getting worse")


# ---------------------------------------------------------------------- annual report
def build_annual(q: ReadLayer, year: int, as_of: date | None = None) -> AnnualReport:
    """The annual progress report for ``year``: what was published by ``as_of`` (default the
    31 December of ``year``), against what was published a year earlier."""
    day = as_of if as_of is not None else date(year, 12, 31)
    v = public(day)
    ids: set[int] = set()
    names = _names(q)
    latest = latest_by_indicator(q, v)
    history = _london_england(q, v)
    status = _assessments(q, v)
    verdicts = _gaps(q, v)
    visible = _visible(q, v)
    aims: list[AimSection] = []
    seen_key: set[str] = set()
    for aim in q.aims():
        commits = sorted(
            (c for c in q.commitments() if aim.id in c.aims),
            key=lambda c: (c.key_commitment or 99, c.id),
        )
        citems = [_commitment_item(q, v, c, status.get(c.id), chart=True) for c in commits]
        for ci in citems:
            if ci.assessment is not None:
                ids.add(ci.assessment.release_id)
        inds = [i for i in q.indicators() if aim.id in i.aims]
        measured = {i for c in commits for i in c.indicators}
        ranked = sorted(inds, key=lambda i: (i.id not in measured, i.id))
        key: list[IndicatorItem] = []
        others: list[IndicatorItem] = []
        for ind in ranked:
            rows = london_series(latest.get(ind.id, []))
            if not rows:
                continue
            if len(key) < KEY_PER_AIM and ind.id not in seen_key:
                sel = _with_history(select_from(ind, rows), history)
                item = _london_item(sel, chart=True, chart_id=f"trend-{aim.id}-{ind.id}")
                if item.london is not None:
                    seen_key.add(ind.id)
                    key.append(item)
                    ids.update(r.provenance.release_id for r in sel.rows)
                    continue
            sel = select_from(ind, rows)
            item = _london_item(sel, chart=False, chart_id="")
            if item.london is not None:
                others.append(item)
                ids.add(item.london.provenance.release_id)
        gaps = _aim_gaps(verdicts, inds, names)
        aims.append(AimSection(aim, tuple(citems), tuple(key), tuple(others), tuple(gaps)))
    red: list[RedRedItem] = []
    boroughs: list[tuple[Indicator, int]] = []
    for ind in q.indicators():
        sel = select_from(ind, latest.get(ind.id, []))
        lon_rows = london_series(latest.get(ind.id, []))
        lon = select_from(ind, lon_rows).at(LONDON) if lon_rows else None
        if lon is not None and _red_red(lon, "country"):
            red.append(
                RedRedItem(
                    ind,
                    lon,
                    "England",
                    f"{ind.name}: London {say.measured(lon)}, significantly worse than England "
                    f"and {say.recent_trend(lon.recent_trend)}.",
                )
            )
        n = sum(1 for r in sel.boroughs() if _red_red(r, "country"))
        if n:
            boroughs.append((ind, n))
    changes = _changes(q, v, day, visible)
    status_changes = _status_changes(q, day, status)
    counts = Counter(a.status for a in status.values())
    status_counts = tuple(
        (say.STATUS_LABELS.get(s, s), counts[s]) for s in say.STATUS_LABELS if counts.get(s)
    )
    all_items = [i for a in aims for i in (*a.key, *a.others)]
    better = sum(1 for i in all_items if i.comparison == "better")
    worse = sum(1 for i in all_items if i.comparison == "worse")
    improving = sum(1 for i in all_items if (i.trend or "").endswith("getting better"))
    worsening = sum(1 for i in all_items if (i.trend or "").endswith("getting worse"))
    summary = [
        f"Of {len(status)} commitments, "
        + ", ".join(f"{n} {s}" for s, n in status_counts)
        + " (tracking's rules; 'not assessable' says what data would make them assessable).",
        f"London is significantly better than England on {better} and significantly worse on "
        f"{worse} of the {len(all_items)} indicators with a London value; the others are not "
        "significantly different or not tested.",
        f"By the recent-trend test, {improving} of these indicators are improving and "
        f"{worsening} worsening in London; the rest show no significant change or cannot be "
        "tested.",
        f"{len(red)} indicators are red-red for London (significantly worse than England and "
        "getting worse).",
    ]
    widening = [g for g in verdicts if g.area_code in (LONDON, ENGLAND) and g.verdict == "widening"]
    narrowing = [
        g for g in verdicts if g.area_code in (LONDON, ENGLAND) and g.verdict == "narrowing"
    ]
    summary.append(
        f"Of the gap tests held for London and England, {len(narrowing)} show a significantly "
        f"narrowing and {len(widening)} a significantly widening gap."
    )
    for c in changes:
        ids.add(c.release.release_id)
    charts = tuple(
        ch
        for a in aims
        for ch in [*(i.chart for i in a.commitments), *(i.chart for i in a.key)]
        if ch is not None
    )
    return AnnualReport(
        kind="annual",
        title=f"London Health Inequalities Strategy: annual progress report {year}",
        as_of=day,
        releases=tuple(r for r in visible if r.release_id in ids),
        charts=charts,
        year=year,
        summary=tuple(summary),
        status_counts=status_counts,
        aims=tuple(aims),
        red_red=tuple(red),
        borough_red_red=tuple(sorted(boroughs, key=lambda x: (-x[1], x[0].id))),
        changes=changes,
        status_changes=status_changes,
    )


def _aim_gaps(
    verdicts: Sequence[GapVerdictRow], inds: Sequence[Indicator], names: dict[str, str]
) -> list[str]:
    out: list[str] = []
    by_id = {i.id: i for i in inds}
    for g in verdicts:
        ind = by_id.get(g.indicator_id)
        if ind is None:
            continue
        if g.area_code in (LONDON, ENGLAND):
            out.append(say.gap_sentence(g, where=names[g.area_code], what=ind.name))
    for ind_id in sorted(by_id):
        local = [g for g in verdicts if g.indicator_id == ind_id and g.area_code in LONDON_BOROUGHS]
        if not local:
            continue
        out.append(_borough_gaps_sentence(by_id[ind_id].name, [g.verdict for g in local]))
    return out


def _borough_gaps_sentence(name: str, verdicts: Sequence[str]) -> str:
    """How the gap tests of one indicator's boroughs (one per borough and sex) came out,
    every test counted: those that could not be calculated too."""
    c = Counter(verdicts)
    tested = ("narrowing", "widening", "no significant change")
    untested = len(verdicts) - sum(c[v] for v in tested)
    n = len(verdicts)
    parts = [
        f"{c['narrowing']} significantly narrowing",
        f"{c['widening']} significantly widening",
        f"{c['no significant change']} with no significant change",
    ]
    if untested:
        parts.append(f"{untested} that could not be calculated")
    listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    return (
        f"Across London's boroughs, {name}: of {n} gap {'test' if n == 1 else 'tests'} "
        f"(one per borough and sex), {listed}."
    )


def _changes(q: ReadLayer, v: Viewer, day: date, rel: Sequence[Release]) -> tuple[Change, ...]:
    """Releases published in the year to ``day`` and what each changed against the one
    before it from the same source."""
    start = date(day.year - 1, day.month, min(day.day, 28))
    out = []
    for r in rel:
        if r.published_at is None or not (start < r.published_at <= day):
            continue
        earlier = [
            x.release_id for x in rel if x.source == r.source and x.release_id < r.release_id
        ]
        if not earlier:
            out.append(Change(r, None, (f"A new source: {r.rows:,} rows.",)))
            continue
        diff = q.release_diff(v, max(earlier), r.release_id)
        lines = tuple(
            say.release_change(c, c.indicator_id or c.series)
            for c in diff.changes
            if c.added or c.removed or c.revised
        )
        out.append(Change(r, max(earlier), lines or ("No values changed.",)))
    return tuple(out)


def _status_changes(q: ReadLayer, day: date, now: dict[str, AssessmentRow]) -> tuple[str, ...]:
    before = _assessments(q, public(date(day.year - 1, day.month, min(day.day, 28))))
    if not before:
        return ("No assessment was held a year earlier, so status changes cannot be shown.",)
    then = sorted({a.release_id for a in before.values()})
    if then == sorted({a.release_id for a in now.values()}):
        return (
            "The assessments read as published a year earlier are the ones read now (derived "
            f"with release {', '.join(map(str, then))}), so no change of status can be shown.",
        )
    out = []
    for cid, a in sorted(now.items()):
        b = before.get(cid)
        if b is not None and b.status != a.status:
            out.append(
                f"{a.title}: {say.STATUS_LABELS.get(b.status, b.status)} a year earlier, "
                f"now {say.STATUS_LABELS.get(a.status, a.status)}."
            )
    return tuple(out) or ("No commitment changed status since a year earlier.",)


# ---------------------------------------------------------------------- borough briefing
def resolve_borough(q: ReadLayer, code: str) -> str:
    """A London borough's GSS code from its code or name (case-insensitive);
    ``UnknownParameter`` with the closest codes and names otherwise."""
    names = _names(q)
    given = code.strip()
    if given.upper() in LONDON_BOROUGHS:
        return given.upper()
    by_name = {names.get(c, c).lower(): c for c in LONDON_BOROUGHS}
    if given.lower() in by_name:
        return by_name[given.lower()]
    options = [*LONDON_BOROUGHS, *(names.get(c, c) for c in LONDON_BOROUGHS)]
    raise UnknownParameter("borough", given, suggestions=closest(given, options))


@dataclass(frozen=True)
class _London:
    """What every borough briefing reads, read once for all of them (``build_boroughs``):
    the latest values selected per indicator, gap verdicts, commitment assessments and the
    deprivation-breakdown rows of every borough."""

    viewer: Viewer
    day: date
    names: dict[str, str]
    indicators: tuple[Indicator, ...]
    selections: dict[str, Selection]
    verdicts: tuple[GapVerdictRow, ...]
    status: dict[str, AssessmentRow]
    breakdowns: dict[str, tuple[ValueRow, ...]]


def _london(q: ReadLayer, as_of: date | None) -> _London:
    v = public(as_of)
    day = as_of if as_of is not None else v.fixed().cutoff().date()
    inds = tuple(q.indicators())
    latest = latest_by_indicator(q, v)
    try:
        rows = q.values(
            v, area=list(LONDON_BOROUGHS), breakdown=["imd_decile", "imd_quintile"], latest=True
        )
    except (NoData, UnknownParameter):
        rows = []
    by_area: dict[str, list[ValueRow]] = {}
    for r in rows:
        by_area.setdefault(r.area_code, []).append(r)
    return _London(
        viewer=v,
        day=day,
        names=_names(q),
        indicators=inds,
        selections={i.id: select_from(i, latest.get(i.id, [])) for i in inds},
        verdicts=tuple(_gaps(q, v)),
        status=_assessments(q, v),
        breakdowns={a: tuple(rs) for a, rs in by_area.items()},
    )


def _spine_entries(ctx: _London, area: str) -> list[SpineEntry]:
    """:func:`healthgap.web.data.spine_entries` over the selections already made."""
    entries = (spine_entry(ind, ctx.selections[ind.id], area) for ind in ctx.indicators)
    return [e for e in entries if e is not None]


def build_boroughs(
    q: ReadLayer, codes: Sequence[str], as_of: date | None = None
) -> list[BoroughBriefing]:
    """Briefings for ``codes`` (codes or names), reading what they share once."""
    resolved = [resolve_borough(q, c) for c in codes]
    ctx = _london(q, as_of)
    return [_borough(q, ctx, c) for c in resolved]


def build_borough(q: ReadLayer, code: str, as_of: date | None = None) -> BoroughBriefing:
    """A borough briefing: spine chart against London and England, red-red list, inequality
    within the borough, the commitments that matter locally and its deprivation profile."""
    return build_boroughs(q, [code], as_of)[0]


def _borough(q: ReadLayer, ctx: _London, code: str) -> BoroughBriefing:
    v = ctx.viewer
    name = ctx.names.get(code, code)
    entries = _spine_entries(ctx, code)
    ids = {e.row.provenance.release_id for e in entries}
    spine = spine_chart(entries, area_name=name) if entries else None
    if spine is not None:
        spine = _sized(spine, height=max(100, 14 * len(spine.records)))
        spine = replace(spine, spec=_full_labels(spine.spec))
    red = []
    worse = []
    for e in entries:
        ind = q.indicator(e.indicator_id)
        for key, bench in (("country", "England"), ("region", "London")):
            if _red_red(e.row, key):
                red.append(
                    RedRedItem(
                        ind,
                        e.row,
                        bench,
                        f"{ind.name} ({e.row.sex}): {say.measured(e.row)}, significantly worse "
                        f"than {bench} and {say.recent_trend(e.row.recent_trend)}.",
                    )
                )
        if _outcome(e.row, "country") == "worse":
            worse.append(ind.name)
    better = sum(1 for e in entries if _outcome(e.row, "country") == "better")
    vs_london = Counter(_outcome(e.row, "region") for e in entries)
    summary = (
        f"{name} has a value on {len(entries)} indicators. Against England it is significantly "
        f"better on {better} and significantly worse on {len(worse)}; against London it is "
        f"significantly better on {vs_london.get('better', 0)} and significantly worse on "
        f"{vs_london.get('worse', 0)}.",
        f"{len(red)} red-red flags: significantly worse than the benchmark and getting worse "
        "(Fingertips' recent trend).",
    )
    verdicts = [g for g in ctx.verdicts if g.area_code == code]
    gaps = [
        say.gap_sentence(g, where=name, what=q.indicator(g.indicator_id).name) for g in verdicts
    ]
    gaps += _within_inequality(q, v, code, name, ctx.breakdowns.get(code, ()))
    if not gaps:
        gaps = [f"No inequality measure or deprivation breakdown is held for {name}."]
    local: list[tuple[CommitmentItem, str]] = []
    for c in sorted(q.commitments(), key=lambda c: (c.key_commitment or 99, c.id)):
        here = []
        for ind_id in c.indicators:
            sel = ctx.selections.get(ind_id)
            row = None if sel is None else sel.at(code)
            if sel is None or row is None:
                continue
            ids.add(row.provenance.release_id)
            # London, unless this series has no London value and England has one (the
            # indicator page's rule): else the row only says "not compared with London".
            key, bench_code, bench_name = BENCHMARKS[default_benchmark(sel)]
            bench_row = sel.at(bench_code)
            compared = say.compared_with(
                row.comparison(key), bench_name, _value(bench_row), row.unit
            )
            here.append(f"{row.indicator_name}: {name} {say.measured(row)}, {compared}")
        if here:
            item = _commitment_item(q, v, c, ctx.status.get(c.id), chart=False)
            local.append((item, "; ".join(here) + "."))
    dep = _deprivation(q, code, name)
    charts = tuple(ch for ch in (spine, dep) if ch is not None)
    return BoroughBriefing(
        kind="borough",
        title=f"{name}: health inequalities briefing",
        as_of=ctx.day,
        releases=_releases(q, v, ids),
        charts=charts,
        code=code,
        name=name,
        summary=summary,
        spine=spine,
        red_red=tuple(red),
        worse=tuple(worse),
        gaps=tuple(gaps),
        local=tuple(local),
        deprivation=dep,
    )


def _within_inequality(
    q: ReadLayer, v: Viewer, code: str, name: str, rows: Sequence[ValueRow]
) -> list[str]:
    """SII/RII/gap computed on demand for indicators with a deprivation breakdown held at the
    area (``rows``: its latest deprivation-breakdown values)."""
    seen: dict[tuple[str, str, str, str], None] = {}
    for r in rows:
        if r.indicator_id is not None:
            seen.setdefault((r.indicator_id, r.period_label, r.sex, r.breakdown_type), None)
    out = []
    for ind_id, period, sex, brk in sorted(seen):
        try:
            m = q.inequality(v, indicator=ind_id, area=code, period=period, breakdown=brk, sex=sex)
        except (NoData, UnknownParameter):
            continue
        out.append(
            say.inequality_sentence(m, where=name, what=f"{q.indicator(ind_id).name} ({sex})")
        )
    return out


def _deprivation(q: ReadLayer, code: str, name: str) -> Chart | None:
    table = q.geography.deprivation(LATEST_EDITION)
    inside = table[table["ltla_code"] == code]
    if inside.empty:
        return None
    counts = Counter(int(d) for d in inside["london_decile"])
    n = len(inside)
    shares = [(d, counts.get(d, 0), counts.get(d, 0) / n) for d in range(1, 11)]
    return decile_profile(shares, area_name=name)


# ---------------------------------------------------------------------- indicator summary
def build_indicator(q: ReadLayer, indicator_id: str, as_of: date | None = None) -> IndicatorSummary:
    """A one-indicator summary across London: London against England with its trend, the
    boroughs against London, and whether the gap is narrowing."""
    ind = q.indicator(indicator_id)
    v = public(as_of)
    day = as_of if as_of is not None else v.fixed().cutoff().date()
    rows = indicator_values(q, v, ind.id)
    sel = select_from(ind, rows)  # the boroughs' best-covered series
    lsel = select_from(ind, london_series(rows) or rows)  # London's, where another holds it
    item = _london_item(lsel, chart=False, chart_id="trend")
    if item.london is not None:
        # The latest ten periods: the page holds one A4 sheet (the trend test uses five).
        series = {
            k: h[-SUMMARY_PERIODS:]
            for k, h in (("London", lsel.history(LONDON)), ("England", lsel.history(ENGLAND)))
            if h
        }
        pic = trend_chart(
            series,
            title=f"{ind.name} ({lsel.sex}), latest {SUMMARY_PERIODS} periods",
            chart_id="trend",
        )
        item = replace(item, chart=_sized(pic, width=240, height=130))
    boroughs = sel.boroughs()
    # The boroughs against London, or England as the indicator page chooses by default;
    # the summary says which.
    key, code, bench_name = BENCHMARKS[default_benchmark(sel)]
    bench = sel.at(code)
    compare = None
    counts: Counter[str] = Counter()
    if boroughs:
        compare = compare_chart(
            boroughs,
            benchmark=key,
            benchmark_name=bench_name,
            benchmark_value=_value(bench),
            title=f"{ind.name}, {sel.sex}, {sel.period}: boroughs compared with {bench_name}",
        )
        compare = _sized(compare, width=220, height=max(120, 10 * len(boroughs)))
        counts = Counter(_outcome(r, key) for r in boroughs)
    summary = [item.sentence]
    if boroughs:
        instead = ", as their series has no London value then" if key == "country" else ""
        untested = counts.get("not compared", 0)
        summary.append(
            f"In {sel.period}{instead}, {counts.get('better', 0)} of {len(boroughs)} boroughs "
            f"are significantly better than {bench_name}, {counts.get('worse', 0)} "
            f"significantly worse and {counts.get('similar', 0)} not significantly different"
            + (f"; {untested} {'is' if untested == 1 else 'are'} not tested" if untested else "")
            + "."
        )
        red = sorted(r.area_name for r in boroughs if _red_red(r, key))
        summary.append(
            f"Red-red against {bench_name} (significantly worse and getting worse): "
            f"{', '.join(red) if red else 'none'}."
        )
    else:
        summary.append("No borough values are held for this indicator.")
    names = _names(q)
    gaps = [
        say.gap_sentence(g, where=names.get(g.area_code or "", g.area_code or ""), what=ind.name)
        for g in gap_verdicts(q, v, indicators=[ind.id])
        if g.area_code in (LONDON, ENGLAND) or g.area_code is None
    ]
    ids = {r.provenance.release_id for r in (*sel.rows, *lsel.rows)}
    charts = tuple(ch for ch in (compare, item.chart) if ch is not None)
    return IndicatorSummary(
        kind="indicator",
        title=f"{ind.name}: London summary",
        as_of=day,
        releases=_releases(q, v, ids),
        charts=charts,
        indicator=ind,
        summary=tuple(summary),
        compare=compare,
        trend=item.chart,
        counts=tuple(sorted(counts.items())),
        gaps=tuple(gaps),
        benchmark=bench_name,
    )
