"""A computed release (``healthgap compute``) is loaded through ``healthgap.publish``: the
engine's comparisons are kept and the commitment assessments are derived with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.engine import generate_synthetic_london
from healthgap.query import open_read_layer, public

pytestmark = pytest.mark.slow


def test_computed_release_carries_comparisons_and_assessments(tmp_path: Path) -> None:
    synth = tmp_path / "london"
    generate_synthetic_london(synth, rows=120_000, seed=3, tables=("deaths",))
    store = tmp_path / "s.duckdb"
    args = ["compute", "--input", str(synth), "-i", "life_expectancy", "--store", str(store)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    rid = json.loads(result.stdout)["release_id"]
    with open_read_layer(store) as q:
        assert set(q.store.assessments().column("release_id").to_pylist()) == {rid}
        rows = q.latest(public(), indicator="life_expectancy", area="E09000002")
        assert all(r.comparison("country") is not None for r in rows)
