"""``healthgap synth`` end to end: files written, one final line when not a TTY, clear errors."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from healthgap.cli.synth import register
from healthgap.engine.records import validate_records


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """Test root with the synth command."""

    return app


def test_synth_writes_valid_parquet_and_one_line(tmp_path: Path) -> None:
    """Given --rows 20000, the command writes all tables, which pass their schemas."""
    out = tmp_path / "london"
    result = CliRunner().invoke(
        _app(), ["synth", "--rows", "20000", "--out", str(out), "--seed", "7", "--year", "2018"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("wrote ")
    assert "seed 7" in lines[0]
    assert "years 2014–2018" in lines[0]  # at least five years by default (issue 17)
    for table in ("deaths", "admissions", "registers", "population"):
        assert validate_records(out / table, schema=table, lsoa_vintage="lsoa11").ok


def test_synth_rejects_bad_arguments(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(_app(), ["synth", "--rows", "-5", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "rows" in result.output
    assert "positive" in result.output
    result = runner.invoke(
        _app(), ["synth", "--rows", "100", "--out", str(tmp_path / "y"), "--tables", "births"]
    )
    assert result.exit_code == 2
    assert "births" in result.output
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "y").exists()
