"""Standard populations for direct standardisation.

* European Standard Population 2013 (Eurostat, *Revision of the European Standard Population*,
  2013), per 100,000: the 21-band form (0, 1–4, 5–9, …, 90–94, 95+) and Fingertips' 19-band
  form (0–4, 5–9, …, 85–89, 90+), which merges 0 + 1–4 and 90–94 + 95+.
* European Standard Population 1976 (WHO/IARC, Waterhouse et al. 1976), 18 bands to 85+.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from healthgap.methods._core_checks import IntArray
from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray

__all__ = [
    "ESP1976",
    "ESP2013",
    "ESP2013_21",
    "STANDARD_POPULATIONS",
    "StandardPopulation",
    "standard_weights",
]


@dataclass(frozen=True)
class StandardPopulation:
    """A standard population: weights by age band, with the bands' start ages and labels."""

    name: str
    weights: tuple[float, ...]
    startages: tuple[int, ...]
    labels: tuple[str, ...]

    def array(self) -> FloatArray:
        """The weights as a float array (a fresh copy)."""
        return np.array(self.weights, dtype=np.float64)


def _labels(starts: tuple[int, ...]) -> tuple[str, ...]:
    out = []
    for start, following in zip(starts, (*starts[1:], None), strict=True):
        out.append(f"{start}+" if following is None else f"{start}-{following - 1}")
    return tuple(out)


_STARTS_19 = (0, *range(5, 95, 5))
_STARTS_21 = (0, 1, *range(5, 100, 5))
_STARTS_18 = (0, *range(5, 90, 5))

ESP2013 = StandardPopulation(
    name="esp2013",
    weights=(
        *(5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000),
        *(7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000),
    ),
    startages=_STARTS_19,
    labels=_labels(_STARTS_19),
)
"""ESP 2013, 19 bands (0–4 … 85–89, 90+); Fingertips' standard; sums to 100,000."""

ESP2013_21 = StandardPopulation(
    name="esp2013_21",
    weights=(
        *(1000, 4000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000),
        *(7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 800, 200),
    ),
    startages=_STARTS_21,
    labels=_labels(_STARTS_21),
)
"""ESP 2013, 21 bands (0, 1–4, 5–9 … 90–94, 95+); sums to 100,000."""

ESP1976 = StandardPopulation(
    name="esp1976",
    weights=(8000, *(7000,) * 10, 6000, 5000, 4000, 3000, 2000, 1000, 1000),
    startages=_STARTS_18,
    labels=_labels(_STARTS_18),
)
"""ESP 1976, 18 bands (0–4 … 80–84, 85+); sums to 100,000."""

STANDARD_POPULATIONS: dict[str, StandardPopulation] = {
    p.name: p for p in (ESP2013, ESP2013_21, ESP1976)
}


def standard_weights(
    standard: StandardPopulation, *, groups: ArrayLike, band: ArrayLike
) -> FloatArray:
    """Per-row weights of ``standard`` for rows given by group code and band position.

    ``band`` is the 0-based band index of each row within the standard. Every group must hold
    every band exactly once; otherwise :class:`MethodInputError` names the group and band.
    """
    codes = np.asarray(groups, dtype=np.intp)
    bands: NDArray[np.intp] = np.asarray(band, dtype=np.intp)
    k = len(standard.weights)
    if codes.shape != bands.shape:
        raise MethodInputError("band and groups differ in length", field="ageband")
    outside = (bands < 0) | (bands >= k)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise MethodInputError(
            f"band position {int(bands[i])} is not one of the {k} bands of {standard.name}",
            field="ageband",
            group=int(codes[i]),
        )
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    counts: IntArray = np.bincount(codes * k + bands, minlength=n_groups * k).reshape(n_groups, k)
    wrong = counts != 1
    if wrong.any():
        g, b = (int(v) for v in np.argwhere(wrong)[0])
        what = "missing" if counts[g, b] == 0 else "repeated"
        raise MethodInputError(
            f"age band {standard.labels[b]} of {standard.name} is {what}",
            field="ageband",
            group=g,
        )
    return standard.array()[bands]
