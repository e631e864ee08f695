"""``healthgap areas`` through Typer's CliRunner."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from healthgap.cli.areas import register

app = typer.Typer()
register(app)


@app.callback()
def _root() -> None:
    """Test root so ``areas`` is a subcommand, as in ``healthgap``."""


RUNNER = CliRunner()


def test_no_query_lists_boroughs_with_icb_and_inner_outer() -> None:
    result = RUNNER.invoke(app, ["areas", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 33
    hackney = next(r for r in rows if r["code"] == "E09000012")
    assert hackney["icb_code"] == "E54000029"
    assert hackney["inner_london_ons"] is True
    greenwich = next(r for r in rows if r["code"] == "E09000011")
    assert (greenwich["inner_london_ons"], greenwich["inner_london_lga1963"]) == (False, True)
    table = RUNNER.invoke(app, ["areas"])
    assert table.exit_code == 0
    assert "Hackney" in table.output
    assert "outer" in table.output


def test_code_shows_parents_and_child_counts() -> None:
    result = RUNNER.invoke(app, ["areas", "E09000012", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [p["code"] for p in data["parents"]] == ["E54000029", "E12000007", "E92000001"]
    assert data["children"]["ward"] > 10
    assert data["children"]["lsoa21"] > 100
    text = RUNNER.invoke(app, ["areas", "e01000001"])
    assert text.exit_code == 0
    assert "Aldersgate" in text.output
    assert "lsoa11" in text.output  # the same code also names a 2011 LSOA


def test_text_searches() -> None:
    result = RUNNER.invoke(app, ["areas", "kensington", "--json", "--limit", "3"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert len(rows) == 3
    assert rows[0]["code"] == "E09000020"
    typed = RUNNER.invoke(app, ["areas", "hackney", "--type", "ward", "--json"])
    assert {r["area_type"] for r in json.loads(typed.output)} == {"ward"}


def test_unknown_code_exits_2_with_suggestion() -> None:
    result = RUNNER.invoke(app, ["areas", "E09000034"])
    assert result.exit_code == 2
    assert "unknown area 'E09000034'" in result.output
    assert "did you mean 'E0900003" in result.output


def test_bad_type_exits_2_and_no_match_exits_1() -> None:
    assert RUNNER.invoke(app, ["areas", "--type", "borough"]).exit_code == 2
    assert RUNNER.invoke(app, ["areas", "qqqzzzxxy"]).exit_code == 1


def test_type_without_query_lists_that_type() -> None:
    result = RUNNER.invoke(app, ["areas", "--type", "msoa21", "--json"])
    assert result.exit_code == 0
    assert len(json.loads(result.output)) == 1002
