"""Tools for partners acting on inequalities (issue #16, ADR 0900): the local action library's
editor writes and search, the organisation self-assessment, and the health inequalities
impact assessment's report (HTML and PDF). Presentations read through ``healthgap.query``."""

from __future__ import annotations

from healthgap.partners.library import (
    add_action,
    filter_actions,
    publish_action,
    search_actions,
    shipped_actions,
    stored_actions,
)

__all__ = [
    "add_action",
    "filter_actions",
    "publish_action",
    "search_actions",
    "shipped_actions",
    "stored_actions",
]
