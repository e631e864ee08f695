"""The website's routes: one handler per page type, each rendering a Jinja2 template.

State lives in the URL (query parameters read by GET forms), so every view can be shared,
bookmarked and cited, and works without JavaScript. Rendered pages are cached per read-layer
version (``ReadLayer.version``: equal versions mean equal answers) and URL.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import date
from functools import cache, partial
from importlib import resources
from typing import Any
from urllib.parse import quote

import jinja2
import vl_convert as vlc
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from healthgap import ATTRIBUTION
from healthgap.charts import OUTCOME_COLOURS, OUTCOME_SHAPES, Chart, outcome_class
from healthgap.charts import choropleth as choropleth_chart
from healthgap.charts import compare_areas as compare_chart
from healthgap.charts import spine as spine_chart
from healthgap.charts import trend as trend_chart
from healthgap.geography import ENGLAND, LONDON
from healthgap.query import (
    NoData,
    QueryError,
    ReadLayer,
    UnknownParameter,
    Viewer,
    public,
    source_title,
)
from healthgap.query.equity import gap_verdicts
from healthgap.web.data import (
    BENCHMARKS,
    RUG_TESTED_KINDS,
    default_benchmark,
    latest_by_indicator,
    rug,
    select,
    spine_entries,
)
from healthgap.web.library_block import what_is_done
from healthgap.web.profiles import area_extras, indicator_extras

__all__ = ["ATTRIBUTION", "HEADLINES", "overview_context", "static_asset", "website_router"]

#: London's headline measures on the home page.
HEADLINES: tuple[str, ...] = ("healthy_life_expectancy", "life_expectancy", "sii_life_expectancy")
_STATIC = ("site.css", "site.js")
#: Rendered pages kept (gzipped, ~10-40 KB each): the whole site at its default views and more.
_PAGE_CACHE = 1024
#: Views built recently (a page's charts with their records, before rendering) kept per
#: read-layer version and request, so that a chart's download after its page is a lookup.
_VIEW_CACHE = 32
#: Orders of the tartan rug's rows: URL value → label.
_RUG_SORTS = {
    "name": "Indicator order",
    "worse": "Most areas worse first",
    "better": "Most areas better first",
}
#: A column sort's order of cells: worse first, then similar, better, no judgement, none.
_RUG_ORDER = {"worse": 0, "similar": 1, "better": 2, "higher": 3, "lower": 3, "not compared": 4}
_TRENDS = {"Increasing": "↑", "Decreasing": "↓"}


#: Units that are not a count of things (a share, a rate, a ratio, a mean, a duration, an
#: amount of money or a concentration): their values keep a decimal place.
_NOT_A_COUNT = re.compile(
    r"%|\bper\b|ratio|rate\b|\byears?\b|£|score|index|percentage|mean|average|µg|"
    r"\ba (day|week|month|year)\b|minutes|hours",
    re.IGNORECASE,
)


def is_count(unit: str | None) -> bool:
    """Whether ``unit`` counts things ("people", "schools", "new HIV diagnoses")."""
    return bool(unit and unit.strip()) and not _NOT_A_COUNT.search(unit or "")


def places(values: Iterable[Any], *units: str | None) -> int:
    """Decimal places for one column of ``values``: 0 when every unit counts things and
    every value is whole (a count reads 55, not 55.0), else 1 — one rule for the column, so
    it never mixes 55 and 55.5."""
    if not units or not all(is_count(u) for u in units):
        return 1
    return 0 if all(v is None or float(v).is_integer() for v in values) else 1


def num(value: Any, spec: int | str | None = None) -> str:
    """A number for a page: ``spec`` is the decimal places (from :func:`places`, for a
    column) or the value's unit (a single value: a whole count shows no decimals);
    default one place."""
    if value is None:
        return "n/a"
    digits = spec if isinstance(spec, int) else places([value], spec) if spec else 1
    return f"{value:,.{digits}f}"


class PageError(Exception):
    """A request the website answers with an error page (status and plain message)."""

    def __init__(self, status: int, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.suggestions = suggestions


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("healthgap.web", "templates"),
        autoescape=jinja2.select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = num
    env.filters["source_title"] = source_title
    env.filters["label"] = lambda s: str(s).replace("_", " ").capitalize()
    env.globals.update(
        attribution=ATTRIBUTION,
        places=places,
        outcome_class=outcome_class,
        colours=OUTCOME_COLOURS,
        shapes=OUTCOME_SHAPES,
        trend_arrow=lambda t: next((a for k, a in _TRENDS.items() if t and t.startswith(k)), ""),
        symbols={
            "better": "▲",
            "similar": "●",
            "worse": "▼",
            "higher": "■",
            "lower": "◆",
            "not compared": "–",
        },
    )
    return env


@cache
def static_asset(name: str) -> bytes:
    """A static file of the package (the vega-embed bundle comes from vl-convert)."""
    if name == "vega-bundle.js":
        return str(vlc.javascript_bundle()).encode()  # type: ignore[call-arg]
    return resources.files("healthgap.web").joinpath("static", name).read_bytes()


@cache
def _gzipped(name: str) -> bytes:
    return gzip.compress(static_asset(name), 9, mtime=0)


def _viewer(as_of: str | None) -> Viewer:
    if not as_of:
        return public()
    try:
        return public(date.fromisoformat(as_of))
    except ValueError:
        raise PageError(400, f"as_of must be a date as YYYY-MM-DD, not {as_of!r}.") from None


def sentence(
    area: str, value: float | None, bench: str, bench_value: float | None, outcome: str
) -> str:
    """One plain-language sentence comparing an area's value with a benchmark."""
    if value is None or bench_value is None:
        return f"{area}'s value cannot be compared with {bench}'s: one of them is not published."
    direction = "higher than" if value > bench_value else "lower than"
    if value == bench_value:
        direction = "the same as"
    cls = outcome_class(outcome)
    if cls in ("better", "worse", "higher", "lower"):
        tail = "and the difference is bigger than chance alone would explain"
        if cls in ("better", "worse"):
            tail += f" ({cls})"
    elif cls == "similar":
        tail = "but the difference could be due to chance alone"
    else:
        tail = "but no test of significance is available for this value"
    return f"{area}'s value is {direction} {bench}'s, {tail}."


class _Recent:
    """The last ``size`` values put, by key (least recently used dropped; thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def website_router(q: ReadLayer) -> APIRouter:
    """The website's routes over one read layer."""
    router = APIRouter(include_in_schema=False)
    #: This read layer's "What is being done" block (bound here, not in the shared template
    #: environment, so that two websites in one process never read each other's store).
    library_block = partial(what_is_done, q)
    #: Rendered pages, gzipped, by (read-layer version, path and query).
    rendered = _Recent(_PAGE_CACHE)
    #: Built views (template and context) by (version, viewer, path, parameters but download).
    views = _Recent(_VIEW_CACHE)
    #: The indicator pages' charts by (version, viewer, indicator and view as asked, and again
    #: as resolved): the page asks with defaults, its CSV links with the sex and period.
    indicator_views = _Recent(_VIEW_CACHE)

    def built(
        version: str,
        viewer: Viewer,
        request: Request,
        build: Callable[[Viewer], tuple[str, dict[str, Any]]],
    ) -> tuple[str, dict[str, Any]]:
        """``build(viewer)``, or what it gave for the same view (``?download`` aside)."""
        params = tuple(kv for kv in request.query_params.multi_items() if kv[0] != "download")
        key = (version, viewer, request.url.path, params)
        hit: tuple[str, dict[str, Any]] | None = views.get(key)
        if hit is None:
            hit = build(viewer)
            views.put(key, hit)
        return hit

    def page(request: Request, build: Callable[[Viewer], tuple[str, dict[str, Any]]]) -> Response:
        started = time.perf_counter()
        if "download" in request.query_params:
            return _download(request, build)
        try:
            viewer = _viewer(request.query_params.get("as_of"))
            # The key's version and the page are read in one snapshot: a load committed
            # meanwhile is in neither, so a page is filed under the state it shows.
            with q.snapshot(viewer) as version:
                key = (version, str(request.url.path) + "?" + str(request.url.query))
                hit: bytes | None = rendered.get(key)
                if hit is None:
                    template, ctx = built(version, viewer, request, build)
                    hit = gzip.compress(_render(template, request, ctx).encode(), 6, mtime=0)
                    rendered.put(key, hit)
            etag = 'W/"' + hashlib.sha256(repr(key).encode()).hexdigest()[:24] + '"'
            if request.headers.get("if-none-match") == etag:
                return Response(status_code=304, headers={"ETag": etag})
            ms = (time.perf_counter() - started) * 1000
            return _html(request, hit, 200, {"ETag": etag, "Server-Timing": f"app;dur={ms:.1f}"})
        except UnknownParameter as e:
            body = _render(
                "error.html",
                request,
                {"title": "Not found", "message": str(e), "suggestions": e.suggestions},
            )
            status = 404
        except PageError as e:
            body = _render(
                "error.html",
                request,
                {
                    "title": "Cannot show this page",
                    "message": e.message,
                    "suggestions": e.suggestions,
                },
            )
            status = e.status
        except QueryError as e:
            body = _render(
                "error.html",
                request,
                {"title": "No data", "message": str(e), "suggestions": ()},
            )
            status = 404
        ms = (time.perf_counter() - started) * 1000
        return HTMLResponse(
            body, status_code=status, headers={"Server-Timing": f"app;dur={ms:.1f}"}
        )

    def _download(
        request: Request, build: Callable[[Viewer], tuple[str, dict[str, Any]]]
    ) -> Response:
        """``?download=CHART`` on any page: exactly the records that chart of that view draws."""
        chart_id = request.query_params["download"]
        try:
            viewer = _viewer(request.query_params.get("as_of"))
            with q.snapshot(viewer) as version:
                _, ctx = built(version, viewer, request, build)
        except (QueryError, PageError) as e:
            return PlainTextResponse(str(e), status_code=404)
        charts = [c for c in ctx.get("charts", ()) if c is not None]
        chart = next((c for c in charts if c.id == chart_id), None)
        if chart is None:
            valid = ", ".join(c.id for c in charts) or "none"
            return PlainTextResponse(f"download: no chart {chart_id!r} (one of: {valid})", 404)
        name = request.url.path.strip("/").replace("/", "-") or "home"
        return Response(
            chart.csv(),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}-{chart_id}.csv"'},
        )

    def _render(template: str, request: Request, ctx: dict[str, Any]) -> str:
        as_of = request.query_params.get("as_of") or ""
        query = "&".join(
            f"{k}={quote(v)}" for k, v in request.query_params.multi_items() if k != "download"
        )
        return (
            _env()
            .get_template(template)
            .render(
                path=request.url.path,
                query=query,
                as_of=as_of,
                what_is_done=library_block,
                **ctx,
            )
        )

    # ------------------------------------------------------------------ static
    @router.get("/static/{name}")
    def static(request: Request, name: str) -> Response:
        if name not in (*_STATIC, "vega-bundle.js"):
            return PlainTextResponse("Not found", status_code=404)
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(_gzipped(name), media_type=kind, headers=headers)
        return Response(static_asset(name), media_type=kind, headers=headers)

    # ------------------------------------------------------------------ home
    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            heads = []
            for ind_id in HEADLINES:
                # London's measures: from a series that holds London, where one does
                sel = select(q, v, ind_id, london=True)
                if sel.period is None:
                    heads.append({"indicator": sel.indicator, "sel": sel, "chart": None})
                    continue
                lon_hist, eng_hist = sel.history(LONDON), sel.history(ENGLAND)
                series = {k: h for k, h in (("London", lon_hist), ("England", eng_hist)) if h}
                chart = (
                    trend_chart(
                        series,
                        title=f"{sel.indicator.name} ({sel.sex})",
                        chart_id=f"trend-{ind_id}",
                    )
                    if series
                    else None
                )
                lon = lon_hist[-1] if lon_hist else None
                eng = (
                    sel.at(ENGLAND, lon.period_label)
                    if lon
                    else (eng_hist[-1] if eng_hist else None)
                )
                text = None
                if lon is not None:
                    comp = lon.comparison("country")
                    text = sentence(
                        "London",
                        lon.value,
                        "England",
                        None if eng is None else eng.value,
                        "Not compared" if comp is None else comp.outcome,
                    )
                heads.append(
                    {
                        "indicator": sel.indicator,
                        "sel": sel,
                        "chart": chart,
                        "london": lon,
                        "england": eng,
                        "sentence": text,
                    }
                )
            key = sorted(
                (c for c in q.commitments() if c.key_commitment),
                key=lambda c: (c.key_commitment or 0, c.id),
            )
            status = _statuses(v)
            releases = q.releases(v)
            # the most recently published (a release loaded later may be older data: the
            # bundled sources load in a fixed order, whatever their publication dates)
            latest = (
                max(releases, key=lambda r: (r.published_at or r.loaded_at.date(), r.release_id))
                if releases
                else None
            )
            changes = None
            if latest is not None:
                earlier = [
                    r.release_id
                    for r in releases
                    if r.source == latest.source and r.release_id < latest.release_id
                ]
                if earlier:
                    changes = q.release_diff(v, max(earlier), latest.release_id).changes
            return "home.html", {
                "title": "London health inequalities monitor",
                "aims": q.aims(),
                "heads": heads,
                "key": key,
                "status": status,
                "latest": latest,
                "changes": changes,
                "charts": [h["chart"] for h in heads if h["chart"] is not None],
            }

        return page(request, build)

    def _statuses(v: Viewer) -> dict[str, Any]:
        try:
            return {a.id: a for a in q.assessments(v) if a.kind == "commitment"}
        except NoData:
            return {}

    # ------------------------------------------------------------------ indicators
    @router.get("/indicators", response_class=HTMLResponse)
    def indicators(request: Request) -> Response:
        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            aims = {a.id: a for a in q.aims()}
            # what the store holds, whatever its source (bundled, fetched, computed, loaded)
            latest = {
                ind: max(rows, key=lambda r: r.period_start).period_label
                for ind, rows in latest_by_indicator(q, v).items()
            }
            return "indicators.html", {
                "title": "Indicators",
                "indicators": q.indicators(),
                "aims": aims,
                "latest": latest,
            }

        return page(request, build)

    def _indicator_charts(
        v: Viewer,
        ind_id: str,
        sex: str | None,
        period: str | None,
        benchmark: str | None,
        small: str | None = None,
        within: str | None = None,
    ) -> dict[str, Any]:
        """The indicator page's view (its charts and sentences); a view built recently is
        reused, so the page's CSV downloads do not build every chart again."""
        with q.snapshot(v) as version:  # the page's, when called while it is built
            asked = (version, v, ind_id, sex, period, benchmark, small, within)
            ctx: dict[str, Any] | None = indicator_views.get(asked)
            if ctx is None:
                ctx = _build_indicator_charts(v, ind_id, sex, period, benchmark, small, within)
                indicator_views.put(asked, ctx)
                sel = ctx["sel"]
                resolved = (version, v, ind_id, sel.sex, sel.period, benchmark, small, within)
                indicator_views.put(resolved, ctx)
        return ctx

    def _build_indicator_charts(
        v: Viewer,
        ind_id: str,
        sex: str | None,
        period: str | None,
        benchmark: str | None,
        small: str | None,
        within: str | None,
    ) -> dict[str, Any]:
        if benchmark is not None and benchmark not in BENCHMARKS:
            raise UnknownParameter("benchmark", benchmark, valid=tuple(BENCHMARKS))
        sel = select(q, v, ind_id, sex=sex, period=period)
        note = None
        if benchmark is None:
            benchmark = default_benchmark(sel)
            if benchmark == "england":
                note = (
                    "This series has no London value for this period, so the boroughs are "
                    "compared with England."
                )
        ctx: dict[str, Any] = {
            "sel": sel,
            "benchmark": benchmark,
            "benchmark_note": note,
            "charts": [],
            "sentences": [],
        }
        if sel.period is None:
            return ctx
        key, code, name = BENCHMARKS[benchmark]
        boroughs = sel.boroughs()
        bench = sel.at(code)
        title = f"{sel.indicator.name}, {sel.sex}, {sel.period}"
        charts: list[Chart] = []
        if boroughs:
            charts.append(
                choropleth_chart(boroughs, q.boundaries("ltla"), title=f"{title}: London boroughs")
            )
            charts.append(
                compare_chart(
                    boroughs,
                    benchmark=key,
                    benchmark_name=name,
                    benchmark_value=None if bench is None else bench.value,
                    title=f"{title}: compared with {name}",
                )
            )
        series = {n: sel.history(c) for n, c in (("London", LONDON), ("England", ENGLAND))}
        series = {k: h for k, h in series.items() if h}
        if series:
            charts.append(trend_chart(series, title=f"{sel.indicator.name} ({sel.sex}) over time"))
        for r in sorted(boroughs, key=lambda r: r.area_name):
            comp = r.comparison(key)
            ctx["sentences"].append(
                (
                    r,
                    sentence(
                        r.area_name,
                        r.value,
                        name,
                        None if bench is None else bench.value,
                        "Not compared" if comp is None else comp.outcome,
                    ),
                )
            )
        extras = indicator_extras(
            q,
            v,
            sel,
            title=title,
            benchmark_key=key,
            benchmark_name=name,
            small=small,
            within=within,
        )
        charts[1:1] = extras.maps
        charts += [c for c in extras.charts() if c not in extras.maps]
        ctx.update(charts=charts, bench=bench, bench_name=name, extras=extras)
        return ctx

    @router.get("/indicators/{indicator_id}", response_class=HTMLResponse)
    def indicator(
        request: Request,
        indicator_id: str,
        sex: str | None = None,
        period: str | None = None,
        benchmark: str | None = None,
        small: str | None = None,
        within: str | None = None,
    ) -> Response:
        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            ctx = _indicator_charts(
                v,
                indicator_id,
                sex or None,
                period or None,
                benchmark or None,
                small or None,
                within or None,
            )
            aims = {a.id: a for a in q.aims()}
            return "indicator.html", {
                "title": ctx["sel"].indicator.name,
                "aims": aims,
                "benchmarks": BENCHMARKS,
                **ctx,
            }

        return page(request, build)

    @router.get("/indicators/{indicator_id}/{chart_id}.csv")
    def indicator_csv(
        request: Request,
        indicator_id: str,
        chart_id: str,
        sex: str | None = None,
        period: str | None = None,
        benchmark: str | None = None,
        small: str | None = None,
        within: str | None = None,
    ) -> Response:
        try:
            v = _viewer(request.query_params.get("as_of"))
            ctx = _indicator_charts(
                v,
                indicator_id,
                sex or None,
                period or None,
                benchmark or None,
                small or None,
                within or None,
            )
        except (QueryError, PageError) as e:
            return PlainTextResponse(str(e), status_code=404)
        chart = next((c for c in ctx["charts"] if c.id == chart_id), None)
        if chart is None:
            valid = ", ".join(c.id for c in ctx["charts"]) or "none"
            return PlainTextResponse(f"no chart {chart_id!r} (one of: {valid})", 404)
        return Response(
            chart.csv(),
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{indicator_id}-{chart_id}.csv"'
            },
        )

    # ------------------------------------------------------------------ areas
    @router.get("/areas", response_class=HTMLResponse)
    def areas(request: Request) -> Response:
        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            return "areas.html", {
                "title": "Areas",
                "boroughs": q.areas(area_type="ltla", parent=LONDON),
                "icbs": q.areas(area_type="icb", parent=LONDON),
            }

        return page(request, build)

    def _area_ctx(v: Viewer, code: str, map_borough: str | None) -> dict[str, Any]:
        info = q.area(code)
        extras = area_extras(q, v, info, map_borough=map_borough)
        found = [extras[k] for k in ("pyramid", "deprivation", "lsoa_map") if extras[k]]
        return {"info": info, "extras": extras, "extra_charts": found}

    @router.get("/areas/{code}", response_class=HTMLResponse)
    def area(request: Request, code: str, map_borough: str | None = None) -> Response:
        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            actx = _area_ctx(v, code, map_borough or None)
            info = actx["info"]
            entries = spine_entries(q, v, info.code, q.indicators())
            chart = spine_chart(entries, area_name=info.name) if entries else None
            red = [
                e
                for e in entries
                if outcome_class(_outcome(e.row, "country")) == "worse"
                and (e.row.recent_trend or "").endswith("getting worse")
            ]
            worse = [e for e in entries if outcome_class(_outcome(e.row, "country")) == "worse"]
            return "area.html", {
                "title": info.name,
                "info": info,
                "entries": entries,
                "chart": chart,
                "red": red,
                "worse": worse,
                "charts": ([chart] if chart else []) + actx["extra_charts"],
                "extras": actx["extras"],
            }

        return page(request, build)

    # ------------------------------------------------------------------ overview
    @router.get("/overview", response_class=HTMLResponse)
    def overview(
        request: Request,
        benchmark: str | None = None,
        aim: str | None = None,
        focus: str | None = None,
        sort: str = "name",
    ) -> Response:
        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            return "overview.html", overview_context(q, v, benchmark, aim, focus, sort)

        return page(request, build)

    # ------------------------------------------------------------------ commitments
    @router.get("/commitments", response_class=HTMLResponse)
    def commitments(request: Request) -> Response:
        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            items = sorted(q.commitments(), key=lambda c: (c.key_commitment or 99, c.id))
            history = {c.id: q.progress_history(c.id) for c in items}
            gaps = [g for g in gap_verdicts(q, v) if g.area_code is not None]
            return "commitments.html", {
                "title": "Commitments",
                "items": items,
                "status": _statuses(v),
                "history": history,
                "gaps": gaps,
                # Public text names indicators and areas in words, never by id (ADR 0820).
                "indicator_names": {i.id: i.name for i in q.indicators()},
                "area_names": {a.code: a.name for a in q.areas()},
            }

        return page(request, build)

    # ------------------------------------------------------------------ search etc.
    @router.get("/search", response_class=HTMLResponse)
    def search(request: Request, q_: str = "") -> Response:
        text = request.query_params.get("q", "").strip()

        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            hits = q.search(text) if text else ()
            area_hits: list[Any] = []
            suggestions: tuple[str, ...] = ()
            if text:
                try:
                    area_hits = q.search_areas(text, area_type="ltla", limit=10)
                except UnknownParameter as e:
                    suggestions = e.suggestions
            return "search.html", {
                "title": "Search",
                "q": text,
                "hits": hits,
                "area_hits": area_hits,
                "suggestions": suggestions,
            }

        return page(request, build)

    @router.get("/releases", response_class=HTMLResponse)
    def releases(request: Request) -> Response:
        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            rel = sorted(q.releases(v), key=lambda r: r.release_id, reverse=True)
            return "releases.html", {"title": "Releases", "releases": rel}

        return page(request, build)

    @router.get("/sources", response_class=HTMLResponse)
    def sources(request: Request) -> Response:
        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            return "sources.html", {"title": "Sources and licence", "summary": q.summary()}

        return page(request, build)

    @router.get("/methods", response_class=HTMLResponse)
    def methods(request: Request) -> Response:
        def build(v: Viewer) -> tuple[str, dict[str, Any]]:
            return "methods.html", {"title": "Methods"}

        return page(request, build)

    return router


def overview_context(
    q: ReadLayer,
    v: Viewer,
    benchmark: str | None,
    aim: str | None,
    focus: str | None,
    sort: str,
) -> dict[str, Any]:
    """The tartan rug's view: filtered by aim and focus area, rows in the order ``sort``
    ('name', 'worse', 'better' or 'area:CODE' — that column's worse cells first). Without a
    ``benchmark`` the boroughs are compared with London, unless London has no value for most
    of the indicators shown and England compares more boroughs (as the indicator page's
    :func:`default_benchmark`, for the whole table: one table never mixes benchmarks)."""
    if benchmark is not None and benchmark not in BENCHMARKS:
        raise UnknownParameter("benchmark", benchmark, valid=tuple(BENCHMARKS))
    aims = q.aims()
    if aim and aim not in {a.id for a in aims}:
        raise UnknownParameter("aim", aim, valid=tuple(a.id for a in aims))
    focus_areas = q.focus_areas()
    if focus and focus not in {f.id for f in focus_areas}:
        raise UnknownParameter("focus", focus, valid=tuple(f.id for f in focus_areas))
    note = None
    if benchmark is None:
        benchmark = "london"
        r = rug(q, v, benchmark, aim=aim or None, focus=focus or None)
        london_held = sum(1 for row in r.rows if row.cells[0] is not None)
        if london_held * 2 < len(r.rows):
            england = rug(q, v, "england", aim=aim or None, focus=focus or None)
            if _compared(england) > _compared(r):
                benchmark, r = "england", england
                note = (
                    f"London has no value for {len(r.rows) - london_held} of the "
                    f"{len(r.rows)} indicators shown, so most boroughs could not be compared "
                    "with London: they are compared with England. Choose London above to "
                    "compare with London."
                )
    else:
        r = rug(q, v, benchmark, aim=aim or None, focus=focus or None)
    codes = [c.code for c in r.columns]
    sort_col = sort.removeprefix("area:") if sort.startswith("area:") else None
    if sort not in _RUG_SORTS and sort_col not in codes:
        valid = (*_RUG_SORTS, *(f"area:{c}" for c in codes))
        raise UnknownParameter("sort", sort, valid=valid)
    rows = list(r.rows)
    if sort in ("worse", "better"):
        rows.sort(key=lambda row: -row.count(sort, r.columns, RUG_TESTED_KINDS))
    elif sort_col is not None:
        i = codes.index(sort_col)
        rows.sort(key=lambda row: _RUG_ORDER.get(_cell_class(row.cells[i]), len(_RUG_ORDER)))
    r = type(r)(r.columns, tuple(rows))
    counts = r.counts()
    # Only polarity-aware tests (better / similar / worse) can call a cell "worse"; a
    # two-sided test at confidence c calls a truly average area worse with chance (1 - c) / 2.
    judged = expected = 0.0
    for row in r.rows:
        n = sum(row.count(k, r.columns, RUG_TESTED_KINDS) for k in ("better", "similar", "worse"))
        judged += n
        expected += n * (1 - row.indicator.confidence) / 2
    levels = sorted({row.indicator.confidence for row in r.rows})
    return {
        "title": "Overview: every indicator in every borough",
        "rug": r,
        "benchmark": benchmark,
        "bench_name": BENCHMARKS[benchmark][2],
        "benchmark_note": note,
        "benchmarks": BENCHMARKS,
        "aims": aims,
        "aim": aim or "",
        "focus_areas": focus_areas,
        "focus": focus or "",
        "counts": counts,
        "sort": sort,
        "sort_col": sort_col,
        "sorts": _RUG_SORTS,
        "judged": int(judged),
        "levels": [f"{c * 100:g}%" for c in levels],
        "chance_share": [f"{(1 - c) * 50:g}%" for c in levels],
        "expected": expected,
    }


def _compared(r: Any) -> int:
    """Borough cells of rug ``r`` with a comparison (not "not compared")."""
    return sum(
        1
        for row in r.rows
        for col, cell in zip(r.columns, row.cells, strict=True)
        if col.kind == "ltla" and cell is not None and _cell_class(cell) != "not compared"
    )


def _cell_class(cell: Any) -> str:
    return "none" if cell is None else outcome_class(cell.outcome)


def _html(request: Request, gz: bytes, status: int, headers: dict[str, str]) -> Response:
    """A cached page: sent gzipped when the browser accepts it (every browser does)."""
    headers = {**headers, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(gz, status, headers, media_type="text/html; charset=utf-8")
    return Response(gzip.decompress(gz), status, headers, media_type="text/html; charset=utf-8")


def _outcome(row: Any, key: str) -> str:
    comp = row.comparison(key)
    return "Not compared" if comp is None else str(comp.outcome)
