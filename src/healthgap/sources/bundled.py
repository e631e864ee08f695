"""Every bundled data source as a release, read lazily one at a time.

Each source names the files its reader reads through one function (``population_files``,
``extract_files`` …) that the reader itself takes its paths from. Hashing those files gives
the release's source and file checksums without parsing anything, so ``healthgap init``
skips a release the store already holds before reading it (:class:`PendingRelease`, ADR 0502).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from healthgap.errors import SourceValidationError
from healthgap.sources.common import Resolver, SourceContext
from healthgap.sources.csvfile import file_sha256
from healthgap.sources.dluhc_homelessness import homelessness_files, read_homelessness
from healthgap.sources.fingertips_extracts import (
    EXTRACT_DIRECTORIES,
    extract_files,
    read_extract_directory,
)
from healthgap.sources.gla_profiles import profile_files, read_borough_profiles
from healthgap.sources.ons_els_app import ncmp_files, read_ncmp_directory
from healthgap.sources.ons_explore import explore_files, read_ons_explore_directory
from healthgap.sources.ons_health_index import health_index_files, read_health_index_directory
from healthgap.sources.ons_sdg import read_ons_sdg_directory, sdg_files
from healthgap.sources.reference import (
    deaths_files,
    deprivation_files,
    population_files,
    read_deaths,
    read_deprivation,
    read_population,
)
from healthgap.sources.resolve import context_for
from healthgap.store.release_input import ReleaseInput

__all__ = [
    "BUNDLED_PUBLISHED",
    "BUNDLED_SOURCES",
    "BundledSource",
    "PendingRelease",
    "bundled_release_count",
    "bundled_releases",
    "pending_bundled_releases",
]

Reader = Callable[[SourceContext], ReleaseInput]


@dataclass(frozen=True)
class BundledSource:
    """One bundled release: its ``source``, the files its reader reads, and the reader.

    ``files`` is the function the reader takes its paths from (never a second list), so the
    checksums of its files are the checksums of the release the reader builds.
    """

    source: str
    files: Callable[[], tuple[Path, ...]]
    read: Reader


def _imd(edition: str) -> BundledSource:
    editions = (edition,)
    return BundledSource(
        f"mhclg_{edition}",
        lambda: deprivation_files(editions),
        lambda c: read_deprivation(context=c, editions=editions),
    )


def _extract(directory: str) -> BundledSource:
    return BundledSource(
        f"fingertips_extract:{directory.rsplit('/', 1)[-1]}",
        lambda: extract_files(directory),
        lambda c: read_extract_directory(directory, context=c),
    )


#: One source per bundled release, in load order (reference tables first).
BUNDLED_SOURCES: tuple[BundledSource, ...] = (
    _imd("imd2019"),
    _imd("imd2025"),
    BundledSource("ons_population", population_files, lambda c: read_population(context=c)),
    BundledSource("ons_deaths", deaths_files, lambda c: read_deaths(context=c)),
    *(_extract(d) for d in EXTRACT_DIRECTORIES),
    BundledSource("ons_explore", explore_files, lambda c: read_ons_explore_directory(context=c)),
    BundledSource("ons_sdg", sdg_files, lambda c: read_ons_sdg_directory(context=c)),
    BundledSource("ons_els_app", ncmp_files, lambda c: read_ncmp_directory(context=c)),
    BundledSource(
        "ons_health_index", health_index_files, lambda c: read_health_index_directory(context=c)
    ),
    BundledSource("dluhc_homelessness", homelessness_files, lambda c: read_homelessness(context=c)),
    BundledSource(
        "gla_borough_profiles", profile_files, lambda c: read_borough_profiles(context=c)
    ),
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


@dataclass(frozen=True)
class PendingRelease:
    """A bundled release before it is read: its ``source`` and the SHA-256 of each file its
    reader reads (the bytes hashed, nothing parsed), enough for ``Store.has_release``.

    :meth:`read` parses it; it refuses a release whose source or files differ from these
    (a file changed since it was hashed, or a reader read a file its list does not name).
    """

    source: str
    sha256s: tuple[str, ...]
    published_at: date | None
    bundled: BundledSource = dataclasses.field(repr=False)
    context: Callable[[], SourceContext] = dataclasses.field(repr=False)

    def read(self) -> ReleaseInput:
        """The release as its reader builds it, dated ``published_at``."""
        release = self.bundled.read(self.context())
        if release.source != self.source or sorted(f.sha256 for f in release.files) != sorted(
            self.sha256s
        ):
            raise SourceValidationError(
                f"bundled release {self.source}: the reader built {release.source} from "
                f"{', '.join(f.name for f in release.files)}, which are not the files "
                "checksummed before reading (a bundled file changed during the run, or the "
                "reader read a file its file list does not name)"
            )
        return dataclasses.replace(release, published_at=self.published_at)


def bundled_release_count() -> int:
    """How many releases :func:`bundled_releases` yields (for a progress total)."""
    return len(BUNDLED_SOURCES)


def pending_bundled_releases(
    *, resolve_indicator: Resolver | None = None
) -> Iterator[PendingRelease]:
    """Each bundled source's release, checksummed when iterated to and read only on
    :meth:`PendingRelease.read`. The reading context (catalogue, geography) is built at the
    first read, so iterating over releases that are all skipped loads neither.

    ``resolve_indicator`` maps a series key to a catalogue indicator id (None: unmapped);
    by default the catalogue's ``indicator_id_for_series``.
    """
    built: list[SourceContext] = []

    def context() -> SourceContext:
        if not built:
            built.append(context_for(resolve_indicator))
        return built[0]

    for bundled in BUNDLED_SOURCES:
        sums = tuple(file_sha256(path) for path in bundled.files())
        yield PendingRelease(
            bundled.source, sums, BUNDLED_PUBLISHED[bundled.source], bundled, context
        )


def bundled_releases(*, resolve_indicator: Resolver | None = None) -> Iterator[ReleaseInput]:
    """Each bundled source as a validated release, read only when iterated to.

    ``resolve_indicator`` maps a series key to a catalogue indicator id (None: unmapped);
    by default the catalogue's ``indicator_id_for_series``.
    """
    for pending in pending_bundled_releases(resolve_indicator=resolve_indicator):
        yield pending.read()
