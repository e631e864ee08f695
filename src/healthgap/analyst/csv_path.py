"""A pandas-free path for ``healthgap calc``: CSV in, NumPy, CSV out (ADR 0105).

Importing pandas costs more CPU (0.5–0.7 s) than the rest of ``calc dsr`` on 5,000 areas ×
19 bands. This path reads the file with the standard library's :mod:`csv`, converts columns with
NumPy, calls the same kernels of :mod:`healthgap.methods` as the data-frame calculations and
writes what ``DataFrame.to_csv`` writes, byte for byte.

It is deliberately narrow. It takes only input it reads exactly as ``pandas.read_csv`` does
(plain decimal numbers of at most 15 characters; grouping cells that are canonical integers or
text that cannot be mistaken for a number, a boolean or a missing value) and only what passes
every rule of the data-frame calculation. For anything else — including every input the
data-frame path refuses — :func:`run` returns None and the caller runs the data-frame path,
so each error message (file, line, column, rule) has one source. A test compares the two
paths' files on the same inputs.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from healthgap import methods
from healthgap.analyst.frame import (
    OutputType,
    interval_columns,
    parse_confidence,
    result_columns,
    write_atomically,
)
from healthgap.errors import InputError
from healthgap.methods._core_checks import numerator_above_denominator
from healthgap.methods.result import FloatArray

__all__ = ["METHODS", "NOT_PLAIN_TEXT", "NeedsDataFrameError", "read_columns", "run"]


class NeedsDataFrameError(Exception):
    """This input (or option) is for the data-frame path."""


Columns = dict[str, Sequence[str]]

#: Longest number cell taken: 15 characters hold at most 15 significant digits and 15
#: decimals, so ``mantissa / 10**k`` is one correctly rounded division, as in Python's
#: ``float`` — and in pandas' parser (``precise_xstrtod``), which would otherwise differ in the
#: last bit for longer numbers. Exponents (``1e5``) go to the data-frame path.
_MAX_NUMBER = 15
_NUMBER_CHARACTERS = frozenset("0123456789.+-")
#: An integer exactly as pandas writes it back (no sign +, no leading zero, within int64).
_CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,17}")
#: Text that pandas reads as a missing value or a boolean rather than as text (lower case; a
#: test checks this covers pandas' own list). Such grouping cells go to the data-frame path.
NOT_PLAIN_TEXT = frozenset(
    {
        "", "#n/a", "#n/a n/a", "#na", "-1.#ind", "-1.#qnan", "-nan", "1.#ind", "1.#qnan",
        "<na>", "n/a", "na", "nan", "null", "none", "true", "false",
    }
)  # fmt: skip


def read_columns(path: Path, delimiter: str = ",") -> Columns:
    """The CSV's columns (header name → cells as text), blank lines skipped.

    Raises :class:`NeedsDataFrameError` for a file pandas might read differently: not UTF-8, no data
    row, a duplicate or empty header name, a row with more or fewer fields than the header.
    A file without quotes, carriage returns or blank lines is split with ``str.split`` (the
    same cells as :mod:`csv`, several times faster); any other goes through :mod:`csv`.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NeedsDataFrameError(str(exc)) from exc
    text = text.rstrip("\n")
    if '"' in text or "\r" in text or "\n\n" in text:
        return _read_quoted(text, delimiter)
    lines = text.split("\n")
    if len(lines) < 2:
        raise NeedsDataFrameError("no data rows")
    header = lines[0].split(delimiter)
    _check_header(header)
    if {line.count(delimiter) for line in lines} != {len(header) - 1}:
        raise NeedsDataFrameError("ragged rows")
    cells = delimiter.join(lines[1:]).split(delimiter)
    width = len(header)
    return {name: cells[i::width] for i, name in enumerate(header)}


def _read_quoted(text: str, delimiter: str) -> Columns:
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = [row for row in reader if row]
    except csv.Error as exc:
        raise NeedsDataFrameError(str(exc)) from exc
    if len(rows) < 2:
        raise NeedsDataFrameError("no data rows")
    header = rows[0]
    _check_header(header)
    width = len(header)
    if any(len(row) != width for row in rows):
        raise NeedsDataFrameError("ragged rows")
    return dict(zip(header, zip(*rows[1:], strict=True), strict=True))


def _check_header(header: list[str]) -> None:
    if len(set(header)) != len(header) or not all(header):
        raise NeedsDataFrameError("duplicate or empty column names")


def _column(columns: Columns, name: str) -> Sequence[str]:
    if name not in columns:
        raise NeedsDataFrameError(f"no column {name}")
    return columns[name]


def _numbers(cells: Sequence[str], *, allow_missing: bool) -> FloatArray:
    """Cells as float64, when every cell is a plain decimal pandas parses to the same double."""
    if not set("".join(cells)) <= _NUMBER_CHARACTERS or max(map(len, cells)) > _MAX_NUMBER:
        raise NeedsDataFrameError("not plain decimals")
    if "" in cells:
        if not allow_missing:
            raise NeedsDataFrameError("missing value")
        cells = ["nan" if cell == "" else cell for cell in cells]
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError as exc:
        raise NeedsDataFrameError(str(exc)) from exc
    if (np.signbit(values) & (values == 0)).any():  # "-0": pandas reads an integer 0
        raise NeedsDataFrameError("negative zero")
    return values


def _check_key_cells(cells: Sequence[str]) -> None:
    """Grouping cells pandas writes back as they are: canonical integers, or plain text."""
    for cell in set(cells):
        if _CANONICAL_INTEGER.fullmatch(cell):
            continue
        if cell != cell.strip() or '"' in cell or cell.lower() in NOT_PLAIN_TEXT:
            raise NeedsDataFrameError("grouping cell pandas may read as something else")
        try:
            float(cell)
        except ValueError:
            continue
        raise NeedsDataFrameError("a number pandas would write in its own way")


def _groups(
    columns: Columns, group_by: Sequence[str], reserved: set[str]
) -> tuple[np.ndarray, dict[str, list[str]]]:
    """Group codes in order of first appearance, and each group's key cells by column."""
    names = tuple(group_by)
    if len(set(names)) != len(names) or reserved & set(names):
        raise NeedsDataFrameError("grouping columns repeat or clash with output columns")
    if not names:
        return np.zeros(len(next(iter(columns.values()))), dtype=np.intp), {}
    keys_by_column = [_column(columns, name) for name in names]
    for cells in keys_by_column:
        _check_key_cells(cells)
    rows: Sequence[object] = (
        keys_by_column[0] if len(names) == 1 else list(zip(*keys_by_column, strict=True))
    )
    firsts = list(dict.fromkeys(rows))  # in order of first appearance
    index = {key: code for code, key in enumerate(firsts)}
    codes = np.fromiter(map(index.__getitem__, rows), dtype=np.intp, count=len(rows))
    if len(names) == 1:
        return codes, {names[0]: [str(key) for key in firsts]}
    by_column = list(zip(*firsts, strict=True))
    return codes, {name: list(by_column[i]) for i, name in enumerate(names)}


def _band_positions(cells: Sequence[str], standard: methods.StandardPopulation) -> np.ndarray:
    """Each row's band in ``standard`` from its start age or label (spaces ignored)."""
    lookup: dict[str, int] = {}
    for i, (start, label) in enumerate(zip(standard.startages, standard.labels, strict=True)):
        lookup[str(start)] = i
        lookup[label] = i
    found = {cell: lookup.get("".join(cell.split()), -1) for cell in set(cells)}
    positions = np.fromiter(map(found.__getitem__, cells), dtype=np.intp, count=len(cells))
    if (positions < 0).any():
        raise NeedsDataFrameError("not an age band")
    return positions


def _dsr(
    columns: Columns,
    *,
    x: str,
    n: str,
    stdpop: str,
    group_by: Sequence[str] = (),
    confidence: object = 0.95,
    multiplier: float = 100_000,
    independent_events: bool = True,
    eventfreq: str | None = None,
    ageband: str | None = None,
    events_can_recur: bool = False,
    type: OutputType = "full",
) -> dict[str, Any]:
    """:func:`healthgap.analyst.basic.dsr` for independent events (the usual case)."""
    if not independent_events or eventfreq is not None:
        raise NeedsDataFrameError("non-independent events")
    levels = parse_confidence(confidence)
    outputs = {"total_count", "total_pop", "value", "confidence", "statistic", "method", "reason"}
    outputs.update(name for pair in interval_columns(levels) for name in pair)
    codes, keys = _groups(columns, group_by, outputs)
    xv = _numbers(_column(columns, x), allow_missing=True)
    nv = _numbers(_column(columns, n), allow_missing=False)
    if not events_can_recur and numerator_above_denominator(xv, nv).any():
        raise NeedsDataFrameError("x > n")
    if stdpop in columns:
        weights = _numbers(columns[stdpop], allow_missing=False)
    else:
        standard = methods.STANDARD_POPULATIONS.get(stdpop.lower())
        if standard is None or ageband is None:
            raise NeedsDataFrameError("no standard population")
        band = _band_positions(_column(columns, ageband), standard)
        if np.bincount(codes * len(standard.weights) + band).max() > 1:
            raise NeedsDataFrameError("a band repeats in a group")
        methods.standard_weights(standard, groups=codes, band=band)  # every band once
        weights = standard.array()[band]
    parts = methods.dsr_components(xv, nv, weights, groups=codes, events_can_recur=events_can_recur)
    result = methods.dsr(
        xv,
        nv,
        weights,
        groups=codes,
        confidence=levels,
        multiplier=multiplier,
        events_can_recur=events_can_recur,
    )
    return {
        **keys,
        "total_count": parts.total_count,
        "total_pop": parts.total_pop,
        **result_columns(result, levels=levels, type=type),
    }


#: The calculations this path runs, by name.
METHODS: dict[str, Callable[..., dict[str, Any]]] = {"dsr": _dsr}


def _text(values: object) -> list[str]:
    """A column's cells as ``DataFrame.to_csv`` writes them (NaN and None as empty)."""
    if isinstance(values, list) and all(type(v) is str for v in values):
        return values
    array = np.asarray(values)
    if array.dtype.kind == "f":
        text = array.astype(np.float64).astype(str)
        text[np.isnan(array)] = ""
        return text.tolist()  # type: ignore[no-any-return]
    if array.dtype.kind in "iuU":
        return array.astype(str).tolist()  # type: ignore[no-any-return]
    if array.dtype.kind == "O" and all(isinstance(v, str) for v in array):
        return list(array)
    raise NeedsDataFrameError(f"output column of kind {array.dtype.kind}")


def _write(cells: Mapping[str, list[str]], path: str) -> None:
    """Header and rows as ``to_csv`` writes them: quoted where needed, ``os.linesep``."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=os.linesep)
        writer.writerow(cells)
        writer.writerows(zip(*cells.values(), strict=True))


def run(
    method: str,
    options: Mapping[str, object],
    *,
    input_path: Path,
    output_path: Path,
    delimiter: str = ",",
) -> int | None:
    """Run ``method`` from ``input_path`` to ``output_path`` (both CSV) and return the number
    of rows written; None (nothing written) when the data-frame path must run instead."""
    kernel = METHODS.get(method)
    if kernel is None or input_path.suffix.lower() != ".csv":
        return None
    if output_path.suffix.lower() != ".csv":
        return None
    try:
        out = kernel(read_columns(input_path, delimiter), **options)
        cells = {name: _text(values) for name, values in out.items()}
    except (NeedsDataFrameError, InputError, ValueError):  # MethodInputError is a ValueError
        return None
    rows = len(next(iter(cells.values())))
    try:
        write_atomically(output_path, lambda temporary: _write(cells, temporary))
    except InputError:
        return None
    return rows
