"""Read a delimited text file strictly: encoding, header, field counts, line numbers.

Every cell comes back as a string; each data row keeps its 1-based line number in the file
(the header is line 1), so later rules can name the exact line. Decisions on byte-order
marks and encodings: ``docs/design/0500-source-file-encoding.md``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.errors import SourceValidationError

__all__ = ["CsvFile", "file_sha256", "read_csv_file"]

_REJECTED_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
)
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class CsvFile:
    """A parsed file: its name, checksum, header and string cells with line numbers."""

    name: str
    sha256: str
    header: tuple[str, ...]
    frame: pd.DataFrame  # one str column per header name, plus '_line' (int64)

    @property
    def rows(self) -> int:
        return len(self.frame)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as :func:`read_csv_file` records it (nothing parsed).

    A file that cannot be read raises ``SourceValidationError`` naming it.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceValidationError(
            f"cannot read the file ({exc.strerror or exc})", file=str(path)
        ) from None
    return hashlib.sha256(data).hexdigest()


def _decode(data: bytes, name: str) -> str:
    for bom, encoding in _REJECTED_BOMS:
        if data.startswith(bom):
            raise SourceValidationError(
                f"file is encoded as {encoding} (byte-order mark at byte 0); "
                "save it as UTF-8 (a UTF-8 byte-order mark is accepted)",
                file=name,
                row=1,
            )
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceValidationError(
            f"invalid UTF-8 at byte {exc.start} (line {line}, character {column}): "
            f"byte 0x{data[exc.start]:02x}; save the file as UTF-8 "
            "(it looks like Latin-1/Windows-1252)",
            file=name,
            row=line,
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise SourceValidationError(
            f"NUL character at character {nul}: the file is binary or UTF-16 without a "
            "byte-order mark; save it as UTF-8 text",
            file=name,
            row=text.count("\n", 0, nul) + 1,
        )
    return text


def read_csv_file(
    path: Path,
    *,
    name: str | None = None,
    required: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
    allow_extra: bool = False,
    optional_prefixes: tuple[str, ...] = (),
) -> CsvFile:
    """Read ``path`` as UTF-8 CSV; check the header against ``required`` and ``optional``.

    Missing required columns, unexpected columns (unless ``allow_extra``), duplicate or
    blank column names, rows with the wrong number of fields and empty files raise
    ``SourceValidationError`` naming the file and line.
    """
    label = name if name is not None else path.name
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise SourceValidationError(
            "file is empty: expected a header line and data rows", file=label, row=1
        )
    text = _decode(data, label)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise SourceValidationError(f"malformed CSV header: {exc}", file=label, row=1) from None
    header = [h.strip() for h in header]
    optional = optional + tuple(
        h
        for h in header
        if optional_prefixes and h.startswith(optional_prefixes) and h not in optional
    )
    _check_header(header, label, required, optional, allow_extra)
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    blank_line: int | None = None
    start_line = reader.line_num + 1
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                blank_line = start_line if blank_line is None else blank_line
            elif blank_line is not None:
                raise SourceValidationError(
                    "blank line inside the data", file=label, row=blank_line
                )
            elif len(record) != width:
                raise SourceValidationError(
                    f"expected {width} fields as in the header, found {len(record)}",
                    file=label,
                    row=start_line,
                )
            else:
                rows.append(record)
                lines.append(start_line)
            start_line = reader.line_num + 1
    except csv.Error as exc:
        raise SourceValidationError(
            f"malformed CSV: {exc}", file=label, row=reader.line_num
        ) from None
    if not rows:
        raise SourceValidationError("file has a header but no data rows", file=label, row=1)
    columns = list(zip(*rows, strict=True))
    frame = pd.DataFrame(
        {h: np.asarray(col, dtype=object) for h, col in zip(header, columns, strict=True)}
    )
    frame["_line"] = np.asarray(lines, dtype=np.int64)
    return CsvFile(label, digest, tuple(header), frame)


def _check_header(
    header: list[str],
    name: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    allow_extra: bool,
) -> None:
    seen: set[str] = set()
    for h in header:
        if not h:
            raise SourceValidationError("blank column name in the header", file=name, row=1)
        if h in seen:
            raise SourceValidationError(
                "column appears twice in the header", file=name, row=1, column=h
            )
        if h == "_line":
            raise SourceValidationError("reserved column name", file=name, row=1, column=h)
        seen.add(h)
    missing = [c for c in required if c not in seen]
    if missing:
        raise SourceValidationError(
            f"required column is missing (missing: {', '.join(missing)})",
            file=name,
            row=1,
            column=missing[0],
        )
    if not allow_extra:
        known = set(required) | set(optional)
        extra = [h for h in header if h not in known]
        if extra:
            raise SourceValidationError(
                f"unexpected column (expected only: {', '.join(required + optional)})",
                file=name,
                row=1,
                column=extra[0],
            )
