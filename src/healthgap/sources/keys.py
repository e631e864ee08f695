"""Stable source series keys: ``'<source kind>:<slug>'``."""

from __future__ import annotations

import re

__all__ = ["series_key", "slug"]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ``text``, replace every run of non-alphanumerics by '-', trim '-'.

    >>> slug("PM2.5")
    'pm2-5'
    >>> slug("Households in temporary accommodation per 1,000")
    'households-in-temporary-accommodation-per-1-000'
    """
    return _NON_ALNUM.sub("-", text.lower()).strip("-")


def series_key(kind: str, *parts: str) -> str:
    """Join a source kind and already-slugged parts: ``series_key('ons_sdg', '3-9-1')``."""
    return f"{kind}:{'/'.join(parts)}"
