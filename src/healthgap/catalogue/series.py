"""Stable keys of published series: ``'<source kind>:<slug>'`` shared with the source readers."""

from __future__ import annotations

import re

__all__ = ["series_key", "slug"]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ``text``, replace each run of non-alphanumerics by '-', trim '-'.

    >>> slug("Households assessed as homeless per (000s)")
    'households-assessed-as-homeless-per-000s'
    >>> slug("PM2.5")
    'pm2-5'
    """
    return _NON_ALNUM.sub("-", text.lower()).strip("-")


def series_key(kind: str, name: str, measure: str | None = None) -> str:
    """The key of a series: ``kind:slug(name)`` or ``kind:slug(name)/slug(measure)``.

    >>> series_key("ons_explore", "personal-wellbeing-estimates", "Anxiety")
    'ons_explore:personal-wellbeing-estimates/anxiety'
    """
    key = f"{kind}:{slug(name)}"
    return key if measure is None else f"{key}/{slug(measure)}"
