"""Problems for requests FastAPI cannot bind: a required query parameter not given, a
parameter of the wrong type, or a body of the wrong shape (ADR 0810). Each names where the
fault is (the parameter, or the body's JSON path such as ``items[3].done``), the rule it
breaks and what is expected, so a caller can fix it without reading the OpenAPI document."""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Literal, Union, get_args, get_origin

from fastapi import Request, params
from pydantic import BaseModel
from starlette.responses import Response

from healthgap.api.problems import ProblemError, problem
from healthgap.query import ReadLayer, actions

#: A query parameter's valid values read from the store's catalogue, named by the
#: ``x-choices`` key of its ``json_schema_extra`` (listed when it is missing).
CHOICES: dict[str, Callable[[ReadLayer], list[str]]] = {
    "indicators": lambda r: [i.id for i in r.indicators()],
    "inequality_breakdowns": lambda r: list(r.inequality_breakdowns()),
    "sectors": lambda r: sorted({i.sector.value for i in actions.checklist(r)}),
}
#: Choices listed in a problem's detail (all of them are in its ``valid``).
_SHOWN = 12


def _plain(annotation: Any) -> Any:
    """``annotation`` without ``None`` (``str | None`` → ``str``)."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def expected(field_info: Any) -> tuple[str, list[str]]:
    """What a parameter takes, in words, and its fixed choices (a ``Literal``)."""
    kind = _plain(field_info.annotation)
    bounds = {type(m).__name__: m for m in field_info.metadata}
    if get_origin(kind) is Literal:
        choices = [str(a) for a in get_args(kind)]
        return "one of " + ", ".join(choices), choices
    if kind is bool:
        return "true or false", ["true", "false"]
    if kind is datetime:
        return "a date and time, ISO 8601 (e.g. 2025-04-01T09:30:00Z)", []
    if kind is date:
        return "a date, YYYY-MM-DD", []
    if kind is int:
        low, high = getattr(bounds.get("Ge"), "ge", None), getattr(bounds.get("Le"), "le", None)
        if low is not None and high is not None and high < 2**31:
            return f"a whole number from {low} to {high}", []
        if low is not None:
            return f"a whole number, {low} or more", []
        return "a whole number", []
    if kind is float:
        return "a number", []
    most = getattr(bounds.get("MaxLen"), "max_length", None)
    return ("text" if most is None else f"text of at most {most:,} characters"), []


def missing_parameter(request: Request, field: Any) -> ProblemError:
    """422 for a required query parameter not given: what it is, and its valid choices (read
    from the store's catalogue when the parameter names them) or its format."""
    name: str = field.alias
    info = field.field_info
    what, choices = expected(info)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    source = CHOICES.get(str(extra.get("x-choices", "")))
    if source is not None:
        choices = source(request.app.state.api.reader)
    detail = f"parameter '{name}': required by {request.url.path}, not given"
    if info.description:
        detail += f"; {info.description.rstrip('.')}"
    if choices:
        listed = ", ".join(choices[:_SHOWN]) + (" …" if len(choices) > _SHOWN else "")
        detail += f"; one of: {listed}"
    else:
        detail += f"; {what}"
    return ProblemError(422, detail, parameter=name, valid=choices or None, rule="missing")


def json_path(loc: Sequence[int | str]) -> str:
    """A location in a JSON body as a path: ``("items", 3, "done")`` → ``items[3].done``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def json_pointer(loc: Sequence[int | str]) -> str:
    """The same location as an RFC 6901 JSON Pointer in a URI fragment (``#/items/3/done``)."""
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in loc)


_JSON_TYPES = {
    dict: "a JSON object",
    list: "a JSON array",
    str: "a string",
    bool: "true/false",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def shown(value: Any) -> str:
    """A value a caller sent, shortly (a container by its JSON type)."""
    if isinstance(value, (dict, list)) or value is None:
        return _JSON_TYPES[type(value)]
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def _body_expected(request: Request) -> str:
    """What the route's body is, in words: a model's fields (required ones marked), or the
    body parameter's description."""
    route = request.scope.get("route")
    params = [] if route is None else list(route.dependant.body_params)
    if len(params) != 1:
        return "the body the OpenAPI document describes"
    info = params[0].field_info
    model = _plain(info.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        fields = ", ".join(
            f"{n} (required)" if f.is_required() else n for n, f in model.model_fields.items()
        )
        return f"a JSON object with fields {fields}"
    return "a JSON object" + (f": {info.description.rstrip('.')}" if info.description else "")


def _one(request: Request, error: dict[str, Any], form: bool) -> dict[str, Any]:
    """One validation error as a problem's entry: where, rule, what was expected, detail."""
    loc = [p for p in error.get("loc", ()) if p is not None]
    rule = str(error.get("type", "invalid"))
    msg = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    given = error.get("input")
    entry: dict[str, Any] = {"rule": rule}
    if loc and loc[0] in ("query", "path", "header", "cookie") and len(loc) > 1:
        name = str(loc[1])
        entry["parameter"] = name
        if isinstance(given, (str, int, float)):
            entry["value"] = str(given)
        where = f"parameter '{name}'" if loc[0] == "query" else f"{loc[0]} parameter '{name}'"
    elif rule == "json_invalid":
        at = loc[1] if len(loc) > 1 else "?"
        reason = (error.get("ctx") or {}).get("error", "JSON decode error")
        entry.update(path="", pointer="#")
        entry["detail"] = f"body: not valid JSON (at character {at}: {reason})"
        return entry
    else:
        inner = loc[1:] if loc and loc[0] == "body" else loc
        path = json_path(inner)
        entry.update(path=path, pointer=json_pointer(inner))
        if form:
            where = f"form field '{path}'" if path else "form"
        elif not path:  # the body as a whole
            whole = _body_expected(request)
            if rule == "missing":
                entry["detail"] = f"body: required, not given; expected {whole}"
            else:
                entry["detail"] = f"body: expected {whole}; got {shown(given)}"
            entry["expected"] = whole
            return entry
        else:
            where = f"body: {path}"
            entry["parameter"] = path  # as in API 1.2 (a body field's name), now its JSON path
    want, choices = _parameter_expected(request, entry.get("parameter"))
    if choices:
        entry["valid"] = choices
    if rule == "missing":
        entry["detail"] = f"{where}: required, not given" + (f"; {want}" if want else "")
    else:
        entry["detail"] = f"{where}: {msg}; got {shown(given)}" + (
            f" (expected {want})" if want else ""
        )
    entry["expected"] = want or msg.removeprefix("Input should be ").removeprefix("Input ")
    return entry


def _parameter_expected(request: Request, name: str | None) -> tuple[str | None, list[str]]:
    """What the route's query or path parameter ``name`` takes, in words, and its fixed
    choices ((None, []): not one of its parameters)."""
    route = request.scope.get("route")
    if name is None or route is None:
        return None, []
    for field in [*route.dependant.query_params, *route.dependant.path_params]:
        if field.alias == name:
            return expected(field.field_info)
    return None, []


def invalid_request(request: Request, errors: Sequence[Any]) -> Response:
    """422 for FastAPI's validation errors: the first one in ``detail`` (with how many more),
    every one in ``errors``; ``parameter`` names a query or path parameter or a body field,
    ``path`` and ``pointer`` (RFC 6901) the place in the body."""
    media = request.headers.get("content-type", "")
    route = request.scope.get("route")
    body_params = [] if route is None else list(route.dependant.body_params)
    form = any(isinstance(f.field_info, params.Form) for f in body_params)
    json_media = media.split(";")[0].strip().lower()
    if (
        body_params
        and not form
        and json_media != "application/json"
        and not json_media.endswith("+json")
        and any(isinstance(dict(e).get("input"), bytes) for e in errors)
    ):
        # FastAPI leaves a body not sent as JSON unparsed: say so, not "got b'…'".
        sent = f"'{media}'" if media else "no Content-Type"
        detail = (
            f"body: sent with {sent}; {request.url.path} takes JSON: send it with "
            "Content-Type: application/json"
        )
        entry = {"rule": "content_type", "path": "", "pointer": "#", "detail": detail}
        return problem(
            415,
            detail,
            errors=[entry],
            path="",
            pointer="#",
            rule="content_type",
            expected="application/json",
        )
    entries = [_one(request, dict(e), form) for e in errors] or [
        {"rule": "invalid", "detail": "the request could not be read"}
    ]
    first = entries[0]
    detail = first["detail"]
    if len(entries) > 1:
        detail += f" (and {len(entries) - 1} more: see errors)"
    keys = ("parameter", "value", "valid", "path", "pointer", "rule", "expected")
    extra = {k: first[k] for k in keys if k in first}
    return problem(422, detail, errors=entries, **extra)
