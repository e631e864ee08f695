"""API tokens (stored hashed), the audit log of writes, and a release's embargo.

A token is ``secrets.token_urlsafe(32)``: shown once when created, stored only as its SHA-256
(schema v6), so the store cannot give it back. Every write made through the API is recorded
in ``audit_log`` (who, when, what). Design: ``docs/design/0810-rest-api-v1.md``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from healthgap.errors import StoreError
from healthgap.store.duckdb_store import Store

__all__ = [
    "ROLES",
    "AuditEntry",
    "TokenInfo",
    "audit",
    "audit_log",
    "authenticate",
    "create_token",
    "hash_token",
    "list_tokens",
    "revoke_token",
    "set_embargo",
]

#: Roles, weakest first: an editor loads, records progress and (un)embargoes; an admin also
#: manages tokens.
ROLES: tuple[str, ...] = ("editor", "admin")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as stored (never the token itself)."""

    token_id: int
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        return {
            "token_id": self.token_id,
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at.isoformat(),
            "revoked_at": None if self.revoked_at is None else self.revoked_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited write."""

    audit_id: int
    at: datetime
    who: str
    action: str
    detail: dict[str, object]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _write(store: Store, what: str, sql: list[tuple[str, list[object]]]) -> None:
    store.execute_atomically(what, sql)


def _next_id(store: Store, table: str, column: str) -> int:
    return int(store._query(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")[0][0])


def create_token(store: Store, name: str, role: str) -> tuple[str, TokenInfo]:
    """A new random token for ``name`` with ``role``: (the token, shown once; its record)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise StoreError("a token needs a name of 1 to 100 characters")
    if role not in ROLES:
        raise StoreError(f"unknown role '{role}'; one of: {', '.join(ROLES)}")
    token = secrets.token_urlsafe(32)
    at = _now()
    with store._lock:
        token_id = _next_id(store, "api_tokens", "token_id")
        _write(
            store,
            "creating a token",
            [
                (
                    "INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, NULL)",
                    [token_id, name, role, hash_token(token), at],
                )
            ],
        )
    return token, TokenInfo(token_id, name, role, at, None)


def list_tokens(store: Store) -> list[TokenInfo]:
    """Every token record, oldest first (revoked ones included)."""
    rows = store._query(
        "SELECT token_id, name, role, created_at, revoked_at FROM api_tokens ORDER BY token_id"
    )
    return [TokenInfo(int(r[0]), str(r[1]), str(r[2]), r[3], r[4]) for r in rows]


def revoke_token(store: Store, token_id: int) -> TokenInfo:
    """Revoke a token (kept, with the time it was revoked); ``StoreError`` if unknown."""
    found = {t.token_id: t for t in list_tokens(store)}
    if token_id not in found:
        raise StoreError(f"no token {token_id}; known: {', '.join(map(str, found)) or 'none'}")
    at = _now()
    if found[token_id].revoked_at is None:
        _write(
            store,
            "revoking a token",
            [("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?", [at, token_id])],
        )
    return list_tokens_by_id(store, token_id)


def list_tokens_by_id(store: Store, token_id: int) -> TokenInfo:
    return next(t for t in list_tokens(store) if t.token_id == token_id)


def authenticate(store: Store, token: str) -> TokenInfo | None:
    """The live (unrevoked) token record matching ``token``, else None."""
    rows = store._query(
        "SELECT token_id, name, role, created_at, revoked_at FROM api_tokens "
        "WHERE token_sha256 = ? AND revoked_at IS NULL",
        [hash_token(token)],
    )
    if not rows:
        return None
    r = rows[0]
    return TokenInfo(int(r[0]), str(r[1]), str(r[2]), r[3], r[4])


def audit(store: Store, who: str, action: str, detail: dict[str, object]) -> None:
    """Record one write: who (token name), what action, and its details (JSON)."""
    with store._lock:
        audit_id = _next_id(store, "audit_log", "audit_id")
        _write(
            store,
            "recording the audit log",
            [
                (
                    "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?)",
                    [audit_id, _now(), who, action, json.dumps(detail, default=str)],
                )
            ],
        )


def audit_log(store: Store) -> list[AuditEntry]:
    """Every audited write, oldest first."""
    rows = store._query(
        "SELECT audit_id, recorded_at, who, action, detail FROM audit_log ORDER BY 1"
    )
    return [AuditEntry(int(r[0]), r[1], str(r[2]), str(r[3]), json.loads(r[4])) for r in rows]


def set_embargo(store: Store, release_id: int, until: datetime | None) -> None:
    """Embargo a release until ``until`` (naive UTC), or publish it now (``None``)."""
    if not store._query("SELECT 1 FROM releases WHERE release_id = ?", [release_id]):
        raise StoreError(f"no release {release_id}")
    _write(
        store,
        f"setting the embargo of release {release_id}",
        [("UPDATE releases SET embargo_until = ? WHERE release_id = ?", [until, release_id])],
    )
