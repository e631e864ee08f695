"""The README's path works end to end (issue 17, item 7): ``healthgap synth`` by default
simulates five years, so ``healthgap compute`` produces life expectancy, suicide and violence;
piped, ``compute`` prints one final line."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.engine.synth import MIN_SYNTH_YEARS, plan_synthetic_london

WANTED = ("life_expectancy", "suicide_rate", "violence_admissions")


def test_synth_plans_at_least_five_years_by_default_on_the_command_line() -> None:
    assert MIN_SYNTH_YEARS >= 5
    assert len(plan_synthetic_london(10_000, year=2020, min_years=MIN_SYNTH_YEARS).years) == 5
    assert len(plan_synthetic_london(10_000, year=2020).years) == 1  # library default unchanged


@pytest.mark.slow
def test_synth_by_default_gives_compute_life_expectancy_suicide_and_violence(
    tmp_path: Path,
) -> None:
    """The command's default years make the three pooled indicators computable (the engine
    runs here without disclosure control and comparisons, which are tested elsewhere)."""
    from healthgap.engine.pipeline import run_engine

    records = tmp_path / "london"
    made = CliRunner().invoke(
        app, ["synth", "--rows", "60000", "--out", str(records), "--seed", "1"]
    )
    assert made.exit_code == 0, made.output
    assert "years 2016–2020" in made.output
    result = run_engine(
        records, indicators=list(WANTED), checksums=False, disclosure_control=False,
        comparisons=False, heat=False,
    )  # fmt: skip
    assert sorted(result.computed) == sorted(WANTED), result.skipped
    for indicator in WANTED:
        ids = result.values.filter(pc.equal(result.values["indicator_id"], indicator))
        assert ids.num_rows > 0, indicator


@pytest.mark.slow
def test_compute_piped_prints_one_final_line(tmp_path: Path) -> None:
    records = tmp_path / "london"
    runner = CliRunner()
    made = runner.invoke(app, ["synth", "--rows", "3000", "--out", str(records),
                               "--tables", "admissions", "--years", "1"])  # fmt: skip
    assert made.exit_code == 0, made.output
    store = tmp_path / "s.duckdb"
    computed = runner.invoke(
        app,
        ["compute", "--input", str(records), "--store", str(store),
         "-i", "asthma_admissions_u19", "-i", "tb_incidence"],
    )  # fmt: skip
    assert computed.exit_code == 0, computed.output
    lines = computed.stdout.strip().splitlines()
    assert len(lines) == 1, computed.stdout
    assert lines[0].startswith("release 1: ")
    assert "computed 1 (asthma_admissions_u19); not computed 1 (tb_incidence)" in lines[0]


@pytest.mark.slow
def test_compute_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    """With stderr on a terminal (a real pseudo-terminal), compute draws a progress bar naming
    the indicator it is computing; stdout, piped, still gets its one final line."""
    import os
    import pty
    import subprocess
    import sys

    records = tmp_path / "london"
    made = CliRunner().invoke(app, ["synth", "--rows", "3000", "--out", str(records),
                                    "--tables", "admissions", "--years", "1"])  # fmt: skip
    assert made.exit_code == 0, made.output
    src = Path(__file__).resolve().parents[2] / "src"
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(src), "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "healthgap.cli.main", "compute", "--input", str(records),
         "--store", str(tmp_path / "s.duckdb"), "-i", "asthma_admissions_u19"],
        stdout=subprocess.PIPE, stderr=slave, env=env,
    )  # fmt: skip
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    out, _ = process.communicate(timeout=300)
    os.close(master)
    assert process.returncode == 0, drawn.decode(errors="replace")
    text = drawn.decode(errors="replace")
    assert "asthma_admissions_u19" in text  # the bar's description names the indicator
    assert "\x1b[" in text  # drawn with terminal control sequences (the live bar)
    assert out.decode().startswith("release 1: ")
