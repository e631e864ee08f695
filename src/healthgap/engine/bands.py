"""Age bandings used by the standard methods, as data, with a backend-neutral band index.

- ``ESP2013_19``: Fingertips' 19 bands 0–4 … 85–89, 90+ (ESP 2013 with 0 + 1–4 and 90–94 + 95+
  merged), the default for directly standardised rates.
- ``ESP2013_21``: the full 21-band ESP 2013 (0, 1–4, 5–9 … 90–94, 95+).
- ``LIFE_TABLE_20``: the 20 bands of the PHE life-expectancy calculator (0, 1–4, 5–9 … 85–89, 90+).
- ``ALL_AGES``: one band.

Reference: Eurostat (2013) Revision of the European Standard Population; PHE Technical Guide
– Life expectancy calculator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["ALL_AGES", "BANDINGS", "ESP2013_19", "ESP2013_21", "LIFE_TABLE_20", "AgeBanding"]


@dataclass(frozen=True)
class AgeBanding:
    """Contiguous age bands given by their first years of age; the last band is open."""

    name: str
    starts: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.starts or self.starts[0] != 0:
            raise ValueError(f"banding {self.name!r} must start at age 0")
        if any(b <= a for a, b in zip(self.starts, self.starts[1:], strict=False)):
            raise ValueError(f"banding {self.name!r}: band starts must increase")

    @property
    def labels(self) -> tuple[str, ...]:
        """Labels as Fingertips writes them: '0', '1-4', '5-9' … '90+'."""
        out = []
        for i, start in enumerate(self.starts):
            if i == len(self.starts) - 1:
                out.append(f"{start}+")
            else:
                end = self.starts[i + 1] - 1
                out.append(str(start) if end == start else f"{start}-{end}")
        return tuple(out)

    @property
    def ends(self) -> tuple[int | None, ...]:
        """Last year of age of each band; None for the open final band."""
        return (*(s - 1 for s in self.starts[1:]), None)

    def index(self, ages: NDArray[np.integer]) -> NDArray[np.int64]:
        """Band index (0-based) of each age, for NumPy arrays."""
        return (np.searchsorted(np.asarray(self.starts), ages, side="right") - 1).astype(np.int64)

    def index_expr(self, age: ir.IntegerValue) -> ir.IntegerValue:
        """Band index of an Ibis integer column; compiles to a CASE on every backend.

        A one-band banding (ALL_AGES) is the constant 0: ``ibis.cases`` needs a branch.
        """
        import ibis

        if len(self.starts) == 1:
            return ibis.literal(0, type="int64")
        branches = [
            (age >= start, i) for i, start in reversed(list(enumerate(self.starts))) if start > 0
        ]
        return ibis.cases(*branches, else_=0)


ALL_AGES = AgeBanding("all_ages", (0,))
ESP2013_19 = AgeBanding("esp2013_19", (0, *range(5, 95, 5)))
ESP2013_21 = AgeBanding("esp2013_21", (0, 1, *range(5, 100, 5)))
LIFE_TABLE_20 = AgeBanding("life_table_20", (0, 1, *range(5, 95, 5)))

BANDINGS: dict[str, AgeBanding] = {
    b.name: b for b in (ALL_AGES, ESP2013_19, ESP2013_21, LIFE_TABLE_20)
}
