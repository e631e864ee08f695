"""The reports on the website: ``/reports`` lists them; ``/reports/<kind>-<key>.html`` and
``.pdf`` serve each one, generated from the same read layer as the pages (``?as_of=`` as on
every page). ``healthgap serve`` mounts this next to the website (ADR 0830)."""

from __future__ import annotations

import html
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from healthgap.errors import ConfigurationError
from healthgap.geography import LONDON
from healthgap.printing import PAGE_NUMBER_FOOTER, print_pdf
from healthgap.query import QueryError, ReadLayer, UnknownParameter, public
from healthgap.reports.model import Report, build_annual, build_borough, build_indicator
from healthgap.reports.render import ATTRIBUTION, render_html

__all__ = ["mount_reports", "reports_router"]

_CACHE = 64


def mount_reports(app: FastAPI, read_layer: ReadLayer) -> None:
    """Add the reports' routes to ``app`` (under ``/reports``)."""
    app.include_router(reports_router(read_layer))


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><main>"
        f'<p><a href="/">Home</a></p><h1>{html.escape(title)}</h1>{body}</main>'
        f"<footer><p>{html.escape(ATTRIBUTION)}</p></footer></body></html>"
    )
    return HTMLResponse(doc, status_code=status)


def reports_router(q: ReadLayer) -> APIRouter:
    """The reports' routes over one read layer."""
    router = APIRouter(include_in_schema=False)
    cache: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
    lock = threading.Lock()

    def serve(request: Request, name: str, build: Callable[[date | None], Report]) -> Response:
        _stem, dot, ext = name.rpartition(".")
        if not dot or ext not in ("html", "pdf"):
            return _page("Not found", "<p>Reports are served as .html or .pdf.</p>", 404)
        as_of_text = request.query_params.get("as_of") or ""
        try:
            as_of = date.fromisoformat(as_of_text) if as_of_text else None
        except ValueError:
            msg = f"as_of must be a date as YYYY-MM-DD, not {as_of_text!r}."
            return _page("Cannot show this report", f"<p>{html.escape(msg)}</p>", 400)
        # The key's version and the report are read in one snapshot: a load committed
        # meanwhile is in neither, so a report is filed under the state it shows.
        with q.snapshot(public(as_of)) as version:
            key = (version, request.url.path, as_of_text)
            with lock:
                hit = cache.get(key)
            try:
                report = build(as_of) if hit is None else None
            except UnknownParameter as e:
                tips = "".join(f"<li>{html.escape(s)}</li>" for s in e.suggestions)
                body = f"<p>{html.escape(str(e))}</p>" + (f"<ul>{tips}</ul>" if tips else "")
                return _page("Not found", body, 404)
            except QueryError as e:
                return _page("No data", f"<p>{html.escape(str(e))}</p>", 404)
        if report is not None:  # drawn and printed outside the snapshot: no reads
            text = render_html(report)
            if ext == "html":
                hit = text.encode()
            else:
                try:
                    with tempfile.TemporaryDirectory() as tmp:
                        out = print_pdf(text, Path(tmp) / "r.pdf", footer=PAGE_NUMBER_FOOTER)
                        hit = out.read_bytes()
                except ConfigurationError as e:
                    return _page("PDF unavailable", f"<p>{html.escape(str(e))}</p>", 503)
            with lock:
                cache[key] = hit
                while len(cache) > _CACHE:
                    cache.popitem(last=False)
        kind = "text/html; charset=utf-8" if ext == "html" else "application/pdf"
        return Response(hit, media_type=kind)

    @router.get("/reports", response_class=HTMLResponse)
    def index() -> Response:
        year = max(
            (r.published_at.year for r in q.releases(public()) if r.published_at is not None),
            default=date.today().year,
        )
        boroughs = q.areas(area_type="ltla", parent=LONDON)
        items = [
            f'<li>{html.escape(b.name)}: <a href="/reports/borough-{b.code}.html">HTML</a>, '
            f'<a href="/reports/borough-{b.code}.pdf">PDF</a></li>'
            for b in sorted(boroughs, key=lambda b: b.name)
        ]
        inds = [
            f'<li>{html.escape(i.name)}: <a href="/reports/indicator-{i.id}.html">HTML</a>, '
            f'<a href="/reports/indicator-{i.id}.pdf">PDF</a></li>'
            for i in q.indicators()
        ]
        body = (
            "<p>Reports generated from the store: the same data give the same report. Add "
            "<code>?as_of=YYYY-MM-DD</code> for the data as published on a date.</p>"
            '<h2 id="annual">Annual progress report</h2>'
            f'<ul><li>{year}: <a href="/reports/annual-{year}.html">HTML</a>, '
            f'<a href="/reports/annual-{year}.pdf">PDF</a></li></ul>'
            f'<h2 id="boroughs">Borough briefings</h2><ul>{"".join(items)}</ul>'
            f'<h2 id="indicators">Indicator summaries</h2><ul>{"".join(inds)}</ul>'
        )
        return _page("Reports", body)

    @router.get("/reports/annual-{name}")
    def annual(request: Request, name: str) -> Response:
        year_text = name.rpartition(".")[0]
        if not year_text.isdigit() or not 2018 <= int(year_text) <= 2100:
            msg = f"the year must be between 2018 and 2100, not {year_text!r}"
            return _page("Not found", f"<p>{html.escape(msg)}</p>", 404)
        return serve(request, name, lambda d: build_annual(q, int(year_text), d))

    @router.get("/reports/borough-{name}")
    def borough(request: Request, name: str) -> Response:
        code = name.rpartition(".")[0]
        return serve(request, name, lambda d: build_borough(q, code, d))

    @router.get("/reports/indicator-{name}")
    def indicator(request: Request, name: str) -> Response:
        ind = name.rpartition(".")[0]
        return serve(request, name, lambda d: build_indicator(q, ind, d))

    return router
