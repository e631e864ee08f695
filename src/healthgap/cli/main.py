"""Root of the ``healthgap`` command. Each command group lives in its own module.

Start-up is kept fast: the command modules (and the heavy libraries they import: DuckDB,
pandas, SciPy, Ibis, PyArrow) are imported only when their command runs. ``healthgap --help``
lists the commands from :data:`COMMANDS` without importing any of them.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import typer
from typer import _click as click
from typer.core import TyperCommand, TyperGroup

from healthgap import ATTRIBUTION, __version__

__all__ = ["COMMANDS", "EXIT_CODES", "app", "missing_store_message"]

#: Every command: name → (module under ``healthgap.cli``, one-line help). The module's
#: ``register(app)`` adds the command; the help here is what ``healthgap --help`` shows.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("store_commands", "Build or upgrade the store from the bundled data."),
    "status": ("store_commands", "Releases, row counts and the periods held per source."),
    "load": ("store_commands", "Load a file as a new release (validated first)."),
    "export": ("store_commands", "Export values, tidy, with their flags and release id."),
    "areas": ("areas", "List London boroughs, show an area, or search areas."),
    "profile": ("profile", "An area's indicators: latest value, comparisons, trend, red-red."),
    "catalogue": ("catalogue", "The strategy's framework as data: aims, commitments, indicators."),
    "calc": ("calc", "Compute an indicator statistic from a CSV or Parquet file."),
    "synth": ("synth", "Generate Synthetic London: seeded record-level Parquet files."),
    "compute": ("compute", "Compute indicators from record-level data into a new release."),
    "progress": ("progress", "Progress returns for commitments that are not statistics."),
    "assess": ("assess", "Status of each commitment, and whether the gap is narrowing."),
    "fetch": ("fetch", "Refresh from Fingertips and ONS Explore when online."),
    "actions": ("actions", "The local action library: what partners are doing, and how."),
    "selfassess": ("selfassess", "An organisation's self-assessment against the strategy."),
    "impact": ("impact", "Health inequalities impact assessment of a service change."),
    "report": ("report", "Annual report, borough briefings, indicator summaries (HTML, PDF)."),
    "serve": ("serve", "Serve the REST API v1 (and its docs) over HTTP."),
    "token": ("token", "Create, list and revoke API tokens (admin)."),
}

#: Exit codes, the same for every command.
EXIT_CODES: dict[int, str] = {0: "ok", 1: "no data (nothing matched, empty store)", 2: "bad input"}

_EPILOG = (
    "Exit codes: "
    + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items())
    + ".\n\n"
    + ATTRIBUTION
)


class LazyGroup(TyperGroup):
    """A Typer group that imports a command's module only when that command is run."""

    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(dict.fromkeys([*COMMANDS, *self.commands]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        module_name, short = COMMANDS[cmd_name]
        if self._listing:  # help lists the commands: no import needed
            return TyperCommand(cmd_name, help=short, short_help=short)
        module = importlib.import_module(f"healthgap.cli.{module_name}")
        holder = typer.Typer(add_completion=False)
        module.register(holder)
        group = typer.main.get_group(holder)
        for name, command in group.commands.items():
            self.commands.setdefault(name, command)
        return self.commands.get(cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # Accept hyphen/underscore spellings of command names.
        if args and args[0] not in COMMANDS and args[0].replace("_", "-") in COMMANDS:
            args = [args[0].replace("_", "-"), *args[1:]]
        if args and args[0] in COMMANDS and args[0] not in _CREATES_STORE:
            _refuse_missing_store(args[0], args[1:])
        return super().resolve_command(ctx, args)


#: Commands that may be given a ``--store`` that does not exist yet: only ``init`` creates a
#: store (``init --empty`` one without the bundled data, e.g. for ``compute``'s releases).
_CREATES_STORE = frozenset({"init"})


def missing_store_message(command: str, given: str) -> str:
    """The one-line refusal of a store that does not exist, saying how to create one."""
    create = f"`healthgap init --store {given}`"
    if command == "compute":
        return (
            f"error: --store {given}: no such store; create it with {create} (the bundled "
            f"data, England's values to compare with) or `healthgap init --empty --store "
            f"{given}` (empty)"
        )
    return f"error: --store {given}: no such store; run {create} to create it"


def _refuse_missing_store(command: str, args: list[str]) -> None:
    """Exit 2 if ``--store PATH`` names a store that does not exist (a typo would otherwise
    read an empty store, or create a new one, and say nothing)."""
    for i, token in enumerate(args):
        if token == "--":
            return
        if token.startswith("--store="):
            given = token.removeprefix("--store=")
        elif token == "--store" and i + 1 < len(args):
            given = args[i + 1]
        else:
            continue
        path = Path(given).expanduser()
        if path.is_dir():
            typer.echo(f"error: --store {given}: is a directory, not a store file", err=True)
            raise typer.Exit(2)
        if not path.exists():
            typer.echo(missing_store_message(command, given), err=True)
            raise typer.Exit(2)


app = typer.Typer(
    name="healthgap",
    cls=LazyGroup,
    help="Monitor London's Health Inequalities Strategy: indicators, methods, progress, gaps.",
    epilog=_EPILOG,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
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


if __name__ == "__main__":
    app()
