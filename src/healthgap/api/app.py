"""The app factory: middleware (gzip, CORS), error handlers (RFC 9457), ETag and caching."""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, unquote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthgap.api.invalid import invalid_request, missing_parameter
from healthgap.api.problems import ProblemError, problem
from healthgap.errors import HealthgapError
from healthgap.publish import Writer
from healthgap.query import NoData, ReadLayer, UnknownParameter, Viewer, public

__all__ = ["API_VERSION", "ApiState", "create_app", "json_response"]

API_VERSION = "1.4.0"
#: Public reads may be cached briefly by browsers and proxies; revalidate with the ETag.
CACHE_CONTROL = "public, max-age=60, must-revalidate"
_CACHE_ENTRIES = 512
#: The response cache's size limit in bytes (least recently used answers dropped first).
_CACHE_BYTES = 512 * 1024 * 1024


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class ApiState:
    """What every route needs: the read layer, the single writer (None: read-only) and a
    clock (tests inject one to move time past an embargo)."""

    reader: ReadLayer
    writer: Writer | None
    clock: Callable[[], datetime]
    upload_limit: int
    _cache: OrderedDict[str, bytes] = field(default_factory=OrderedDict)
    _cached_bytes: int = 0
    _versions: dict[tuple[date | None, datetime], str] = field(default_factory=dict)
    _etags: dict[tuple[str, str, bytes], str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _generation: int = 0
    _reading: dict[tuple[date | None, datetime], threading.Event] = field(default_factory=dict)
    _ahead: datetime | None = None

    def version(self, as_of: date | None) -> str:
        """``ReadLayer.version`` of a public read as of ``as_of``, looked up at most once per
        second of the clock: what a public read sees changes only by a write (through this
        process's writer, which calls :meth:`invalidate`) or by time passing (an embargo or a
        publication date reached), so an embargo ends within a second, without a restart.
        One thread reads it; others asking for the same second wait for its answer (a burst
        of requests at the turn of a second costs one read, not one each)."""
        found = self.known_version(as_of)
        if found is not None:
            return found
        return self._version_at(as_of, self.clock())

    def _version_at(self, as_of: date | None, now: datetime) -> str:
        key = (as_of, now.replace(microsecond=0))
        with self._lock:
            found = self._versions.get(key)
            if found is not None:
                return found
            reading = self._reading.get(key)
            if reading is None:
                mine = self._reading[key] = threading.Event()
                generation = self._generation
        if reading is not None:
            reading.wait(30)
            with self._lock:
                found = self._versions.get(key)
            # Not remembered: a write finished meanwhile (or the read failed); read it here.
            return found or self.reader.version(public(as_of, now=now))
        try:
            got = self.reader.version(public(as_of, now=now))
            with self._lock:
                # A write that finished while this was read may have changed what it saw:
                # then the fingerprint is used for this answer but not remembered.
                if generation == self._generation:
                    if len(self._versions) > 64:
                        self._versions.clear()
                    self._versions[key] = got
        finally:
            with self._lock:
                del self._reading[key]
            mine.set()
        return got

    def next_second(self) -> datetime | None:
        """The next second of the clock, when now is in the second half of this one and a
        public read's fingerprint for the next is neither known nor being read (and no other
        caller was given it): :meth:`read_ahead` it then, so that requests at the turn of the
        second find it known."""
        now = self.clock()
        if now.microsecond < 500_000:
            return None
        ahead = now.replace(microsecond=0) + timedelta(seconds=1)
        key = (None, ahead)
        with self._lock:
            if self._ahead == ahead or key in self._versions or key in self._reading:
                return None
            self._ahead = ahead
        return ahead

    def read_ahead(self, at: datetime) -> None:
        """Read a public read's fingerprint for the second ``at`` (from :meth:`next_second`)
        before it begins: used only once the clock is in that second, so it is as current as
        the one the first request of that second would read. A failure is left to that
        request (it reads again and reports it)."""
        try:
            self._version_at(None, at)
        except Exception:  # a look-ahead: the request path reads again and reports errors
            return

    def etag(self, version: str, path: str, query_string: bytes) -> str:
        """:func:`etag_of` for a raw query string, remembered (a repeated question costs a
        dictionary look-up, not a parse and a hash)."""
        key = (version, path, query_string)
        with self._lock:
            found = self._etags.get(key)
        if found is None:
            query = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
            found = etag_of(version, path, query)
            with self._lock:
                if len(self._etags) >= 4 * _CACHE_ENTRIES:
                    self._etags.clear()
                self._etags[key] = found
        return found

    def known_version(self, as_of: date | None) -> str | None:
        """The remembered fingerprint for this second of the clock, or None (no store read:
        safe on the event loop)."""
        key = (as_of, self.clock().replace(microsecond=0))
        with self._lock:
            return self._versions.get(key)

    def invalidate(self) -> None:
        """Forget the remembered fingerprints (after a write): the next read takes the new
        visible release set, so no cached answer outlives the write."""
        with self._lock:
            self._generation += 1
            self._versions.clear()

    def viewer(self, as_of: date | None) -> Viewer:
        """A public read as published on ``as_of`` (never later than now)."""
        return public(as_of, now=self.clock())

    def cached(self, key: str) -> bytes | None:
        with self._lock:
            body = self._cache.get(key)
            if body is not None:
                self._cache.move_to_end(key)
            return body

    def remember(self, key: str, body: bytes) -> None:
        with self._lock:
            old = self._cache.pop(key, None)
            self._cached_bytes += len(body) - (0 if old is None else len(old))
            self._cache[key] = body
            while len(self._cache) > _CACHE_ENTRIES or (
                self._cached_bytes > _CACHE_BYTES and len(self._cache) > 1
            ):
                _, dropped = self._cache.popitem(last=False)
                self._cached_bytes -= len(dropped)


def _joined(v: object) -> str:
    return ",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _default(x: Any) -> Any:
    if isinstance(x, (date, datetime)):
        return x.isoformat()
    to_dict = getattr(x, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return str(x)


def dumps(payload: Any) -> bytes:
    """JSON bytes; non-finite floats become null (JSON has no NaN)."""
    try:
        text = json.dumps(payload, default=_default, allow_nan=False, separators=(",", ":"))
    except ValueError:
        text = json.dumps(
            _clean(json.loads(json.dumps(payload, default=_default))),
            separators=(",", ":"),
        )
    return text.encode("utf-8")


def json_response(body: bytes, etag: str | None = None, status: int = 200) -> Response:
    headers = {"Cache-Control": CACHE_CONTROL} if etag else {}
    if etag:
        headers["ETag"] = etag
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def etag_for(
    state: ApiState, request: Request, as_of: date | None, version: str | None = None
) -> str:
    """A weak ETag: the fingerprint of the releases a public read sees (``version``, looked
    up when not given) and the request (path and its query, parameters sorted)."""
    if version is None:
        version = state.version(as_of)
    return etag_of(version, request.url.path, request.query_params.multi_items())


def etag_of(version: str, path: str, query: list[tuple[str, str]]) -> str:
    """The ETag of ``path`` with ``query`` under ``version``. Parameters are sorted by name
    (stable, so a repeated parameter, which the routes refuse, keeps its order), so the same
    question asked in another order shares one cache entry."""
    items = sorted(query, key=lambda kv: kv[0])
    text = f"{version}|{path}|{json.dumps(items, separators=(',', ':'))}"
    return f'W/"{hashlib.sha256(text.encode()).hexdigest()[:24]}"'


def cached_answer(state: ApiState, request: Request, etag: str) -> Response | None:
    """304 when ``If-None-Match`` names ``etag``; else the cached JSON answer (its gzip form
    when the client accepts gzip and it is large), or None when not cached."""
    early = not_modified(request, etag)
    if early is not None:
        return early
    body = state.cached(etag)
    if body is None:
        return None
    if len(body) >= 1000 and "gzip" in request.headers.get("accept-encoding", ""):
        packed = state.cached(etag + ":gzip")
        if packed is None:
            return None
        response = json_response(packed, etag)
        # GZipMiddleware leaves an answer that is already encoded alone.
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        return response
    return json_response(body, etag)  # GZipMiddleware adds Vary: Accept-Encoding if large


class CachedAnswers:
    """ASGI middleware, outermost: a repeated public GET under ``/v1`` is answered from the
    response cache before any other middleware, routing or parameter parsing — the same
    ETag rule and cache as the routes, so it serves only answers a route built for the same
    question under the same visible release set, as raw ASGI messages (the gzip form, cached
    once, when the client accepts gzip). Anything not cached (or asked ``as_of`` a date, or
    from another origin — CORS is the inner middleware's) goes on to the app. The visible
    release set's fingerprint is read once per clock second (one read however many requests
    ask at once) and, while answers are being served, ahead of the next second, so the turn
    of a second does not send a burst of requests through the app."""

    _SKIP = ("/v1/boundaries", "/v1/bulk", "/v1/tokens", "/v1/changelog", "/v1/openapi")

    def __init__(self, app: ASGIApp, state: ApiState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            asked = self._asked(scope)
            if asked is not None:
                state = self.state
                version = state.known_version(None)
                if version is None:
                    # The turn of a clock second: one thread reads the fingerprint, the
                    # other requests wait for it (ApiState.version), then go on from here.
                    version = await run_in_threadpool(state.version, None)
                answer = self._answer(asked, scope["path"], version)
                if answer is not None:
                    start, body = answer
                    await send(start)
                    await send({"type": "http.response.body", "body": body})
                    ahead = state.next_second()
                    if ahead is not None:
                        asyncio.get_running_loop().run_in_executor(None, state.read_ahead, ahead)
                    return
        await self.app(scope, receive, send)

    def _asked(self, scope: Scope) -> tuple[bytes, bytes | None, bytes] | None:
        """(``Accept-Encoding``, ``If-None-Match``, query string) of a request this may
        answer, or None (not a public read under ``/v1`` without ``as_of`` or ``Origin``)."""
        path: str = scope["path"]
        if not path.startswith("/v1/") or path.startswith(self._SKIP):
            return None
        accept = b""
        given: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept = value
            elif name == b"if-none-match":
                given = value
            elif name == b"origin":
                return None
        raw: bytes = scope["query_string"]
        if b"as_of" in raw:
            query = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
            if any(k == "as_of" for k, _ in query):
                return None
        return accept, given, raw

    def _answer(
        self, asked: tuple[bytes, bytes | None, bytes], path: str, version: str
    ) -> tuple[dict[str, Any], bytes] | None:
        accept, given, raw = asked
        etag = self.state.etag(version, path, raw)
        tag = etag.encode("latin-1")
        if given is not None and _names_tag(given.decode("latin-1"), etag):
            return _start(304, tag, None, None), b""
        body = self.state.cached(etag)
        if body is None:
            return None
        if len(body) >= 1000:
            if b"gzip" not in accept:
                return _start(200, tag, len(body), None), body
            packed = self.state.cached(etag + ":gzip")
            if packed is None:
                return None
            return _start(200, tag, len(packed), b"gzip"), packed
        return _start(200, tag, len(body), None), body


class HeadAsGet:
    """ASGI middleware, outermost: a ``HEAD`` request is answered as its ``GET`` would be,
    headers only (RFC 9110 §9.3.2). FastAPI routes declare GET alone, so HEAD was 405,
    though CORS allows it and a link checker or cache asks with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Any) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest of a streamed body: nothing to send
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


#: Largest request body that is not a file upload (JSON: an impact assessment, a
#: self-assessment, an action entry; a form). 5,000 area codes take about 60 kB.
BODY_LIMIT = 1024 * 1024


class BodyLimit:
    """ASGI middleware: 413 for a request body larger than :data:`BODY_LIMIT` (a multipart
    upload: the app's upload limit), before the body is held in memory. A declared
    ``Content-Length`` is refused before reading; a body sent in chunks is counted as it
    arrives and refused at the first chunk past the limit (FastAPI would turn an error
    raised while it reads into a 400, so the 413 is sent from here)."""

    def __init__(self, app: ASGIApp, *, upload_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        upload = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.upload_limit if upload else BODY_LIMIT
        what = "a file upload" if upload else "a request body (not a file upload)"
        refusal = f"the body is larger than {limit:,} bytes, the most {what} may be"
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await problem(413, refusal, rule="body_limit", limit=limit)(scope, receive, send)
            return
        seen, refused = 0, False

        async def counted() -> Message:
            # Past the limit: answer 413 now and tell the app the client has gone, so it
            # stops reading (what it would answer then is dropped by ``sent``).
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    answer = problem(413, refusal, rule="body_limit", limit=limit)
                    await answer(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def sent(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, sent)


class NoEncodedSlash:
    """ASGI middleware, outermost: 422 for a ``/v1`` path holding an encoded ``/`` (``%2F``).
    The server decodes it before routing, so ``/v1/areas/E09000001%2Fparents`` (an id with
    a ``/`` in it, percent-encoded by a careful client) would be answered by another
    endpoint (the area's parents); no id holds a ``/``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: bytes = scope.get("raw_path") or b""
        if scope["type"] == "http" and raw.startswith(b"/v1/") and b"%2f" in raw.lower():
            segment = next(s for s in raw.split(b"/") if b"%2f" in s.lower())
            response = problem(
                422,
                f"path segment '{unquote(segment.decode('latin-1'))}': holds a '/' (sent as "
                "%2F); no code or id holds one",
                rule="encoded_slash",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _start(status: int, etag: bytes, length: int | None, encoding: bytes | None) -> dict[str, Any]:
    """The ``http.response.start`` message of a cached answer (headers as the routes set)."""
    headers = [(b"etag", etag), (b"cache-control", _CACHE_CONTROL_B)]
    if length is not None:
        headers += [(b"content-length", str(length).encode()), (b"content-type", _JSON_B)]
    # As the routes' answers say it (the CORS middleware adds Origin: a cross-origin read's
    # answer carries CORS headers).
    large = length is not None and (length >= 1000 or encoding is not None)
    headers.append((b"vary", b"Accept-Encoding, Origin" if large else b"Origin"))
    if encoding is not None:
        headers.append((b"content-encoding", encoding))
    return {"type": "http.response.start", "status": status, "headers": headers}


_CACHE_CONTROL_B = CACHE_CONTROL.encode()
_JSON_B = b"application/json"


def _names_tag(given: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weakly) or is ``*``."""
    tags = {t.strip() for t in given.split(",")}
    return etag in tags or "*" in tags or etag.removeprefix("W/") in tags


def not_modified(request: Request, etag: str) -> Response | None:
    """304 when the client's ``If-None-Match`` names the current ETag."""
    given = request.headers.get("if-none-match")
    if given is None:
        return None
    if _names_tag(given, etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
    return None


def changelog_text() -> str:
    """The API's changelog (``docs/api-changelog.md``, shipped with the package)."""
    return (resources.files("healthgap.api") / "changelog.md").read_text(encoding="utf-8")


def _query_fields(dependant: Any) -> list[Any]:
    """The query parameters (FastAPI ``ModelField``) a route's dependant and its dependencies
    declare."""
    found = list(dependant.query_params)
    for sub in dependant.dependencies:
        found += _query_fields(sub)
    return found


def known_query_parameters(request: Request) -> None:
    """422 for a query parameter the route does not declare, one given twice, or a required
    one not given. A misspelt filter (``indicatr=``) would otherwise be ignored and the answer
    silently be every row; of a repeated one (``sex=female&sex=male``) only the last would
    count. The problem names the parameter, the closest declared ones and every declared
    one; for a missing one, what it is and its valid choices or format."""
    given = request.query_params
    route = request.scope.get("route")
    names = [name for name, _ in given.multi_items()]
    for name in names:
        if names.count(name) > 1:
            values = ",".join(given.getlist(name))
            raise ProblemError(
                422,
                f"parameter '{name}': given {names.count(name)} times; give it once, "
                f"several values comma-separated ({name}={values})",
                parameter=name,
                value=values,
            )
    if route is None:
        return
    known: tuple[list[Any], list[str]] | None = getattr(route, "healthgap_query_fields", None)
    if known is None:  # once per route
        fields = _query_fields(route.dependant)
        known = route.healthgap_query_fields = (fields, sorted({f.alias for f in fields}))
    declared, valid = known
    for name in given:
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=3)
            detail = f"parameter '{name}': not a parameter of {request.url.path}"
            if close:
                detail += "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
            detail += f" (its parameters: {', '.join(valid)})" if valid else " (it takes none)"
            raise ProblemError(
                422, detail, parameter=name, value=given[name], suggestions=close, valid=valid
            )
    for field_ in declared:
        if field_.field_info.is_required() and field_.alias not in given:
            raise missing_parameter(request, field_)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at the request's path (Starlette's 405 names only the
    first route that matched the path: ``GET`` for ``/v1/actions``, which takes POST too);
    HEAD wherever GET is (:class:`HeadAsGet`)."""
    from starlette.routing import Match

    methods = [
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    ]
    return [*methods[:1], "HEAD", *methods[1:]] if methods[:1] == ["GET"] else methods


def create_app(
    read_layer: ReadLayer,
    *,
    writer: Writer | None = None,
    clock: Callable[[], datetime] | None = None,
    upload_limit: int = 200 * 1024 * 1024,
) -> FastAPI:
    """The API over ``read_layer``; writes go to ``writer`` (the store's single writer; None
    makes a read-only API). ``clock`` returns now (naive UTC); tests inject one."""
    from healthgap.api import partners, read, write

    app = FastAPIOffline(
        title="healthgap API",
        version=API_VERSION,
        description=(
            "London's health inequalities: indicators with their uncertainty, comparisons, "
            "trends, inequality measures and commitment assessments. Errors are RFC 9457 "
            "problem details. Changelog: /v1/changelog."
        ),
        openapi_url="/v1/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.api = ApiState(
        reader=read_layer,
        writer=writer,
        clock=clock or _utcnow,
        upload_limit=upload_limit,
    )
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["If-None-Match"],
        expose_headers=["ETag"],
    )
    # Added after the others, so outer: a cached answer skips the other middleware.
    app.add_middleware(CachedAnswers, state=app.state.api)
    # Outermost: HEAD is GET without the body (cached answers included), and no encoded '/'
    # reaches routing (or the cache, keyed by the decoded path).
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit, upload_limit=upload_limit)
    app.add_middleware(NoEncodedSlash)

    @app.exception_handler(UnknownParameter)
    async def _unknown(request: Request, exc: UnknownParameter) -> Response:
        return problem(
            422,
            str(exc),
            parameter=exc.parameter,
            value=exc.value,
            suggestions=list(exc.suggestions),
            valid=list(exc.valid) or None,
        )

    @app.exception_handler(NoData)
    async def _nodata(request: Request, exc: NoData) -> Response:
        return problem(
            404,
            str(exc),
            asked={k: _joined(v) for k, v in exc.asked.items()},
            available={k: list(v) for k, v in exc.available.items()},
        )

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem(exc.status, exc.detail, headers=headers, **exc.extra)

    @app.exception_handler(HealthgapError)
    async def _healthgap(request: Request, exc: HealthgapError) -> Response:
        return problem(422, f"{exc}; nothing was written")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return invalid_request(request, exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        path = request.url.path
        no_route = exc.status_code == 404 and exc.detail == "Not Found"
        if no_route and path.startswith("/v1/"):  # not "No data": there is no such endpoint
            return problem(
                404,
                f"{path} is not an endpoint of this API; its endpoints are listed in "
                "/v1/openapi.json (read them at /docs)",
                title="Not found",
                headers=headers,
            )
        if exc.status_code == 405:
            allowed = ", ".join(_allowed_methods(request))
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
            headers["Allow"] = allowed
            return problem(
                405,
                f"{request.method} is not allowed on {path}"
                + (f"; it takes {allowed}" if allowed else ""),
                headers=headers,
            )
        return problem(exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        return problem(500, f"internal error ({type(exc).__name__}); the request was not done")

    checked = [Depends(known_query_parameters)]
    app.include_router(read.router, prefix="/v1", dependencies=checked)
    app.include_router(write.router, prefix="/v1", dependencies=checked)
    app.include_router(partners.router, prefix="/v1", dependencies=checked)

    @app.get("/v1/changelog", response_class=PlainTextResponse, tags=["meta"])
    def changelog() -> str:
        """The API's changelog (Markdown)."""
        return changelog_text()

    return app
