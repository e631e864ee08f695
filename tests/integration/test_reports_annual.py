"""The annual progress report on the bundled store, through the CLI: HTML and a tagged A4 PDF
with an outline and page numbers, charts that are not blank, the store's numbers in the
text, and byte-identical HTML from two runs."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.geography import ENGLAND, LONDON
from healthgap.query import open_read_layer, public
from healthgap.query.equity import gap_verdicts
from healthgap.reports import narrative as say

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reports_pdf import chart_ink, figure_captions, grey, info, png_pages


@pytest.fixture(scope="session")
def bundled_path(bundled_store: Any) -> Path:
    """The shared ``healthgap init`` store's file (read-only: reports only read it)."""
    return Path(bundled_store.path)


pytestmark = pytest.mark.slow

AS_OF = "2026-11-30"


@pytest.fixture(scope="module")
def annual(bundled_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("annual")
    args = ["report", "annual", "--year", "2026", "--as-of", AS_OF, "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--store", str(bundled_path)])
    assert result.exit_code == 0, result.output
    assert "annual-2026.html, annual-2026.pdf" in result.output
    return out


def test_pdf_is_tagged_a4_with_outline_and_page_numbers(annual: Path, tmp_path: Path) -> None:
    pdf = annual / "annual-2026.pdf"
    meta = info(pdf)
    assert meta["Tagged"] == "yes"
    assert meta["Page size"].endswith("(A4)")
    pages = int(meta["Pages"])
    assert 8 <= pages <= 60
    data = pdf.read_bytes()
    assert b"/Outlines" in data  # headings become the document outline
    pngs = png_pages(pdf, tmp_path / "png")
    assert len(pngs) == pages
    assert all(p.stat().st_size > 500 for p in pngs)
    for page in range(1, pages + 1):  # no blank page
        assert float(grey(pdf, page, dpi=20).std()) > 3.0, f"page {page} is blank"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Page 1 of {pages}" in text
    assert f"Page {pages} of {pages}" in text


def test_no_chart_is_blank(annual: Path) -> None:
    pdf = annual / "annual-2026.pdf"
    captions = figure_captions(pdf)
    html = (annual / "annual-2026.html").read_text()
    assert len(captions) == html.count("<figcaption>") >= 3
    for c in captions:
        assert chart_ink(pdf, c) > 0.01, f"figure {c.number} (page {c.page}) looks blank"


def test_every_chart_has_alt_text_and_a_table(annual: Path) -> None:
    html = (annual / "annual-2026.html").read_text()
    figures = html.count("<figure ")
    assert figures == html.count('alt="') == html.count('<table class="data-table">')
    assert '<img src="data:image/svg+xml;base64,' in html
    assert 'alt=""' not in html
    # a real heading structure: one h1, then h2 sections, h3 under them
    assert html.count("<h1>") == 1
    assert html.count("<h2 ") >= 9  # summary, five aims, red-red, changes, methods, sources


def test_key_numbers_in_the_text_are_the_stores(annual: Path, bundled_path: Path) -> None:
    html = (annual / "annual-2026.html").read_text()
    v = public(date.fromisoformat(AS_OF))
    with open_read_layer(bundled_path) as q:
        # every commitment assessed with a projection: its numbers, as stored
        assessed = [a for a in q.assessments(v) if a.detail.get("projection")]
        assert assessed
        for a in assessed:
            p = a.detail["projection"]
            assert f"projected {say.fmt(p['value'])} at the deadline" in html
            assert f"(95% interval {say.fmt(p['lower'])} to {say.fmt(p['upper'])}" in html
        # London's latest Reception overweight, with its period and interval
        rows = q.values(v, indicator="reception_overweight_obese", area=LONDON, breakdown="none")
        latest = max(rows, key=lambda r: r.period_start)
        assert escape(f"London {say.measured(latest)}") in html
        # the gap verdicts for England, as the test gives them (two are widening)
        name = q.indicator("sii_life_expectancy").name
        verdicts = [
            g
            for g in gap_verdicts(q, v, indicators=["sii_life_expectancy"])
            if g.area_code == ENGLAND
        ]
        assert {g.verdict for g in verdicts} == {"widening"}
        for g in verdicts:
            assert escape(say.gap_sentence(g, where="England", what=name)) in html


def test_two_runs_give_identical_html(annual: Path, bundled_path: Path, tmp_path: Path) -> None:
    args = ["report", "annual", "--year", "2026", "--as-of", AS_OF, "--no-pdf"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path), "--store", str(bundled_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annual-2026.html"]
    first = (annual / "annual-2026.html").read_bytes()
    assert (tmp_path / "annual-2026.html").read_bytes() == first
    assert AS_OF.encode() in first
