"""A user's own file, of a declared kind, as one validated release."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from healthgap.errors import SourceValidationError
from healthgap.sources.common import Resolver, SourceContext, source_file
from healthgap.sources.csvfile import CsvFile
from healthgap.sources.fingertips_api import SHOWN as FINGERTIPS_SHOWN
from healthgap.sources.fingertips_api import read_fingertips_export
from healthgap.sources.fingertips_extracts import SPECS, read_extract_file
from healthgap.sources.ons_explore import SHOWN as EXPLORE_SHOWN
from healthgap.sources.ons_explore import read_ons_explore_file
from healthgap.sources.resolve import context_for
from healthgap.sources.tidy import read_tidy
from healthgap.sources.values import Flag, values_table
from healthgap.store.release_input import ReleaseInput, SeriesInfo

__all__ = ["SOURCE_KINDS", "read_file"]

Parsed = tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]


def _trafford(path: Path, context: SourceContext) -> Parsed:
    return read_extract_file(path, context=context, spec=SPECS.get(path.stem))


_KINDS: dict[str, tuple[Callable[[Path, SourceContext], Parsed], dict[str, str]]] = {
    "healthgap": (lambda p, c: read_tidy(p, context=c), {}),
    "fingertips": (lambda p, c: read_fingertips_export(p, context=c), FINGERTIPS_SHOWN),
    "trafford": (_trafford, {}),
    "ons_explore": (lambda p, c: read_ons_explore_file(p, context=c), EXPLORE_SHOWN),
}

#: The kinds of file :func:`read_file` reads.
SOURCE_KINDS: tuple[str, ...] = tuple(_KINDS)


def read_file(
    path: Path,
    *,
    kind: str,
    resolve_indicator: Resolver | None = None,
    flags: list[Flag] | None = None,
) -> ReleaseInput:
    """Read a user's file of ``kind`` (one of :data:`SOURCE_KINDS`) into a release.

    Every rule is checked before anything is returned: a bad file raises
    ``SourceValidationError`` naming file, line, column, value and rule. Implausible rows
    are kept, noted, and appended to ``flags`` (see ``values_table``).
    """
    if kind not in _KINDS:
        raise SourceValidationError(
            f"unknown source kind '{kind}'; expected one of {', '.join(SOURCE_KINDS)}",
            file=path.name,
        )
    if not path.is_file():
        raise SourceValidationError("file not found", file=str(path))
    reader, shown = _KINDS[kind]
    context = context_for(resolve_indicator)
    csv, frame, series = reader(path, context)
    found: list[Flag] = []
    table = values_table(
        frame,
        file=csv.name,
        resolve_indicator=context.resolve_indicator,
        lookup=context.lookup,
        shown=shown,
        known_indicators=context.known_indicators,
        flags=found,
    )
    if flags is not None:
        flags.extend(found)
    note = f"user file {path.name} read as '{kind}'"
    if found:
        note += f"; {sum(f.rows for f in found)} row(s) flagged (see their notes)"
    return ReleaseInput(
        source=f"user:{kind}",
        files=(source_file(csv),),
        series=tuple(series),
        values=table,
        loaded_by="user",
        note=note,
    )
