"""The website's "Page not found": an address no route answers, outside the API's ``/v1``,
gets an HTML page (GOV.UK's wording) with the closest address on the site, not the API's
JSON problem. Under ``/v1`` the API's own answer stands."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from healthgap.web.pages import _env

__all__ = ["answer_unknown_pages", "closest_page"]

_Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def closest_page(path: str, sections: Iterable[str]) -> str | None:
    """``path`` with its first segment replaced by the closest of the site's ``sections``
    ("/indicator/life_expectancy" → "/indicators/life_expectancy"); None when none is close."""
    head, _, rest = path.lstrip("/").partition("/")
    found = difflib.get_close_matches(head.lower(), sorted(sections), n=1, cutoff=0.6)
    if not found or found[0] == head:
        return None
    return "/" + found[0] + ("/" + rest if rest else "")


def answer_unknown_pages(app: FastAPI, pages: Iterable[str]) -> None:
    """Answer a 404 outside ``/v1`` with the website's page, suggesting the closest of the
    site's ``pages`` (route paths); anything else as before."""
    previous: _Handler | None = app.exception_handlers.get(StarletteHTTPException)
    sections = {p.split("/")[1] for p in pages if p.startswith("/")} - {"", "static"}

    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        if exc.status_code == 404 and not (path == "/v1" or path.startswith("/v1/")):
            near = closest_page(path, sections)
            html = (
                _env()
                .get_template("error.html")
                .render(
                    path=path,
                    as_of="",
                    title="Page not found",
                    message="If you typed the web address, check it is correct. If you pasted "
                    "the web address, check you copied the entire address.",
                    links=[near] if near else [],
                    suggestions=(),
                )
            )
            return HTMLResponse(html, status_code=404)
        if previous is not None:
            answer = previous(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return await http_exception_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, handler)
