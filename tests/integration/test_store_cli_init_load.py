"""``healthgap init`` on the real bundled data (twice: idempotent, parsing nothing it skips)
and ``healthgap load``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

import healthgap.sources.csvfile as csvfile
from healthgap.cli.store_commands import register
from healthgap.errors import StoreError
from healthgap.sources import bundled_release_count
from healthgap.sources.bundled import BUNDLED_SOURCES
from healthgap.sources.csvfile import file_sha256
from healthgap.store import open_store

pytestmark = pytest.mark.slow

TIDY = """series,area_code,period_start,period_end,period_label,sex,value
user:my-measure,E09000001,2023-01-01,2023-12-31,2023,persons,12.5
user:my-measure,E09000002,2023-01-01,2023-12-31,2023,persons,14.0
user:my-measure,E09000003,2023-01-01,2023-12-31,2023,persons,
"""


@pytest.fixture
def app() -> typer.Typer:
    a = typer.Typer()
    register(a)
    return a


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every file parsed as CSV from here on, in order. Every reader parses
    through ``read_csv_file``, which decodes each file's bytes with ``_decode`` before reading
    a single row; hashing a file (``file_sha256``) does not decode it."""
    names: list[str] = []
    decode = csvfile._decode

    def recording(data: bytes, name: str) -> str:
        names.append(name)
        return decode(data, name)

    monkeypatch.setattr(csvfile, "_decode", recording)
    return names


def test_init_builds_from_bundled_data_and_is_idempotent(
    app: typer.Typer, bundled_store, bundled_store_copy: Path, parsed: list[str]
) -> None:
    """The first ``init`` is the session's (tests/conftest.py: exit 0 checked there, its output
    kept); the second runs here, on a copy of that store, and parses no file at all."""
    path = bundled_store_copy
    runner = CliRunner()
    first_output: str = bundled_store.output
    n = bundled_release_count()
    assert f"loaded {n} release(s)" in first_output
    with open_store(path, read_only=True) as s:
        releases = [(r.release_id, r.source, r.rows) for r in s.releases()]
        values = s.values().num_rows
    assert len(releases) == n
    assert all(rows > 0 for _, _, rows in releases)
    assert values > 10_000

    # bundled releases carry their publication dates: reads as published before the store
    # was built find them (ADR 0502)
    with open_store(path, read_only=True) as s:
        in_june = s.values(as_published_on=date(2026, 6, 1))
        assert in_june.num_rows > 10_000
        themes = {r.release_id for r in s.releases() if r.source.endswith("trafford_themes_2026")}
        assert themes <= set(in_june["release_id"].to_pylist())
        assert s.values(as_published_on=date(2020, 9, 1)).num_rows > 1_000
        assert s.values(as_published_on=date(2016, 1, 1)).num_rows == 0
        assert s.deprivation("imd2019", as_published_on=date(2020, 1, 1)).num_rows > 30_000
        with pytest.raises(StoreError, match="'imd2025' is not in the store"):
            s.deprivation("imd2025", as_published_on=date(2025, 10, 29))
        assert s.population(as_published_on=date(2022, 4, 1)).num_rows > 0
        assert s.population(as_published_on=date(2022, 3, 25)).num_rows == 0

    assert parsed == []
    second = runner.invoke(app, ["init", "--store", str(path)])
    assert second.exit_code == 0, second.output
    assert f"loaded 0 release(s), 0 rows; skipped {n} already held" in second.output
    assert parsed == [], "a second init parsed bundled files it then skipped"
    with open_store(path, read_only=True) as s:
        assert [(r.release_id, r.source, r.rows) for r in s.releases()] == releases
        assert s.values().num_rows == values


def _delete_release(path: Path, source: str) -> None:
    """Delete ``source``'s release from every table that names a release (as if the store
    had been built without it)."""
    with duckdb.connect(str(path)) as con:
        (rid,) = con.execute(
            "SELECT release_id FROM releases WHERE source = ?", [source]
        ).fetchone()
        tables = con.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'release_id' "
            "AND table_name <> 'releases'"
        ).fetchall()
        for (table,) in [*tables, ("releases",)]:
            con.execute(f"DELETE FROM {table} WHERE release_id = ?", [rid])


def test_init_loads_only_the_release_the_store_lacks(
    app: typer.Typer, bundled_store_copy: Path, parsed: list[str]
) -> None:
    """A store missing one bundled release gets it (and only it parsed) on the next init."""
    path = bundled_store_copy
    n = bundled_release_count()
    missing = "dluhc_homelessness"
    (source,) = [b for b in BUNDLED_SOURCES if b.source == missing]
    _delete_release(path, missing)
    with open_store(path, read_only=True) as s:
        assert sorted(r.source for r in s.releases()) == sorted(
            b.source for b in BUNDLED_SOURCES if b.source != missing
        )
        before = {r.source: r.release_id for r in s.releases()}

    runner = CliRunner()
    result = runner.invoke(app, ["init", "--store", str(path)])
    assert result.exit_code == 0, result.output
    assert f"loaded 1 release(s), 66 rows; skipped {n - 1} already held; {n} release(s)" in (
        result.output
    )
    assert parsed == ["homelessness/dluhc_homelessness_london_ltla23.csv"]
    with open_store(path, read_only=True) as s:
        releases = {r.source: r for r in s.releases()}
        assert set(releases) == {b.source for b in BUNDLED_SOURCES}
        assert {k: r.release_id for k, r in releases.items() if k != missing} == before
        again = releases[missing]
        assert [f.sha256 for f in again.files] == [file_sha256(p) for p in source.files()]
        assert again.published_at == date(2024, 5, 22)
        assert s.release_values(again.release_id).num_rows == again.rows == 66
        assert not s.prepared_stale()

    parsed.clear()
    third = runner.invoke(app, ["init", "--store", str(path)])
    assert third.exit_code == 0, third.output
    assert f"loaded 0 release(s), 0 rows; skipped {n} already held" in third.output
    assert parsed == []


def test_load_user_file_as_new_release(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "healthgap.duckdb"
    data = tmp_path / "mine.csv"
    data.write_text(TIDY)
    runner = CliRunner()
    args = ["load", str(data), "--source", "healthgap", "--store", str(path)]
    result = runner.invoke(
        app, [*args, "--published-at", "2024-01-02", "--embargo-until", "2030-01-01T09:30"]
    )
    assert result.exit_code == 0, result.output
    assert "as release 1 (3 rows)" in result.output
    status = json.loads(runner.invoke(app, ["status", "--store", str(path), "--json"]).output)
    (release,) = status["releases"]
    assert release["published_at"] == "2024-01-02"
    assert release["embargo_until"] == "2030-01-01T09:30:00"
    assert release["status"] == "embargoed"
    assert release["files"][0]["name"] == "mine.csv"
    with open_store(path, read_only=True) as s:
        assert s.values().num_rows == 0
        got = s.values(include_embargoed=True)
        assert got["value"].to_pylist() == [12.5, 14.0, None]

    again = runner.invoke(app, args)
    assert again.exit_code == 0
    assert "already loaded" in again.output


def test_load_bad_file_exits_2_and_writes_nothing(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "healthgap.duckdb"
    bad = tmp_path / "bad.csv"
    bad.write_text(TIDY.replace(",value\n", ",valu\n", 1))
    runner = CliRunner()
    result = runner.invoke(app, ["load", str(bad), "--source", "healthgap", "--store", str(path)])
    assert result.exit_code == 2
    assert "bad.csv" in result.output
    assert "nothing was written" in result.output
    assert not path.exists()

    open_store(path).close()
    result = runner.invoke(app, ["load", str(bad), "--source", "healthgap", "--store", str(path)])
    assert result.exit_code == 2
    with open_store(path, read_only=True) as s:
        assert s.releases() == []

    result = runner.invoke(app, ["load", str(bad), "--source", "nonsense", "--store", str(path)])
    assert result.exit_code == 2
    assert "unknown source kind 'nonsense'" in result.output
