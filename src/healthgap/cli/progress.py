"""``healthgap progress record | list | history``: progress returns for commitments.

Returns are append-only: ``--corrects ID`` records a correction that supersedes a return;
nothing is ever changed or deleted. A return is checked first (value range, unit, as-of date
not in the future, one current value per commitment and date; see
``healthgap.tracking.progress``); a refused return names the option and the rule.
The commands call ``healthgap.tracking``.
"""

from __future__ import annotations

import getpass
import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from healthgap.catalogue import load_catalogue
from healthgap.cli import format as fmt
from healthgap.config import default_store_path
from healthgap.errors import CatalogueError, HealthgapError
from healthgap.store import ProgressReturn, open_store
from healthgap.tracking.progress import ProgressReturnError, progress_history, record_return

__all__ = ["register"]

progress_app = typer.Typer(help="Progress returns for commitments that are not statistics.")

STORE_OPTION = typer.Option(
    None,
    "--store",
    help="Store file (default: $HEALTHGAP_STORE, else healthgap.duckdb in the user data dir).",
    dir_okay=False,
)


def register(app: typer.Typer) -> None:
    """Add the ``progress`` command group to ``app``."""
    app.add_typer(progress_app, name="progress")


def _fail(message: str, *, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _table(returns: list[ProgressReturn], title: str) -> None:
    t = Table(title=title)
    for col in ("id", "commitment", "value", "unit", "as of", "source", "by", "recorded", "note"):
        t.add_column(col)
    for r in returns:
        state = "" if r.current else f" (superseded by {r.superseded_by})"
        fix = "" if r.supersedes is None else f" (corrects {r.supersedes})"
        t.add_row(
            f"{r.return_id}{fix}{state}",
            r.commitment_id,
            fmt.number(r.value, digits=6),
            fmt.unit(r.unit),
            r.as_of.isoformat(),
            r.source,
            r.recorded_by,
            r.recorded_at.isoformat(timespec="seconds"),
            r.note or "",
        )
    Console(width=200).print(t)


@progress_app.command("record")
def record_command(
    commitment_id: str = typer.Argument(..., help="Catalogue commitment id."),
    value: float = typer.Option(..., "--value", help="The value, in the target's unit."),
    as_of: str = typer.Option(..., "--as-of", help="Date the value refers to (YYYY-MM-DD)."),
    source: str = typer.Option(..., "--source", help="Where the value comes from."),
    note: str | None = typer.Option(None, "--note", help="Free-text note."),
    by: str | None = typer.Option(None, "--by", help="Who records it (default: user name)."),
    unit: str | None = typer.Option(None, "--unit", help="Unit (default: the target's unit)."),
    corrects: int | None = typer.Option(
        None, "--corrects", help="Id of the return this one corrects (supersedes)."
    ),
    store: Path | None = STORE_OPTION,
) -> None:
    """Record a progress return (a correction supersedes, never erases)."""
    try:
        day = date.fromisoformat(as_of)
    except ValueError as exc:
        raise _fail(f"--as-of {as_of!r}: must be a date YYYY-MM-DD", code=2) from exc
    catalogue = load_catalogue()
    try:
        catalogue.commitment(commitment_id)
    except CatalogueError as exc:
        raise _fail(str(exc), code=2) from exc
    who = by if by is not None else getpass.getuser()
    try:
        with open_store(store if store is not None else default_store_path()) as s:
            r = record_return(
                s,
                catalogue,
                commitment_id,
                value=value,
                as_of=day,
                source=source,
                recorded_by=who,
                unit=unit,
                note=note,
                corrects=corrects,
            )
    except ProgressReturnError as exc:
        flag = f"--{exc.parameter.replace('_', '-')}"
        raise _fail(
            f"{flag} {exc.given}: {exc.requirement} (commitment '{exc.commitment_id}'; "
            "nothing was recorded)",
            code=2,
        ) from exc
    except HealthgapError as exc:
        raise _fail(str(exc), code=1) from exc
    fix = "" if r.supersedes is None else f", correcting return {r.supersedes}"
    shown = fmt.quantity(r.value, r.unit, digits=6)
    typer.echo(
        f"recorded return {r.return_id} for {r.commitment_id}: {shown} "
        f"as of {r.as_of.isoformat()}{fix}"
    )


@progress_app.command("list")
def list_command(
    commitment: str | None = typer.Option(None, "--commitment", help="Only this commitment."),
    as_json: bool = typer.Option(False, "--json", help="JSON for machines."),
    store: Path | None = STORE_OPTION,
) -> None:
    """The current returns (corrections applied)."""
    if commitment is not None:
        try:
            load_catalogue().commitment(commitment)
        except CatalogueError as exc:
            raise _fail(str(exc), code=2) from exc
    try:
        with open_store(store if store is not None else default_store_path(), read_only=True) as s:
            found = s.progress_returns(commitment_ids=None if commitment is None else [commitment])
    except HealthgapError as exc:
        raise _fail(str(exc), code=1) from exc
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in found], indent=2, ensure_ascii=False))
    elif found:
        _table(found, "Current progress returns")
    if not found:
        what = f" for {commitment}" if commitment is not None else ""
        raise _fail(f"no progress returns{what}: record one with `healthgap progress record`",
                    code=1)  # fmt: skip


@progress_app.command("history")
def history_command(
    commitment_id: str = typer.Argument(..., help="Catalogue commitment id."),
    as_json: bool = typer.Option(False, "--json", help="JSON for machines."),
    store: Path | None = STORE_OPTION,
) -> None:
    """Every return of a commitment, superseded ones included, in the order recorded."""
    catalogue = load_catalogue()
    try:
        catalogue.commitment(commitment_id)
    except CatalogueError as exc:
        raise _fail(str(exc), code=2) from exc
    try:
        with open_store(store if store is not None else default_store_path(), read_only=True) as s:
            found = progress_history(s, catalogue, commitment_id)
    except HealthgapError as exc:
        raise _fail(str(exc), code=1) from exc
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in found], indent=2, ensure_ascii=False))
    else:
        _table(found, f"History of {commitment_id}")
