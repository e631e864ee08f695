"""Conventional options (issue 17, item 2): bare switches, hyphenated names, exit codes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from healthgap.cli.calc import _pairs
from healthgap.cli.main import app


def _run(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def deciles(tmp_path: Path) -> Path:
    source = tmp_path / "deciles.csv"
    pd.DataFrame(
        {
            "quantile": np.arange(1, 11),
            "value": np.linspace(70.0, 82.0, 10),
            "se": np.full(10, 0.4),
            "population": np.full(10, 10_000),
        }
    ).to_csv(source, index=False)
    return source


def test_pairs_reads_bare_and_negated_switches() -> None:
    flags = frozenset({"rii", "independent-events"})
    given = _pairs(["--rii", "--no-independent-events", "--x", "v"], flags)
    assert given == {"rii": "true", "independent-events": "false", "x": "v"}
    assert _pairs(["--rii", "false"], flags) == {"rii": "false"}
    assert _pairs(["--rii=no"], flags) == {"rii": "no"}


def test_calc_rii_is_a_bare_switch(deciles: Path, tmp_path: Path) -> None:
    base = ["calc", "sii", "--input", deciles, "--quantile", "quantile", "--value", "value",
            "--population", "population", "--se", "se", "--repetitions", "1000"]  # fmt: skip
    with_rii = _run(*base, "--output", tmp_path / "a.csv", "--rii")
    assert with_rii.exit_code == 0, with_rii.output
    assert "rii" in pd.read_csv(tmp_path / "a.csv").columns
    without = _run(*base, "--output", tmp_path / "b.csv", "--no-rii")
    assert without.exit_code == 0, without.output
    assert "rii" not in pd.read_csv(tmp_path / "b.csv").columns


def test_method_names_accept_hyphens(tmp_path: Path) -> None:
    shown = _run("calc", "isr-ratio", "--help")
    assert shown.exit_code == 0, shown.output
    assert "healthgap calc isr_ratio" in shown.output
    assert _run("calc", "life-expectancy", "--help").exit_code == 0


def test_method_help_shows_switches_without_values() -> None:
    shown = _run("calc", "sii", "--help")
    assert "--rii / --no-rii" in shown.output
    assert "--rii FLAG" not in shown.output


def test_exit_codes_are_in_the_help_epilog() -> None:
    shown = _run("--help")
    assert shown.exit_code == 0
    assert "Exit codes: 0 ok; 1 no data" in shown.output
    assert "2 bad input" in shown.output
