"""Reports to files: HTML from Jinja2 templates (package data), PDF printed by Chromium.

Deterministic: the same store and as-of date give byte-identical HTML (no timestamp but the
as-of date; charts embedded as SVG images whose bytes depend only on their spec; stable
ordering everywhere). Accessible: a real heading structure (the PDF outline), every chart an
image with alternative text and followed by the table of what it draws, a tagged PDF, A4,
page numbers.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import jinja2

from healthgap import ATTRIBUTION
from healthgap.charts import OUTCOME_COLOURS, Chart, outcome_class
from healthgap.errors import InputError
from healthgap.printing import PAGE_NUMBER_FOOTER, print_pdfs
from healthgap.query import source_title
from healthgap.reports import narrative as say
from healthgap.reports.model import Report

__all__ = ["ATTRIBUTION", "file_stem", "render_html", "write_reports"]


#: vl-convert measures text (label widths, truncation) with its default sans-serif, Liberation
#: Sans; Chromium would draw "system-ui" with another, wider face and labels would overflow the
#: picture. The printed SVG names the face that was measured.
_MEASURED_FONT = 'font-family="Liberation Sans, Arimo, Arial, sans-serif"'


def _img(chart: Chart) -> str:
    """The chart as an ``<img>`` source: its SVG (vl-convert, byte-stable for a spec) as a
    data URI, so ids inside one chart can never clash with another's."""
    svg = chart.svg().replace('font-family="system-ui, sans-serif"', _MEASURED_FONT)
    data = base64.b64encode(svg.encode()).decode()
    return f"data:image/svg+xml;base64,{data}"


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("healthgap.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = say.fmt
    env.filters["source_title"] = source_title
    env.filters["img"] = _img
    env.filters["label"] = lambda s: str(s).replace("_", " ").capitalize()
    env.filters["cell"] = lambda v: "" if v is None else str(v)
    env.globals.update(
        attribution=ATTRIBUTION,
        outcome_class=outcome_class,
        colours=OUTCOME_COLOURS,
        say=say,
        symbols={
            "better": "▲ better",
            "similar": "● similar",
            "worse": "▼ worse",
            "higher": "■ higher",
            "lower": "◆ lower",
            "not compared": "– not compared",
        },
    )
    return env


#: Charts drawn at once: vl-convert renders in threads of its own, so two charts can be drawn
#: on a 2-core machine while Python waits (33 briefings: 66 charts, the render's main cost).
_DRAW_THREADS = 2


def _draw(reports: Sequence[Report]) -> None:
    """Render every chart of ``reports`` to SVG, two at a time, into the SVG cache
    (:func:`healthgap.charts.base.svg`) that the templates then read."""
    charts = [c for r in reports for c in r.charts]
    if len(charts) < 2:
        return
    with ThreadPoolExecutor(_DRAW_THREADS) as pool:
        list(pool.map(Chart.svg, charts))


def render_html(report: Report) -> str:
    """The report as one standalone HTML document (styles inline, charts embedded)."""
    return _env().get_template(f"{report.kind}.html.j2").render(r=report)


def file_stem(report: Report) -> str:
    """The file name (without extension) of a report: ``annual-2026``, ``borough-E09000007``,
    ``indicator-life_expectancy``."""
    key = {
        "annual": lambda r: str(getattr(r, "year", "")),
        "borough": lambda r: str(getattr(r, "code", "")),
        "indicator": lambda r: str(getattr(getattr(r, "indicator", None), "id", "")),
    }[report.kind](report)
    return f"{report.kind}-{key}"


def check_out_dir(out: Path) -> None:
    """``InputError`` naming ``--out`` when it is a file or cannot be written."""
    out = out.expanduser()
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(f"--out {out}: {probe} is a file, not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"--out {out}: {probe} is not writable")


def write_reports(reports: Sequence[Report], out: Path, *, pdf: bool = True) -> list[Path]:
    """Write each report's HTML (and PDF) into ``out``; all or nothing: files are built in a
    temporary directory inside ``out`` and moved into place only when every one succeeded."""
    check_out_dir(out)
    out = out.expanduser()
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".healthgap-report-", dir=out))
    try:
        jobs: list[tuple[str, Path]] = []
        names: list[str] = []
        _draw(reports)
        for report in reports:
            html = render_html(report)
            stem = file_stem(report)
            (work / f"{stem}.html").write_text(html, encoding="utf-8")
            names.append(f"{stem}.html")
            if pdf:
                jobs.append((html, work / f"{stem}.pdf"))
                names.append(f"{stem}.pdf")
        if jobs:
            print_pdfs(jobs, footer=PAGE_NUMBER_FOOTER)
        written = []
        for name in names:
            os.replace(work / name, out / name)
            written.append(out / name)
        return written
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
