"""The public website: server-rendered pages (Jinja2) over the read layer, charts from
:mod:`healthgap.charts`, static assets served from the package (no CDN, no web fonts).

``mount_website(app, read_layer)`` adds the pages at ``/`` to a FastAPI app (the API lives
under ``/v1``). Every page works without JavaScript; JavaScript only enhances.
Design: ``docs/design/0820-website.md``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from fastapi import FastAPI

from healthgap.query import ReadLayer
from healthgap.web.activity import Activity, TrafficMiddleware
from healthgap.web.notfound import answer_unknown_pages
from healthgap.web.pages import static_asset, website_router
from healthgap.web.partners import partners_router
from healthgap.web.security import SecurityHeadersMiddleware
from healthgap.web.warm import Warmer, site_paths

__all__ = ["Warmer", "mount_website", "site_paths", "website_router"]


def mount_website(
    app: FastAPI, read_layer: ReadLayer, *, warm: bool = True, warm_first: Sequence[str] = ()
) -> Warmer | None:
    """Add the website's pages and static assets to ``app`` (at ``/``). The chart bundle is
    built in the background now, so the first page with a chart need not wait for it; with
    ``warm`` every page is rendered once in the background and again whenever the visible
    releases change (:class:`Warmer`, also kept as ``app.state.web_warmer``; started when
    the app starts up, stopped when it shuts down), ``warm_first`` (e.g. the API's hot
    answers) first in each pass. The warmer yields to live traffic: a middleware on ``app``
    counts the requests in flight (:mod:`healthgap.web.activity`). Every answer of ``app``
    gets the security headers of :mod:`healthgap.web.security` (a Content Security Policy on
    the website's pages); an address no route answers outside ``/v1`` gets the website's
    "Page not found" (:mod:`healthgap.web.notfound`)."""
    router = website_router(read_layer)
    app.include_router(router)
    app.add_middleware(SecurityHeadersMiddleware)
    partners = partners_router(read_layer)
    app.include_router(partners)
    answer_unknown_pages(app, (getattr(r, "path", "") for r in (*router.routes, *partners.routes)))
    threading.Thread(target=static_asset, args=("vega-bundle.js",), daemon=True).start()
    if not warm:
        return None
    activity = Activity()
    app.add_middleware(TrafficMiddleware, activity=activity)
    warmer = Warmer(app, read_layer, first=warm_first, activity=activity)
    app.state.web_warmer = warmer
    app.router.on_startup.append(warmer.start)
    app.router.on_shutdown.append(warmer.stop)
    return warmer
