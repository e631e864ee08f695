"""The strategy's framework as declared data: aims, commitments, focus areas, indicators."""

from __future__ import annotations

from healthgap.catalogue.coverage import (
    CommitmentCoverage,
    Coverage,
    HeldSeries,
    IndicatorCoverage,
    coverage,
)
from healthgap.catalogue.dump import dump_catalogue, to_yaml
from healthgap.catalogue.framework import Catalogue
from healthgap.catalogue.loader import DEFAULT_PATH, load_catalogue, validate_catalogue
from healthgap.catalogue.models import (
    Aim,
    Breakdown,
    Change,
    Commitment,
    CommitmentKind,
    ComparisonMethod,
    DisclosureRule,
    DocumentRef,
    FocusArea,
    Geography,
    Indicator,
    KeyFigure,
    Measure,
    Mission,
    Polarity,
    Priority,
    Recipe,
    SeriesSource,
    SixTest,
    Statistic,
    Target,
    TargetStatus,
    Transform,
)
from healthgap.catalogue.search import SearchHit
from healthgap.catalogue.series import series_key, slug

__all__ = [
    "DEFAULT_PATH",
    "Aim",
    "Breakdown",
    "Catalogue",
    "Change",
    "Commitment",
    "CommitmentCoverage",
    "CommitmentKind",
    "ComparisonMethod",
    "Coverage",
    "DisclosureRule",
    "DocumentRef",
    "FocusArea",
    "Geography",
    "HeldSeries",
    "Indicator",
    "IndicatorCoverage",
    "KeyFigure",
    "Measure",
    "Mission",
    "Polarity",
    "Priority",
    "Recipe",
    "SearchHit",
    "SeriesSource",
    "SixTest",
    "Statistic",
    "Target",
    "TargetStatus",
    "Transform",
    "coverage",
    "dump_catalogue",
    "load_catalogue",
    "series_key",
    "slug",
    "to_yaml",
    "validate_catalogue",
]
