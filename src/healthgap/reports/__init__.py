"""Reports: the annual progress report, borough briefings and indicator summaries, as HTML
and PDF, generated from the store through the read layer (issue 15; ADR 0830).

Narrative sentences come from rules (:mod:`healthgap.reports.narrative`): "significantly",
"improving" and "narrowing" only when the stored test says so. The same store and as-of date
give byte-identical HTML.
"""

from __future__ import annotations

from healthgap.reports.model import (
    AnnualReport,
    BoroughBriefing,
    IndicatorSummary,
    Report,
    build_annual,
    build_borough,
    build_boroughs,
    build_indicator,
    resolve_borough,
)
from healthgap.reports.render import file_stem, render_html, write_reports

__all__ = [
    "AnnualReport",
    "BoroughBriefing",
    "IndicatorSummary",
    "Report",
    "build_annual",
    "build_borough",
    "build_boroughs",
    "build_indicator",
    "file_stem",
    "render_html",
    "resolve_borough",
    "write_reports",
]
