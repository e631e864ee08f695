"""Security headers on every answer of a server that carries the website.

Every response gets ``X-Content-Type-Options: nosniff`` (a CSV or JSON answer is never run
as a script or a page) and a ``Referrer-Policy`` that sends only the origin to other sites.
Every HTML page of the website also gets a Content Security Policy (:data:`WEBSITE_CSP`):
scripts, styles, images and requests from this server only, no plug-ins, forms posted here
only, no ``<base>``. So text that reached a page by mistake cannot run as a script (no
inline script runs; the charts' specs are inline JSON data, which is not run) and nothing is
loaded from elsewhere, which the offline rule asks of the site anyway.

Two allowances, both needed by the charts' vega-embed bundle (each was tried away: the
browser tests then fail): ``'unsafe-eval'`` (Vega compiles its expressions with
``Function``; without it no chart becomes interactive) and inline styles (vega-embed adds a
``<style>`` element; the reports' pages carry their own). The API's documentation pages
(``/docs``, ``/redoc``) come from FastAPI with an inline script and are left without it.
Design: ``docs/design/0820-website.md``.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["WEBSITE_CSP", "SecurityHeadersMiddleware"]

#: The website's Content Security Policy (see the module's docstring for each allowance).
WEBSITE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'"
)

_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
_CSP = (b"content-security-policy", WEBSITE_CSP.encode())
_UNPOLICED = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    """Adds the headers above to each HTTP response (pure ASGI: no body buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policed = not str(scope.get("path", "")).startswith(_UNPOLICED)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", ()))
                names = {bytes(k).lower() for k, _ in headers}
                headers += [h for h in _ALWAYS if h[0] not in names]
                html = any(
                    bytes(k).lower() == b"content-type" and bytes(v).startswith(b"text/html")
                    for k, v in headers
                )
                if policed and html and _CSP[0] not in names:
                    headers.append(_CSP)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
