"""Area codes in a source file: GSS form, known to the geography, and their area type.

Codes are checked against ``healthgap.geography.load_geography()``. Files that cover all of
England (bundled national reference tables) declare ``scope='england'``: their codes must
still be well-formed GSS codes of the declared type, but only codes the geography could
know — London areas, London region, England — must be known to it. See
``docs/design/0501-source-validation.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal, Protocol

import pandas as pd

from healthgap.errors import SourceValidationError, UnknownAreaError

__all__ = ["AreaLookup", "area_types_for", "check_area_codes", "default_area_lookup"]

Scope = Literal["london", "england"]

_GSS = re.compile(r"^[EWSNK]\d{8}$")

#: Area type from the GSS entity prefix, where the prefix alone decides it.
_PREFIX_TYPES: dict[str, str] = {
    "E92": "country",
    "E12": "region",
    "E54": "icb",
    "E06": "ltla",
    "E07": "ltla",
    "E08": "ltla",
    "E09": "ltla",
    "E05": "ward",
}


class AreaLookup(Protocol):
    """What the source readers need from the geography."""

    def get(self, code: str) -> object | None: ...

    def require(self, code: str, *, context: str = "") -> object: ...

    def area_type(self, code: str) -> str: ...


def default_area_lookup() -> AreaLookup | None:
    """The bundled London geography, or None if ``healthgap.geography`` cannot load."""
    import healthgap.geography as geography

    loader: Callable[[], AreaLookup] | None = getattr(geography, "load_geography", None)
    return None if loader is None else loader()


def _first_line(frame: pd.DataFrame, mask: pd.Series) -> tuple[int, str | None]:
    first = frame.loc[mask].iloc[0]
    file = first["_file"] if "_file" in frame.columns else None
    return int(first["_line"]), None if file is None else str(file)


def check_area_codes(
    frame: pd.DataFrame,
    column: str,
    *,
    file: str,
    lookup: AreaLookup | None,
    scope: Scope = "london",
    source_column: str | None = None,
) -> None:
    """Raise ``SourceValidationError`` at the first row whose area code is unknown.

    ``frame`` has the code in ``column`` and the file line in ``_line``; ``source_column``
    is the column's name in the file (for the message).
    """
    shown = source_column or column
    codes = frame[column]
    for code in pd.unique(codes):
        text = str(code)
        problem: str | None = None
        if not _GSS.match(text):
            problem = "not a GSS area code (expected a letter and 8 digits, e.g. E09000001)"
        elif lookup is not None and lookup.get(text) is None:
            if scope == "england" and not _could_be_london(text):
                continue
            try:
                lookup.require(text)
            except UnknownAreaError as exc:
                problem = str(exc)
            else:  # the lookup knows it after all
                continue
        if problem is not None:
            line, where = _first_line(frame, codes == code)
            raise SourceValidationError(
                problem, file=where or file, row=line, column=shown, value=text
            )


def _could_be_london(code: str) -> bool:
    """Codes the London geography is complete for: London boroughs, regions, countries."""
    return code[:3] in ("E09", "E12", "E92")


def area_types_for(
    codes: pd.Series,
    *,
    lookup: AreaLookup | None,
    default: str | None = None,
) -> pd.Series:
    """The area type of each code: from the geography, else from the GSS prefix.

    ``default`` is used for prefixes whose type depends on the census year (E01 LSOA,
    E02 MSOA) when the geography does not know the code.
    """
    types: dict[str, str | None] = {}
    for code in pd.unique(codes):
        text = str(code)
        kind: str | None = None
        if lookup is not None and lookup.get(text) is not None:
            kind = lookup.area_type(text)
        if kind is None:
            kind = _PREFIX_TYPES.get(text[:3], default)
        types[text] = kind
    return codes.map(types)
