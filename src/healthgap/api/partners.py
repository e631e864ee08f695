"""Partner tools over HTTP (issue #16, ADR 0900): the local action library (read; editors add
and publish entries), the organisation self-assessment and the health inequalities impact
assessment. Reads go through ``healthgap.query``; editors' writes through
``healthgap.partners`` on the store's single writer, audited like every write."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from healthgap.api.app import ApiState, dumps
from healthgap.api.invalid import json_pointer, shown
from healthgap.api.problems import ProblemError, responses
from healthgap.api.read import _answer
from healthgap.api.write import Editor, _token
from healthgap.catalogue.actions import ActionEntry, Sector
from healthgap.errors import ConfigurationError, InputError
from healthgap.publish import access
from healthgap.query import NoData, actions, editor

router = APIRouter(responses=responses(404, 415, 422))

_ID = Annotated[str, Path(max_length=200)]
_Filter = Annotated[str | None, Query(max_length=200)]
_PDF = "application/pdf"
_CSV = "text/csv; charset=utf-8"
_HTML = "text/html; charset=utf-8"


def _state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


def _entry(e: ActionEntry) -> dict[str, Any]:
    body = e.model_dump(mode="json")
    body["source"]["title"] = actions.DOCUMENT_TITLES.get(e.source.document)
    return body


def _path_parts(path: str) -> list[int | str]:
    """A JSON path (``items[3].done``) as its parts (``["items", 3, "done"]``)."""
    parts: list[int | str] = []
    for piece in path.replace("[", ".[").split("."):
        if piece:
            parts.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    return parts


def _download(content: bytes | str, media: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _pdf(html: str, stem: str) -> Response:
    """Print ``html`` to PDF (Chromium, in its own thread); 503 when it cannot be printed."""
    from healthgap.partners.impact import print_pdf

    with tempfile.TemporaryDirectory(prefix="healthgap-pdf-") as tmp:
        out = FsPath(tmp) / f"{stem}.pdf"
        try:
            print_pdf(html, out)
        except ConfigurationError as exc:
            raise ProblemError(503, f"cannot print to PDF on this server: {exc}") from exc
        data = out.read_bytes()
    return _download(data, _PDF, f"{stem}.pdf")


# ---------------------------------------------------------------------- library
@router.get("/actions", tags=["actions"], responses=responses(401, 403))
async def list_actions(
    request: Request,
    aim: _Filter = None,
    focus_area: _Filter = None,
    sector: _Filter = None,
    borough: Annotated[
        str | None, Query(max_length=50, description="Borough GSS code or name.")
    ] = None,
    theme: _Filter = None,
    q: Annotated[str | None, Query(max_length=200, description="Words (typos allowed).")] = None,
    indicator: Annotated[
        str | None, Query(max_length=200, description="Entries concerning an indicator.")
    ] = None,
    area: Annotated[
        str | None, Query(max_length=50, description="Entries naming the area's borough(s).")
    ] = None,
    drafts: Annotated[bool, Query(description="Include editors' drafts (editor token).")] = False,
) -> Response:
    """The local action library, filtered (every filter given must match) and searched
    (``q``, best first). 404 when nothing matches (never an empty list)."""

    def build(s: ApiState, viewer: Any) -> Any:
        found = actions.find(
            s.reader,
            viewer,
            aim=aim,
            focus_area=focus_area,
            sector=sector,
            borough=borough,
            theme=theme,
            text=q,
            indicator=indicator,
            area=area,
        )
        if not found:
            asked = {
                k: v
                for k, v in {
                    "aim": aim,
                    "focus_area": focus_area,
                    "sector": sector,
                    "borough": borough,
                    "theme": theme,
                    "q": q,
                    "indicator": indicator,
                    "area": area,
                }.items()
                if v is not None
            }
            every = actions.actions(s.reader, viewer)
            raise NoData(
                asked,
                {
                    "aim": sorted({a for e in every for a in e.aims}),
                    "sector": sorted({e.sector.value for e in every}),
                    "theme": sorted({t for e in every for t in e.themes}),
                    "borough": sorted({b for e in every for b in e.boroughs}),
                },
            )
        return [_entry(e) for e in found]

    if drafts:
        _token(request, "editor")
        state = _state(request)
        body = dumps(await run_in_threadpool(build, state, editor(now=state.clock())))
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})
    return await _answer(request, None, lambda s: build(s, s.viewer(None)))


@router.get("/actions/{entry_id}", tags=["actions"])
async def show_action(request: Request, entry_id: _ID) -> Response:
    """One published entry (an unknown or unpublished id is 422 with the closest ids)."""
    return await _answer(
        request, None, lambda s: _entry(actions.action(s.reader, s.viewer(None), entry_id))
    )


@router.post("/actions", tags=["actions"], status_code=201, responses=responses(401, 403))
def add_action(request: Request, who: Editor, entry: ActionEntry) -> Response:
    """Add an editor's entry as a draft (a new version if the id is an editor's entry);
    drafts are invisible to public reads until published."""
    from healthgap.partners import add_action as add

    state = _state(request)
    writer = state.writer
    if writer is None:  # pragma: no cover - the token check refuses first
        raise ProblemError(403, "this server is read-only: it was started without a writer")
    try:
        draft = add(
            writer,
            entry,
            recorded_by=who.name,
            catalogue=state.reader.catalogue,
            boroughs=[b.code for b in state.reader.geography.boroughs()],
            also=lambda s: access.audit(s, who.name, "action.add", {"entry_id": entry.id}),
        )
    finally:
        state.invalidate()
    return Response(dumps(_entry(draft)), status_code=201, media_type="application/json")


@router.post("/actions/{entry_id}/publish", tags=["actions"], responses=responses(401, 403))
def publish_action(request: Request, who: Editor, entry_id: _ID) -> Response:
    """Publish an editor's entry (review status draft → published)."""
    from healthgap.partners import publish_action as publish

    state = _state(request)
    writer = state.writer
    if writer is None:  # pragma: no cover - the token check refuses first
        raise ProblemError(403, "this server is read-only: it was started without a writer")
    try:
        try:
            entry = publish(
                writer,
                entry_id,
                recorded_by=who.name,
                also=lambda s: access.audit(s, who.name, "action.publish", {"entry_id": entry_id}),
            )
        except InputError as exc:
            raise ProblemError(422, str(exc), parameter="entry_id", value=entry_id) from exc
    finally:
        state.invalidate()
    return Response(dumps(_entry(entry)), media_type="application/json")


# ---------------------------------------------------------------------- self-assessment
_SECTORS = [s.value for s in Sector]


@router.get("/selfassess/template", tags=["self-assessment"])
async def selfassess_template(
    request: Request,
    sector: Annotated[
        str,
        Query(
            max_length=50,
            description="The organisation's sector.",
            json_schema_extra={"x-choices": "sectors"},
        ),
    ],
    organisation: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    """A blank checklist for a sector (every item ``done: false``), to fill in and score."""
    from healthgap.partners.selfassess import template

    def build(s: ApiState) -> Any:
        try:
            return template(actions.checklist(s.reader), sector, organisation=organisation)
        except InputError as exc:
            held = sorted({i.sector.value for i in actions.checklist(s.reader)})
            raise ProblemError(
                422, f"parameter 'sector': {exc}", parameter="sector", value=sector, valid=held
            ) from exc

    return await _answer(request, None, build)


_SCORE_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
            _PDF: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


@router.post(
    "/selfassess/score",
    tags=["self-assessment"],
    responses={**_SCORE_CONTENT, **responses(503)},
)
def selfassess_score(
    request: Request,
    checklist: Annotated[
        dict[str, Any],
        Body(
            description="a completed checklist (format healthgap-selfassessment/1, as "
            "/v1/selfassess/template gives it)"
        ),
    ],
    format: Annotated[Literal["json", "csv", "pdf"], Query()] = "json",
) -> Response:
    """Coverage by aim and each gap linked to case studies and indicators: JSON (which loads
    again), CSV (one row per item) or PDF."""
    from healthgap.partners.selfassess import parse, render_html, to_csv, to_json

    state = _state(request)
    items = actions.checklist(state.reader)
    try:
        assessment = parse(checklist, items, file="body")
    except InputError as exc:
        path = exc.key or ""
        got = "" if exc.value is None else f"; got {shown(exc.value)}"
        raise ProblemError(
            422,
            f"body: {path + ': ' if path else ''}{exc.rule}{got}",
            parameter=path or "body",
            path=path,
            pointer=json_pointer(_path_parts(path)),
            rule=exc.rule,
        ) from exc
    result = actions.score_self_assessment(state.reader, state.viewer(None), assessment)
    if format == "csv":
        return _download(to_csv(result, items), _CSV, "self-assessment.csv")
    if format == "pdf":
        html = render_html(result, items, aims=state.reader.aims(), created_at=state.clock())
        return _pdf(html, "self-assessment")
    return Response(dumps(to_json(result, items)), media_type="application/json")


# ---------------------------------------------------------------------- impact
class ImpactBody(BaseModel):
    """The affected population and the service change."""

    areas: list[Annotated[str, Field(max_length=100_000)]] = Field(
        max_length=5000,
        description="London boroughs, wards, MSOAs or LSOAs by code or name; an item may be "
        "a pasted list separated by commas, semicolons or new lines (codes also by spaces).",
    )
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    indicators: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, max_length=500, description="Limit to these indicator ids."
    )


_IMPACT_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/html": {"schema": {"type": "string"}},
            _PDF: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


@router.post("/impact", tags=["impact"], responses={**_IMPACT_CONTENT, **responses(503)})
def impact(
    request: Request,
    body: ImpactBody,
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",
) -> Response:
    """A health inequalities impact assessment of a service change: the catchment profiled
    against London (deprivation, age and sex, indicators with significance), groups at risk
    and data gaps, every figure citing its data and release. A bad catchment (no codes,
    unknown codes, mixed 2011/2021 vintages, areas that are not boroughs, wards, MSOAs or
    LSOAs) is 422 naming the codes (``codes``) with the closest known code (``suggested``)."""
    from healthgap.partners.impact import render_html
    from healthgap.query.impact import CatchmentError, impact_assessment

    state = _state(request)
    try:
        assessment = impact_assessment(
            state.reader,
            state.viewer(None),
            body.areas,
            title=body.title,
            description=body.description,
            indicators=body.indicators or None,
            now=state.clock(),
        )
    except CatchmentError as exc:
        raise ProblemError(
            422,
            str(exc),
            parameter=exc.key or "areas",
            codes=list(exc.codes),
            suggested=exc.suggestions,
            suggestions=list(exc.suggestions.values()),
        ) from exc
    if format == "html":
        return Response(render_html(assessment), media_type=_HTML)
    if format == "pdf":
        return _pdf(render_html(assessment), "impact-assessment")
    return Response(dumps(dataclasses.asdict(assessment)), media_type="application/json")
