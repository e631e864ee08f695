"""Stable source series keys: ``'<source kind>:<slug>'``, built by the catalogue's builder."""

from __future__ import annotations

from healthgap.catalogue.series import series_key, slug

__all__ = ["series_key", "slug"]
