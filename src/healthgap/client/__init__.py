"""``healthgap.client``: a typed Python client for the healthgap REST API v1.

One method per endpoint; tables come back as pandas DataFrames, with no pagination to manage
(the API has no page cap). Connection errors and 5xx answers are retried with exponential
backoff; TLS certificates are always verified. Errors carry the server's explanation:
:class:`NoData` lists what exists, :class:`UnknownParameter` the closest valid values.

    >>> from healthgap.client import Client
    >>> hg = Client("https://healthgap.example.org")
    >>> hg.series("life_expectancy", area_type="ltla")          # doctest: +SKIP
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pandas as pd

__all__ = ["ApiError", "Client", "NoData", "NotAuthorised", "UnknownParameter"]

Codes = str | Sequence[str] | None


class ApiError(Exception):
    """An error answer from the server, with its RFC 9457 problem details."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.problem = dict(problem)
        self.detail = str(problem.get("detail", ""))
        super().__init__(f"HTTP {status}: {self.detail}")


class UnknownParameter(ApiError):  # noqa: N818 - the API's vocabulary
    """422: a parameter (or a field of the body, by its JSON path) is unknown, missing or
    malformed; ``suggestions`` are the closest valid values, ``valid`` every one (when the
    server lists them)."""

    @property
    def parameter(self) -> str | None:
        p = self.problem.get("parameter")
        return None if p is None else str(p)

    @property
    def suggestions(self) -> list[str]:
        return [str(s) for s in self.problem.get("suggestions", [])]

    @property
    def valid(self) -> list[str]:
        return [str(s) for s in self.problem.get("valid") or []]


class NoData(ApiError):  # noqa: N818 - the API's vocabulary
    """404: a valid question with no answer; ``available`` lists what exists."""

    @property
    def available(self) -> dict[str, list[str]]:
        got = self.problem.get("available") or {}
        return {str(k): [str(x) for x in v] for k, v in dict(got).items()}


class NotAuthorised(ApiError):  # noqa: N818 - reads as the server says it
    """401/403: no token, a revoked token, or a token without the role."""


def _codes(value: Codes) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else ",".join(value)


class Client:
    """A client of one healthgap server (``base_url`` without ``/v1``).

    ``token`` (a bearer token) is needed for writes only. ``retries`` attempts are made on
    connection errors and 5xx answers, waiting ``backoff * 2**attempt`` seconds between.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        headers = {"User-Agent": "healthgap-client/1", "Accept-Encoding": "gzip"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # verify=True always: the client never switches TLS verification off.
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/v1", headers=headers, timeout=timeout, verify=True
        )
        self.retries = max(0, retries)
        self.backoff = backoff

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport
    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        params = kw.pop("params", None)
        if params is not None:
            kw["params"] = {k: _param(v) for k, v in params.items() if v is not None}
        # Reads (and PUT/DELETE, idempotent) retry on any transport error and on 5xx; a POST
        # only when the connection was never made (it cannot have been done twice).
        safe = method in ("GET", "HEAD", "PUT", "DELETE")
        retry_on = httpx.TransportError if safe else httpx.ConnectError
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, **kw)
            except retry_on:
                if attempt >= self.retries:
                    raise
            else:
                if response.status_code < 500 or not safe or attempt >= self.retries:
                    break
            time.sleep(self.backoff * 2**attempt)
            attempt += 1
        if response.status_code >= 400:
            raise _error(response)
        return response

    def _json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._request("GET", path, params=dict(params or {})).json()

    def _frame(self, path: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        got = self._json(path, params)
        return pd.json_normalize(got if isinstance(got, list) else [got])

    # ------------------------------------------------------------------ catalogue
    def aims(self) -> pd.DataFrame:
        return self._frame("/catalogue/aims")

    def priorities(self) -> pd.DataFrame:
        return self._frame("/catalogue/priorities")

    def commitments(self) -> pd.DataFrame:
        return self._frame("/catalogue/commitments")

    def commitment(self, commitment_id: str) -> dict[str, Any]:
        got: dict[str, Any] = self._json(f"/catalogue/commitments/{_seg(commitment_id)}")
        return got

    def focus_areas(self) -> pd.DataFrame:
        return self._frame("/catalogue/focus-areas")

    def missions(self) -> pd.DataFrame:
        return self._frame("/catalogue/missions")

    def indicators(self) -> pd.DataFrame:
        return self._frame("/catalogue/indicators")

    def indicator(self, indicator_id: str) -> dict[str, Any]:
        got: dict[str, Any] = self._json(f"/catalogue/indicators/{_seg(indicator_id)}")
        return got

    def search(self, q: str) -> pd.DataFrame:
        return self._frame("/catalogue/search", {"q": q})

    # ------------------------------------------------------------------ areas
    def areas(self, *, area_type: str | None = None, parent: str | None = None) -> pd.DataFrame:
        return self._frame("/areas", {"area_type": area_type, "parent": parent})

    def search_areas(
        self, q: str, *, area_type: str | None = None, limit: int = 20
    ) -> pd.DataFrame:
        return self._frame("/areas/search", {"q": q, "area_type": area_type, "limit": limit})

    def area(self, code: str) -> dict[str, Any]:
        got: dict[str, Any] = self._json(f"/areas/{_seg(code)}")
        return got

    def parents(self, code: str) -> pd.DataFrame:
        return self._frame(f"/areas/{_seg(code)}/parents")

    def lineage(self, code: str) -> pd.DataFrame:
        return self._frame(f"/areas/{_seg(code)}/lineage")

    def boundaries(self, level: str) -> dict[str, Any]:
        got: dict[str, Any] = self._json(f"/boundaries/{_seg(level)}")
        return got

    # ------------------------------------------------------------------ values
    def values(
        self,
        indicator: Codes = None,
        *,
        area: Codes = None,
        area_type: Codes = None,
        parent: str | None = None,
        period: Codes = None,
        sex: Codes = None,
        age: Codes = None,
        breakdown: Codes = None,
        category: Codes = None,
        latest: bool = False,
        as_of: date | None = None,
        fields: Codes = None,
    ) -> pd.DataFrame:
        """Values with metadata, limits, comparisons and provenance (``fields``: only these
        top-level fields, e.g. ``["area_code", "period_label", "value"]``)."""
        return self._frame(
            "/values",
            _filters(
                indicator, area, area_type, parent, period, sex, age, breakdown, category, as_of
            )
            | {"latest": latest, "fields": _codes(fields)},
        )

    def series(
        self,
        indicator: str,
        *,
        area: Codes = None,
        area_type: Codes = None,
        parent: str | None = None,
        sex: Codes = None,
        age: Codes = None,
        breakdown: Codes = None,
        category: Codes = None,
        as_of: date | None = None,
        fields: Codes = None,
    ) -> pd.DataFrame:
        """An indicator's time series (``fields``: only these top-level fields)."""
        return self._frame(
            "/series",
            _filters(indicator, area, area_type, parent, None, sex, age, breakdown, category, as_of)
            | {"fields": _codes(fields)},
        )

    def comparisons(
        self,
        indicator: Codes = None,
        *,
        area: Codes = None,
        area_type: Codes = None,
        period: Codes = None,
        sex: Codes = None,
        latest: bool = False,
        as_of: date | None = None,
        fields: Codes = None,
    ) -> pd.DataFrame:
        return self._frame(
            "/comparisons",
            _filters(indicator, area, area_type, None, period, sex, None, None, None, as_of)
            | {"latest": latest, "fields": _codes(fields)},
        )

    def trends(
        self,
        indicator: Codes = None,
        *,
        area: Codes = None,
        sex: Codes = None,
        breakdown: Codes = None,
        as_of: date | None = None,
    ) -> pd.DataFrame:
        return self._frame(
            "/trends",
            _filters(indicator, area, None, None, None, sex, None, breakdown, None, as_of),
        )

    def inequality(
        self,
        indicator: str,
        *,
        area: str,
        period: str,
        breakdown: str,
        sex: str = "persons",
        as_of: date | None = None,
    ) -> pd.DataFrame:
        return self._frame(
            "/inequality",
            {
                "indicator": indicator,
                "area": area,
                "period": period,
                "breakdown": breakdown,
                "sex": sex,
                "as_of": as_of,
            },
        )

    def bulk(
        self,
        indicator: Codes = None,
        *,
        format: str = "parquet",
        area: Codes = None,
        area_type: Codes = None,
        parent: str | None = None,
        period: Codes = None,
        sex: Codes = None,
        latest: bool = False,
        as_of: date | None = None,
        fields: Codes = None,
    ) -> pd.DataFrame:
        """Everything matching the filters in one download (Parquet by default; ``fields``:
        only these columns)."""
        params = _filters(indicator, area, area_type, parent, period, sex, None, None, None, as_of)
        params |= {"latest": latest, "format": format, "fields": _codes(fields)}
        content = self._request("GET", "/bulk", params=params).content
        if format == "parquet":
            return pd.read_parquet(io.BytesIO(content))
        if format == "csv":
            return pd.read_csv(io.BytesIO(content), keep_default_na=False, na_values=[""])
        return pd.read_json(io.BytesIO(content), orient="records")

    # ------------------------------------------------------------------ commitments
    def assessments(self, commitment: Codes = None, *, as_of: date | None = None) -> pd.DataFrame:
        return self._frame("/assessments", {"commitment": _codes(commitment), "as_of": as_of})

    def progress(self, commitment_id: str) -> pd.DataFrame:
        return self._frame(f"/commitments/{_seg(commitment_id)}/progress")

    # ------------------------------------------------------------------ releases
    def releases(self, *, as_of: date | None = None) -> pd.DataFrame:
        return self._frame("/releases", {"as_of": as_of})

    def release(self, release_id: int) -> dict[str, Any]:
        got: dict[str, Any] = self._json(f"/releases/{int(release_id)}")
        return got

    def release_changes(self, old: int, new: int) -> pd.DataFrame:
        got = self._json(f"/releases/{int(old)}/changes/{int(new)}")
        return pd.DataFrame(got["changes"])

    def changelog(self) -> str:
        return self._request("GET", "/changelog").text

    # ------------------------------------------------------------------ partner tools
    def actions(
        self,
        *,
        aim: str | None = None,
        focus_area: str | None = None,
        sector: str | None = None,
        borough: str | None = None,
        theme: str | None = None,
        q: str | None = None,
        indicator: str | None = None,
        area: str | None = None,
        drafts: bool = False,
    ) -> pd.DataFrame:
        """The local action library, filtered and searched (``drafts``: editor token)."""
        params = {
            "aim": aim,
            "focus_area": focus_area,
            "sector": sector,
            "borough": borough,
            "theme": theme,
            "q": q,
            "indicator": indicator,
            "area": area,
        }
        return self._frame("/actions", params | ({"drafts": True} if drafts else {}))

    def action(self, entry_id: str) -> dict[str, Any]:
        """One published library entry."""
        got: dict[str, Any] = self._json(f"/actions/{_seg(entry_id)}")
        return got

    def add_action(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        """Add an editor's library entry as a draft (editor token)."""
        got: dict[str, Any] = self._request("POST", "/actions", json=dict(entry)).json()
        return got

    def publish_action(self, entry_id: str) -> dict[str, Any]:
        """Publish an editor's draft (editor token)."""
        got: dict[str, Any] = self._request("POST", f"/actions/{_seg(entry_id)}/publish").json()
        return got

    def selfassess_template(self, sector: str, *, organisation: str = "") -> dict[str, Any]:
        """A blank self-assessment checklist for a sector (healthcare, vcse)."""
        got: dict[str, Any] = self._json(
            "/selfassess/template", {"sector": sector, "organisation": organisation}
        )
        return got

    def selfassess_score(
        self, checklist: Mapping[str, Any], *, format: str = "json"
    ) -> dict[str, Any] | bytes:
        """Score a completed checklist: the result as a dict (``json``, which loads again),
        or the CSV or PDF file's bytes."""
        response = self._request(
            "POST", "/selfassess/score", params={"format": format}, json=dict(checklist)
        )
        if format == "json":
            got: dict[str, Any] = response.json()
            return got
        return response.content

    def impact(
        self,
        areas: Sequence[str],
        *,
        title: str,
        description: str = "",
        indicators: Sequence[str] | None = None,
        format: str = "json",
    ) -> dict[str, Any] | bytes:
        """A health inequalities impact assessment of a catchment: a dict (``json``) or the
        HTML or PDF report's bytes."""
        body = {
            "areas": list(areas),
            "title": title,
            "description": description,
            "indicators": None if indicators is None else list(indicators),
        }
        response = self._request("POST", "/impact", params={"format": format}, json=body)
        if format == "json":
            got: dict[str, Any] = response.json()
            return got
        return response.content

    # ------------------------------------------------------------------ writes
    def load(
        self,
        path: Path,
        *,
        source: str,
        published_at: date | None = None,
        embargo_until: datetime | None = None,
    ) -> dict[str, Any]:
        """Upload a file as a new release (editor token)."""
        data = {"source": source}
        if published_at is not None:
            data["published_at"] = published_at.isoformat()
        if embargo_until is not None:
            data["embargo_until"] = embargo_until.isoformat()
        with Path(path).open("rb") as fh:
            got: dict[str, Any] = self._request(
                "POST", "/releases", data=data, files={"file": (Path(path).name, fh)}
            ).json()
        return got

    def set_embargo(self, release_id: int, until: datetime | None) -> dict[str, Any]:
        """Embargo a release until ``until`` (UTC), or publish it now (None)."""
        body = {"until": None if until is None else until.isoformat()}
        got: dict[str, Any] = self._request(
            "PUT", f"/releases/{int(release_id)}/embargo", json=body
        ).json()
        return got

    def record_progress(
        self,
        commitment_id: str,
        *,
        value: float,
        as_of: date,
        source: str,
        unit: str | None = None,
        note: str | None = None,
        corrects: int | None = None,
    ) -> dict[str, Any]:
        """Record a progress return (editor token)."""
        body = {
            "value": value,
            "as_of": as_of.isoformat(),
            "source": source,
            "unit": unit,
            "note": note,
            "corrects": corrects,
        }
        got: dict[str, Any] = self._request(
            "POST", f"/commitments/{_seg(commitment_id)}/progress", json=body
        ).json()
        return got

    def create_token(self, name: str, role: str = "editor") -> dict[str, Any]:
        """Create a token (admin token); the answer holds the token, shown once."""
        got: dict[str, Any] = self._request(
            "POST", "/tokens", json={"name": name, "role": role}
        ).json()
        return got

    def tokens(self) -> pd.DataFrame:
        return pd.DataFrame(self._request("GET", "/tokens").json())

    def revoke_token(self, token_id: int) -> dict[str, Any]:
        got: dict[str, Any] = self._request("DELETE", f"/tokens/{int(token_id)}").json()
        return got


def _seg(value: str) -> str:
    """A path segment, percent-encoded: an id holding ``/``, ``?`` or ``#`` must not reach
    another endpoint or become a query."""
    return quote(str(value), safe="")


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _filters(
    indicator: Codes,
    area: Codes,
    area_type: Codes,
    parent: str | None,
    period: Codes,
    sex: Codes,
    age: Codes,
    breakdown: Codes,
    category: Codes,
    as_of: date | None,
) -> dict[str, Any]:
    return {
        "indicator": _codes(indicator),
        "area": _codes(area),
        "area_type": _codes(area_type),
        "parent": parent,
        "period": _codes(period),
        "sex": _codes(sex),
        "age": _codes(age),
        "breakdown": _codes(breakdown),
        "category": _codes(category),
        "as_of": as_of,
    }


def _error(response: httpx.Response) -> ApiError:
    try:
        problem = response.json()
        if not isinstance(problem, dict):
            problem = {"detail": str(problem)}
    except ValueError:
        problem = {"detail": response.text[:500]}
    status = response.status_code
    if status == 404 and "available" in problem:
        return NoData(status, problem)
    if status == 422 and "parameter" in problem:
        return UnknownParameter(status, problem)
    if status in (401, 403):
        return NotAuthorised(status, problem)
    return ApiError(status, problem)
