"""Readers' titles of the sources a release's ``source`` id names (``fingertips_extract:
dashboard_2020`` → "OHID Fingertips indicators (Trafford Data Lab extract: dashboard 2020)"):
what a citation shows people; the id stays in machine fields."""

from __future__ import annotations

__all__ = ["SOURCE_TITLES", "source_title"]

#: The title of each source id (the part before ``:`` for ids with a qualifier).
SOURCE_TITLES: dict[str, str] = {
    "mhclg_imd": "English Indices of Deprivation 2019 and 2025 (MHCLG)",
    "mhclg_imd2019": "English Indices of Deprivation 2019 (MHCLG)",
    "mhclg_imd2025": "English Indices of Deprivation 2025 (MHCLG)",
    "mhclg_imd2019_imd2025": "English Indices of Deprivation 2019 and 2025 (MHCLG)",
    "ons_population": "ONS mid-year population estimates",
    "ons_deaths": "ONS deaths registered, by area of usual residence",
    "fingertips": "OHID Fingertips",
    "fingertips_api": "OHID Fingertips (fetched from its API)",
    "fingertips_extract": "OHID Fingertips indicators (Trafford Data Lab extract",
    "ons_explore": "ONS Explore Local Statistics",
    "ons_explore_fetch": "ONS Explore Local Statistics (fetched)",
    "ons_els_app": "ONS Explore Local Statistics app: NCMP excess weight",
    "ons_sdg": "ONS UK Sustainable Development Goals indicators",
    "ons_health_index": "ONS Health Index for England",
    "dluhc_homelessness": "DLUHC statutory homelessness statistics",
    "gla_borough_profiles": "GLA London Borough Profiles",
    "user": "an editor's own file",
    "engine": "healthgap's calculation from record-level data",
}


def source_title(source: str) -> str:
    """A reader's title for a release's ``source`` id; an id not known is returned as is."""
    kind, _, detail = source.partition(":")
    title = SOURCE_TITLES.get(source) or SOURCE_TITLES.get(kind)
    if title is None:
        return source
    if kind == "fingertips_extract":
        return f"{title}: {detail.replace('_', ' ')})" if detail else f"{title})"
    if kind == "user" and detail:
        return f"{title} ({detail} format)"
    return title
