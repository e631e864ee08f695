"""The README's path works end to end (issue 17, item 7): ``healthgap synth`` by default
simulates five years, so ``healthgap compute`` produces life expectancy, suicide and violence;
piped, ``compute`` prints one final line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.engine.synth import MIN_SYNTH_YEARS, plan_synthetic_london
from healthgap.store import open_store

WANTED = ("life_expectancy", "suicide_rate", "violence_admissions")


def test_synth_plans_at_least_five_years_by_default_on_the_command_line() -> None:
    assert MIN_SYNTH_YEARS >= 5
    assert len(plan_synthetic_london(10_000, year=2020, min_years=MIN_SYNTH_YEARS).years) == 5
    assert len(plan_synthetic_london(10_000, year=2020).years) == 1  # library default unchanged


@pytest.mark.slow
def test_synth_then_compute_gives_life_expectancy_suicide_and_violence(tmp_path: Path) -> None:
    runner = CliRunner()
    records = tmp_path / "london"
    made = runner.invoke(app, ["synth", "--rows", "60000", "--out", str(records), "--seed", "1"])
    assert made.exit_code == 0, made.output
    assert "years 2016–2020" in made.output
    store = tmp_path / "s.duckdb"
    args = ["compute", "--input", str(records), "--store", str(store)]
    for indicator in WANTED:
        args += ["-i", indicator]
    computed = runner.invoke(app, args)
    assert computed.exit_code == 0, computed.output
    lines = computed.stdout.strip().splitlines()
    assert len(lines) == 1, computed.stdout  # piped: one final line
    assert lines[0].startswith("release 1: ")
    assert "computed 3 (life_expectancy, suicide_rate, violence_admissions)" in lines[0]
    with open_store(store, read_only=True) as st:
        for indicator in WANTED:
            assert st.values(indicator_ids=[indicator]).num_rows > 0, indicator
