"""Borough briefings and indicator summaries on the bundled store, through the CLI and the
website: tagged A4 PDFs of the expected length, charts not blank, the store's numbers in the
text, identical HTML twice; bad input exits 2 with the closest choices and writes nothing."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from markupsafe import escape
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.geography import LONDON
from healthgap.query import open_read_layer, public
from healthgap.reports import narrative as say
from healthgap.reports.web import mount_reports

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reports_pdf import chart_ink, figure_captions, info, png_pages


@pytest.fixture(scope="session")
def bundled_path(bundled_store: Any) -> Path:
    """The shared ``healthgap init`` store's file (read-only: reports only read it)."""
    return Path(bundled_store.path)


pytestmark = pytest.mark.slow

CAMDEN = "E09000007"
AS_OF = "2026-11-30"
INDICATOR = "reception_overweight_obese"


def _run(store: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--store", str(store)])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def printed(bundled_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("briefings")
    code, text = _run(
        bundled_path, "report", "borough", CAMDEN, "--as-of", AS_OF, "--out", str(out)
    )
    assert code == 0, text
    code, text = _run(
        bundled_path, "report", "indicator", INDICATOR, "--as-of", AS_OF, "--out", str(out)
    )
    assert code == 0, text
    return out


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [(f"borough-{CAMDEN}", 2, 4), (f"indicator-{INDICATOR}", 1, 1)],
)
def test_pdfs_are_tagged_a4_of_the_expected_length_with_charts_drawn(
    printed: Path, tmp_path: Path, name: str, low: int, high: int
) -> None:
    pdf = printed / f"{name}.pdf"
    meta = info(pdf)
    assert meta["Tagged"] == "yes"
    assert meta["Page size"].endswith("(A4)")
    pages = int(meta["Pages"])
    assert low <= pages <= high
    assert len(png_pages(pdf, tmp_path)) == pages
    html = (printed / f"{name}.html").read_text()
    captions = figure_captions(pdf)
    assert len(captions) == html.count("<figure ") >= 2
    for c in captions:
        assert chart_ink(pdf, c) > 0.01, f"{name}: figure {c.number} looks blank"
    # a table behind every chart (printed as side-by-side parts when long)
    for c in captions:
        assert f"Data for figure {c.number}" in html
    assert html.count("<h1>") == 1


def test_briefing_numbers_are_the_stores(printed: Path, bundled_path: Path) -> None:
    from datetime import date

    html = (printed / f"borough-{CAMDEN}.html").read_text()
    v = public(date.fromisoformat(AS_OF))
    with open_read_layer(bundled_path) as q:
        from healthgap.query.equity import gap_verdicts

        mine = [g for g in gap_verdicts(q, v) if g.area_code == CAMDEN]
        assert mine  # the SII of life expectancy, by sex
        for g in mine:
            sentence = say.gap_sentence(g, where="Camden", what=q.indicator(g.indicator_id).name)
            assert escape(sentence) in html
        # the deprivation profile: Camden's small areas by London decile
        table = q.geography.deprivation("imd2025")
        n = int((table["ltla_code"] == CAMDEN).sum())
        first = int(((table["ltla_code"] == CAMDEN) & (table["london_decile"] == 1)).sum())
        assert f'<td class="n">{first}</td><td class="n">{round(100 * first / n, 1)}</td>' in html


def test_indicator_summary_numbers_are_the_stores(printed: Path, bundled_path: Path) -> None:
    from datetime import date

    html = (printed / f"indicator-{INDICATOR}.html").read_text()
    with open_read_layer(bundled_path) as q:
        rows = q.values(
            public(date.fromisoformat(AS_OF)), indicator=INDICATOR, area=LONDON, breakdown="none"
        )
    assert any(escape(f"London {say.measured(r)}") in html for r in rows)


def test_an_indicator_without_a_london_value_compares_boroughs_with_england(
    bundled_path: Path,
) -> None:
    """Life expectancy is bundled for boroughs and England but not London: the summary
    compared every borough with a London value it did not have ("33 are not tested")."""
    from healthgap.reports.model import build_indicator

    with open_read_layer(bundled_path) as q:
        report = build_indicator(q, "life_expectancy")
    assert report.benchmark == "England"
    assert report.compare is not None
    assert "compared with England" in report.compare.title
    counted = dict(report.counts)
    assert counted.get("better", 0) + counted.get("worse", 0) + counted.get("similar", 0) > 0
    assert any("as their series has no London value then" in s for s in report.summary)
    assert any(s.startswith("Red-red against England") for s in report.summary)
    # London's sentence comes from a series that holds London, where the boroughs' does not
    with open_read_layer(bundled_path) as q:
        hle = build_indicator(q, "healthy_life_expectancy")
    assert "no London value is held" not in hle.summary[0]
    assert ": London " in hle.summary[0]


def test_a_briefings_local_commitments_compare_with_england_where_london_has_no_value(
    bundled_path: Path,
) -> None:
    """Newham's "commitments that matter locally" said "not compared with London: it has
    no value in the same series and period" for 8 of its 9 rows, while the spine chart above
    them compared the same values with England. Each row now compares as the indicator page
    does: with London, else with England."""
    from healthgap.reports.model import build_borough

    with open_read_layer(bundled_path) as q:
        briefing = build_borough(q, "E09000025")
    rows = {c.commitment.id: here for c, here in briefing.local}
    low_income = next(h for h in rows.values() if h.startswith("Children in low income"))
    assert "significantly worse than England (17.0%)" in low_income
    london_less = sum("not compared with London" in h for h in rows.values())
    assert london_less <= 1, rows  # homelessness: held for boroughs only, England too


def test_two_runs_give_identical_html(printed: Path, bundled_path: Path, tmp_path: Path) -> None:
    code, text = _run(
        bundled_path,
        "report", "borough", CAMDEN, "--as-of", AS_OF, "--no-pdf", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, text
    again = (tmp_path / f"borough-{CAMDEN}.html").read_bytes()
    assert again == (printed / f"borough-{CAMDEN}.html").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("borough", "E0900007"), "did you mean 'E09000027' or 'E09000017' or 'E09000007'?"),
        (("borough", "camdn"), "did you mean 'Camden'"),
        (("indicator", "life_expectncy"), "did you mean 'life_expectancy'"),
        (("borough", CAMDEN, "--all"), "give a borough code or --all (not both)"),
        (("borough",), "give a borough code or --all (not both)"),
    ],
)
def test_bad_input_exits_2_with_choices_and_writes_nothing(
    bundled_path: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "out"
    code, text = _run(bundled_path, "report", *args, "--out", str(out))
    assert code == 2
    assert message in text
    assert "Traceback" not in text
    assert not out.exists()


def test_out_that_cannot_be_written_exits_2_and_writes_nothing(
    bundled_path: Path, tmp_path: Path
) -> None:
    afile = tmp_path / "a-file"
    afile.write_text("x")
    code, text = _run(bundled_path, "report", "indicator", INDICATOR, "--out", str(afile / "d"))
    assert code == 2
    assert f"--out {afile / 'd'}: {afile} is a file, not a directory; nothing was written" in text
    assert afile.read_text() == "x"


@pytest.fixture(scope="module")
def site(bundled_path: Path, serve_app: Any) -> Iterator[str]:
    layer = open_read_layer(bundled_path)
    api = FastAPI()
    mount_reports(api, layer)
    with serve_app(api) as url:
        yield url
    layer.close()


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.read(), r.headers.get("content-type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("content-type", "")


def test_the_website_serves_the_same_reports(printed: Path, site: str, tmp_path: Path) -> None:
    status, body, kind = _get(f"{site}/reports/indicator-{INDICATOR}.html?as_of={AS_OF}")
    assert status == 200
    assert kind.startswith("text/html")
    assert body == (printed / f"indicator-{INDICATOR}.html").read_bytes()
    status, body, kind = _get(f"{site}/reports/indicator-{INDICATOR}.pdf?as_of={AS_OF}")
    assert status == 200
    assert kind == "application/pdf"
    (tmp_path / "w.pdf").write_bytes(body)
    assert info(tmp_path / "w.pdf")["Tagged"] == "yes"
    status, body, _ = _get(f"{site}/reports")
    assert status == 200
    assert f'href="/reports/borough-{CAMDEN}.pdf"'.encode() in body
    status, body, _ = _get(f"{site}/reports/borough-E0900007.html")
    assert status == 404
    assert b"did you mean" in body
    status, _, _ = _get(f"{site}/reports/indicator-{INDICATOR}.docx")
    assert status == 404


def test_all_33_briefings_through_the_cli(
    printed: Path, bundled_path: Path, tmp_path: Path
) -> None:
    """``--all`` reads what the 33 share once: each briefing equals the one-borough run
    (Camden's bytes), and printed briefings stay within two to four pages (the 33 PDFs are
    the benchmark's; here --no-pdf, then two printed from the written HTML)."""
    from healthgap.geography import LONDON_BOROUGHS
    from healthgap.printing import PAGE_NUMBER_FOOTER, print_pdfs

    out = tmp_path / "all"
    code, text = _run(
        bundled_path, "report", "borough", "--all", "--as-of", AS_OF, "--no-pdf", "--out", str(out)
    )
    assert code == 0, text
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"borough-{c}.html" for c in LONDON_BOROUGHS)
    assert (out / f"borough-{CAMDEN}.html").read_bytes() == (
        printed / f"borough-{CAMDEN}.html"
    ).read_bytes()
    for c in LONDON_BOROUGHS:
        html = (out / f"borough-{c}.html").read_text()
        assert html.count("<h1>") == 1
        assert f"({c}) against London and England" in html
    # the City of London (fewest values) and Tower Hamlets (most deprived) in print
    few = ["E09000001", "E09000030"]
    print_pdfs(
        [((out / f"borough-{c}.html").read_text(), tmp_path / f"{c}.pdf") for c in few],
        footer=PAGE_NUMBER_FOOTER,
    )
    for c in few:
        meta = info(tmp_path / f"{c}.pdf")
        assert meta["Tagged"] == "yes"
        assert 2 <= int(meta["Pages"]) <= 4, (c, meta["Pages"])
