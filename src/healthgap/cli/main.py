"""Root of the ``healthgap`` command. Each command group lives in its own module."""

from __future__ import annotations

import typer

from healthgap import ATTRIBUTION, __version__

app = typer.Typer(
    name="healthgap",
    help="Monitor London's Health Inequalities Strategy: indicators, methods, progress, gaps.",
    epilog=ATTRIBUTION,
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"healthgap {__version__}")
        typer.echo(ATTRIBUTION)
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """healthgap: London's health inequalities, measured with England's official methods."""


def _register_commands() -> None:
    """Each command group registers itself; the root only lists them."""
    from healthgap.cli import (
        areas,
        assess,
        calc,
        catalogue,
        compute,
        progress,
        serve,
        store_commands,
        synth,
        token,
    )

    for module in (
        store_commands,
        areas,
        catalogue,
        calc,
        synth,
        compute,
        progress,
        assess,
        serve,
        token,
    ):
        module.register(app)


_register_commands()
