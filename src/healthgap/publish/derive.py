"""What is derived from a release when it is loaded, so that reads are look-ups.

* **Comparisons** of every value of the release with London, its ICB and England (by the
  catalogue's comparator and polarity), the borough quintile, the change from the previous
  period and the recent trend: ``healthgap.engine.comparisons.indicator_comparisons`` over the
  release's values plus the context it needs from the store (earlier periods of the same
  series, England values of the same indicators) — the context is what a public read sees at
  load time, so no comparison ever carries a number still under embargo.
* **Commitment assessments**: ``healthgap.tracking.assess_commitments`` run inside the load's
  transaction, so they see the release being written (see ``load_release``).

Design: ``docs/design/0800-read-layer-and-concurrency.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.engine.comparisons import ENGLAND, indicator_comparisons
from healthgap.store import ReleaseInput, Store, Visibility
from healthgap.store.assessments import (
    ASSESSMENT_COLUMNS,
    ASSESSMENT_FIELDS,
    assessment_schema,
)
from healthgap.store.schema import VALUE_KEY, data_table
from healthgap.store.validation import conform
from healthgap.tracking import assess_commitments
from healthgap.tracking.rules import rules_fingerprint

__all__ = [
    "derive_assessments",
    "derive_comparisons",
    "load_release",
    "published_outcomes_kept",
    "with_comparisons",
]

Progress = Callable[[int, int], None]


def derive_comparisons(
    store: Store, release: ReleaseInput, *, catalogue: Catalogue | None = None
) -> pa.Table | None:
    """Comparison outcomes (COMPARISON_COLUMNS) of ``release``'s values, or None when it has
    none. Raises what the comparison step raises (``InputError``) for data it cannot judge;
    nothing is written then."""
    if release.values is None or release.values.num_rows == 0:
        return None
    spec = data_table("values")
    own = conform(release.values, spec)
    names = list(spec.column_names)
    public = Visibility.public().fixed()
    keys = sorted(set(own.column("series").to_pylist()))
    context = store.values(visibility=public, series=keys).select(names)
    if context.num_rows:
        # The release supersedes what it restates: keep only context rows it does not hold.
        context = _anti_join(context, own)
    combined = pa.concat_tables([own, context.cast(own.schema)]) if context.num_rows else own
    ids = sorted({i for i in own.column("indicator_id").to_pylist() if i is not None})
    benchmarks = None
    if ids:
        england = store.values(visibility=public, area_codes=[ENGLAND], indicator_ids=ids)
        england = england.select(names)
        # England rows of the compared series come from the values themselves.
        outside = pc.invert(pc.is_in(england.column("series"), value_set=pa.array(keys)))
        england = england.filter(outside)
        benchmarks = england if england.num_rows else None
    cat = catalogue or load_catalogue()
    known = {i.id for i in cat.indicators}
    unknown = [i for i in ids if i not in known]
    if unknown:
        # An id the catalogue does not declare has no polarity or comparator: judged as an
        # unmapped series ("Not compared", with the reason), its id restored afterwards.
        combined = _without_ids(combined, unknown)
    compared = _semi_join(
        indicator_comparisons(combined, catalogue=cat, benchmarks=benchmarks), own
    )
    if unknown:
        compared = _restore_ids(compared, own)
    return compared


def with_comparisons(
    store: Store, release: ReleaseInput, *, catalogue: Catalogue | None = None
) -> ReleaseInput:
    """``release`` with its comparisons derived (kept as given when it already has them), and
    the outcomes its source published (``published_outcomes``) in place of derived ones."""
    comparisons = release.comparisons
    if comparisons is None:
        comparisons = derive_comparisons(store, release, catalogue=catalogue)
    if comparisons is not None and release.published_outcomes is not None:
        comparisons = published_outcomes_kept(comparisons, release.published_outcomes)
    return replace(release, comparisons=comparisons, published_outcomes=None)


def published_outcomes_kept(comparisons: pa.Table, published: pa.Table) -> pa.Table:
    """``comparisons`` with the outcome and reason the source published for the same value and
    benchmark (Fingertips' own significance calls, which the extracts carry without the
    confidence limits needed to recompute them). Other rows are unchanged."""
    keys = [*VALUE_KEY, "benchmark"]
    given = published.select([*keys, "outcome", "reason"]).to_pandas()
    given = given.drop_duplicates(subset=keys, keep="last")
    frame = comparisons.select(keys).to_pandas()
    hit = frame.merge(given, on=keys, how="left", validate="many_to_one")
    found = hit["outcome"].notna().to_numpy()
    if not found.any():
        return comparisons
    for name in ("outcome", "reason"):
        i = comparisons.schema.get_field_index(name)
        old = comparisons.column(name).to_pandas()
        new = old.where(~found, hit[name].to_numpy())
        field = comparisons.schema.field(i)
        comparisons = comparisons.set_column(
            i, field, pa.array(new.tolist(), pa.string()).cast(field.type)
        )
    return comparisons


def derive_assessments(store: Store, catalogue: Catalogue) -> pa.Table:
    """Every commitment's assessment (ASSESSMENT_COLUMNS without ``release_id``) on the data
    ``store`` reads now — inside a load, the data as the load leaves it — with the rules it
    was made under (``tracking.rules_fingerprint``)."""
    computed_at = datetime.now(UTC).replace(tzinfo=None)
    rules = rules_fingerprint(catalogue)
    rows = [a.to_dict() for a in assess_commitments(catalogue, store)]
    columns: dict[str, list[object]] = {name: [] for name, _, _ in ASSESSMENT_COLUMNS}
    for position, r in enumerate(rows):
        columns["position"].append(position)
        for name in ASSESSMENT_FIELDS:
            columns[name].append(r[name])
        columns["detail"].append(json.dumps(r, sort_keys=True, default=str))
        columns["computed_at"].append(computed_at)
        columns["rules"].append(rules)
    return pa.Table.from_pydict(columns, schema=assessment_schema())


def load_release(
    store: Store,
    release: ReleaseInput,
    *,
    catalogue: Catalogue | None = None,
    progress: Progress | None = None,
    refresh_current: bool = True,
) -> int:
    """Load ``release`` with everything derived from it, atomically; return its release id.

    Comparisons are derived first (from the release and the store as a public read sees it);
    the release, its comparisons, the commitment assessments it leads to and the current
    records a public read then sees (``Store.refresh_current``; skipped with
    ``refresh_current=False`` by a loader that refreshes once at the end) are then written
    in one transaction: a failure or a killed process at any step leaves the store as it was.
    """
    cat = catalogue or load_catalogue()
    complete = with_comparisons(store, release, catalogue=cat)
    if release.values is None or release.values.num_rows == 0:
        # Reference data (deprivation, population, deaths) does not change an assessment:
        # the ones stored with the last release of values still hold.
        return store.load_release(complete, progress=progress, refresh_current=refresh_current)
    return store.load_release(
        complete,
        progress=progress,
        derive=lambda view: {"assessments": derive_assessments(view, cat)},
        refresh_current=refresh_current,
    )


def _without_ids(table: pa.Table, ids: list[str]) -> pa.Table:
    column = table.column("indicator_id")
    nulled = pc.if_else(pc.is_in(column, value_set=pa.array(ids)), None, column)
    i = table.schema.get_field_index("indicator_id")
    return table.set_column(i, table.schema.field(i), nulled)


def _restore_ids(compared: pa.Table, own: pa.Table) -> pa.Table:
    """Give each comparison row the indicator id its value has in the release."""
    keys = list(VALUE_KEY)
    ids = own.select([*keys, "indicator_id"]).to_pandas().drop_duplicates(keys)
    left = _key_frame(compared)
    got = left.merge(ids, on=keys, how="left")["indicator_id"]
    column = pa.array(got.where(got.notna(), None).tolist(), pa.string())
    i = compared.schema.get_field_index("indicator_id")
    return compared.set_column(i, compared.schema.field(i), column)


def _key_frame(table: pa.Table) -> pd.DataFrame:
    frame: pd.DataFrame = table.select(list(VALUE_KEY)).to_pandas()
    return frame


def _anti_join(table: pa.Table, drop: pa.Table) -> pa.Table:
    """Rows of ``table`` whose value key is not in ``drop``."""
    left = _key_frame(table)
    right = _key_frame(drop).drop_duplicates()
    marked = left.merge(right.assign(_hit=True), on=list(VALUE_KEY), how="left")
    keep = marked["_hit"].isna().to_numpy()
    return table.filter(pa.array(keep))


def _semi_join(table: pa.Table, keep: pa.Table) -> pa.Table:
    """Rows of ``table`` whose value key is in ``keep``."""
    left = _key_frame(table)
    right = _key_frame(keep).drop_duplicates()
    marked = left.merge(right.assign(_hit=True), on=list(VALUE_KEY), how="left")
    return table.filter(pa.array(marked["_hit"].notna().to_numpy()))
