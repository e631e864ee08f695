"""``healthgap selfassess template | score FILE``: the organisation self-assessment.

``template`` writes the checklist for a sector as JSON to fill in (``done: true`` for what the
organisation does); ``score`` reads it back and shows coverage by aim and each gap with the
case studies and indicators to look at, as a table, ``--json`` (which ``score`` reads again)
or ``--csv FILE``. Exit codes: 0 done, 1 store problem, 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

__all__ = ["register"]

selfassess_app = typer.Typer(help="Check what your organisation does against the guides.")

STORE_OPTION = typer.Option(
    None,
    "--store",
    help="Store file (default: $HEALTHGAP_STORE, else healthgap.duckdb in the user data dir).",
    dir_okay=False,
)


def register(app: typer.Typer) -> None:
    """Add the ``selfassess`` command group to ``app``."""
    app.add_typer(selfassess_app, name="selfassess")


def _fail(message: str, *, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@selfassess_app.command("template")
def template_command(
    sector: str = typer.Option(..., "--sector", help="healthcare or vcse."),
    organisation: str = typer.Option("", "--organisation", help="Your organisation's name."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (default: stdout)."),
) -> None:
    """Write a blank checklist for a sector as JSON."""
    from healthgap.catalogue import load_catalogue
    from healthgap.catalogue.actions import load_checklist
    from healthgap.errors import InputError
    from healthgap.partners.selfassess import template

    cat = load_catalogue()
    items = load_checklist(
        aims={a.id for a in cat.aims}, focus_areas={f.id for f in cat.focus_areas}
    )
    try:
        data = template(items, sector, organisation=organisation)
    except InputError as exc:
        raise _fail(str(exc), code=2) from exc
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out} ({len(data['items'])} items)")


@selfassess_app.command("score")
def score_command(
    file: Path = typer.Argument(
        ..., help="A completed checklist (JSON, or the CSV --csv writes).", dir_okay=False
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    csv_out: Path | None = typer.Option(None, "--csv", help="Also write the result as CSV."),
    store: Path | None = STORE_OPTION,
) -> None:
    """Coverage by aim and the gaps, each linked to case studies and indicators."""
    from healthgap.config import default_store_path
    from healthgap.errors import InputError, StoreError
    from healthgap.partners.selfassess import read_file, to_csv, to_json
    from healthgap.query import actions, open_read_layer, public

    if not file.is_file():
        raise _fail(f"{file}: no such file", code=2)
    raw = file.read_bytes()
    try:
        read = open_read_layer(store if store is not None else default_store_path())
    except StoreError as exc:
        raise _fail(str(exc), code=1) from exc
    try:
        items = actions.checklist(read)
        try:
            result = actions.score_self_assessment(
                read, public(), read_file(raw, items, file=str(file))
            )
        except InputError as exc:
            raise _fail(str(exc), code=2) from exc
    finally:
        read.close()
    if csv_out is not None:
        csv_out.write_text(to_csv(result, items), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(to_json(result, items), indent=2, ensure_ascii=False))
        return
    name = result.assessment.organisation or "Your organisation"
    typer.echo(f"{name} ({result.assessment.sector.value}): {result.done} of {result.total} done")
    for c in result.coverage:
        typer.echo(f"  {c.aim_name}: {c.done}/{c.total} ({c.percent:.0f}%)")
    if result.gaps:
        typer.echo("Gaps:")
    for g in result.gaps:
        typer.echo(f"  - [{g.item.id}] {g.item.text}")
        if g.case_studies:
            typer.echo("      see: " + "; ".join(e.title for e in g.case_studies))
        if g.indicators:
            typer.echo("      indicators: " + ", ".join(i.id for i in g.indicators))
    if csv_out is not None:
        typer.echo(f"wrote {csv_out}")
