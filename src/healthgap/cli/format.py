"""How the command line shows numbers, units and periods: one definition, used everywhere.

- :func:`number`: thousands separators and sensible rounding (``250,000``, never
  ``2.5e+05``; ``82.4``; ``0.0123``);
- :func:`unit`: unit names as people write them (``µg/m³``, ``%``);
- :func:`quantity`: a number with its unit (``10 µg/m³``, ``45.2%``);
- :func:`period`: period labels spelt one way across sources (``2022–24``, ``2023/24``).
"""

from __future__ import annotations

import math
import re

__all__ = ["number", "period", "quantity", "unit"]

#: Spellings of units in sources and the catalogue → how they are shown.
_UNITS = {
    "ug/m3": "µg/m³",
    "µg/m3": "µg/m³",
    "ugm-3": "µg/m³",
    "percent": "%",
    "percentage": "%",
    "per cent": "%",
    "years": "years",
    "yrs": "years",
}

_SPAN = re.compile(r"^\s*(\d{4})\s*[-–—]\s*(\d{2}|\d{4})\s*$")
_FINANCIAL = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2}|\d{4})\s*$")


def number(value: float | int | None, *, digits: int = 3) -> str:
    """``value`` rounded to about ``digits`` significant figures, with thousands separators.

    Numbers of ``10**(digits-1)`` or more are shown whole; trailing zeros are dropped; an
    empty string for None or NaN.

    >>> number(250000.0), number(82.4379), number(0.012345), number(1234.6), number(None)
    ('250,000', '82.4', '0.0123', '1,235', '')
    >>> number(3.5, digits=6), number(2.0)
    ('3.5', '2')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "−∞"
    magnitude = abs(value)
    if magnitude >= 10 ** (digits - 1) or magnitude == 0 or float(value).is_integer():
        return f"{value:,.0f}"
    decimals = digits - 1 - math.floor(math.log10(magnitude))
    return f"{value:,.{decimals}f}".rstrip("0").rstrip(".")


def unit(name: str | None) -> str:
    """A unit as shown to people: ``ug/m3`` → ``µg/m³``; unknown units unchanged.

    >>> unit("ug/m3"), unit("percentage"), unit("per 100,000")
    ('µg/m³', '%', 'per 100,000')
    """
    if name is None:
        return ""
    return _UNITS.get(name.strip().lower(), name.strip())


def quantity(value: float | int | None, name: str | None, *, digits: int = 3) -> str:
    """A number with its unit: ``10 µg/m³``, ``45.2%``; the number alone without a unit.

    >>> quantity(10, "ug/m3"), quantity(45.23, "%"), quantity(250000, None)
    ('10 µg/m³', '45.2%', '250,000')
    """
    shown = number(value, digits=digits)
    if not shown:
        return ""
    label = unit(name)
    if not label:
        return shown
    return f"{shown}{label}" if label == "%" else f"{shown} {label}"


def period(label: str | None) -> str:
    """A period label spelt one way: spans ``2022–24``, financial years ``2023/24``.

    >>> period("2022 - 24"), period("2022-2024"), period("2023/2024"), period("2021")
    ('2022–24', '2022–24', '2023/24', '2021')
    """
    if label is None:
        return ""
    for pattern, joiner in ((_SPAN, "–"), (_FINANCIAL, "/")):
        match = pattern.match(label)
        if match:
            start, end = match.groups()
            return f"{start}{joiner}{end[-2:]}"
    return label.strip()
