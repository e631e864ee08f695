"""Write endpoints (bearer token and role): load a release, record progress, publish or
embargo a release (editor); manage tokens (admin). Every write runs on the store's single
writer (``healthgap.publish``) and is audited (who, when, what)."""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from pydantic import BaseModel, Field
from starlette.responses import Response

from healthgap.api.app import ApiState, dumps
from healthgap.api.problems import ProblemError, responses
from healthgap.publish import Writer, access
from healthgap.query import editor as editor_view

router = APIRouter(responses=responses(401, 403, 404, 415, 422))

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,199}$")


def naive_utc(moment: datetime) -> datetime:
    """Aware times converted to UTC; naive ones taken as UTC."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


class _Invalidating:
    """The single writer, forgetting the API's cached versions after every job."""

    def __init__(self, state: ApiState, writer: Writer) -> None:
        self._state = state
        self._writer = writer

    def run(self, job: Any) -> Any:
        try:
            return self._writer.run(job)
        finally:
            self._state.invalidate()


def _writer(state: ApiState) -> _Invalidating:
    if state.writer is None:
        raise ProblemError(403, "this server is read-only: it was started without a writer")
    return _Invalidating(state, state.writer)


def _token(request: Request, role: str) -> access.TokenInfo:
    """The caller's live token, which must carry ``role`` (admin may do what editor may)."""
    state = _state(request)
    if state.writer is None:
        raise ProblemError(403, "this server is read-only: it was started without a writer")
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(401, "a bearer token is required for writes (Authorization: Bearer …)")
    found = access.authenticate(state.reader.store, token.strip())
    if found is None:
        raise ProblemError(401, "the token is unknown or revoked")
    if role == "admin" and found.role != "admin":
        raise ProblemError(403, f"token '{found.name}' has role '{found.role}'; this needs admin")
    return found


def editor(request: Request) -> access.TokenInfo:
    return _token(request, "editor")


def admin(request: Request) -> access.TokenInfo:
    return _token(request, "admin")


Editor = Annotated[access.TokenInfo, Depends(editor)]
Admin = Annotated[access.TokenInfo, Depends(admin)]


def _json(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status_code=status, media_type="application/json")


# ---------------------------------------------------------------------- loads
@router.post("/releases", tags=["write"], status_code=201)
def load_release(
    request: Request,
    who: Editor,
    file: Annotated[UploadFile, File(description="The data file (CSV, as `healthgap load`).")],
    source: Annotated[str, Form(max_length=50, description="Source kind of the file.")],
    published_at: Annotated[date | None, Form()] = None,
    embargo_until: Annotated[datetime | None, Form(description="UTC")] = None,
) -> Response:
    """Load an uploaded file as a new release (validated first; nothing written if bad)."""
    from healthgap.sources import SOURCE_KINDS

    state = _state(request)
    writer = _writer(state)
    if source not in SOURCE_KINDS:
        raise ProblemError(
            422,
            f"parameter 'source': unknown source kind '{source}'",
            parameter="source",
            valid=list(SOURCE_KINDS),
        )
    name = file.filename or ""
    if not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise ProblemError(
            422,
            f"parameter 'file': file name {name[:80]!r} is not a plain file name "
            "(letters, digits, space, . _ ( ) -; no directories)",
            parameter="file",
        )
    with tempfile.TemporaryDirectory(prefix="healthgap-upload-") as tmp:
        target = FsPath(tmp) / name
        size = 0
        with target.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                size += len(chunk)
                if size > state.upload_limit:
                    raise ProblemError(
                        413, f"the file is larger than {state.upload_limit:,} bytes; not loaded"
                    )
                out.write(chunk)
        until = None if embargo_until is None else naive_utc(embargo_until)

        def job(store: Any) -> tuple[int, bool]:
            return access.load_file(
                store,
                target,
                kind=source,
                loaded_by=who.name,
                published_at=published_at,
                embargo_until=until,
            )

        def detail(got: tuple[int, bool]) -> dict[str, object] | None:
            rid, loaded = got
            return {"release_id": rid, "file": name, "source": source} if loaded else None

        release_id, new = writer.run(lambda s: access.audited(s, who.name, "load", job, detail))
        shutil.rmtree(tmp, ignore_errors=True)
    body = state.reader.release(editor_view(now=state.clock()), release_id).to_dict()
    return _json({"release_id": release_id, "loaded": new, "release": body}, 201 if new else 200)


class EmbargoBody(BaseModel):
    """``until``: hidden from public reads until this UTC time; null publishes now."""

    until: datetime | None = None


@router.put("/releases/{release_id}/embargo", tags=["write"])
def set_embargo(
    request: Request,
    who: Editor,
    release_id: Annotated[int, Path(ge=1, le=2**62)],
    body: EmbargoBody,
) -> Response:
    """Embargo a release until a time, or publish it (``until: null``)."""
    state = _state(request)
    writer = _writer(state)
    until = None if body.until is None else naive_utc(body.until)
    writer.run(
        lambda s: access.audited(
            s,
            who.name,
            "embargo",
            lambda st: access.set_embargo(st, release_id, until),
            lambda _: {"release_id": release_id, "until": until},
        )
    )
    return _json({"release_id": release_id, "embargo_until": until})


class ProgressBody(BaseModel):
    """A progress return for a commitment."""

    value: float = Field(allow_inf_nan=False)
    as_of: date
    source: str = Field(min_length=1, max_length=500)
    unit: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=2000)
    corrects: int | None = Field(default=None, ge=1, le=2**62)


@router.post("/commitments/{commitment_id}/progress", tags=["write"], status_code=201)
def record_progress(
    request: Request,
    who: Editor,
    commitment_id: Annotated[str, Path(max_length=200)],
    body: ProgressBody,
) -> Response:
    """Record a progress return (append-only; a correction names the return it corrects)."""
    state = _state(request)
    writer = _writer(state)
    cid = state.reader.commitment(commitment_id).id

    def job(store: Any) -> Any:
        return access.record_progress(
            store,
            cid,
            value=body.value,
            as_of=body.as_of,
            source=body.source,
            recorded_by=who.name,
            unit=body.unit,
            note=body.note,
            corrects=body.corrects,
        )

    row = writer.run(
        lambda s: access.audited(
            s,
            who.name,
            "progress",
            job,
            lambda got: {"commitment_id": cid, "return_id": got.return_id},
        )
    )
    return _json(row.to_dict(), 201)


# ---------------------------------------------------------------------- tokens
class TokenBody(BaseModel):
    """A new token's holder and role."""

    name: str = Field(min_length=1, max_length=100)
    role: str = Field(pattern="^(editor|admin)$")


@router.post("/tokens", tags=["tokens"], status_code=201)
def create_token(request: Request, who: Admin, body: TokenBody) -> Response:
    """Create a token; the token is in this answer only (it is stored hashed)."""
    writer = _writer(_state(request))
    token, info = writer.run(
        lambda s: access.audited(
            s,
            who.name,
            "token.create",
            lambda st: access.create_token(st, body.name, body.role),
            lambda got: {"token_id": got[1].token_id, "role": got[1].role},
        )
    )
    return _json({**info.to_dict(), "token": token}, 201)


@router.get("/tokens", tags=["tokens"])
def list_tokens(request: Request, who: Admin) -> Response:
    """Every token's record (never the token)."""
    state = _state(request)
    return _json([t.to_dict() for t in access.list_tokens(state.reader.store)])


@router.delete("/tokens/{token_id}", tags=["tokens"])
def revoke_token(
    request: Request, who: Admin, token_id: Annotated[int, Path(ge=1, le=2**62)]
) -> Response:
    """Revoke a token (it stops working at once)."""
    writer = _writer(_state(request))
    info = writer.run(
        lambda s: access.audited(
            s,
            who.name,
            "token.revoke",
            lambda st: access.revoke_token(st, token_id),
            lambda _: {"token_id": token_id},
        )
    )
    return _json(info.to_dict())
