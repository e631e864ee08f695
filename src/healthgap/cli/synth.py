"""``healthgap synth``: write Synthetic London record-level Parquet files."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from healthgap.engine.synth import (
    MIN_SYNTH_YEARS,
    SYNTH_TABLES,
    generate_synthetic_london,
    plan_synthetic_london,
)
from healthgap.errors import InputError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``synth`` command to ``app``."""
    app.command("synth")(synth)


def synth(
    rows: int = typer.Option(..., "--rows", help="Total event rows (deaths+admissions+registers)."),
    out: Path = typer.Option(..., "--out", help="Output directory (must not exist or be empty)."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives identical files."),
    year: int = typer.Option(2020, "--year", help="Last simulated calendar year."),
    years: int = typer.Option(
        MIN_SYNTH_YEARS,
        "--years",
        min=1,
        help="Simulate at least this many years (more if --rows needs them); five give "
        "`healthgap compute` life expectancy, suicide and violence.",
    ),
    tables: str = typer.Option(
        ",".join(SYNTH_TABLES), "--tables", help="Comma-separated tables to generate."
    ),
    rows_per_file: int = typer.Option(
        1_000_000, "--rows-per-file", help="Start a new part file after about this many rows."
    ),
) -> None:
    """Generate Synthetic London: seeded deaths, admissions and registers as Parquet."""
    err = Console(stderr=True)
    selected = tuple(t.strip() for t in tables.split(",") if t.strip())
    try:
        plan = plan_synthetic_london(rows, year=year, tables=selected, min_years=years)
    except InputError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    total = round(sum(plan.expected_rows.values()))
    start = time.perf_counter()
    try:
        if sys.stdout.isatty():
            with Progress(
                TextColumn("synth"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            ) as bar:
                task = bar.add_task("rows", total=total)
                summary = generate_synthetic_london(
                    out,
                    rows=rows,
                    seed=seed,
                    year=year,
                    tables=selected,
                    rows_per_file=rows_per_file,
                    min_years=years,
                    progress=lambda n: bar.advance(task, n),
                )
        else:
            summary = generate_synthetic_london(
                out,
                rows=rows,
                seed=seed,
                year=year,
                tables=selected,
                rows_per_file=rows_per_file,
                min_years=years,
            )
    except InputError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    seconds = time.perf_counter() - start
    counts = ", ".join(f"{t} {n:,}" for t, n in summary.rows.items())
    span = f"{plan.years[0]}–{plan.years[-1]}" if len(plan.years) > 1 else str(plan.years[0])
    typer.echo(
        f"wrote {summary.event_rows:,} event rows to {out} in {seconds:.1f} s "
        f"({counts}; years {span}; sample fraction {plan.fraction:.4f}; seed {seed})"
    )
