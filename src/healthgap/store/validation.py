"""Check a release's Arrow tables against the declared columns before anything is written."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from healthgap.errors import StoreError
from healthgap.store.columns import AREA_TYPES, SEXES
from healthgap.store.schema import DataTable

__all__ = ["conform"]

_DOMAINS: dict[str, tuple[str, ...]] = {"sex": SEXES, "area_type": AREA_TYPES}


def _first_true(mask: pa.ChunkedArray | pa.Array) -> int:
    return int(pc.index(mask, True).as_py())


def conform(table: pa.Table, spec: DataTable) -> pa.Table:
    """``table`` cast to the declared Arrow types, or ``StoreError`` naming table and column.

    Columns must match the declaration exactly (names and order); each must be castable
    to its declared type; non-nullable columns must hold no nulls; ``sex`` and
    ``area_type`` must take declared values. Row numbers in messages are 1-based.
    """
    where = f"table '{spec.field}'"
    expected = list(spec.column_names)
    got = list(table.column_names)
    if got != expected:
        missing = [c for c in expected if c not in got]
        extra = [c for c in got if c not in expected]
        if missing:
            detail = f"column '{missing[0]}' is missing"
        elif extra:
            detail = f"column '{extra[0]}' is not a declared column"
        else:
            pos = next(i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b)
            detail = f"column '{got[pos]}' is at position {pos + 1}; expected '{expected[pos]}'"
        raise StoreError(f"{where}: {detail}; declared columns, in order: {', '.join(expected)}")
    arrays: list[pa.ChunkedArray] = []
    for column in spec.columns:
        data = table.column(column.name)
        target = spec.arrow_schema().field(column.name).type
        try:
            cast = data.cast(target) if data.type != target else data
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise StoreError(
                f"{where}: column '{column.name}' of type {data.type} cannot be cast to "
                f"{column.type}: {exc}"
            ) from exc
        if not column.nullable and cast.null_count:
            row = _first_true(pc.is_null(cast))
            raise StoreError(
                f"{where}: column '{column.name}': row {row + 1} is null; the column is required"
            )
        domain = _DOMAINS.get(column.name)
        if domain is not None and len(cast):
            bad = pc.invert(pc.is_in(cast, value_set=pa.array(domain)))
            if pc.any(bad).as_py():
                row = _first_true(bad)
                raise StoreError(
                    f"{where}: column '{column.name}': row {row + 1}: value "
                    f"{cast[row].as_py()!r} is not one of {', '.join(domain)}"
                )
        arrays.append(cast)
    conformed = pa.Table.from_arrays(arrays, schema=spec.arrow_schema())
    if "period_start" in spec.column_names and "period_end" in spec.column_names:
        backwards = pc.greater(conformed["period_start"], conformed["period_end"])
        if pc.any(backwards).as_py():
            row = _first_true(backwards)
            raise StoreError(f"{where}: row {row + 1}: period_start is after period_end")
    return conformed
