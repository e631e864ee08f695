"""``healthgap assess``: status of every commitment (or one, or an indicator by area).

``--equity`` adds the gap-narrowing verdicts. ``--as-of`` assesses as on a past date, on the
values published by then and the progress returns recorded by then. Rich table for people,
``--json`` for machines. The command calls ``healthgap.tracking``; it computes nothing itself.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from healthgap.catalogue import load_catalogue
from healthgap.config import default_store_path
from healthgap.errors import CatalogueError, HealthgapError
from healthgap.store import open_store
from healthgap.tracking.assessment import (
    CommitmentAssessment,
    assess_commitments,
    assess_indicator,
)
from healthgap.tracking.equity_assessment import EquityRow, assess_equity

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``assess`` command to ``app``."""
    app.command("assess")(assess_command)


def _fail(message: str, *, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.4g}"


def _show(rows: list[CommitmentAssessment], equity: list[EquityRow] | None) -> None:
    console = Console(width=220)
    t = Table(title="Assessment of the commitments")
    for col in ("commitment", "area", "target", "deadline", "latest", "projection", "status"):
        t.add_column(col)
    t.add_column("reason", max_width=70)
    for r in rows:
        a = r.assessment
        latest = "" if a is None or a.latest is None else f"{a.latest.value:.4g} ({a.latest.label})"
        proj = ""
        if a is not None and a.projection is not None:
            p = a.projection
            proj = f"{p.value:.4g} ({p.lower:.4g}–{p.upper:.4g})"
        target = r.target_text if a is None or a.target is None else _fmt(a.target.value)
        name = r.id if r.kind == "commitment" else f"{r.commitment_id} / {r.id}"
        t.add_row(
            name,
            r.area_code or "",
            target,
            r.deadline or "",
            latest,
            proj,
            r.status.value,
            r.reason,
        )
    console.print(t)
    if equity is not None:
        e = Table(title="Is the gap narrowing?")
        for col in ("indicator", "area", "sex", "measure", "verdict", "points", "faster"):
            e.add_column(col)
        e.add_column("reason", max_width=90)
        for q in equity:
            faster = "" if q.faster is None or q.faster.answer is None else str(q.faster.answer)
            points = "" if q.gap is None else str(q.gap.points)
            reason = q.reason
            if q.faster is not None:
                reason += f"; most deprived vs average: {q.faster.reason}"
            e.add_row(
                q.indicator_id,
                q.area_code or "",
                q.sex or "",
                q.measure or "",
                q.verdict.value,
                points,
                faster,
                reason,
            )
        console.print(e)
        console.print(
            "Trends use non-overlapping periods only (rolling periods share years) and a "
            "t test on points − 2 degrees of freedom; 'points' is how many periods a verdict "
            "rests on."
        )


def assess_command(
    commitment: str | None = typer.Option(None, "--commitment", help="Only this commitment."),
    indicator: str | None = typer.Option(
        None, "--indicator", help="A target-bearing indicator, assessed per area."
    ),
    equity: bool = typer.Option(False, "--equity", help="Add the gap-narrowing verdicts."),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Assess as on this date (YYYY-MM-DD): values as published then, returns recorded "
        "by then. Default: today.",
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON for machines."),
    store: Path | None = typer.Option(
        None,
        "--store",
        help="Store file (default: $HEALTHGAP_STORE, else healthgap.duckdb in the user data dir).",
        dir_okay=False,
    ),
) -> None:
    """Status of each commitment: achieved (late), on track, at risk, off track, missed or not
    assessable."""
    day: date | None = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError as exc:
            raise _fail(f"--as-of {as_of!r}: must be a date YYYY-MM-DD", code=2) from exc
        if day > datetime.now(UTC).date():
            raise _fail(
                f"--as-of {as_of}: must not be after today (what is published later is not known)",
                code=2,
            )
    catalogue = load_catalogue()
    try:
        if commitment is not None:
            catalogue.commitment(commitment)
        if indicator is not None:
            catalogue.indicator(indicator)
    except CatalogueError as exc:
        raise _fail(str(exc), code=2) from exc
    try:
        with open_store(store if store is not None else default_store_path(), read_only=True) as s:
            if indicator is not None:
                rows = assess_indicator(catalogue, s, indicator, as_of=day)
            else:
                rows = assess_commitments(
                    catalogue,
                    s,
                    commitment_ids=None if commitment is None else [commitment],
                    as_of=day,
                )
            eq = (
                assess_equity(
                    catalogue,
                    s,
                    indicator_ids=None if indicator is None else [indicator],
                    as_of=day,
                )
                if equity
                else None
            )
    except HealthgapError as exc:
        raise _fail(str(exc), code=1) from exc
    if as_json:
        out: dict[str, object] = {
            "as_of": (day or datetime.now(UTC).date()).isoformat(),
            "assessments": [r.to_dict() for r in rows],
        }
        if eq is not None:
            out["equity"] = [q.to_dict() for q in eq]
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        _show(rows, eq)
