"""The store commands through Typer's CliRunner, on a real store file."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
import typer
from rich.console import Console
from rich.progress import Progress
from typer.testing import CliRunner

from healthgap.cli.store_commands import populate, register
from healthgap.errors import SourceValidationError
from healthgap.sources import PendingRelease
from healthgap.sources.bundled import BundledSource
from healthgap.sources.common import SourceContext, no_indicator
from healthgap.store import ReleaseInput, open_store

MakeValues = Callable[..., pa.Table]
MakeRelease = Callable[..., ReleaseInput]


@pytest.fixture
def app() -> typer.Typer:
    a = typer.Typer()
    register(a)
    return a


@pytest.fixture
def releases(make_values: MakeValues, make_release: MakeRelease) -> list[ReleaseInput]:
    return [
        make_release(make_values(series="f:le", indicator_id="le"), published_at=date(2022, 1, 1)),
        make_release(
            make_values(series="f:le", indicator_id="le", base=85),
            file="le2.csv",
            published_at=date(2023, 1, 1),
        ),
        make_release(
            make_values(series="ons:hle", indicator_id="hle", base=60),
            source="ons",
            file="hle.csv",
        ),
    ]


@pytest.fixture
def filled(store_path: Path, releases: list[ReleaseInput]) -> Path:
    with open_store(store_path) as s:
        outcome = populate(s, releases)
    assert (outcome.loaded, outcome.skipped, outcome.rows) == (3, 0, 18)
    return store_path


def test_populate_is_idempotent(filled: Path, releases: list[ReleaseInput]) -> None:
    with open_store(filled) as s:
        before = [(r.release_id, r.rows) for r in s.releases()]
        again = populate(s, releases)
        assert (again.loaded, again.skipped, again.rows) == (0, 3, 0)
        assert [(r.release_id, r.rows) for r in s.releases()] == before


def _pending(release: ReleaseInput, reads: list[str], *, fails: bool = False) -> PendingRelease:
    """``release`` as ``init`` sees a bundled one: source and checksums first; ``read``
    (recorded in ``reads``) builds it, or raises as a bad file would if ``fails``."""

    def read(context: SourceContext) -> ReleaseInput:
        reads.append(release.source)
        if fails:
            raise SourceValidationError("bad row", file=release.files[0].name, row=2)
        return release

    bundled = BundledSource(release.source, lambda: (), read)
    sums = tuple(f.sha256 for f in release.files)
    context = SourceContext(no_indicator, None)
    return PendingRelease(release.source, sums, release.published_at, bundled, lambda: context)


def test_populate_reads_only_the_pending_releases_not_held(
    filled: Path, releases: list[ReleaseInput], make_values: MakeValues, make_release: MakeRelease
) -> None:
    reads: list[str] = []
    new = make_release(make_values(series="new:x", base=50), source="new", file="x.csv")
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with open_store(filled) as s:
        with Progress(console=console) as bar:
            pending = [_pending(r, reads) for r in releases]
            again = populate(s, pending, total=len(pending), progress=bar)
            (overall,) = bar.tasks  # skipped releases count on the bar too
            assert (overall.completed, overall.total) == (3, 3)
        assert (again.loaded, again.skipped, again.rows) == (0, 3, 0)
        assert reads == []
        more = populate(s, [*(_pending(r, reads) for r in releases), _pending(new, reads)])
        assert (more.loaded, more.skipped, more.rows) == (1, 3, 6)
        assert reads == ["new"]
        assert [r.source for r in s.releases()][-1] == "new"


def test_populate_resumes_after_a_failed_pending_release_and_refreshes_once(
    store_path: Path, releases: list[ReleaseInput], monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    first, second, third = releases
    with open_store(store_path) as s:
        refreshes: list[int] = []
        refresh = s.refresh_current

        def counted() -> tuple[int, int]:
            refreshes.append(1)
            return refresh()

        monkeypatch.setattr(s, "refresh_current", counted)
        broken = [_pending(first, reads), _pending(second, reads, fails=True)]
        with pytest.raises(SourceValidationError, match="bad row"):
            populate(s, [*broken, _pending(third, reads)])
        assert [r.source for r in s.releases()] == ["fingertips"]  # the first stays loaded
        assert reads == ["fingertips", "fingertips"]
        reads.clear()
        outcome = populate(s, [_pending(r, reads) for r in releases])
        assert (outcome.loaded, outcome.skipped) == (2, 1)
        assert reads == ["fingertips", "ons"]  # the held first release is not read again
        assert len(refreshes) == 1
        assert not s.prepared_stale()


def test_status_without_store_says_run_init(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["status", "--store", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "run `healthgap init`" in result.output
    assert not (tmp_path / "none.duckdb").exists()


def test_status_tables_and_json(app: typer.Typer, filled: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["status", "--store", str(filled)])
    assert result.exit_code == 0, result.output
    # The console wraps at its width, and the store's path (longer under pytest-xdist) moves
    # the break: compare with the line breaks folded.
    assert "3 release(s)" in " ".join(result.output.split())
    for word in ("fingertips", "ons", "superseded", "published", "2022-01-01"):
        assert word in result.output

    result = runner.invoke(app, ["status", "--store", str(filled), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["store"] == str(filled)
    sources = {x["source"]: x for x in doc["sources"]}
    assert sources["fingertips"]["releases"] == 2
    assert sources["fingertips"]["value_rows"] == 12
    assert sources["ons"]["first_period"] == "2021-01-01"
    assert sources["ons"]["last_period"] == "2022-12-31"
    assert [r["release_id"] for r in doc["releases"]] == [1, 2, 3]
    assert doc["releases"][1]["row_counts"]["values"] == 6
    assert [r["status"] for r in doc["releases"]] == ["superseded", "published", "published"]


def test_status_reads_store_from_environment(
    app: typer.Typer, filled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHGAP_STORE", str(filled))
    result = CliRunner().invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["releases"]) == 3


def _read_csv(path: Path, schema: pa.Schema) -> pa.Table:
    return pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types=schema, strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_round_trips(app: typer.Typer, filled: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out" / f"values.{fmt}"
    result = CliRunner().invoke(
        app, ["export", "--store", str(filled), "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with open_store(filled, read_only=True) as s:
        expected = s.values()
    got = pq.read_table(out) if fmt == "parquet" else _read_csv(out, expected.schema)
    assert got.column_names == expected.column_names
    assert got.to_pylist() == expected.to_pylist()
    assert f"wrote {expected.num_rows:,} values" in result.output
    assert "suppressed" in got.column_names
    assert set(got["release_id"].to_pylist()) == {2, 3}
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def test_export_filters(app: typer.Typer, filled: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "x.parquet"
    base = ["export", "--store", str(filled), "--format", "parquet", "--out", str(out)]

    assert runner.invoke(app, [*base, "--indicator", "hle"]).exit_code == 0
    assert set(pq.read_table(out)["series"].to_pylist()) == {"ons:hle"}

    assert runner.invoke(app, [*base, "--release", "1"]).exit_code == 0
    t = pq.read_table(out)
    assert (t.num_rows, set(t["release_id"].to_pylist())) == (6, {1})

    assert runner.invoke(app, [*base, "--as-published-on", "2022-06-01"]).exit_code == 0
    assert set(pq.read_table(out)["release_id"].to_pylist()) == {1}

    result = runner.invoke(app, [*base, "--release", "1", "--as-published-on", "2022-06-01"])
    assert result.exit_code == 2


def test_export_with_nothing_to_write_keeps_the_old_file(
    app: typer.Typer, filled: Path, tmp_path: Path
) -> None:
    out = tmp_path / "keep.csv"
    out.write_text("previous export\n")
    runner = CliRunner()
    args = ["export", "--store", str(filled), "--format", "csv", "--out", str(out)]
    result = runner.invoke(app, [*args, "--indicator", "nope"])
    assert result.exit_code == 1
    assert "no values match" in result.output
    assert out.read_text() == "previous export\n"
    result = runner.invoke(app, [*args, "--release", "42"])
    assert result.exit_code == 1
    assert "no release 42" in result.output
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv", "store"]


def test_populate_drives_a_rich_progress_bar(
    store_path: Path, releases: list[ReleaseInput]
) -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with Progress(console=console) as bar, open_store(store_path) as s:
        outcome = populate(s, releases, total=len(releases), progress=bar)
        (overall,) = bar.tasks  # per-release tasks are removed once loaded
        assert (overall.completed, overall.total) == (3, 3)
    assert outcome.loaded == 3
    assert "releases" in console.file.getvalue()  # type: ignore[attr-defined]


def test_attribution_is_shown_with_the_data(app: typer.Typer, filled: Path, tmp_path: Path) -> None:
    """The ONS open-data licence attribution travels with every view of the data."""
    from healthgap import ATTRIBUTION

    human = CliRunner().invoke(app, ["status", "--store", str(filled)])
    assert "Open Government Licence v3.0" in human.output
    as_json = CliRunner().invoke(app, ["status", "--store", str(filled), "--json"])
    assert json.loads(as_json.output)["attribution"] == ATTRIBUTION
    out = tmp_path / "values.parquet"
    exported = CliRunner().invoke(
        app, ["export", "--store", str(filled), "--format", "parquet", "--out", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    meta = pq.read_schema(out).metadata
    assert meta[b"attribution"].decode() == ATTRIBUTION


ISSUE_11 = (
    "series,area_code,period_start,period_end,period_label,sex,value,lower95_0cl,"
    "upper95_0cl,count,denominator,unit,suppressed\n"
    "local:smoking,E09000001,2019-01-01,2019-12-31,2019,persons,12.5,10.1,15.2,12.5,200,%,false\n"
    "local:smoking,E09000002,2019-01-01,2019-12-31,2019,persons,,10.1,15.2,4,200,%,true\n"
)


def test_load_refuses_the_impossible_and_flags_the_implausible(
    app: typer.Typer, store_path: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    load = ["load", "--source", "healthgap", "--store", str(store_path)]
    bad = tmp_path / "pct.csv"
    bad.write_text(ISSUE_11.replace(",12.5,10.1,15.2,12.5,", ",150,10.1,15.2,12,", 1))
    result = runner.invoke(app, [*load, str(bad)])
    assert result.exit_code == 2
    assert "pct.csv:2: column 'value': value 150: a percentage must be between 0 and 100" in (
        result.output
    )
    assert "nothing was written" in result.output
    assert not store_path.exists()
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(
        "series,area_code,period_start,period_end,period_label,sex,value,indicator_id\n"
        "local:x,E09000001,2019-01-01,2019-12-31,2019,persons,1.0,no_such_indicator\n"
    )
    result = runner.invoke(app, [*load, str(unknown)])
    assert result.exit_code == 2
    assert "unknown.csv:2: column 'indicator_id': value 'no_such_indicator'" in result.output
    assert not store_path.exists()

    good = tmp_path / "issue.csv"
    good.write_text(ISSUE_11)
    result = runner.invoke(app, [*load, str(good)])
    assert result.exit_code == 0, result.output
    assert "warning: issue.csv:2: column 'count': value 12.5: count is not a whole number" in (
        result.output
    )
    assert "warning: issue.csv:3: column 'suppressed'" in result.output
    out = tmp_path / "out.csv"
    args = ["export", "--store", str(store_path), "--format", "csv", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    rows = {r["area_code"]: r for r in pa_csv.read_csv(out).to_pylist()}
    withheld = rows["E09000002"]
    assert withheld["suppressed"] is True
    for column in ("value", "lower95_0cl", "upper95_0cl", "count"):
        assert withheld[column] is None, column
    assert rows["E09000001"]["count"] == 12.5
