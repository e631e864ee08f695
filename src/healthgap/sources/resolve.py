"""Defaults for what readers need from the layers below: indicator mapping, geography."""

from __future__ import annotations

import importlib

from healthgap.sources.areas import default_area_lookup
from healthgap.sources.common import Resolver, SourceContext, no_indicator

__all__ = ["catalogue_indicator_ids", "context_for", "default_resolver"]


def default_resolver() -> Resolver:
    """The catalogue's ``indicator_id_for_series``, or a resolver mapping nothing.

    The catalogue is optional at this layer: if ``healthgap.catalogue`` has no
    ``load_catalogue`` yet, every series stays a source series.
    """
    catalogue = importlib.import_module("healthgap.catalogue")
    load = getattr(catalogue, "load_catalogue", None)
    if load is None:
        return no_indicator
    resolver: Resolver = load().indicator_id_for_series
    return resolver


def catalogue_indicator_ids() -> frozenset[str] | None:
    """The catalogue's indicator ids (None if this healthgap has no catalogue loader)."""
    catalogue = importlib.import_module("healthgap.catalogue")
    load = getattr(catalogue, "load_catalogue", None)
    if load is None:
        return None
    return frozenset(i.id for i in load().indicators)


def context_for(resolve_indicator: Resolver | None) -> SourceContext:
    """A reading context with the given resolver (default: the catalogue's); a file's
    ``indicator_id`` is always checked against the catalogue."""
    return SourceContext(
        resolve_indicator if resolve_indicator is not None else default_resolver(),
        default_area_lookup(),
        catalogue_indicator_ids(),
    )
