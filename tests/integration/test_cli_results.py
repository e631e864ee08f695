"""Readable results from the installed command (issue 17, item 5): ``assess`` grouped by aim,
empty results exit 1 with a message."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.catalogue import load_catalogue
from healthgap.cli.main import app
from healthgap.store import open_store


@pytest.fixture
def empty_store(tmp_path: Path) -> Path:
    path = tmp_path / "empty.duckdb"
    open_store(path).close()
    return path


def test_assess_groups_by_aim_and_summarises_what_cannot_be_assessed(empty_store: Path) -> None:
    result = CliRunner().invoke(app, ["assess", "--store", str(empty_store)])
    assert result.exit_code == 0, result.output
    catalogue = load_catalogue()
    positions = [result.output.find(f"Aim {a.number}: {a.name}") for a in catalogue.aims]
    assert all(p >= 0 for p in positions), result.output
    assert positions == sorted(positions)
    assert "not assessable (" in result.output
    assert f"{len(catalogue.commitments)} assessed:" in result.output
    # commitments awaiting returns are counted together, and the CLI says how to record one
    assert "× no progress returns recorded yet" in result.output
    assert "record a return with `healthgap progress record COMMITMENT_ID`" in result.output


def test_a_reason_the_public_sees_names_no_command(empty_store: Path) -> None:
    """The website and the annual report show tracking's reasons to Londoners and the
    Assembly: "record one with `healthgap progress record …`" was meant for editors."""
    from healthgap.tracking import NO_PROGRESS_RETURNS, assess_commitments

    catalogue = load_catalogue()
    with open_store(empty_store, read_only=True) as store:
        rows = assess_commitments(catalogue, store)
    assert [r for r in rows if r.reason == NO_PROGRESS_RETURNS]
    assert not [r for r in rows if "healthgap progress" in r.reason]


def test_progress_list_of_nothing_is_a_message_and_exit_1(empty_store: Path) -> None:
    result = CliRunner().invoke(app, ["progress", "list", "--store", str(empty_store)])
    assert result.exit_code == 1
    assert "no progress returns" in result.output


def test_catalogue_search_without_hits_exits_1() -> None:
    result = CliRunner().invoke(app, ["catalogue", "search", "zzzqqq"])
    assert result.exit_code == 1
    assert "nothing matches 'zzzqqq'" in result.output


def test_catalogue_targets_show_numbers_with_separators_and_units() -> None:
    result = CliRunner().invoke(app, ["catalogue", "list", "--kind", "commitments"])
    assert result.exit_code == 0
    assert "250,000 wellbeing" in result.output
    assert "500,000 Dementia" in result.output
    assert "e+0" not in result.output


def test_status_of_an_empty_store_is_a_message_and_exit_1(empty_store: Path) -> None:
    result = CliRunner().invoke(app, ["status", "--store", str(empty_store)])
    assert result.exit_code == 1
    assert "is empty: run `healthgap init`" in result.output
    as_json = CliRunner().invoke(app, ["status", "--store", str(empty_store), "--json"])
    assert as_json.exit_code == 1
    assert '"releases": []' in as_json.output


def test_numbers_and_periods_are_shown_one_way() -> None:
    from healthgap.cli import format as fmt

    assert fmt.number(250_000.0) == "250,000"
    assert fmt.quantity(10, "ug/m3") == "10 µg/m³"
    assert fmt.period("2022 - 24") == "2022–24"
    assert fmt.period("2023/2024") == "2023/24"
