"""``healthgap calc METHOD --input in.csv --output out.csv [--OPTION VALUE …]``.

Built from :data:`healthgap.analyst.registry.CALCULATIONS`: every calculation is a METHOD and
its parameters are the options (``group_by`` → ``--group-by``). CSV or Parquet by extension.
``healthgap calc --list`` lists the methods; ``healthgap calc METHOD --help`` explains one.
Bad input exits with code 2 and a message naming the file, group, column and rule; the output
file is then not written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from healthgap.cli.inputs import check_input_file
from healthgap.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from healthgap.analyst.registry import Calculation

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
        f"  {'--delimiter CHAR':<34} Field delimiter of a CSV input [default: ',']",
    ]
    for parameter in calculation.parameters:
        default = "required" if parameter.required else f"default: {parameter.default!r}"
        flag = (
            f"{parameter.option} / --no-{parameter.option[2:]}"
            if parameter.kind == "flag"
            else f"{parameter.option} {parameter.kind.upper()}"
        )
        lines.append(f"  {flag:<34} {parameter.help} [{default}]")
    return "\n".join(lines)


def _calculations() -> Mapping[str, Calculation]:
    """The registry, imported when first needed (it imports pandas and SciPy)."""
    from healthgap.analyst.registry import CALCULATIONS

    return CALCULATIONS


def _find(method: str) -> Calculation | None:
    """The calculation called ``method``; ``isr-ratio`` and ``isr_ratio`` both match."""
    return _calculations().get(method.strip().replace("-", "_"))


def _list() -> str:
    calculations = _calculations()
    width = max(len(name) for name in calculations)
    return "\n".join(f"{name:<{width}}  {c.help}" for name, c in calculations.items())


_BOOLEAN_WORDS = {"true", "false", "t", "f", "yes", "no", "y", "n", "1", "0"}


def _pairs(arguments: list[str], flags: frozenset[str] = frozenset()) -> dict[str, str]:
    """``--name value`` (or ``--name=value``) pairs from the extra arguments.

    A boolean option (its name in ``flags``, ``_`` spelt ``-``) is a bare switch: ``--rii`` is
    true and ``--no-rii`` false (``--rii false`` is still understood).
    """
    options: dict[str, str] = {}
    i = 0
    while i < len(arguments):
        token = arguments[i]
        if not token.startswith("--") or token == "--":
            raise InputError("expected an option such as --x, got a bare value", value=token)
        bare = token[2:].replace("_", "-")
        if "=" in token:
            name, value = token[2:].split("=", 1)
            i += 1
        elif bare in flags or (bare.startswith("no-") and bare[3:] in flags):
            following = arguments[i + 1] if i + 1 < len(arguments) else None
            if bare in flags and following is not None and following.lower() in _BOOLEAN_WORDS:
                name, value = bare, following
                i += 2
            else:
                name, value = bare.removeprefix("no-"), str(bare in flags).lower()
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


def _flags(calculation: Calculation) -> frozenset[str]:
    return frozenset(p.option[2:] for p in calculation.parameters if p.kind == "flag")


def _delimiter(delimiter: str | None) -> str | None:
    """``--delimiter`` as one character (``\\t`` and ``tab`` mean a tab)."""
    if delimiter is None:
        return None
    delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
    if len(delimiter) != 1:
        raise InputError("must be one character (or '\\t' for tab)", key="delimiter",
                         value=delimiter)  # fmt: skip
    return delimiter


def _read(path: Path, delimiter: str | None) -> pd.DataFrame:
    """The input table, after checking the file is what it claims (see ``cli.inputs``)."""
    import pandas as pd

    from healthgap.analyst.frame import read_table

    delimiter = _delimiter(delimiter)
    check_input_file(path, delimiter=delimiter)
    if delimiter is not None and path.suffix.lower() == ".csv":
        try:
            return pd.read_csv(path, sep=delimiter)
        except (ValueError, OSError, pd.errors.ParserError) as exc:
            raise InputError(f"cannot be read as csv: {exc}", file=str(path)) from exc
    return read_table(path)


def run_calc(
    method: str,
    *,
    input_path: Path,
    output_path: Path,
    arguments: list[str],
    delimiter: str | None = None,
    pandas_free: bool = True,
) -> int:
    """Run one calculation from files; returns the number of rows written.

    With ``pandas_free`` a CSV-to-CSV calculation that :mod:`healthgap.analyst.csv_path` offers
    runs without pandas when the input is one it reads exactly as pandas does (the same file
    results); otherwise, and for every input that breaks a rule, the data-frame path runs.
    """
    calculation = _find(method)
    if calculation is None:
        raise InputError(f"unknown method (known: {', '.join(_calculations())})", value=method)
    options = calculation.options(_pairs(arguments, _flags(calculation)))
    if pandas_free:
        from healthgap.analyst import csv_path

        separator = _delimiter(delimiter)
        check_input_file(input_path, delimiter=separator)
        rows = csv_path.run(
            calculation.name,
            options,
            input_path=input_path,
            output_path=output_path,
            delimiter=separator or ",",
        )
        if rows is not None:
            return rows
    from healthgap.analyst.frame import write_table

    data = _read(input_path, delimiter)
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
    delimiter: str | None = typer.Option(
        None, "--delimiter", help="Field delimiter of a CSV input (default ',')."
    ),
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
    calculation = _find(method)
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
            calculation.name,
            input_path=input_path,
            output_path=output_path,
            arguments=list(ctx.args),
            delimiter=delimiter,
        )
    except InputError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(f"{calculation.name}: wrote {rows:,} rows to {output_path}")


def register(app: typer.Typer) -> None:
    """Add the ``calc`` command to ``app``."""
    app.command(
        "calc",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )(calc)


calc_app = typer.Typer(name="calc", add_completion=False)
register(calc_app)
