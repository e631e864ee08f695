"""Read endpoints (no login): catalogue, areas, values, comparisons, trends, inequality,
assessments, progress, releases and bulk downloads. Serialisation only: every answer comes
from ``healthgap.query``; unknown codes are 422, valid questions with no answer 404."""

from __future__ import annotations

import difflib
import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from healthgap.api.app import (
    CACHE_CONTROL,
    ApiState,
    cached_answer,
    dumps,
    etag_for,
    json_response,
    not_modified,
)
from healthgap.api.problems import ProblemError, responses
from healthgap.query import BULK_COLUMNS, JsonAnswer, UnknownParameter, ValueRow

router = APIRouter(responses=responses(404, 422))

_MAX = 2000
Text = Annotated[str | None, Query(max_length=_MAX)]
Code = Annotated[str, Path(max_length=200)]
AsOf = Annotated[
    date | None,
    Query(description="Read as published at the end of this day (UTC); never later than now."),
]
Indicator = Annotated[
    str | None,
    Query(max_length=_MAX, description="Indicator ids or series keys, comma-separated."),
]
Area = Annotated[str | None, Query(max_length=_MAX, description="GSS codes, comma-separated.")]
Sex = Annotated[str | None, Query(max_length=_MAX, description="persons, male or female.")]
Latest = Annotated[bool, Query(description="Only the latest period of each series.")]
#: The top-level fields of a values answer (``ValueRow``), in their order.
VALUE_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclass_fields(ValueRow))
Fields = Annotated[
    str | None,
    Query(
        max_length=_MAX,
        description="Only these top-level fields of each row, comma-separated, in the answer's "
        "usual order (e.g. `area_code,period_label,value,lower95_0cl,upper95_0cl`); default: "
        "every field. An unknown name is 422 listing the valid ones.",
    ),
]


def _state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


def _not_blank(q: str) -> None:
    """422 for a search of nothing but spaces (it passes ``min_length=1``)."""
    if not q.strip():
        raise ProblemError(
            422,
            "parameter 'q': blank; give a word to search for",
            parameter="q",
            value=q,
            rule="blank",
        )


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return parts or None


async def _answer(
    request: Request, as_of: date | None, build: Callable[[ApiState], Any]
) -> Response:
    """ETag check (304), then the cached body or ``build(state)`` serialised as JSON (bytes
    as they are). A repeated request is answered on the event loop from the cache (no
    thread hop, no store read); anything else runs in the thread pool."""
    state = _state(request)
    version = state.known_version(as_of)
    if version is None:
        version = await run_in_threadpool(state.version, as_of)
    etag = etag_for(state, request, as_of, version)
    found = cached_answer(state, request, etag)
    if found is not None:
        return found
    body = state.cached(etag)
    if body is None:
        got = await run_in_threadpool(_encoded, build, state)
        if isinstance(got, JsonAnswer) and got.gzip is not None and got.size >= 1000:
            # Prepared at load time with its gzip form (ADR 0812): a client that takes gzip
            # gets it now; the JSON form is decompressed and cached once it is sent.
            state.remember(etag + ":gzip", got.gzip)
            if "gzip" in request.headers.get("accept-encoding", ""):
                return _gzipped(state, etag, got)
            return _inflated(state, etag, got)
        else:
            body = got if isinstance(got, bytes) else got.body
        state.remember(etag, body)
    if (
        len(body) >= 1000
        and "gzip" in request.headers.get("accept-encoding", "")
        and state.cached(etag + ":gzip") is None
    ):
        # Compressed once and cached.
        state.remember(etag + ":gzip", await run_in_threadpool(gzip.compress, body, 6))
    answer = cached_answer(state, request, etag)
    return answer if answer is not None else json_response(body, etag)


def _gzipped(state: ApiState, etag: str, got: JsonAnswer) -> Response:
    """A prepared answer's gzip form, with the headers of a cached gzip answer; its JSON
    form is cached after the answer is sent (a background task)."""
    assert got.gzip is not None
    response = json_response(got.gzip, etag)
    # GZipMiddleware leaves an answer that is already encoded alone.
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.background = BackgroundTask(lambda: state.remember(etag, got.body))
    return response


def _inflated(state: ApiState, etag: str, got: JsonAnswer) -> Response:
    """A prepared answer's JSON for a client that does not take gzip, decompressed as it is
    sent (so sending overlaps decompressing), with the headers of a cached JSON answer; the
    whole JSON is cached once sent."""
    packed = got.gzip
    assert packed is not None

    def pieces() -> Iterator[bytes]:
        inflate = zlib.decompressobj(wbits=31)
        done: list[bytes] = []
        for at in range(0, len(packed), _INFLATE_STEP):
            piece = inflate.decompress(packed[at : at + _INFLATE_STEP])
            if piece:
                done.append(piece)
                yield piece
        tail = inflate.flush()
        if tail:
            done.append(tail)
            yield tail
        body = b"".join(done)
        if len(body) != got.size or not inflate.eof:
            raise ValueError("a prepared answer's gzip form is damaged")
        state.remember(etag, body)

    return StreamingResponse(
        pieces(),
        media_type="application/json",
        headers={
            "ETag": etag,
            "Cache-Control": CACHE_CONTROL,
            "Content-Length": str(got.size),
        },
    )


#: Compressed bytes inflated per piece of a streamed prepared answer (about 1.5 MB of JSON).
_INFLATE_STEP = 32 * 1024


def _encoded(build: Callable[[ApiState], Any], state: ApiState) -> bytes | JsonAnswer:
    got = build(state)
    return got if isinstance(got, (bytes, JsonAnswer)) else dumps(got)


async def _static(request: Request, build: Callable[[ApiState], Any]) -> Response:
    """Catalogue and geography answers (no store read): same ETag rule."""
    return await _answer(request, None, build)


def _filters(
    indicator: str | None,
    area: str | None,
    area_type: str | None,
    parent: str | None,
    period: str | None,
    sex: str | None,
    age: str | None,
    breakdown: str | None,
    category: str | None,
) -> dict[str, Any]:
    return {
        "indicator": _split(indicator),
        "area": _split(area),
        "area_type": _split(area_type),
        "parent": parent,
        "period": _split(period),
        "sex": _split(sex),
        "age": _split(age),
        "breakdown": _split(breakdown),
        "category": _split(category),
    }


def _fields(given: str | None, valid: tuple[str, ...]) -> list[str] | None:
    """The names in ``given`` (comma-separated) in ``valid``'s order, or None (every field)
    when none is given; an unknown name is ``UnknownParameter`` (422) listing the valid ones."""
    names = _split(given)
    if names is None:
        return None
    for name in names:
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=3)
            raise UnknownParameter("fields", name, suggestions=close, valid=valid)
    wanted = set(names)
    return [name for name in valid if name in wanted]


def _selected(table: Any, names: list[str] | None) -> Any:
    """``table`` with only the columns ``names`` (all when None)."""
    return table if names is None else table.select(names)


def _plain(model: Any) -> Any:
    dump = getattr(model, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    return asdict(model)


# ---------------------------------------------------------------------- catalogue
@router.get("/catalogue/aims", tags=["catalogue"])
async def aims(request: Request) -> Response:
    """The strategy's aims."""
    return await _static(request, lambda s: [_plain(a) for a in s.reader.aims()])


@router.get("/catalogue/priorities", tags=["catalogue"])
async def priorities(request: Request) -> Response:
    """The strategy's priorities."""
    return await _static(request, lambda s: [_plain(a) for a in s.reader.priorities()])


@router.get("/catalogue/commitments", tags=["catalogue"])
async def commitments(request: Request) -> Response:
    """Every commitment with its target, deadline and indicators."""
    return await _static(request, lambda s: [_plain(a) for a in s.reader.commitments()])


@router.get("/catalogue/commitments/{commitment_id}", tags=["catalogue"])
async def commitment(request: Request, commitment_id: Code) -> Response:
    """One commitment."""
    return await _static(request, lambda s: _plain(s.reader.commitment(commitment_id)))


@router.get("/catalogue/focus-areas", tags=["catalogue"])
async def focus_areas(request: Request) -> Response:
    """The strategy's focus areas."""
    return await _static(request, lambda s: [_plain(a) for a in s.reader.focus_areas()])


@router.get("/catalogue/missions", tags=["catalogue"])
async def missions(request: Request) -> Response:
    """The London Health Board's missions."""
    return await _static(request, lambda s: [_plain(a) for a in s.reader.missions()])


@router.get("/catalogue/indicators", tags=["catalogue"])
async def indicators(request: Request) -> Response:
    """Every indicator with its full metadata (unit, polarity, statistic, method, sources)."""
    return await _static(request, lambda s: [_plain(a) for a in s.reader.indicators()])


@router.get("/catalogue/indicators/{indicator_id}", tags=["catalogue"])
async def indicator(request: Request, indicator_id: Code) -> Response:
    """One indicator with its full metadata."""
    return await _static(request, lambda s: _plain(s.reader.indicator(indicator_id)))


@router.get("/catalogue/search", tags=["catalogue"])
async def search(
    request: Request,
    q: Annotated[
        str,
        Query(min_length=1, max_length=200, description="Words to find (every one must match)."),
    ],
) -> Response:
    """Indicators, commitments and focus areas matching every word of ``q``; 404 if none."""
    _not_blank(q)

    def build(s: ApiState) -> Any:
        from healthgap.query import NoData

        hits = s.reader.search(q)
        if not hits:
            raise NoData({"q": q}, {"kinds": ["indicator", "commitment", "focus_area"]})
        return [_plain(h) for h in hits]

    return await _static(request, build)


# ---------------------------------------------------------------------- areas
@router.get("/areas", tags=["areas"])
async def areas(
    request: Request,
    area_type: Annotated[str | None, Query(max_length=50)] = None,
    parent: Annotated[str | None, Query(max_length=50)] = None,
) -> Response:
    """Areas of a type (within ``parent``), or a parent's children: the hierarchy."""

    def build(s: ApiState) -> Any:
        from healthgap.query import NoData

        if area_type is None and parent is None:
            return [_plain(a) for a in s.reader.areas(area_type="region")]
        found = s.reader.areas(area_type=area_type, parent=parent)
        if not found:
            raise NoData({"area_type": area_type, "parent": parent}, {})
        return [_plain(a) for a in found]

    return await _static(request, build)


@router.get("/areas/search", tags=["areas"])
async def area_search(
    request: Request,
    q: Annotated[
        str,
        Query(min_length=1, max_length=200, description="An area's code or name (or part)."),
    ],
    area_type: Annotated[str | None, Query(max_length=50)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> Response:
    """Areas by code or name, best first; 422 with a suggestion when nothing matches."""
    _not_blank(q)
    return await _static(
        request,
        lambda s: [_plain(a) for a in s.reader.search_areas(q, area_type=area_type, limit=limit)],
    )


@router.get("/areas/{code}", tags=["areas"])
async def area(request: Request, code: Code) -> Response:
    """One area: name, type and parent."""
    return await _static(request, lambda s: _plain(s.reader.area(code)))


@router.get("/areas/{code}/parents", tags=["areas"])
async def area_parents(request: Request, code: Code) -> Response:
    """An area's ancestors, nearest first."""
    return await _static(request, lambda s: [_plain(a) for a in s.reader.parents(code)])


@router.get("/areas/{code}/lineage", tags=["areas"])
async def area_lineage(request: Request, code: Code) -> Response:
    """The LSOA 2011↔2021 links of an LSOA."""
    return await _static(request, lambda s: [_plain(a) for a in s.reader.lineage(code)])


@router.get("/boundaries/{level}", tags=["areas"])
async def boundaries(request: Request, level: Annotated[str, Path(max_length=20)]) -> Response:
    """London boundaries at ``level`` as a GeoJSON FeatureCollection."""
    state = _state(request)
    etag = await run_in_threadpool(etag_for, state, request, None)
    early = not_modified(request, etag)
    if early is not None:
        return early
    body = state.cached(etag)
    if body is None:
        body = await run_in_threadpool(lambda: dumps(state.reader.boundaries(level)))
        state.remember(etag, body)
    return Response(
        body,
        media_type="application/geo+json",
        headers={"ETag": etag, "Cache-Control": CACHE_CONTROL},
    )


# ---------------------------------------------------------------------- values
@router.get("/values", tags=["values"])
async def values(
    request: Request,
    indicator: Indicator = None,
    area: Area = None,
    area_type: Text = None,
    parent: Annotated[str | None, Query(max_length=50)] = None,
    period: Text = None,
    sex: Sex = None,
    age: Text = None,
    breakdown: Text = None,
    category: Text = None,
    latest: Latest = False,
    as_of: AsOf = None,
    fields: Fields = None,
) -> Response:
    """Values with metadata, confidence limits, comparisons and provenance (latest or every
    period). Never an empty 200: 404 lists what exists."""
    f = _filters(indicator, area, area_type, parent, period, sex, age, breakdown, category)
    names = _fields(fields, VALUE_FIELDS)
    return await _answer(
        request,
        as_of,
        # the whole rows may be prepared at load time (ADR 0812); a selection is built live
        (lambda s: s.reader.values_json(s.viewer(as_of), latest=latest, **f))
        if names is None
        else lambda s: s.reader.json(
            _selected(s.reader.value_table(s.viewer(as_of), latest=latest, **f), names)
        ),
    )


@router.get("/series", tags=["values"])
async def series(
    request: Request,
    indicator: Annotated[
        str,
        Query(
            max_length=_MAX,
            description="Indicator id or series key.",
            json_schema_extra={"x-choices": "indicators"},
        ),
    ],
    area: Area = None,
    area_type: Text = None,
    parent: Annotated[str | None, Query(max_length=50)] = None,
    sex: Sex = None,
    age: Text = None,
    breakdown: Text = None,
    category: Text = None,
    as_of: AsOf = None,
    fields: Fields = None,
) -> Response:
    """An indicator's time series (every period, oldest first)."""
    f = _filters(indicator, area, area_type, parent, None, sex, age, breakdown, category)
    f.pop("period")
    names = _fields(fields, VALUE_FIELDS)
    return await _answer(
        request,
        as_of,
        lambda s: s.reader.json(_selected(s.reader.value_table(s.viewer(as_of), **f), names)),
    )


@router.get("/comparisons", tags=["values"])
async def comparisons(
    request: Request,
    indicator: Indicator = None,
    area: Area = None,
    area_type: Text = None,
    parent: Annotated[str | None, Query(max_length=50)] = None,
    period: Text = None,
    sex: Sex = None,
    age: Text = None,
    breakdown: Text = None,
    category: Text = None,
    latest: Latest = False,
    as_of: AsOf = None,
    fields: Fields = None,
) -> Response:
    """Values with their stored comparisons (London, ICB, England, quintile, previous)."""
    f = _filters(indicator, area, area_type, parent, period, sex, age, breakdown, category)
    names = _fields(fields, VALUE_FIELDS)
    return await _answer(
        request,
        as_of,
        lambda s: s.reader.json(
            _selected(
                s.reader.value_table(s.viewer(as_of), latest=latest, compared=True, **f), names
            )
        ),
    )


@router.get("/trends", tags=["values"])
async def trends(
    request: Request,
    indicator: Indicator = None,
    area: Area = None,
    sex: Sex = None,
    breakdown: Text = None,
    as_of: AsOf = None,
) -> Response:
    """Recent trends (on each series' latest period)."""
    return await _answer(
        request,
        as_of,
        lambda s: [
            asdict(r)
            for r in s.reader.trends(
                s.viewer(as_of),
                indicator=_split(indicator),
                area=_split(area),
                sex=_split(sex),
                breakdown=_split(breakdown),
            )
        ],
    )


@router.get("/inequality", tags=["values"])
async def inequality(
    request: Request,
    indicator: Annotated[
        str,
        Query(
            max_length=200,
            description="Indicator id (/v1/catalogue/indicators).",
            json_schema_extra={"x-choices": "indicators"},
        ),
    ],
    area: Annotated[
        str,
        Query(
            max_length=50,
            description="GSS code of the area whose values are compared across the breakdown "
            "(e.g. E12000007, London).",
        ),
    ],
    period: Annotated[
        str,
        Query(
            max_length=50,
            description="Period label as /v1/values gives it (`period_label`, e.g. 2021 or "
            "2018 - 20).",
        ),
    ],
    breakdown: Annotated[
        str,
        Query(
            max_length=50,
            description="The breakdown the measures are computed across.",
            json_schema_extra={"x-choices": "inequality_breakdowns"},
        ),
    ],
    sex: Annotated[str, Query(max_length=20, description="persons, male or female.")] = "persons",
    as_of: AsOf = None,
) -> Response:
    """SII, RII, gap and the HEAT measures, with intervals, computed on demand."""
    return await _answer(
        request,
        as_of,
        lambda s: [
            asdict(r)
            for r in s.reader.inequality(
                s.viewer(as_of),
                indicator=indicator,
                area=area,
                period=period,
                breakdown=breakdown,
                sex=sex,
            )
        ],
    )


# ---------------------------------------------------------------------- commitments
@router.get("/assessments", tags=["commitments"])
async def assessments(
    request: Request,
    commitment: Text = None,
    as_of: AsOf = None,
) -> Response:
    """Commitment assessments (status, reason, evidence) as of a date."""
    return await _answer(
        request,
        as_of,
        lambda s: [
            asdict(r) for r in s.reader.assessments(s.viewer(as_of), commitment=_split(commitment))
        ],
    )


@router.get("/commitments/{commitment_id}/progress", tags=["commitments"])
async def progress(request: Request, commitment_id: Code) -> Response:
    """Every progress return of a commitment (corrections included); 404 when none."""

    def build(s: ApiState) -> Any:
        from healthgap.query import NoData

        rows = s.reader.progress_history(commitment_id)
        if not rows:
            raise NoData({"commitment": commitment_id, "progress": "returns"}, {})
        return [r.to_dict() for r in rows]

    return await _answer(request, None, build)


# ---------------------------------------------------------------------- releases
@router.get("/releases", tags=["releases"])
async def releases(request: Request, as_of: AsOf = None) -> Response:
    """Every release with its status (an embargoed one listed, its values never shown)."""
    return await _answer(
        request, as_of, lambda s: [r.to_dict() for r in s.reader.releases(s.viewer(as_of))]
    )


@router.get("/releases/{release_id}", tags=["releases"])
async def release(
    request: Request, release_id: Annotated[int, Path(ge=1, le=2**62)], as_of: AsOf = None
) -> Response:
    """One release."""
    return await _answer(
        request, as_of, lambda s: s.reader.release(s.viewer(as_of), release_id).to_dict()
    )


@router.get("/releases/{old}/changes/{new}", tags=["releases"])
async def release_changes(
    request: Request,
    old: Annotated[int, Path(ge=1, le=2**62)],
    new: Annotated[int, Path(ge=1, le=2**62)],
    as_of: AsOf = None,
) -> Response:
    """What changed between two releases, per series (added, removed, revised)."""
    return await _answer(
        request, as_of, lambda s: asdict(s.reader.release_diff(s.viewer(as_of), old, new))
    )


# ---------------------------------------------------------------------- bulk
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
}


@router.get(
    "/bulk",
    tags=["values"],
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {"schema": {"type": "string"}},
            }
        }
    },
)
async def bulk(
    request: Request,
    format: Annotated[Literal["csv", "parquet", "json"], Query()] = "csv",
    indicator: Indicator = None,
    area: Area = None,
    area_type: Text = None,
    parent: Annotated[str | None, Query(max_length=50)] = None,
    period: Text = None,
    sex: Sex = None,
    age: Text = None,
    breakdown: Text = None,
    category: Text = None,
    latest: Latest = False,
    as_of: AsOf = None,
    fields: Annotated[
        str | None,
        Query(
            max_length=_MAX,
            description="Only these columns, comma-separated, in the usual order (e.g. "
            "`area_code,period_label,value`); default: every column. An unknown name is 422 "
            "listing the valid ones.",
        ),
    ] = None,
) -> Response:
    """Any filter as CSV, Parquet or JSON, streamed, no page cap (flat columns)."""
    names = _fields(fields, BULK_COLUMNS)
    state = _state(request)
    etag = await run_in_threadpool(etag_for, state, request, as_of)
    early = not_modified(request, etag)
    if early is not None:
        return early
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Content-Disposition": f'attachment; filename="healthgap-values.{format}"',
    }
    body = state.cached(etag)
    if body is not None:
        return Response(body, media_type=_MEDIA[format], headers=headers)
    f = _filters(indicator, area, area_type, parent, period, sex, age, breakdown, category)
    table = await run_in_threadpool(
        lambda: _selected(state.reader.bulk(state.viewer(as_of), latest=latest, **f), names)
    )
    return StreamingResponse(
        _kept(_stream(table, format, state.reader.json), state, etag),
        media_type=_MEDIA[format],
        headers=headers,
    )


#: A bulk answer up to this size is remembered (by its ETag) once streamed in full.
_KEEP_BYTES = 16 * 1024 * 1024


def _kept(chunks: Iterator[bytes], state: ApiState, etag: str) -> Iterator[bytes]:
    """``chunks`` passed on as they come; once all were sent, the whole answer is put in the
    response cache under ``etag`` (the same rule as JSON answers: the ETag names the
    visible release set and the question) when it is at most ``_KEEP_BYTES``."""
    kept: list[bytes] | None = []
    size = 0
    for chunk in chunks:
        if kept is not None:
            size += len(chunk)
            if size <= _KEEP_BYTES:
                kept.append(chunk)
            else:
                kept = None
        yield chunk
    if kept is not None:
        state.remember(etag, b"".join(kept))


_BATCH_ROWS = 20_000


def _stream(table: Any, fmt: str, to_json: Callable[[Any], bytes]) -> Iterator[bytes]:
    """``table`` in record batches of ``_BATCH_ROWS``: each written (Parquet row group, CSV
    block or JSON slice) and sent before the next is encoded."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    batches = table.to_batches(max_chunksize=_BATCH_ROWS) or [
        pa.RecordBatch.from_pylist([], schema=table.schema)
    ]
    buf = _Sink()
    if fmt == "parquet":
        with pq.ParquetWriter(buf, table.schema, compression="zstd") as out:
            for batch in batches:
                out.write_batch(batch, row_group_size=_BATCH_ROWS)
                yield buf.drain()
        yield buf.drain()
        return
    if fmt == "csv":
        with pa_csv.CSVWriter(buf, table.schema) as out:
            for batch in batches:
                out.write_batch(batch)
                yield buf.drain()
        yield buf.drain()
        return
    yield b"["
    first = True
    for batch in batches:
        body = to_json(pa.Table.from_batches([batch], schema=table.schema))
        if len(body) > 2:
            yield (b"" if first else b",") + body[1:-1]
            first = False
    yield b"]"


class _Sink(io.RawIOBase):
    """A write-only file that hands over what was written since the last :meth:`drain`
    (its position keeps counting, as the Parquet footer's offsets need)."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._pos = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._pos += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._pos

    def drain(self) -> bytes:
        got = b"".join(self._parts)
        self._parts.clear()
        return got
