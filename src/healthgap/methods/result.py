"""The self-describing result every method returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["FloatArray", "Interval", "Result", "confidence_label"]

FloatArray = NDArray[np.float64]


def confidence_label(confidence: float) -> str:
    """PHEindicatormethods' column infix: 0.95 → '95_0', 0.998 → '99_8'."""
    pct = round(confidence * 100, 1)
    whole, frac = divmod(round(pct * 10), 10)
    return f"{whole}_{frac}"


@dataclass(frozen=True)
class Interval:
    """Confidence limits at one level, aligned with ``Result.value``."""

    confidence: float
    lower: FloatArray
    upper: FloatArray


@dataclass(frozen=True)
class Result:
    """Values with their limits at each requested confidence, and how they were computed.

    ``value`` and every ``Interval`` are arrays of the same length (one element per group).
    ``reason`` holds, per element, why a value is NaN ('' where it is not), so that a
    missing number is never silent.
    """

    value: FloatArray
    intervals: tuple[Interval, ...]
    statistic: str
    method: str
    multiplier: float = 1.0
    reason: NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype=np.str_))

    def at(self, confidence: float) -> Interval:
        """The interval at ``confidence`` (0.95, 0.998, …)."""
        for interval in self.intervals:
            if abs(interval.confidence - confidence) < 1e-12:
                return interval
        held = ", ".join(str(i.confidence) for i in self.intervals)
        raise KeyError(f"no interval at confidence {confidence}; held: {held}")
