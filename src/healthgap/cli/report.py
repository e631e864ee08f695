"""``healthgap report``: the annual progress report, borough briefings and indicator
summaries as HTML and PDF (issue 15; ADR 0830).

Reads through ``healthgap.query`` (via ``healthgap.reports``). Writes ``DIR/<kind>-<key>.html``
and ``.pdf``; all or nothing. Exit codes: 0 done, 1 store or PDF tooling problem, 2 bad input
(an unknown borough or indicator names the closest; an ``--out`` that cannot be written).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

__all__ = ["register"]

report_app = typer.Typer(
    name="report",
    help="Reports as HTML and PDF: annual progress, borough briefings, indicator summaries.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    """Add the ``report`` command group to ``app``."""
    app.add_typer(report_app, name="report")


def _fail(message: str, *, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


_OUT = typer.Option(..., "--out", help="Folder to write the report(s) to.", file_okay=False)
_STORE = typer.Option(
    None,
    "--store",
    help="Store file (default: $HEALTHGAP_STORE, else the user's store).",
    dir_okay=False,
)
_PDF = typer.Option(True, "--pdf/--no-pdf", help="Also print each report to PDF (Chromium).")


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"--as-of {value!r}: give a date as YYYY-MM-DD", code=2) from None


def _run(store: Path | None, out: Path, pdf: bool, build: Any) -> None:
    """Open the read layer, build the reports (``build(read) -> list``) and write them."""
    from healthgap.config import default_store_path
    from healthgap.errors import ConfigurationError, InputError, StoreError
    from healthgap.query import UnknownParameter, open_read_layer
    from healthgap.reports import write_reports
    from healthgap.reports.render import check_out_dir

    try:
        check_out_dir(out)
    except InputError as exc:
        raise _fail(f"{exc}; nothing was written", code=2) from exc
    try:
        read = open_read_layer(store if store is not None else default_store_path())
    except StoreError as exc:
        raise _fail(str(exc), code=1) from exc
    try:
        reports = build(read)
    except UnknownParameter as exc:
        raise _fail(f"{exc}; nothing was written", code=2) from exc
    finally:
        read.close()
    try:
        written = write_reports(reports, out, pdf=pdf)
    except InputError as exc:
        raise _fail(f"{exc}; nothing was written", code=2) from exc
    except (ConfigurationError, OSError) as exc:
        raise _fail(f"{exc}; nothing was written", code=1) from exc
    typer.echo(f"wrote {len(written)} file(s) to {out}: " + ", ".join(p.name for p in written))


@report_app.command("annual")
def annual_command(
    year: int = typer.Option(..., "--year", min=2018, max=2100, help="The reporting year."),
    out: Path = _OUT,
    as_of: str | None = typer.Option(
        None, "--as-of", help="Data as published on this date (default: 31 December of --year)."
    ),
    pdf: bool = _PDF,
    store: Path | None = _STORE,
) -> None:
    """The annual progress report: commitments, key indicators, gaps, what changed."""
    from healthgap.reports import build_annual

    day = _as_of(as_of)
    _run(store, out, pdf, lambda q: [build_annual(q, year, day)])


@report_app.command("borough")
def borough_command(
    code: str | None = typer.Argument(None, help="Borough GSS code (E09…) or name."),
    all_: bool = typer.Option(False, "--all", help="A briefing for each of the 33 boroughs."),
    out: Path = _OUT,
    as_of: str | None = typer.Option(None, "--as-of", help="Data as published on this date."),
    pdf: bool = _PDF,
    store: Path | None = _STORE,
) -> None:
    """A borough briefing against London and England (or --all for the 33 boroughs)."""
    from healthgap.geography import LONDON_BOROUGHS
    from healthgap.reports import build_boroughs

    if (code is None) == (not all_):
        raise _fail("give a borough code or --all (not both)", code=2)
    day = _as_of(as_of)
    codes = list(LONDON_BOROUGHS) if all_ else [str(code)]
    _run(store, out, pdf, lambda q: build_boroughs(q, codes, day))


@report_app.command("indicator")
def indicator_command(
    indicator_id: str = typer.Argument(..., metavar="ID", help="Catalogue indicator id."),
    out: Path = _OUT,
    as_of: str | None = typer.Option(None, "--as-of", help="Data as published on this date."),
    pdf: bool = _PDF,
    store: Path | None = _STORE,
) -> None:
    """A one-indicator summary across London."""
    from healthgap.reports import build_indicator

    day = _as_of(as_of)
    _run(store, out, pdf, lambda q: [build_indicator(q, indicator_id, day)])
