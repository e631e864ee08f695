"""Charts defined once as Vega-Lite specifications (built with Altair from read models).

Each :class:`Chart` carries its spec, the records it draws (the same rows go to its data
table and its CSV download), a plain-language summary, and a server-side SVG rendering
(``vl-convert-python``) for pages without JavaScript, print and reports.
Design: ``docs/design/0820-website.md``.
"""

from __future__ import annotations

from healthgap.charts.base import OUTCOME_COLOURS, OUTCOME_SHAPES, Chart, outcome_class, svg
from healthgap.charts.specs import choropleth, compare_areas, spine, trend

__all__ = [
    "OUTCOME_COLOURS",
    "OUTCOME_SHAPES",
    "Chart",
    "choropleth",
    "compare_areas",
    "outcome_class",
    "spine",
    "svg",
    "trend",
]
