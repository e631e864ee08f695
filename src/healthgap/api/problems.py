"""RFC 9457 problem details: every error the API returns, as ``application/problem+json``."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

PROBLEM_TYPE = "application/problem+json"

#: The schema of a problem (for the OpenAPI document).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "parameter": {"type": "string"},
        "value": {"type": "string"},
        "suggestions": {"type": "array", "items": {"type": "string"}},
        "valid": {"type": "array", "items": {"type": "string"}},
        "asked": {"type": "object"},
        "available": {"type": "object"},
        "codes": {"type": "array", "items": {"type": "string"}},
        "suggested": {"type": "object"},
        "rule": {"type": "string"},
        "expected": {"type": "string"},
        "path": {"type": "string"},
        "pointer": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "No data",
    405: "Method not allowed",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid parameter",
    500: "Internal error",
    503: "Unavailable",
}


class ProblemError(Exception):
    """Raise in a route to answer with a problem."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


def problem(
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    title: str | None = None,
    **extra: Any,
) -> Response:
    """A problem details response (``title``: the status's usual title unless given)."""
    body: dict[str, Any] = {
        "type": f"https://healthgap.dev/problems/{status}",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(
        json.dumps(body, default=str),
        status_code=status,
        media_type=PROBLEM_TYPE,
        headers=headers,
    )


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for problems with these statuses."""
    out: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        out[s] = {
            "description": _TITLES.get(s, "Error"),
            "content": {PROBLEM_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
    return out
