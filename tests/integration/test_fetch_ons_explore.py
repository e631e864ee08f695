"""``healthgap fetch ons-explore`` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch_server import Reply, Routes, serve

BUNDLED = (
    Path(__file__).resolve().parents[2]
    / "src/healthgap/data/ons_explore_local_statistics/early-years.csv"
)
OUTSIDE = (
    "E06000001,Hartlepool,Unitary authority,Children at expected level for maths by end of "
    "early years foundation stage,2022-09-01/P1Y,78.1,Percentage,%,,,,\n"
)


def _run(base: str, store: Path, cache: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        [
            "fetch", "ons-explore", "early-years", "--base-url", base, "--store", str(store),
            "--cache-dir", str(cache), "--retry-delay", "0.01", "--attempts", "2",
        ],
    )  # fmt: skip
    return result.exit_code, result.output


def test_fetches_london_rows_as_a_release(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    with open_store(store):  # a store must exist before a fetch loads into it
        pass
    body = BUNDLED.read_bytes() + OUTSIDE.encode()
    routes = Routes({"/early-years/early-years.csv": [Reply(body=body)]})
    with serve(routes) as base:
        code, out = _run(base, store, tmp_path / "c")
    assert code == 0, out
    assert "1 rows for other areas left out" in out
    with open_store(store, read_only=True) as s:
        (release,) = s.releases()
        values = s.values().to_pylist()
    assert release.source == "ons_explore_fetch"
    assert release.files[0].name.endswith("/early-years/early-years.csv")
    assert len(values) == BUNDLED.read_text().count("\n") - 1
    assert "E06000001" not in {v["area_code"] for v in values}
    assert "E12000007" in {v["area_code"] for v in values}


def test_html_page_writes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    with open_store(store):  # a store must exist before a fetch loads into it
        pass
    page = b"<html><head><title>Sign in to continue</title></head></html>"
    routes = Routes({"/early-years/early-years.csv": [Reply(body=page, content_type="text/html")]})
    with serve(routes) as base:
        code, out = _run(base, store, tmp_path / "c")
    assert code == 1
    assert f"expected CSV from {base}/early-years/early-years.csv, got HTML" in out
    assert "Sign in to continue; nothing was written" in out
    with open_store(store, read_only=True) as s:
        assert s.releases() == []
