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


def series_key(kind: str, name: str, *measures: str) -> str:
    """The key of a series: ``kind:slug(name)``, then ``/slug(measure)`` for each measure.

    The one builder of series keys (source readers and the engine use it too); ``slug`` is
    idempotent, so parts that are already slugs are kept as they are.

    >>> series_key("ons_explore", "personal-wellbeing-estimates", "Anxiety")
    'ons_explore:personal-wellbeing-estimates/anxiety'
    >>> series_key("ons_sdg", "4-2-1", "Boys", "age 3-4")
    'ons_sdg:4-2-1/boys/age-3-4'
    """
    return f"{kind}:{'/'.join(slug(part) for part in (name, *measures))}"
