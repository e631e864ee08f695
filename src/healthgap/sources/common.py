"""Pieces every reader shares: the reading context, periods and sex columns, file records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from healthgap.errors import SourceValidationError
from healthgap.sources.areas import AreaLookup
from healthgap.sources.csvfile import CsvFile
from healthgap.sources.periods import Period, PeriodError
from healthgap.store.release_input import ReleaseInput, SeriesInfo, SourceFile

__all__ = [
    "DATA_DIR",
    "Resolver",
    "SourceContext",
    "add_periods",
    "map_sex",
    "no_indicator",
    "source_file",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

Resolver = Callable[[str], str | None]


def no_indicator(key: str) -> str | None:
    """A resolver that maps nothing: every series stays a source series."""
    return None


@dataclass(frozen=True)
class SourceContext:
    """What a reader needs besides the file: indicator mapping and the geography."""

    resolve_indicator: Resolver
    lookup: AreaLookup | None
    known_indicators: frozenset[str] | None = None
    """Catalogue indicator ids a file may name in ``indicator_id`` (None: not checked)."""


def source_file(csv: CsvFile) -> SourceFile:
    """The release's record of a file: name, SHA-256 and data rows."""
    return SourceFile(csv.name, csv.sha256, csv.rows)


def add_periods(
    frame: pd.DataFrame,
    labels: pd.Series,
    parse: Callable[[str], Period],
    *,
    file: str,
    shown: str,
) -> None:
    """Set ``period_start``, ``period_end`` and ``period_label`` from ``labels``.

    Each distinct label is parsed once; an unreadable one raises at its first line.
    """
    parsed: dict[str, Period] = {}
    for label in pd.unique(labels):
        try:
            parsed[str(label)] = parse(str(label))
        except PeriodError as exc:
            line = int(frame.loc[labels == label, "_line"].iloc[0])
            raise SourceValidationError(
                str(exc), file=file, row=line, column=shown, value=str(label)
            ) from None
    text = labels.astype(str)
    frame["period_start"] = text.map({k: p.start for k, p in parsed.items()})
    frame["period_end"] = text.map({k: p.end for k, p in parsed.items()})
    frame["period_label"] = text.map({k: p.label for k, p in parsed.items()})


_SEX_WORDS: dict[str, str] = {
    "": "persons",
    "persons": "persons",
    "person": "persons",
    "all": "persons",
    "total": "persons",
    "male": "male",
    "males": "male",
    "men": "male",
    "boys": "male",
    "female": "female",
    "females": "female",
    "women": "female",
    "girls": "female",
}


def map_sex(frame: pd.DataFrame, column: str, *, file: str, shown: str | None = None) -> pd.Series:
    """Normalise a sex column to persons/male/female; anything else is an error."""
    raw = frame[column].astype(str).str.strip()
    mapped = raw.str.lower().map(_SEX_WORDS)
    bad = mapped.isna()
    if bad.any():
        first = frame.loc[bad].iloc[0]
        raise SourceValidationError(
            "sex must be Persons, Male or Female",
            file=file,
            row=int(first["_line"]),
            column=shown or column,
            value=str(raw[bad].iloc[0]),
        )
    return mapped


#: Reads one file of a directory: (the file read, its rows, the series it holds).
FileReader = Callable[[Path], tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]]


def directory_release(
    paths: Sequence[Path],
    read_one: FileReader,
    *,
    source: str,
    directory: str,
    note: str,
    context: SourceContext,
    shown: dict[str, str],
) -> ReleaseInput:
    """One release of every file in ``paths``: each read by ``read_one``, their rows validated
    together into one value table (so a rule names the file and row it breaks)."""
    from healthgap.sources.values import values_table

    files, frames, infos = [], [], []
    for path in paths:
        csv, frame, series = read_one(path)
        files.append(source_file(csv))
        frames.append(frame)
        infos.extend(series)
    table = values_table(
        pd.concat(frames, ignore_index=True),
        file=directory,
        resolve_indicator=context.resolve_indicator,
        lookup=context.lookup,
        shown=shown,
    )
    return ReleaseInput(
        source=source, files=tuple(files), series=tuple(infos), values=table, note=note
    )
