"""``healthgap impact``: a health inequalities impact assessment of a service change.

The affected population is given as London boroughs, wards, MSOAs or LSOAs by name or code
(``--areas`` may be repeated and each value may be a pasted list). Writes ``impact.html`` and
``impact.json`` (and ``impact.pdf`` with ``--pdf``) to ``--out``. Reads through
``healthgap.query``. Exit codes: 0 done, 1 store or PDF tooling problem, 2 bad input.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``impact`` command to ``app``."""
    app.command("impact")(impact_command)


def _fail(message: str, *, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def impact_command(
    areas: list[str] = typer.Option(
        [],
        "--areas",
        help="Area names or codes (repeat, or paste a list separated by commas or new lines).",
    ),
    title: str = typer.Option(..., "--title", help="The service change assessed."),
    out: Path = typer.Option(..., "--out", help="Folder to write the report to.", file_okay=False),
    description: str = typer.Option("", "--description", help="What changes, for whom."),
    indicator: list[str] = typer.Option(
        [], "--indicator", help="Limit to these indicator ids (repeat)."
    ),
    pdf: bool = typer.Option(False, "--pdf", help="Also print the report to PDF (Chromium)."),
    as_json: bool = typer.Option(False, "--json", help="Print the assessment as JSON."),
    store: Path | None = typer.Option(
        None,
        "--store",
        help="Store file (default: $HEALTHGAP_STORE, else the user's store).",
        dir_okay=False,
    ),
) -> None:
    """Profile the affected population against London and write the assessment."""
    from healthgap.config import default_store_path
    from healthgap.errors import ConfigurationError, InputError, StoreError
    from healthgap.partners.impact import print_pdf, render_html
    from healthgap.query import UnknownParameter, open_read_layer, public
    from healthgap.query.impact import impact_assessment

    try:
        read = open_read_layer(store if store is not None else default_store_path())
    except StoreError as exc:
        raise _fail(str(exc), code=1) from exc
    try:
        assessment = impact_assessment(
            read,
            public(),
            areas,
            title=title,
            description=description,
            indicators=indicator or None,
        )
    except (InputError, UnknownParameter) as exc:
        raise _fail(f"{exc}; nothing was written", code=2) from exc
    finally:
        read.close()
    data = dataclasses.asdict(assessment)
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    html = render_html(assessment)
    out.mkdir(parents=True, exist_ok=True)
    (out / "impact.html").write_text(html, encoding="utf-8")
    (out / "impact.json").write_text(text + "\n", encoding="utf-8")
    written = ["impact.html", "impact.json"]
    if pdf:
        try:
            print_pdf(html, out / "impact.pdf")
        except ConfigurationError as exc:
            raise _fail(f"{exc} (the HTML and JSON were written)", code=1) from exc
        written.append("impact.pdf")
    if as_json:
        typer.echo(text)
    else:
        n = len(assessment.catchment.lsoas)
        typer.echo(f"{assessment.title}: {n} LSOAs profiled; wrote {', '.join(written)} to {out}")
