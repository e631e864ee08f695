"""Every bundled data source as a release, read lazily one at a time."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import date

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

__all__ = ["BUNDLED_PUBLISHED", "BUNDLED_READERS", "bundled_release_count", "bundled_releases"]

Reader = Callable[[SourceContext], ReleaseInput]


def _extract(directory: str) -> Reader:
    return lambda context: read_extract_directory(directory, context=context)


#: One reader per bundled release, in load order (reference tables first).
BUNDLED_READERS: tuple[tuple[str, Reader], ...] = (
    ("mhclg_imd2019", lambda c: read_deprivation(context=c, editions=("imd2019",))),
    ("mhclg_imd2025", lambda c: read_deprivation(context=c, editions=("imd2025",))),
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


#: Publication date of each bundled release: the day by which every number in it was public.
#: The publisher's own date where our provenance records it; otherwise the date the source
#: repository (PROVENANCE.md, pinned commit) last changed the files we took, on its main
#: line, which is on or after the publisher's release. See ADR 0502.
BUNDLED_PUBLISHED: dict[str, date] = {
    # MHCLG statistical release "English indices of deprivation 2019", 26 September 2019.
    "mhclg_imd2019": date(2019, 9, 26),
    # MHCLG "English indices of deprivation 2025", 30 October 2025 (humaniverse/IMD added
    # imd2025_england_lsoa21 the same day, commit a9cf28d).
    "mhclg_imd2025": date(2025, 10, 30),
    # humaniverse/demographr c6210a3 (population19/20 rda files); MYE2 2014 file older.
    "ons_population": date(2022, 3, 26),
    # StatisticsNZ/demdata fc0db297 (ONS deaths registered in 2014).
    "ons_deaths": date(2016, 10, 21),
    # traffordDataLab/corporate_plan 584163e (last change to data/).
    "fingertips_extract:corporate_plan_2024": date(2024, 5, 21),
    # traffordDataLab/dashboard 83e9bc0c ("Updated with 2018-19 results").
    "fingertips_extract:dashboard_2020": date(2020, 8, 20),
    # traffordDataLab/trafford_themes ae20a088 ("Update 6 indicators for the Health priority").
    "fingertips_extract:trafford_themes_2026": date(2026, 5, 13),
    # ONSdigital/explore-local-statistics-data: latest of the 11 files taken
    # (adult-obesity-prevalence, 3616638d).
    "ons_explore": date(2026, 5, 11),
    # ONSdigital/sdg-data 71b4091e (3.9.1 merged to the main line; 3.4.2, 4.2.1, 11.6.2 earlier).
    "ons_sdg": date(2023, 5, 25),
    # ONSdigital/explore-local-statistics-app f1ad1840 ("Add latest family-ess data"), the
    # commit the NCMP files were taken from; 3-3-2 and 3-a-1 in ons_sdg last changed 2023-03-20.
    "ons_els_app": date(2024, 2, 22),
    # humaniverse/healthyr d04ab34 (england_health_index*.rda).
    "ons_health_index": date(2024, 12, 5),
    # humaniverse/healthyr a1f5e58 (england_homelessness.rda).
    "dluhc_homelessness": date(2024, 5, 22),
    # IBMDeveloperUK/Python-Pandas-Workshop c649c9b (london-borough-profiles.csv, 2017 edition).
    "gla_borough_profiles": date(2019, 10, 28),
}


def bundled_release_count() -> int:
    """How many releases :func:`bundled_releases` yields (for a progress total)."""
    return len(BUNDLED_READERS)


def bundled_releases(*, resolve_indicator: Resolver | None = None) -> Iterator[ReleaseInput]:
    """Each bundled source as a validated release, read only when iterated to.

    ``resolve_indicator`` maps a series key to a catalogue indicator id (None: unmapped);
    by default the catalogue's ``indicator_id_for_series``.
    """
    context = context_for(resolve_indicator)
    for name, reader in BUNDLED_READERS:
        yield dataclasses.replace(reader(context), published_at=BUNDLED_PUBLISHED[name])
