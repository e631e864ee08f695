"""Every bundled data source as a release, read lazily one at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from healthgap.sources.common import Resolver, SourceContext
from healthgap.sources.dluhc_homelessness import read_homelessness
from healthgap.sources.fingertips_extracts import EXTRACT_DIRECTORIES, read_extract_directory
from healthgap.sources.gla_profiles import read_borough_profiles
from healthgap.sources.ons_els_app import read_ncmp_directory
from healthgap.sources.ons_explore import read_ons_explore_directory
from healthgap.sources.ons_health_index import read_health_index_directory
from healthgap.sources.ons_sdg import read_ons_sdg_directory
from healthgap.sources.reference import read_deaths, read_deprivation, read_population
from healthgap.sources.resolve import context_for
from healthgap.store.release_input import ReleaseInput

__all__ = ["BUNDLED_READERS", "bundled_release_count", "bundled_releases"]

Reader = Callable[[SourceContext], ReleaseInput]


def _extract(directory: str) -> Reader:
    return lambda context: read_extract_directory(directory, context=context)


#: One reader per bundled release, in load order (reference tables first).
BUNDLED_READERS: tuple[tuple[str, Reader], ...] = (
    ("mhclg_imd", lambda c: read_deprivation(context=c)),
    ("ons_population", lambda c: read_population(context=c)),
    ("ons_deaths", lambda c: read_deaths(context=c)),
    *((f"fingertips_extract:{d.rsplit('/', 1)[-1]}", _extract(d)) for d in EXTRACT_DIRECTORIES),
    ("ons_explore", lambda c: read_ons_explore_directory(context=c)),
    ("ons_sdg", lambda c: read_ons_sdg_directory(context=c)),
    ("ons_els_app", lambda c: read_ncmp_directory(context=c)),
    ("ons_health_index", lambda c: read_health_index_directory(context=c)),
    ("dluhc_homelessness", lambda c: read_homelessness(context=c)),
    ("gla_borough_profiles", lambda c: read_borough_profiles(context=c)),
)


def bundled_release_count() -> int:
    """How many releases :func:`bundled_releases` yields (for a progress total)."""
    return len(BUNDLED_READERS)


def bundled_releases(*, resolve_indicator: Resolver | None = None) -> Iterator[ReleaseInput]:
    """Each bundled source as a validated release, read only when iterated to.

    ``resolve_indicator`` maps a series key to a catalogue indicator id (None: unmapped);
    by default the catalogue's ``indicator_id_for_series``.
    """
    context = context_for(resolve_indicator)
    for _, reader in BUNDLED_READERS:
        yield reader(context)
