"""``healthgap fetch fingertips``: the Fingertips API's all-areas CSV, cut to London.

Per indicator two documented downloads (the API's ``all_data/csv/by_indicator_id``, as used
by fingertipsR ``fingertips_data``):

* ``child_area_type_id=502&parent_area_type_id=6`` — counties and unitary authorities (from
  April 2023) with their regions and England: the 33 boroughs, London and England;
* ``child_area_type_id=221&parent_area_type_id=15`` — ICBs with England: the five London
  ICBs (codes written ``nE54…`` by Fingertips; the ``n`` is removed). Only ICB rows are
  taken from it (England comes from the first download). An indicator Fingertips does not
  publish for ICBs returns no rows here, which is not an error.

The layout is the one ``healthgap.sources.fingertips_api`` reads (its header, real examples
in ``tests/fixtures/fetch/README.md``). Values, counts, denominators, both confidence levels
and value notes become one release; the published "Compared to England/Region" judgements
and the recent trend are kept in the release's ``comparisons`` as published.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa

from healthgap.errors import SourceValidationError
from healthgap.geography import ENGLAND, LONDON, LONDON_BOROUGHS
from healthgap.sources.common import SourceContext
from healthgap.sources.csvfile import CsvFile, read_csv_file
from healthgap.sources.fetch.http import FetchError, RetryPolicy, download
from healthgap.sources.fetch.london import london_rows
from healthgap.sources.fingertips_api import OPTIONAL, REQUIRED, SHOWN, parse_fingertips_csv
from healthgap.sources.fingertips_extracts import SPECS
from healthgap.sources.resolve import context_for
from healthgap.sources.values import KEY_COLUMNS, to_arrow, values_table
from healthgap.store.columns import COMPARISON_COLUMNS
from healthgap.store.release_input import ReleaseInput, SeriesInfo, SourceFile

__all__ = [
    "DEFAULT_FINGERTIPS_URL",
    "FINGERTIPS_URL_ENV",
    "SOURCE",
    "FetchOutcome",
    "Progress",
    "cache_path",
    "fetch_fingertips",
    "fingertips_urls",
]

DEFAULT_FINGERTIPS_URL = "https://fingertips.phe.org.uk/api"
FINGERTIPS_URL_ENV = "HEALTHGAP_FINGERTIPS_URL"
SOURCE = "fingertips_api"

#: (part, child area type id, parent area type id) of each download per indicator.
PARTS: tuple[tuple[str, int, int], ...] = (("areas", 502, 6), ("icbs", 221, 15))

Progress = Callable[[int, int, str], None]
_BOROUGHS = frozenset(LONDON_BOROUGHS)

#: Units the bundled extracts declare per Fingertips id (the API CSV has no unit column).
_SPEC_UNITS: dict[int, str] = {s.fingertips_id: s.unit for s in SPECS.values()}


@dataclass(frozen=True)
class FetchOutcome:
    """A validated release ready to load, and what the fetch did to get it."""

    release: ReleaseInput
    downloaded: int
    cached: int
    rows_outside_london: int
    files: tuple[Path, ...]
    notes: tuple[str, ...] = ()


def fingertips_urls(base_url: str, fingertips_id: int) -> list[tuple[str, str]]:
    """``(part, url)`` of each download for one indicator."""
    base = base_url.rstrip("/")
    return [
        (
            part,
            f"{base}/all_data/csv/by_indicator_id?indicator_ids={fingertips_id}"
            f"&child_area_type_id={child}&parent_area_type_id={parent}",
        )
        for part, child, parent in PARTS
    ]


def cache_path(cache_dir: Path, base_url: str, name: str) -> Path:
    """Where a download is kept: per service (host and a hash of the base URL) and name."""
    host = re.sub(r"[^A-Za-z0-9.-]+", "_", urlsplit(base_url).netloc) or "local"
    tag = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:8]
    return cache_dir / f"{host}-{tag}" / name


def _read(path: Path, url: str, *, allow_empty: bool) -> CsvFile | None:
    if allow_empty and not path.read_bytes().strip():
        return None
    try:
        return read_csv_file(
            path,
            name=url,
            required=REQUIRED,
            optional=OPTIONAL,
            optional_prefixes=("Compared to ",),
        )
    except SourceValidationError as exc:
        if allow_empty and "header but no data rows" in str(exc):
            return None
        raise


def _one_category_type(frame: pd.DataFrame, raw: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    """Keep, per value key, the rows of the first Fingertips category type only.

    Fingertips publishes England by "County & UA deprivation deciles" and by "District & UA
    deprivation deciles"; both are IMD deciles with the same category names, so both would
    claim the same key. The later type's rows are left out and named in a note.
    """
    group = [c for c in KEY_COLUMNS if c != "breakdown_category"]
    work = frame.assign(_ct=raw.to_numpy())
    first = work.groupby(group, dropna=False, sort=False)["_ct"].transform("first")
    drop = work["_ct"] != first
    notes = [
        f"left out {int(n)} row(s) of category type '{ct}' (same breakdown as another type)"
        for ct, n in work.loc[drop, "_ct"].value_counts().items()
    ]
    return frame.loc[~drop], notes


def _comparisons(
    parsed: pd.DataFrame,
    raw: pd.DataFrame,
    methods: Mapping[str, int],
    resolve: Callable[[str], str | None],
) -> pd.DataFrame:
    """The published judgements of the kept rows, in COMPARISON_COLUMNS."""
    raw = raw.loc[parsed.index]
    columns = [c for c in raw.columns if c.startswith("Compared to ")]
    trend = raw["Recent Trend"].astype(str).str.strip() if "Recent Trend" in raw else None
    keys = list(KEY_COLUMNS)
    england = parsed.loc[parsed["area_code"] == ENGLAND, [*keys, "value"]]
    england = england.drop(columns="area_code").rename(columns={"value": "benchmark_value"})
    parts: list[pd.DataFrame] = []
    for column in columns:
        lower = column.lower()
        if "england" in lower:
            benchmark, code, who = "country", ENGLAND, parsed["area_code"] != ENGLAND
        elif "region" in lower:
            benchmark, code = "region", LONDON
            who = parsed["area_code"].isin(_BOROUGHS)
        else:
            continue
        outcome = raw[column].astype(str).str.strip()
        rows = who & (outcome != "")
        if not rows.any():
            continue
        part = parsed.loc[rows, [*keys, "area_type", "period_label"]].copy()
        part["benchmark"] = benchmark
        part["benchmark_area_code"] = code
        part["outcome"] = outcome[rows]
        part["reason"] = np.where(part["outcome"] == "Not compared", "not compared by Fingertips",
                                  "")  # fmt: skip
        part["recent_trend"] = None if trend is None else trend[rows].replace("", None)
        if benchmark == "country":
            part = part.merge(england, on=[k for k in keys if k != "area_code"], how="left")
        else:
            part["benchmark_value"] = np.nan
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[c.name for c in COMPARISON_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    out["indicator_id"] = out["series"].map(lambda s: resolve(str(s)))
    out["comparison_method"] = out["indicator_id"].map(lambda i: methods.get(str(i), -1))
    out["comparison_method"] = out["comparison_method"].astype("int64")
    out["borough_quintile"] = pd.array([None] * len(out), dtype="Int64")
    out["trend_reason"] = None
    return out


def fetch_fingertips(
    fingertips_ids: Sequence[int],
    *,
    base_url: str,
    cache_dir: Path,
    policy: RetryPolicy | None = None,
    progress: Progress | None = None,
    context: SourceContext | None = None,
    comparison_methods: Mapping[str, int] | None = None,
    units: Mapping[int, str] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> FetchOutcome:
    """Download (or reuse from ``cache_dir``) every indicator's files; one validated release.

    Raises ``FetchError`` (network, HTML, HTTP errors) or ``SourceValidationError`` (the
    data); a download that fails validation is removed from the cache so a re-run fetches it
    again. ``comparison_methods`` maps catalogue indicator id → Fingertips comparator id,
    recorded with each published judgement (-1 when the indicator is not in the catalogue).
    The CSV has no unit: each value gets the unit the bundled extracts declare for its id,
    else ``units[id]`` (the catalogue indicator's), else none — the unit decides, e.g., that
    an indirectly standardised ratio may have a count above its (expected) denominator.
    """
    if not fingertips_ids:
        raise FetchError("no Fingertips indicator to fetch; nothing was written")
    ctx = context if context is not None else context_for(None)
    plan = [
        (fid, part, url, cache_path(cache_dir, base_url, f"fingertips/{fid}/{part}.csv"))
        for fid in fingertips_ids
        for part, url in fingertips_urls(base_url, fid)
    ]
    fetched = cached = 0
    for done, (fid, part, url, path) in enumerate(plan, start=1):
        kwargs = {} if sleep is None else {"sleep": sleep}
        if download(url, path, policy=policy, **kwargs):
            fetched += 1
        else:
            cached += 1
        if progress is not None:
            progress(done, len(plan), f"{fid} {part}")
    files: list[SourceFile] = []
    frames: list[pd.DataFrame] = []
    comparisons: list[pd.DataFrame] = []
    series: dict[str, SeriesInfo] = {}
    notes: list[str] = []
    outside = 0
    for fid, part, url, path in plan:
        try:
            csv = _read(path, url, allow_empty=part == "icbs")
            if csv is None:
                notes.append(f"{fid}: Fingertips publishes no ICB values")
                files.append(SourceFile(url, hashlib.sha256(path.read_bytes()).hexdigest(), 0))
                continue
            ids = set(csv.frame["Indicator ID"].astype(str).str.strip())
            if ids - {str(fid)}:
                raise SourceValidationError(
                    f"asked for indicator {fid}, the download holds {', '.join(sorted(ids))}",
                    file=url,
                    column="Indicator ID",
                )
            london, left_out = london_rows(
                csv, column="Area Code", lookup=ctx.lookup, strip_prefix="n"
            )
            if part == "icbs":
                icb = london.frame["Area Code"].str.startswith("E54")
                left_out += int((~icb).sum())
                london = dataclasses.replace(london, frame=london.frame.loc[icb])
            outside += left_out
            files.append(SourceFile(url, csv.sha256, csv.rows))
            if london.frame.empty:
                if part == "areas":
                    raise SourceValidationError(
                        f"no values for London, its boroughs or England in indicator {fid}",
                        file=url,
                    )
                notes.append(f"{fid}: no London ICB values")
                continue
            frame, infos = parse_fingertips_csv(london, context=ctx)
            frame["unit"] = _SPEC_UNITS.get(fid, (units or {}).get(fid))
            frame, dropped = _one_category_type(frame, london.frame["Category Type"])
            notes.extend(f"{fid}: {n}" for n in dropped)
            comparisons.append(
                _comparisons(frame, london.frame, comparison_methods or {}, ctx.resolve_indicator)
            )
            frames.append(frame)
            for info in infos:
                series.setdefault(info.key, info)
        except SourceValidationError:
            path.unlink(missing_ok=True)
            raise
    if not frames:
        raise FetchError("the downloads hold no London values; nothing was written")
    notes.extend(
        f"{fid}: no catalogue indicator declares series fingertips:{fid}; its values are "
        "stored but not mapped to an indicator"
        for fid in fingertips_ids
        if ctx.resolve_indicator(f"fingertips:{fid}") is None
    )
    values = values_table(
        pd.concat(frames, ignore_index=True),
        file=f"{SOURCE} download",
        resolve_indicator=ctx.resolve_indicator,
        lookup=ctx.lookup,
        shown=SHOWN,
    )
    published = pd.concat(comparisons, ignore_index=True)
    table: pa.Table | None = to_arrow(published, COMPARISON_COLUMNS) if len(published) else None
    retrieved = datetime.now(UTC).replace(microsecond=0)
    release = ReleaseInput(
        source=SOURCE,
        files=tuple(files),
        series=tuple(series.values()),
        values=values,
        comparisons=table,
        loaded_by="healthgap fetch",
        note=(
            f"Fingertips API {base_url.rstrip('/')} retrieved {retrieved.isoformat()}; "
            f"indicators {', '.join(str(i) for i in fingertips_ids)}; London, its boroughs, "
            f"the London ICBs and England"
        ),
    )
    return FetchOutcome(
        release=release,
        downloaded=fetched,
        cached=cached,
        rows_outside_london=outside,
        files=tuple(p for *_, p in plan),
        notes=tuple(notes),
    )
