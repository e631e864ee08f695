"""``healthgap fetch ons-explore DATASET``: one ONS Explore Local Statistics CSV, cut to London.

The files live in ONSdigital/explore-local-statistics-data as ``<dataset>/<dataset>.csv``
(the layout of the bundled ``data/ons_explore_local_statistics/`` files, read by
``healthgap.sources.ons_explore``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from healthgap.errors import SourceValidationError
from healthgap.sources.common import SourceContext, source_file
from healthgap.sources.csvfile import read_csv_file
from healthgap.sources.fetch.fingertips import FetchOutcome, Progress, cache_path
from healthgap.sources.fetch.http import FetchError, RetryPolicy, download
from healthgap.sources.fetch.london import london_rows
from healthgap.sources.ons_explore import OPTIONAL, REQUIRED, SHOWN, parse_ons_explore_csv
from healthgap.sources.resolve import context_for
from healthgap.sources.values import values_table
from healthgap.store.release_input import ReleaseInput

__all__ = ["DEFAULT_ONS_EXPLORE_URL", "ONS_EXPLORE_URL_ENV", "SOURCE", "fetch_ons_explore"]

DEFAULT_ONS_EXPLORE_URL = (
    "https://raw.githubusercontent.com/ONSdigital/explore-local-statistics-data/main"
)
ONS_EXPLORE_URL_ENV = "HEALTHGAP_ONS_EXPLORE_URL"
SOURCE = "ons_explore_fetch"
_DATASET = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def fetch_ons_explore(
    dataset: str,
    *,
    base_url: str,
    cache_dir: Path,
    policy: RetryPolicy | None = None,
    progress: Progress | None = None,
    context: SourceContext | None = None,
    sleep: Callable[[float], None] | None = None,
) -> FetchOutcome:
    """Download (or reuse) ``dataset``'s CSV; London's rows as one validated release."""
    if not _DATASET.match(dataset):
        raise FetchError(
            f"dataset {dataset!r}: expected the dataset's slug, e.g. 'healthy-life-expectancy'"
        )
    ctx = context if context is not None else context_for(None)
    url = f"{base_url.rstrip('/')}/{dataset}/{dataset}.csv"
    path = cache_path(cache_dir, base_url, f"ons_explore/{dataset}.csv")
    kwargs = {} if sleep is None else {"sleep": sleep}
    fetched = download(url, path, policy=policy, **kwargs)
    if progress is not None:
        progress(1, 1, dataset)
    try:
        csv = read_csv_file(path, name=url, required=REQUIRED, optional=OPTIONAL)
        london, outside = london_rows(csv, column="areacd", lookup=ctx.lookup)
        if london.frame.empty:
            raise SourceValidationError(
                "no values for London, its boroughs or England", file=url, column="areacd"
            )
        frame, series = parse_ons_explore_csv(london, context=ctx, stem=dataset)
        values = values_table(
            frame,
            file=url,
            resolve_indicator=ctx.resolve_indicator,
            lookup=ctx.lookup,
            shown=SHOWN,
        )
    except SourceValidationError:
        path.unlink(missing_ok=True)
        raise
    retrieved = datetime.now(UTC).replace(microsecond=0)
    release = ReleaseInput(
        source=SOURCE,
        files=(source_file(csv),),
        series=tuple(series),
        values=values,
        loaded_by="healthgap fetch",
        note=f"ONS Explore Local Statistics {url} retrieved {retrieved.isoformat()}",
    )
    return FetchOutcome(
        release=release,
        downloaded=int(fetched),
        cached=int(not fetched),
        rows_outside_london=outside,
        files=(path,),
    )
