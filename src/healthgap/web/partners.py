"""The website's partner tools (issue #16, ADR 0900): the local action library, the
organisation self-assessment and the health inequalities impact assessment.

As everywhere on the site, state lives in the URL (GET forms), so every view can be shared
and works without JavaScript: library filters, a self-assessment's answers (``done`` ids,
``note.<id>`` notes) and an impact assessment's areas, title and description. A saved
self-assessment (JSON) is loaded back by upload, which redirects to its URL. Reads go
through ``healthgap.query``; the reports are rendered by ``healthgap.partners``.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from healthgap.errors import ConfigurationError, InputError
from healthgap.query import ReadLayer, UnknownParameter, actions, public
from healthgap.web.pages import _env

__all__ = ["partners_router"]

#: Sectors with a self-assessment checklist, with their names.
_SECTOR_NAMES = {
    "healthcare": "Healthcare (NHS and other health organisations)",
    "vcse": "Voluntary, community and social enterprise",
}
_ALL_SECTORS = {
    "healthcare": "Healthcare",
    "vcse": "Voluntary and community",
    "council": "Council",
    "business": "Business",
    "public": "Other public body",
    "partnership": "Partnership",
}
#: Largest self-assessment file accepted by upload.
_UPLOAD_LIMIT = 1_000_000


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def partners_router(q: ReadLayer) -> APIRouter:
    """The partner tools' pages over one read layer."""
    router = APIRouter(include_in_schema=False)
    env = _env()
    borough_names = {b.code: b.name for b in q.geography.boroughs()}

    def render(request: Request, template: str, ctx: dict[str, Any], status: int = 200) -> Response:
        html = env.get_template(template).render(
            path=request.url.path, as_of="", borough_names=borough_names, **ctx
        )
        return HTMLResponse(html, status_code=status)

    def error(
        request: Request, status: int, message: str, suggestions: Sequence[str] = ()
    ) -> Response:
        ctx = {"title": "Cannot show this page", "message": message, "suggestions": suggestions}
        return render(request, "error.html", ctx, status)

    # ------------------------------------------------------------------ library
    @router.get("/actions", response_class=HTMLResponse)
    def library(request: Request) -> Response:
        p = request.query_params
        chosen = {
            k: (p.get(k) or "").strip() or None
            for k in ("q", "aim", "focus_area", "sector", "borough", "theme", "indicator", "area")
        }
        try:
            found = actions.find(
                q,
                public(),
                aim=chosen["aim"],
                focus_area=chosen["focus_area"],
                sector=chosen["sector"],
                borough=chosen["borough"],
                theme=chosen["theme"],
                text=chosen["q"],
                indicator=chosen["indicator"],
                area=chosen["area"],
            )
        except UnknownParameter as e:
            return error(request, 400, str(e), e.suggestions)
        every = actions.actions(q, public())
        linked = None
        if chosen["indicator"]:
            linked = ("indicator", q.indicator(chosen["indicator"]).name, chosen["indicator"])
        elif chosen["area"]:
            linked = ("area", q.area(chosen["area"]).name, chosen["area"])
        return render(
            request,
            "actions.html",
            {
                "title": "What London organisations are doing",
                "entries": found,
                "total": len(every),
                "chosen": chosen,
                "linked": linked,
                "aims": q.aims(),
                "aim_names": {a.id: a.name for a in q.aims()},
                "focus_areas": [
                    f for f in q.focus_areas() if any(f.id in e.focus_areas for e in every)
                ],
                "sectors": {
                    s: n for s, n in _ALL_SECTORS.items() if any(e.sector == s for e in every)
                },
                "boroughs": sorted(
                    {b for e in every for b in e.boroughs}, key=lambda c: borough_names[c]
                ),
                "themes": sorted({t for e in every for t in e.themes}, key=str.lower),
                "documents": actions.DOCUMENT_TITLES,
                "sector_names": _ALL_SECTORS,
            },
        )

    @router.get("/actions/{entry_id}", response_class=HTMLResponse)
    def entry(request: Request, entry_id: str) -> Response:
        try:
            e = actions.action(q, public(), entry_id)
        except UnknownParameter as exc:
            return error(request, 404, str(exc), exc.suggestions)
        return render(
            request,
            "action.html",
            {
                "title": e.title,
                "e": e,
                "aim_names": {a.id: a.name for a in q.aims()},
                "focus_names": {f.id: f.name for f in q.focus_areas()},
                "documents": actions.DOCUMENT_TITLES,
                "sector_names": _ALL_SECTORS,
            },
        )

    # ------------------------------------------------------------------ self-assessment
    def assessment_from(request: Request) -> tuple[dict[str, Any] | None, str | None]:
        """The checklist JSON the URL describes (None without a sector), or an error."""
        p = request.query_params
        sector = (p.get("sector") or "").strip()
        if not sector:
            return None, None
        from healthgap.partners.selfassess import template

        try:
            data = template(actions.checklist(q), sector, organisation=p.get("organisation", ""))
        except InputError:
            return None, f"No checklist is held for sector {sector!r}; choose one of: " + ", ".join(
                _SECTOR_NAMES
            )
        done = set(p.getlist("done"))
        known = {i["id"] for i in data["items"]}
        unknown = sorted(done - known)
        if unknown:
            return None, f"Not items of the {sector} checklist: {', '.join(unknown)}"
        for item in data["items"]:
            item["done"] = item["id"] in done
            item["note"] = p.get(f"note.{item['id']}", "")
        return data, None

    def scored(data: dict[str, Any]) -> Any:
        from healthgap.partners.selfassess import parse

        items = actions.checklist(q)
        return actions.score_self_assessment(q, public(), parse(data, items)), items

    def state_query(data: dict[str, Any]) -> str:
        pairs: list[tuple[str, str]] = [("sector", data["sector"])]
        if data.get("organisation"):
            pairs.append(("organisation", data["organisation"]))
        pairs += [("done", i["id"]) for i in data["items"] if i["done"]]
        pairs += [(f"note.{i['id']}", i["note"]) for i in data["items"] if i.get("note")]
        pairs.append(("result", "1"))
        return urlencode(pairs)

    @router.get("/self-assessment", response_class=HTMLResponse)
    def self_assessment(request: Request) -> Response:
        data, problem = assessment_from(request)
        ctx: dict[str, Any] = {
            "title": "Organisation self-assessment",
            "sectors": _SECTOR_NAMES,
            "data": data,
            "problem": problem,
            "result": None,
            "organisation": request.query_params.get("organisation", ""),
            "aims": q.aims(),
        }
        if data is not None and request.query_params.get("result"):
            result, _ = scored(data)
            qs = state_query(data)
            ctx.update(result=result, qs=qs, share=f"{request.base_url}self-assessment?{qs}")
        return render(request, "selfassess.html", ctx, 400 if problem else 200)

    def export(request: Request, kind: str) -> Response:
        data, problem = assessment_from(request)
        if data is None:
            return PlainTextResponse(problem or "choose a sector (sector=healthcare or vcse)", 400)
        from healthgap.partners.selfassess import render_html, to_csv, to_json

        result, items = scored(data)
        if kind == "json":
            body: bytes | str = json.dumps(to_json(result, items), indent=2, ensure_ascii=False)
            media = "application/json"
        elif kind == "csv":
            body, media = to_csv(result, items), "text/csv; charset=utf-8"
        else:
            html = render_html(result, items, aims=q.aims(), created_at=_now())
            try:
                body = _pdf(html)
            except ConfigurationError as exc:
                return PlainTextResponse(f"cannot print to PDF here: {exc}", 503)
            media = "application/pdf"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="self-assessment.{kind}"'},
        )

    @router.get("/self-assessment.json")
    def self_assessment_json(request: Request) -> Response:
        return export(request, "json")

    @router.get("/self-assessment.csv")
    def self_assessment_csv(request: Request) -> Response:
        return export(request, "csv")

    @router.get("/self-assessment.pdf")
    def self_assessment_pdf(request: Request) -> Response:
        return export(request, "pdf")

    @router.post("/self-assessment/load")
    async def self_assessment_load(request: Request) -> Response:
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return error(request, 400, "Choose a saved self-assessment file (JSON or CSV) to load.")
        raw = await upload.read(_UPLOAD_LIMIT + 1)
        if len(raw) > _UPLOAD_LIMIT:
            return error(request, 413, f"{upload.filename}: larger than {_UPLOAD_LIMIT:,} bytes.")
        from healthgap.partners.selfassess import read_file, to_json

        items = actions.checklist(q)
        try:
            assessment = read_file(raw, items, file=upload.filename)
        except InputError as exc:
            return error(request, 400, str(exc))
        result = actions.score_self_assessment(q, public(), assessment)
        return RedirectResponse(f"/self-assessment?{state_query(to_json(result, items))}", 303)

    # ------------------------------------------------------------------ impact
    def impact_input(request: Request) -> dict[str, Any]:
        p = request.query_params
        return {
            "areas": p.get("areas", ""),
            "boroughs": p.getlist("borough"),
            "title_": p.get("title", ""),
            "description": p.get("description", ""),
        }

    def impact_query(form: dict[str, Any]) -> str:
        pairs = [("areas", form["areas"])] + [("borough", b) for b in form["boroughs"]]
        pairs += [("title", form["title_"]), ("description", form["description"])]
        return urlencode(pairs)

    def assess(form: dict[str, Any]) -> Any:
        from healthgap.query.impact import impact_assessment

        return impact_assessment(
            q,
            public(),
            [form["areas"], *form["boroughs"]],
            title=form["title_"],
            description=form["description"],
        )

    @router.get("/impact-assessment", response_class=HTMLResponse)
    def impact(request: Request) -> Response:
        from healthgap.partners.impact import render_body
        from healthgap.query.impact import CatchmentError

        form = impact_input(request)
        p = request.query_params
        ctx: dict[str, Any] = {
            "title": "Health inequalities impact assessment",
            "form": form,
            "problem": None,
            "all_boroughs": sorted(borough_names.items(), key=lambda kv: kv[1]),
            "found": None,
            "find": (p.get("find") or "").strip(),
        }
        if ctx["find"]:
            try:
                ctx["found"] = q.search_areas(ctx["find"], limit=20)
            except UnknownParameter as exc:
                ctx["found"] = []
                ctx["find_suggestions"] = exc.suggestions
        submitted = "title" in p or "areas" in p
        if not submitted or p.get("edit"):
            return render(request, "impact.html", ctx)
        if not form["title_"].strip():
            ctx["problem"] = {
                "message": "Give the assessment a title.",
                "codes": (),
                "field": "title",
            }
            return render(request, "impact.html", ctx, 422)
        try:
            a = assess(form)
        except CatchmentError as exc:
            ctx["problem"] = {
                "message": exc.rule,  # the codes are listed below it, with suggestions
                "codes": exc.codes,
                "suggested": exc.suggestions,
                "names": exc.names,
                "field": "areas",
            }
            return render(request, "impact.html", ctx, 422)
        qs = impact_query(form)
        return render(
            request,
            "impact_result.html",
            {"title": a.title, "body": render_body(a), "qs": qs, "a": a},
        )

    @router.get("/impact-assessment.pdf")
    def impact_pdf(request: Request) -> Response:
        from healthgap.partners.impact import render_html
        from healthgap.query.impact import CatchmentError

        form = impact_input(request)
        try:
            a = assess(form)
        except CatchmentError as exc:
            return PlainTextResponse(exc.rule, 422)
        try:
            data = _pdf(render_html(a))
        except ConfigurationError as exc:
            return PlainTextResponse(f"cannot print to PDF here: {exc}", 503)
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="impact-assessment.pdf"'},
        )

    return router


def _pdf(html: str) -> bytes:
    from healthgap.partners.impact import print_pdf

    with tempfile.TemporaryDirectory(prefix="healthgap-web-pdf-") as tmp:
        out = Path(tmp) / "report.pdf"
        print_pdf(html, out)
        return out.read_bytes()
