"""``healthgap token create | list | revoke`` and ``healthgap serve --help`` (registered)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.publish import access, open_writer


def test_token_commands_create_list_revoke(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    w = open_writer(path)
    w.close()
    w.store.close()
    runner = CliRunner()
    made = runner.invoke(app, ["token", "create", "ada", "--role", "admin", "--store", str(path)])
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert len(token) >= 40
    listed = runner.invoke(app, ["token", "list", "--store", str(path)])
    assert "ada\tadmin" in listed.output
    assert token not in listed.output
    bad = runner.invoke(app, ["token", "create", "bob", "--role", "root", "--store", str(path)])
    assert bad.exit_code == 2
    assert "unknown role 'root'" in bad.output
    assert runner.invoke(app, ["token", "revoke", "1", "--store", str(path)]).exit_code == 0
    assert runner.invoke(app, ["token", "revoke", "7", "--store", str(path)]).exit_code == 2
    w = open_writer(path)
    try:
        assert access.authenticate(w.store, token) is None
        assert [e.action for e in access.audit_log(w.store)] == ["token.create", "token.revoke"]
    finally:
        w.close()
        w.store.close()


def test_serve_is_registered_with_its_options() -> None:
    out = CliRunner().invoke(app, ["serve", "--help"]).output
    for option in ("--host", "--port", "--workers", "--store", "--read-only"):
        assert option in out


def test_the_cli_does_not_import_the_web_stack_until_serve_runs() -> None:
    import subprocess
    import sys

    code = (
        "import sys, healthgap.cli.main; "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'httpx', 'healthgap.api') "
        "if m in sys.modules))"
    )
    src = str(Path(__file__).resolve().parents[3] / "src")
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": src, "PATH": ""},
    )
    assert out.stdout.strip() == "[]"
