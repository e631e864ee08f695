"""Start-up stays light: the root command imports no heavy library (issue 17, item 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.cli.main import COMMANDS, app

SRC = Path(__file__).resolve().parents[3] / "src"
HEAVY = ("duckdb", "pandas", "scipy.stats", "ibis", "pyarrow", "healthgap.tracking")


def _modules_after(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_imports_no_heavy_library() -> None:
    loaded = _modules_after("import healthgap.cli.main")
    assert not [m for m in HEAVY if m in loaded]


def test_help_lists_every_command_without_heavy_imports() -> None:
    loaded = _modules_after(
        "from healthgap.cli.main import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert not [m for m in HEAVY if m in loaded]


def test_every_listed_command_resolves_to_its_module() -> None:
    runner = CliRunner()
    for name in COMMANDS:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert f"{name}" in result.output


def test_the_calc_kernel_needs_no_scipy_stats() -> None:
    loaded = _modules_after("import healthgap.methods, healthgap.analyst.registry")
    assert "scipy.stats" not in loaded


def test_reading_the_store_does_not_import_the_write_path(tmp_path: Path) -> None:
    """``status`` (and ``export``, ``init`` when all is held) read only: the publish layer,
    which derives with scipy at load, is imported by the commands that load."""
    store = tmp_path / "s.duckdb"
    made = CliRunner().invoke(app, ["init", "--empty", "--store", str(store)])
    assert made.exit_code == 0, made.output
    loaded = _modules_after(
        "from healthgap.cli.main import app\n"
        f"try:\n    app(['status', '--store', {str(store)!r}])\nexcept SystemExit:\n    pass"
    )
    assert "healthgap.cli.store_commands" in loaded  # the command ran
    assert not [m for m in ("healthgap.publish", "scipy.stats") if m in loaded]


def test_serve_listens_without_the_derivations_or_scipy(tmp_path: Path) -> None:
    """``serve`` opens the writer, warms and mounts everything up to listening without the
    publish layer's derivations (pandas, tracking, scipy): a load imports them (issue 11)."""
    store = tmp_path / "s.duckdb"
    made = CliRunner().invoke(app, ["init", "--empty", "--store", str(store)])
    assert made.exit_code == 0, made.output
    loaded = _modules_after(
        "import healthgap.api.serving as serving\n"
        "serving.run = lambda api, **kw: bool(api.routes)  # instead of listening\n"
        "from healthgap.cli.main import app\n"
        f"try:\n    app(['serve', '--store', {str(store)!r}, '--port', '0'])\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code"
    )
    assert {"healthgap.api.app", "healthgap.web", "healthgap.publish"} <= loaded  # it served
    heavy = ("healthgap.publish.derive", "healthgap.tracking", "scipy.stats")
    assert not [m for m in heavy if m in loaded]


def test_the_derivations_load_on_first_use() -> None:
    import healthgap.publish as publish
    from healthgap.publish import derive

    assert publish.load_release is derive.load_release
    assert publish.with_comparisons is derive.with_comparisons
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        publish.nothing  # noqa: B018
