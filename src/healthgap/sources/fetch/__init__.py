"""Refresh from the official sources (``healthgap fetch``): Fingertips and ONS Explore.

Downloads go to a cache directory first (resumable); nothing reaches the store unless every
download of the fetch parses and validates as one release. See ADR 0510.
"""

from __future__ import annotations

from healthgap.sources.fetch.fingertips import (
    DEFAULT_FINGERTIPS_URL,
    FINGERTIPS_URL_ENV,
    FetchOutcome,
    fetch_fingertips,
    fingertips_urls,
)
from healthgap.sources.fetch.http import FetchError, RetryPolicy, download
from healthgap.sources.fetch.ons_explore import (
    DEFAULT_ONS_EXPLORE_URL,
    ONS_EXPLORE_URL_ENV,
    fetch_ons_explore,
)

__all__ = [
    "DEFAULT_FINGERTIPS_URL",
    "DEFAULT_ONS_EXPLORE_URL",
    "FINGERTIPS_URL_ENV",
    "ONS_EXPLORE_URL_ENV",
    "FetchError",
    "FetchOutcome",
    "RetryPolicy",
    "download",
    "fetch_fingertips",
    "fetch_ons_explore",
    "fingertips_urls",
]
