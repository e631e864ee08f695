"""``healthgap compute``: record-level data → indicator values, stored as a release."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from healthgap.catalogue import load_catalogue
from healthgap.cli import format as fmt
from healthgap.config import default_store_path
from healthgap.engine.backends import BACKEND_NAMES
from healthgap.engine.comparisons import ENGLAND
from healthgap.engine.pipeline import EngineResult, run_engine
from healthgap.errors import HealthgapError
from healthgap.publish import load_release
from healthgap.store import open_store
from healthgap.store.release_input import ReleaseInput, SeriesInfo, SourceFile

__all__ = ["compute_command", "england_benchmarks", "register", "release_from_result"]


def _rows(path: Path) -> int:
    if path.suffix == ".parquet":
        return int(pq.ParquetFile(path).metadata.num_rows)
    if path.suffix == ".csv":
        with path.open("rb") as fh:
            return max(sum(1 for _ in fh) - 1, 0)
    return 0


def england_benchmarks(store_path: Path, indicator_ids: list[str] | None) -> pa.Table | None:
    """England's published values from the store, one series per indicator (the one with
    most England rows), for the engine to compare London's areas with; None without a store.
    """
    if not store_path.exists():
        return None
    with open_store(store_path, read_only=True) as st:
        england = st.values(area_codes=[ENGLAND], indicator_ids=indicator_ids)
    england = england.filter(pc.is_valid(england["indicator_id"]))
    if england.num_rows == 0:
        return None
    sizes = england.group_by(["indicator_id", "series"]).aggregate([("value", "count")])
    best: dict[str, tuple[int, str]] = {}
    for row in sizes.to_pylist():
        held = (int(row["value_count"]), str(row["series"]))
        if row["indicator_id"] not in best or held > best[row["indicator_id"]]:
            best[row["indicator_id"]] = held
    keep = pa.array([series for _, series in best.values()], pa.string())
    return england.filter(pc.is_in(england["series"], value_set=keep))


def release_from_result(result: EngineResult, input_dir: Path) -> ReleaseInput:
    """The engine's values as a release: input files with checksums, series, provenance."""
    cat = load_catalogue()
    checksums = result.provenance.get("input_sha256", {})
    assert isinstance(checksums, dict)
    files = tuple(
        SourceFile(name=name, sha256=str(sha), rows=_rows(input_dir / name))
        for name, sha in sorted(checksums.items())
        if name.endswith((".parquet", ".csv"))
    )
    names = {
        "sii-imd2019-decile-london": "slope index of inequality across London IMD 2019 deciles",
        "rii-imd2019-decile-london": "relative index of inequality across London IMD 2019 deciles",
        "gap-imd2019-decile-london": "gap, least minus most deprived London IMD 2019 decile",
        "sii-imd2019-decile": "slope index of inequality across national IMD 2019 deciles",
        "rii-imd2019-decile": "relative index of inequality across national IMD 2019 deciles",
        "gap-imd2019-decile": "gap, least minus most deprived national IMD 2019 decile",
    }
    held = (
        result.values.select(["series", "indicator_id", "unit"])
        .group_by(["series", "indicator_id", "unit"])
        .aggregate([])
    )
    series = []
    for row in held.to_pylist():
        key = row["series"]
        base, _, measure = key.partition("/")
        indicator = cat.indicator(base.removeprefix("engine:").replace("-", "_"))
        name = indicator.name if not measure else f"{indicator.name}: {names.get(measure, measure)}"
        series.append(
            SeriesInfo(
                key=key,
                name=name,
                publisher="healthgap engine",
                unit=row["unit"],
                indicator_id=row["indicator_id"],
            )
        )
    return ReleaseInput(
        source=f"engine:{result.provenance['backend']}",
        files=files,
        series=tuple(sorted(series, key=lambda x: x.key)),
        values=result.values,
        comparisons=result.comparisons,
        note=json.dumps({k: v for k, v in result.provenance.items() if k != "input_sha256"}),
    )


def compute_command(
    input_dir: Path = typer.Option(
        ..., "--input", exists=True, file_okay=False, help="Directory of record-level tables."
    ),
    indicators: list[str] = typer.Option(
        None, "--indicator", "-i", help="Indicator id to compute (repeatable; default: all)."
    ),
    backend: str = typer.Option("duckdb", help=f"Engine backend: {' | '.join(BACKEND_NAMES)}."),
    store: Path | None = typer.Option(
        None,
        "--store",
        help="Store file, made by `healthgap init` (default: $HEALTHGAP_STORE or the user "
        "data dir).",
    ),
    per_period_disclosure: bool = typer.Option(
        False,
        "--per-period-disclosure",
        help="Protect each period's table alone, not also against differencing overlapping "
        "rolling periods (2016-18, 2017-19, 2018-20) through their single years: faster, but "
        "a withheld count may be recovered from its neighbouring windows. The release records "
        "which protection it had (ADR 0611).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Compute indicators from record-level data and store them as a new release.

    Disclosure control (primary and secondary suppression, audited, and consistent across
    overlapping rolling periods unless --per-period-disclosure) is applied before anything is
    stored.
    """
    overlaps = False if per_period_disclosure else None  # None: the engine's default
    console = Console(stderr=True)
    path = store or default_store_path()
    if not path.is_file():  # only init creates a store (ADR 0106)
        from healthgap.cli.main import missing_store_message

        typer.echo(
            missing_store_message("compute", str(store))
            if store is not None
            else f"error: no store at {path} (the default store); create it with "
            "`healthgap init` (the bundled data, England's values to compare with) or "
            "`healthgap init --empty` (empty)",
            err=True,
        )
        raise typer.Exit(2)
    try:
        benchmarks = england_benchmarks(path, indicators or None)
        if sys.stderr.isatty() and not json_out:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("computing", total=None)

                def tick(name: str, done: int, total: int) -> None:
                    bar.update(task, description=name, completed=done, total=total)

                result = run_engine(
                    input_dir,
                    indicators=indicators or None,
                    backend=backend,
                    progress=tick,
                    benchmarks=benchmarks,
                    protect_overlaps=overlaps,
                )
        else:
            result = run_engine(
                input_dir,
                indicators=indicators or None,
                backend=backend,
                benchmarks=benchmarks,
                protect_overlaps=overlaps,
            )
        if not result.computed:
            reasons = "; ".join(f"{k}: {v}" for k, v in result.skipped.items())
            console.print(
                f"healthgap compute: nothing computed from {input_dir}, nothing stored "
                f"({reasons or 'no indicator asked for'})",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(1)
        release = release_from_result(result, input_dir)
        with open_store(path) as st:
            from healthgap.query import ReadLayer

            ReadLayer(st)  # the load prepares the API's large answers too (ADR 0812)
            # publish keeps the engine's comparisons and derives the assessments with them.
            release_id = load_release(st, release)
    except HealthgapError as exc:
        console.print(f"[red]healthgap compute:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except ValueError as exc:  # MethodInputError and other bad-input errors
        console.print(f"[red]healthgap compute:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    summary = {
        "release_id": release_id,
        "store": str(path),
        "rows": result.values.num_rows,
        "comparison_rows": result.comparisons.num_rows if result.comparisons is not None else 0,
        "computed": list(result.computed),
        "skipped": dict(result.skipped),
        "disclosure": {
            k: {
                "primary": v.primary,
                "secondary": v.secondary,
                "range_audited": v.range_audited,
                "algebra_audited": v.algebra_audited,
            }
            for k, v in result.disclosure.items()
        },
        "provenance": {k: v for k, v in result.provenance.items() if k != "input_sha256"},
    }
    if json_out:
        typer.echo(json.dumps(summary, indent=2))
        return
    out = Console()
    if not out.is_terminal:  # piped: one final line
        typer.echo(
            f"release {release_id}: {fmt.number(result.values.num_rows)} values into {path}; "
            "computed "
            f"{len(result.computed)} ({', '.join(result.computed) or 'none'}); not computed "
            f"{len(result.skipped)} ({', '.join(result.skipped) or 'none'})"
        )
        return
    table = Table(title=f"release {release_id}: {fmt.number(result.values.num_rows)} values")
    table.add_column("indicator")
    table.add_column("result")
    for ind in result.computed:
        d = result.disclosure.get(ind)
        table.add_row(
            ind,
            "computed"
            + (
                f"; {fmt.number(d.primary)} primary, {fmt.number(d.secondary)} secondary suppressed"
                if d
                else ""
            ),
        )
    for ind, reason in result.skipped.items():
        table.add_row(ind, f"[dim]not computed: {reason}[/dim]")
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``compute`` to ``app``."""
    app.command("compute")(compute_command)
