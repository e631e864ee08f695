"""Check an input file is what it claims before reading it, and say plainly when it is not.

A directory is not "file not found"; an Excel workbook, a Parquet file named ``.csv`` or
another binary file is named as such; a CSV that is not UTF-8 is reported with the line
and character of the first bad byte; a semicolon- or tab-delimited file is recognised.
"""

from __future__ import annotations

from pathlib import Path

from healthgap.errors import InputError

__all__ = ["check_input_file", "sniff_delimiter"]

_SNIFF_BYTES = 64 * 1024
_DELIMITER_NAMES = {";": "';'", "\t": "tab ('\\t')", "|": "'|'"}


def _kind_of_bytes(head: bytes) -> str | None:
    """What a binary file is, from its first bytes; None for text."""
    if head.startswith(b"PK\x03\x04"):
        return "an Excel workbook (.xlsx) or another zip archive"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an Excel 97-2003 workbook (.xls) or another OLE document"
    if head.startswith(b"PAR1"):
        return "a Parquet file"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "a binary file"
    return None


def sniff_delimiter(header: str) -> str | None:
    """The delimiter a header line uses, if it is clearly not a comma; None otherwise."""
    if "," in header:
        return None
    counts = {d: header.count(d) for d in _DELIMITER_NAMES}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else None


def check_input_file(
    path: Path, *, delimiter: str | None = None, delimiter_option: bool = True
) -> None:
    """Raise :class:`InputError` naming the file if ``path`` is not a readable table.

    ``.parquet`` files are checked for existence only; others are checked as UTF-8 text
    delimited by ``delimiter`` (default a comma). ``delimiter_option``: the command has a
    ``--delimiter`` option to suggest (``load`` has not: it reads comma-separated files).
    """
    name = str(path)
    if path.is_dir():
        raise InputError("is a directory, not a file: give the path of a .csv or .parquet file",
                         file=name)  # fmt: skip
    if not path.exists():
        raise InputError("no such file", file=name)
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    kind = _kind_of_bytes(head)
    if path.suffix.lower() == ".parquet":
        if kind != "a Parquet file" and head:
            raise InputError("is not a Parquet file (it does not start with PAR1)", file=name)
        return
    if kind is not None:
        hint = (
            "save the sheet as CSV UTF-8 (comma delimited) or export it to Parquet"
            if "Excel" in kind
            else "give a .parquet name"
            if kind == "a Parquet file"
            else "give a UTF-8 CSV or a Parquet file"
        )
        raise InputError(f"is {kind}, not CSV text: {hint}", file=name)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("is encoded as UTF-16: save it as UTF-8", file=name, row=1)
    text_head = head.removeprefix(b"\xef\xbb\xbf")
    try:
        text = text_head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(text_head) - 3 and len(head) == _SNIFF_BYTES:
            text = text_head[: exc.start].decode("utf-8")  # a character cut by the sniff
        else:
            line = text_head.count(b"\n", 0, exc.start) + 1
            column = exc.start - (text_head.rfind(b"\n", 0, exc.start) + 1) + 1
            raise InputError(
                f"invalid UTF-8 at line {line}, character {column} (byte 0x"
                f"{text_head[exc.start]:02x}): save the file as UTF-8 "
                "(it looks like Latin-1/Windows-1252)",
                file=name,
                row=line,
            ) from None
    header = text.splitlines()[0] if text else ""
    if not header.strip():
        raise InputError("is empty: expected a header line and data rows", file=name, row=1)
    if delimiter is None or delimiter == ",":
        found = sniff_delimiter(header)
        if found is not None:
            shown = _DELIMITER_NAMES[found]
            flag = "'\\t'" if found == "\t" else f"'{found}'"
            advice = f" or --delimiter {flag}" if delimiter_option else ""
            raise InputError(
                f"looks delimited by {shown}, not commas: use a comma-separated file{advice}",
                file=name,
                row=1,
            )
