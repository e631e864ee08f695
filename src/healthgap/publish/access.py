"""The API's writes, owned here: tokens, the audit log, embargoes and loads of uploaded files.

Presentations (``healthgap.api``, ``healthgap.cli.token``) write through this module and read
through ``healthgap.query``; they never open the store themselves. Each function takes the
process's single :class:`~healthgap.store.Writer` (or, for the CLI, a store it opened).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from healthgap.store import ProgressReturn, Store
from healthgap.store.access import (
    ROLES,
    AuditEntry,
    TokenInfo,
    audit,
    audit_log,
    authenticate,
    create_token,
    hash_token,
    list_tokens,
    revoke_token,
)
from healthgap.store.access import set_embargo as _set_embargo

__all__ = [
    "ROLES",
    "AuditEntry",
    "TokenInfo",
    "audit",
    "audit_log",
    "audited",
    "authenticate",
    "create_token",
    "hash_token",
    "list_tokens",
    "load_file",
    "record_progress",
    "revoke_token",
    "set_embargo",
]

T = TypeVar("T")


def audited(
    store: Store,
    who: str,
    action: str,
    write: Callable[[Store], T],
    detail: Callable[[T], dict[str, object] | None],
) -> T:
    """Run ``write(store)`` and record its audit row in the same transaction.

    ``detail(result)`` gives the audit row's details, or None when the write changed nothing
    (e.g. a file already loaded): then no row is recorded. If the write or its audit row
    fails, neither is kept: a write is never stored without its audit row, nor an audit row
    without its write.
    """
    with store.atomic():
        result = write(store)
        what = detail(result)
        if what is not None:
            audit(store, who, action, what)
    return result


def load_file(
    store: Store,
    path: Path,
    *,
    kind: str,
    loaded_by: str,
    published_at: date | None = None,
    embargo_until: datetime | None = None,
) -> tuple[int, bool]:
    """Read a user's file of ``kind`` and load it as a release (validated first; atomic).

    Returns (release id, newly loaded); a file already loaded from the same source gives the
    existing release's id and False. ``InputError``/``StoreError`` on bad input: nothing
    written.
    """
    from healthgap.publish.derive import load_release
    from healthgap.sources import read_file

    release = read_file(path, kind=kind)
    release = dataclasses.replace(
        release,
        published_at=published_at if published_at is not None else release.published_at,
        embargo_until=embargo_until if embargo_until is not None else release.embargo_until,
        loaded_by=loaded_by,
    )
    shas = [f.sha256 for f in release.files]
    if store.has_release(release.source, shas):
        for r in store.releases(visibility=None):
            if r.source == release.source and {f.sha256 for f in r.files} == set(shas):
                return r.release_id, False
    return load_release(store, release), True


def record_progress(
    store: Store,
    commitment_id: str,
    *,
    value: float,
    as_of: date,
    source: str,
    recorded_by: str,
    unit: str | None = None,
    note: str | None = None,
    corrects: int | None = None,
) -> ProgressReturn:
    """Append a progress return (``Store.record_progress``: append-only, validated)."""
    return store.record_progress(
        commitment_id,
        value=value,
        as_of=as_of,
        source=source,
        recorded_by=recorded_by,
        unit=unit,
        note=note,
        corrects=corrects,
    )


def set_embargo(store: Store, release_id: int, until: datetime | None) -> None:
    """Embargo release ``release_id`` until ``until`` (None: publish it now), then derive the
    current records for what a public read sees after it (ADR 0811) — in the same
    transaction inside :func:`audited`. Were the second step to fail alone, reads would
    still be right (the stored records serve only the set they were derived for)."""
    _set_embargo(store, release_id, until)
    store.refresh_current()
