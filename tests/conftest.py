"""Shared fixtures: Synthetic London generated once per test session, not once per module.

The directories are read-only by convention: a test that needs to change records copies
the directory first (``shutil.copytree``).
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def synthetic_london_deaths(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic London deaths and population, 120,000 rows, seed 3 (years 2018–20)."""
    from healthgap.engine.synth import generate_synthetic_london

    out = tmp_path_factory.mktemp("synthetic_london") / "deaths_120k_seed3"
    generate_synthetic_london(out, rows=120_000, seed=3, tables=("deaths",))
    return out


@pytest.fixture(scope="session")
def synthetic_london_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small, sparse Synthetic London: 300,000 rows of every table, seed 11, one year
    (2020) — the input on which ``healthgap compute`` once crashed in the HEAT RCI."""
    from healthgap.engine.synth import generate_synthetic_london

    out = tmp_path_factory.mktemp("synthetic_london") / "all_300k_seed11"
    generate_synthetic_london(out, rows=300_000, seed=11)
    return out


@pytest.fixture(scope="session")
def bundled_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built by ``healthgap init`` from the bundled data, once per session (read-only
    by convention: open it with ``open_read_layer``; a test that writes copies it first)."""
    from typer.testing import CliRunner

    from healthgap.cli.main import app

    path = tmp_path_factory.mktemp("bundled") / "healthgap.duckdb"
    result = CliRunner().invoke(app, ["init", "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path
