"""``healthgap calc METHOD --input in.csv --output out.csv [--OPTION VALUE …]``.

Built from :data:`healthgap.analyst.registry.CALCULATIONS`: every calculation is a METHOD and
its parameters are the options (``group_by`` → ``--group-by``). CSV or Parquet by extension.
``healthgap calc --list`` lists the methods; ``healthgap calc METHOD --help`` explains one.
Bad input exits with code 2 and a message naming the file, group, column and rule; the output
file is then not written.
"""

from __future__ import annotations

from pathlib import Path

import typer

from healthgap.analyst.frame import read_table, write_table
from healthgap.analyst.registry import CALCULATIONS, Calculation
from healthgap.errors import InputError

__all__ = ["calc_app", "register", "run_calc"]

_USAGE = "healthgap calc METHOD --input IN.csv --output OUT.csv [--OPTION VALUE ...]"


def _method_help(calculation: Calculation) -> str:
    lines = [
        f"Usage: healthgap calc {calculation.name} --input IN --output OUT [options]",
        "",
        calculation.help,
        "",
        "Options:",
        f"  {'--input PATH':<34} Input file (.csv or .parquet).",
        f"  {'--output PATH':<34} Output file (.csv or .parquet).",
    ]
    for parameter in calculation.parameters:
        default = "required" if parameter.required else f"default: {parameter.default!r}"
        flag = f"{parameter.option} {parameter.kind.upper()}"
        lines.append(f"  {flag:<34} {parameter.help} [{default}]")
    return "\n".join(lines)


def _list() -> str:
    width = max(len(name) for name in CALCULATIONS)
    return "\n".join(f"{name:<{width}}  {c.help}" for name, c in CALCULATIONS.items())


def _pairs(arguments: list[str]) -> dict[str, str]:
    """``--name value`` (or ``--name=value``) pairs from the extra arguments."""
    options: dict[str, str] = {}
    i = 0
    while i < len(arguments):
        token = arguments[i]
        if not token.startswith("--") or token == "--":
            raise InputError("expected an option such as --x, got a bare value", value=token)
        if "=" in token:
            name, value = token[2:].split("=", 1)
            i += 1
        else:
            if i + 1 >= len(arguments):
                raise InputError("option needs a value", key=token[2:])
            name, value = token[2:], arguments[i + 1]
            i += 2
        if name in options:
            raise InputError("option given twice", key=name)
        options[name] = value
    return options


def run_calc(method: str, *, input_path: Path, output_path: Path, arguments: list[str]) -> int:
    """Run one calculation from files; returns the number of rows written."""
    calculation = CALCULATIONS.get(method)
    if calculation is None:
        raise InputError(f"unknown method (known: {', '.join(CALCULATIONS)})", value=method)
    options = calculation.options(_pairs(arguments))
    data = read_table(input_path)
    try:
        out = calculation.function(data, **options)
    except InputError as exc:
        raise InputError(
            exc.rule,
            file=str(input_path),
            row=exc.row,
            column=exc.column,
            value=exc.value,
            key=exc.key,
        ) from exc
    write_table(out, output_path)
    return len(out)


def calc(
    ctx: typer.Context,
    method: str | None = typer.Argument(None, help="The calculation; see --list."),
    input_path: Path | None = typer.Option(None, "--input", help="Input file (.csv/.parquet)."),
    output_path: Path | None = typer.Option(None, "--output", help="Output file (.csv/.parquet)."),
    list_methods: bool = typer.Option(False, "--list", help="List the methods and exit."),
    show_help: bool = typer.Option(False, "--help", "-h", help="Explain a method's options."),
) -> None:
    """Compute an indicator statistic from a CSV or Parquet file (PHEindicatormethods names)."""
    if list_methods:
        typer.echo(_list())
        raise typer.Exit()
    if method is None:
        typer.echo(f"Usage: {_USAGE}\n\nMethods:\n{_list()}")
        raise typer.Exit(code=0 if show_help else 2)
    calculation = CALCULATIONS.get(method)
    if calculation is None:
        typer.echo(f"Error: unknown method '{method}'. Methods:\n{_list()}", err=True)
        raise typer.Exit(code=2)
    if show_help:
        typer.echo(_method_help(calculation))
        raise typer.Exit()
    if input_path is None or output_path is None:
        typer.echo(f"Error: --input and --output are required.\nUsage: {_USAGE}", err=True)
        raise typer.Exit(code=2)
    try:
        rows = run_calc(
            method, input_path=input_path, output_path=output_path, arguments=list(ctx.args)
        )
    except InputError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(f"{method}: wrote {rows} rows to {output_path}")


def register(app: typer.Typer) -> None:
    """Add the ``calc`` command to ``app``."""
    app.command(
        "calc",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )(calc)


calc_app = typer.Typer(name="calc", add_completion=False)
register(calc_app)
