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

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.cli import format as fmt
from healthgap.config import default_store_path
from healthgap.errors import CatalogueError, HealthgapError
from healthgap.store import open_store
from healthgap.tracking.assessment import (
    NO_PROGRESS_RETURNS,
    CommitmentAssessment,
    assess_commitments,
    assess_indicator,
)
from healthgap.tracking.equity_assessment import EquityRow, assess_equity
from healthgap.tracking.trajectory import Status

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``assess`` command to ``app``."""
    app.command("assess")(assess_command)


def _fail(message: str, *, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _latest(a: object) -> str:
    latest = getattr(a, "latest", None)
    if latest is None:
        return ""
    return f"{fmt.number(latest.value)} ({fmt.period(latest.label)})"


def _projection(a: object) -> str:
    p = getattr(a, "projection", None)
    if p is None:
        return ""
    return f"{fmt.number(p.value)} ({fmt.number(p.lower)}–{fmt.number(p.upper)})"


def _aim_of(catalogue: Catalogue, row: CommitmentAssessment) -> str:
    """The row's first aim, named (indicator rows: their commitment's)."""
    commitment_id = row.id if row.kind == "commitment" else row.commitment_id
    if commitment_id is None:
        return "other"
    try:
        aim_id = catalogue.commitment(commitment_id).aims[0]
    except CatalogueError:
        return "other"
    names = {a.id: f"Aim {a.number}: {a.name}" for a in catalogue.aims}
    return names.get(aim_id, aim_id)


def _rest(rows: list[CommitmentAssessment]) -> str:
    """One line for the commitments that cannot be assessed, with their commonest reasons."""
    reasons: dict[str, int] = {}
    for r in rows:
        reason = r.reason.split(";")[0].split(" (")[0]
        reasons[reason] = reasons.get(reason, 0) + 1
    common = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    shown = "; ".join(f"{n} × {reason}" for reason, n in common)
    ids = ", ".join(r.id for r in rows)
    hint = ""
    if any(r.reason == NO_PROGRESS_RETURNS for r in rows):
        hint = " — record a return with `healthgap progress record COMMITMENT_ID`"
    return f"{len(rows)} not assessable ({shown}): {ids}{hint}"


def _show(
    rows: list[CommitmentAssessment], equity: list[EquityRow] | None, catalogue: Catalogue
) -> None:
    """Rows grouped by aim: assessable commitments first, one line for the rest."""
    console = Console(width=220)
    groups: dict[str, list[CommitmentAssessment]] = {}
    for r in rows:
        groups.setdefault(_aim_of(catalogue, r), []).append(r)
    for aim, members in groups.items():
        assessable = [r for r in members if r.status is not Status.NOT_ASSESSABLE]
        rest = [r for r in members if r.status is Status.NOT_ASSESSABLE]
        if assessable:
            t = Table(title=aim, title_justify="left")
            for col in ("commitment", "area", "target", "deadline", "latest", "projection",
                        "status"):  # fmt: skip
                t.add_column(col)
            t.add_column("reason", max_width=70)
            for r in assessable:
                a = r.assessment
                target = (
                    r.target_text if a is None or a.target is None else fmt.number(a.target.value)
                )
                name = r.id if r.kind == "commitment" else f"{r.commitment_id} / {r.id}"
                t.add_row(name, r.area_code or "", target, r.deadline or "", _latest(a),
                          _projection(a), r.status.value.replace("_", " "),
                          f"{r.reason} (basis: {r.basis})" if r.basis else r.reason)  # fmt: skip
            console.print(t)
        else:
            console.print(f"[bold]{aim}[/bold]", highlight=False)
        if rest:
            console.print(f"  {_rest(rest)}", highlight=False, soft_wrap=True)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    if rows:
        console.print(
            f"{len(rows)} assessed: "
            + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(counts.items())),
            highlight=False,
        )
    if equity is not None:
        e = Table(title="Is the gap narrowing?")
        for col in ("indicator", "area", "sex", "measure", "verdict", "points", "faster"):
            e.add_column(col)
        e.add_column("reason", max_width=90)
        for q in equity:
            faster = "" if q.faster is None or q.faster.answer is None else str(q.faster.answer)
            points = "" if q.gap is None else str(q.gap.points)
            reason = f"{q.reason} (basis: {q.basis})" if q.basis else q.reason
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
    if not rows and not eq:
        what = commitment or indicator or "the catalogue"
        raise _fail(f"nothing to assess for {what} in the store", code=1)
    if as_json:
        out: dict[str, object] = {
            "as_of": (day or datetime.now(UTC).date()).isoformat(),
            "assessments": [r.to_dict() for r in rows],
        }
        if eq is not None:
            out["equity"] = [q.to_dict() for q in eq]
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        _show(rows, eq, catalogue)
