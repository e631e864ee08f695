"""Public text is plain English (ADR 0700, 0820, 0830): every page of the website and the
annual report and a borough briefing, rendered from the bundled store, show no code in
backticks, no ``healthgap`` command, no raw source or series id (``fingertips:92026``) and no
catalogue indicator id used as a word (``reception_obesity_deprivation_gap``).

Identifiers shown *as* identifiers, inside ``<code>`` (an indicator page's series keys, for
analysts who use the API), are allowed; so are ids in links, attributes, scripts and styles,
which are not visible text. The detail a verdict rests on (its ``basis``) is the CLI's and the
API's to give."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from healthgap.catalogue import load_catalogue
from healthgap.cli.main import app
from healthgap.query import open_read_layer
from healthgap.web import mount_website, site_paths

pytestmark = pytest.mark.slow

AS_OF = "2026-11-30"
CAMDEN = "E09000007"
#: Code, a release or series id (``source:key``); commands: see ``_commands``.
_NOT_PLAIN = re.compile(r"`|\b[a-z][a-z_]*:[0-9A-Za-z_]+")


def _commands() -> re.Pattern[str]:
    """``healthgap`` followed by one of its commands (``healthgap load``)."""
    import click
    import typer
    from typer.core import TyperGroup

    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    names = group.list_commands(click.Context(group))
    assert "load" in names
    assert "fetch" in names
    return re.compile(r"\bhealthgap (" + "|".join(map(re.escape, names)) + r")\b")


_HIDDEN = {"script", "style", "code", "template"}


class _Visible(HTMLParser):
    """The text nodes a reader sees (not inside script, style, code or template)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth and data.strip():
            self.text.append(" ".join(data.split()))


_COMMANDS = _commands()


def _ids_as_words() -> re.Pattern[str]:
    ids = sorted((i.id for i in load_catalogue().indicators if "_" in i.id), key=len)
    return re.compile(r"(?<![\w/-])(" + "|".join(map(re.escape, ids[::-1])) + r")(?![\w/-])")


def _offences(html: str, ids: re.Pattern[str]) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return [
        f"{m.group(0)!r} in {chunk[:160]!r}"
        for chunk in parser.text
        for pattern in (_NOT_PLAIN, _COMMANDS, ids)
        for m in pattern.finditer(chunk)
    ]


def test_the_patterns_catch_what_the_public_used_to_read() -> None:
    """Given sentences the site and reports showed before reasons were made plain, when
    checked, then each is caught (the guard below is not vacuous)."""
    ids = _ids_as_words()
    for old in (
        "<td>most minus least deprived of fingertips:92026, the derivation the catalogue "
        "declares for reception_obesity_deprivation_gap: a trend needs at least 3 periods</td>",
        "<dd>Not assessable: the store holds no values; assessable with TfL data, loaded with "
        "`healthgap load`</dd>",
        "<dd>indicator reception_overweight_obese: ons_els_app:ncmp (4-5 yrs)</dd>",
        "<p>healthgap fetch fingertips would fill it</p>",
    ):
        assert _offences(old, ids), old
    assert not _offences(
        "<p>Sources: <code>fingertips:92026</code>; see "
        '<a href="/indicators/life_expectancy">Life expectancy</a>, 10:30.</p>',
        ids,
    )


def test_no_page_of_the_website_shows_code_commands_or_ids(bundled_store: Any) -> None:
    ids = _ids_as_words()
    found: list[str] = []
    with open_read_layer(bundled_store.path) as layer:
        served = FastAPI()
        mount_website(served, layer, warm=False)
        client = TestClient(served)
        every = site_paths(layer)
        # Every page but the area pages, and of those London, an ICB and three boroughs
        # (the City of London, the smallest): each area page is the same template and the
        # same sentences over other numbers, and each costs about a second to render.
        areas = {p for p in every if p.startswith("/areas/E")}
        sample = {f"/areas/{c}" for c in ("E12000007", "E09000001", CAMDEN, "E09000025")}
        sample |= {min(p for p in areas if p.startswith("/areas/E54"))}
        assert sample <= areas
        paths = [p for p in every if p not in areas or p in sample]
        assert "/commitments" in paths
        assert len(paths) > 60
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, path
            found += [f"{path}: {o}" for o in _offences(page.text, ids)]
    assert not found, "\n".join(found[:40])


@pytest.mark.parametrize(
    "args",
    [
        ("annual", "--year", "2026"),
        ("borough", CAMDEN),
    ],
    ids=["annual", "borough"],
)
def test_the_reports_show_no_code_commands_or_ids(
    bundled_store: Any, tmp_path: Path, args: tuple[str, ...]
) -> None:
    runner = CliRunner()
    cmd = ["report", *args, "--as-of", AS_OF, "--no-pdf", "--out", str(tmp_path)]
    result = runner.invoke(app, [*cmd, "--store", str(bundled_store.path)])
    assert result.exit_code == 0, result.output
    pages = sorted(tmp_path.glob("*.html"))
    assert pages, result.output
    ids = _ids_as_words()
    found = [f"{p.name}: {o}" for p in pages for o in _offences(p.read_text("utf-8"), ids)]
    assert not found, "\n".join(found[:40])
