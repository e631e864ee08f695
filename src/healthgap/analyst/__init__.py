"""PHEindicatormethods-style data-frame front end to healthgap.methods, for analysts.

``CALCULATIONS`` (every calculation by name) is loaded lazily from
:mod:`healthgap.analyst.registry`, so that calculation modules can import this package freely.
"""

from __future__ import annotations

from typing import Any

from healthgap.analyst.basic import (
    dsr,
    hle,
    isr_rate,
    isr_ratio,
    life_expectancy,
    mean,
    proportion,
    rate,
)
from healthgap.analyst.calculation import REQUIRED, Calculation, Parameter
from healthgap.analyst.frame import parse_confidence, read_table, write_table

__all__ = [
    "CALCULATIONS",
    "REQUIRED",
    "Calculation",
    "Parameter",
    "dsr",
    "hle",
    "isr_rate",
    "isr_ratio",
    "life_expectancy",
    "mean",
    "parse_confidence",
    "proportion",
    "rate",
    "read_table",
    "write_table",
]


def __getattr__(name: str) -> Any:
    if name == "CALCULATIONS":
        from healthgap.analyst.registry import CALCULATIONS

        return CALCULATIONS
    raise AttributeError(f"module 'healthgap.analyst' has no attribute {name!r}")
