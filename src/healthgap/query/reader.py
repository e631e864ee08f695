"""``ReadLayer``: the one way presentations read the store, catalogue and geography.

Every data read takes a :class:`~healthgap.store.Visibility` (``Viewer``): public or editor, as
of an instant. The read layer passes it to the store unchanged, runs each read inside one store
snapshot (one consistent view, even while a load is written), joins catalogue metadata,
geography names, stored comparisons and provenance, and never returns an empty result: an
unknown code raises :class:`UnknownParameter` (with the closest valid values), a valid question
with no answer :class:`NoData` (with what is held). Design: ADR 0800.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from healthgap import __version__
from healthgap.catalogue import (
    Aim,
    Catalogue,
    Commitment,
    FocusArea,
    Indicator,
    Mission,
    Priority,
    SearchHit,
    load_catalogue,
)
from healthgap.errors import CatalogueError
from healthgap.geography import LONDON, Geography, load_geography
from healthgap.geography.boundaries import BoundaryLevel
from healthgap.query.errors import NoData, UnknownParameter, closest
from healthgap.query.models import (
    AreaInfo,
    AssessmentRow,
    ComparisonRow,
    InequalityRow,
    LineageLink,
    Provenance,
    ReleaseChange,
    ReleaseDiff,
    TrendRow,
    ValueRow,
)
from healthgap.query.prepared import ANSWER_FORMAT, PREPARED_QUESTIONS, JsonAnswer
from healthgap.store import (
    AREA_TYPES,
    SEXES,
    PreparedAnswer,
    ProgressReturn,
    Release,
    SourceSummary,
    Store,
    Visibility,
    open_store,
)
from healthgap.store.assessments import ASSESSMENT_FIELDS
from healthgap.store.schema import VALUE_KEY

__all__ = ["BULK_COLUMNS", "Filter", "ReadLayer", "Viewer", "open_read_layer"]

#: A read's view of the store (public or editor, as of an instant): the store's rule.
Viewer = Visibility

Filter = str | Sequence[str] | None

#: Columns of the flat (bulk) table, in order: the value, its metadata, comparisons and
#: provenance. Comparison columns are null where none is stored.
BULK_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "indicator_name",
    "series",
    "area_code",
    "area_name",
    "area_type",
    "parent_code",
    "parent_name",
    "period_label",
    "period_start",
    "period_end",
    "sex",
    "age",
    "breakdown_type",
    "breakdown_category",
    "value",
    "lower95_0cl",
    "upper95_0cl",
    "lower99_8cl",
    "upper99_8cl",
    "count",
    "denominator",
    "unit",
    "polarity",
    "statistic",
    "comparison_method",
    "multiplier",
    "suppressed",
    "provisional",
    "revised",
    "value_note",
    "compared_to_london",
    "london_value",
    "compared_to_icb",
    "icb_code",
    "icb_value",
    "compared_to_england",
    "england_value",
    "borough_quintile",
    "change_from_previous",
    "recent_trend",
    "trend_reason",
    "release_id",
    "source",
    "published_at",
    "loaded_at",
)

#: A value's key in the store (one published number per key and release).
_VALUE_KEY = VALUE_KEY
#: Answers remembered per read layer (values and bulk reads), least recently used dropped.
_CACHE_ENTRIES = 256
_T = TypeVar("_T")
_BOUNDARY_LEVELS: tuple[str, ...] = ("ltla", "icb", "region", "ward", "msoa21", "lsoa21")


def _frozen(params: dict[str, Any]) -> tuple[tuple[str, object], ...]:
    return tuple(
        (k, v if isinstance(v, (str, bool, int)) or v is None else tuple(v))
        for k, v in sorted(params.items())
    )


def _names(value: Filter) -> list[str] | None:
    if value is None:
        return None
    names = [value] if isinstance(value, str) else list(value)
    return [n.strip() for n in names if n.strip()] or None


@dataclass(frozen=True, slots=True)
class _NoAnswer:
    """A remembered ``NoData``: its fields (copied), raised as a new exception on each hit.
    Never the exception itself: a raised object's traceback grows with each raise, would
    be shared across threads, and keeps the frames (and their tables) of its first read."""

    asked: dict[str, object]
    available: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, e: NoData) -> _NoAnswer:
        return cls(copy.deepcopy(e.asked), dict(e.available))

    def again(self) -> NoData:
        return NoData(copy.deepcopy(self.asked), self.available)


class ReadLayer:
    """Reads for the API, website, reports and CLI. Thread-safe: share one per process.

    ``store`` is the process's store (the server's single writer, or a read-only store for
    the CLI); the catalogue and geography default to the bundled ones.
    """

    def __init__(
        self,
        store: Store,
        *,
        catalogue: Catalogue | None = None,
        geography: Geography | None = None,
        prepare: bool | None = None,
    ) -> None:
        self.store = store
        self.catalogue = catalogue if catalogue is not None else load_catalogue()
        self.geography = geography if geography is not None else load_geography()
        self._areas: dict[str, AreaInfo | None] = {}
        self._ancestry: dict[str, frozenset[str]] = {}
        self._cache: OrderedDict[tuple[object, ...], object] = OrderedDict()
        self._indicator_table: pa.Table | None = None
        self._recipes: dict[str, str] = {}
        self._rules: str | None = None
        self._lock = threading.Lock()
        if not store.read_only if prepare is None else prepare:
            # Every refresh of the store's current records then prepares this layer's
            # answers in the same transaction (ADR 0812).
            store.prepare_answers_with(self._prepare)

    def warm(self) -> None:
        """Build the look-ups the first reads would otherwise build (the full geography
        index, London's descendants, the indicator table): a server calls this at start."""
        with contextlib.suppress(UnknownParameter):
            self._descendants(self.area(LONDON).code)
        self._indicator_meta()
        for name in PREPARED_QUESTIONS:
            self._recipe(name)

    def close(self) -> None:
        """Close the store (when this read layer opened it)."""
        self.store.close()

    def __enter__(self) -> ReadLayer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cached(
        self,
        kind: str,
        viewer: Visibility,
        params: dict[str, Any],
        build: Callable[[Visibility], _T],
    ) -> _T:
        """``build(viewer)``, remembered under the fingerprint of what ``viewer`` sees
        (:meth:`version`): equal fingerprints mean equal answers, so a cached answer is never
        stale and never crosses the embargo line. The key and the answer are read in one
        snapshot (:meth:`snapshot`): a load committed in between is in neither (else an
        editor's answer could be filed under a key a public read computes later).

        A ``NoData`` answer is as determined by the fingerprint as any other, so it is
        remembered too (its fields, under the same key and bound) and raised afresh, as a
        new exception, on each hit. Other errors are not remembered: bad parameters are
        cheap to find again, and a store error says nothing about the answer."""
        vis = viewer.fixed()
        with self.snapshot(vis) as version:
            key = (kind, version, _frozen(params))
            with self._lock:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
            if hit is None:
                try:
                    got: object = build(vis)
                except NoData as e:
                    if type(e) is not NoData:  # a subclass's fields would not be kept
                        raise
                    self._remember(key, _NoAnswer.of(e))
                    raise
                self._remember(key, got)
                return cast("_T", got)
        if isinstance(hit, _NoAnswer):
            raise hit.again()
        return cast("_T", hit)

    def _remember(self, key: tuple[object, ...], answer: object) -> None:
        with self._lock:
            self._cache[key] = answer
            self._cache.move_to_end(key)
            while len(self._cache) > _CACHE_ENTRIES:
                self._cache.popitem(last=False)

    @contextmanager
    def snapshot(self, viewer: Visibility) -> Iterator[str]:
        """One consistent view of the store for the block, and :meth:`version` of
        ``viewer`` in it: ``with read.snapshot(viewer) as version:`` — every read this
        thread makes in the block sees the state that ``version`` fingerprints, whatever
        loads commit meanwhile, so what the block builds may be filed under ``version``
        (a page or view cache; ADR 0800). Nested blocks share the outer snapshot."""
        with self._snapshot():
            yield self.version(viewer)

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        with self.store.snapshot():
            yield

    # ------------------------------------------------------------------ catalogue
    def aims(self) -> tuple[Aim, ...]:
        return self.catalogue.aims

    def priorities(self) -> tuple[Priority, ...]:
        return self.catalogue.priorities

    def commitments(self) -> tuple[Commitment, ...]:
        return self.catalogue.commitments

    def focus_areas(self) -> tuple[FocusArea, ...]:
        return self.catalogue.focus_areas

    def missions(self) -> tuple[Mission, ...]:
        return self.catalogue.missions

    def indicators(self) -> tuple[Indicator, ...]:
        return self.catalogue.indicators

    def indicator(self, indicator_id: str) -> Indicator:
        """One indicator with full metadata; ``UnknownParameter('indicator', …)`` if unknown."""
        try:
            return self.catalogue.indicator(indicator_id)
        except CatalogueError:
            raise UnknownParameter(
                "indicator",
                indicator_id,
                suggestions=closest(indicator_id, (i.id for i in self.catalogue.indicators)),
            ) from None

    def commitment(self, commitment_id: str) -> Commitment:
        """One commitment; ``UnknownParameter('commitment', …)`` if unknown."""
        try:
            return self.catalogue.commitment(commitment_id)
        except CatalogueError:
            raise UnknownParameter(
                "commitment",
                commitment_id,
                suggestions=closest(commitment_id, (c.id for c in self.catalogue.commitments)),
            ) from None

    def search(self, text: str) -> tuple[SearchHit, ...]:
        """Indicators, commitments and focus areas matching every word of ``text``."""
        return self.catalogue.search(text)

    # ------------------------------------------------------------------ areas
    def area(self, code: str, *, parameter: str = "area") -> AreaInfo:
        """One area; ``UnknownParameter(parameter, …)`` naming the closest codes if unknown
        (``parameter``: the name the caller gave the code, e.g. ``parent``)."""
        found = self._area(code)
        if found is None:
            raise self._unknown_area(parameter, code)
        return found

    def areas(self, *, area_type: str | None = None, parent: str | None = None) -> list[AreaInfo]:
        """Areas of ``area_type`` (within ``parent`` at any depth), or ``parent``'s direct
        children when no type is given; sorted by code."""
        if area_type is not None:
            self._check_choice("area_type", area_type, AREA_TYPES)
        if parent is not None:
            p = self.area(parent, parameter="parent")
            found = self.geography.children(p.code, area_type=area_type)
        else:
            found = self.geography.areas(area_type=area_type)
        return [self._info(a.code, a.name, a.area_type, a.parent_code) for a in found]

    def search_areas(
        self, text: str, *, area_type: str | None = None, limit: int = 20
    ) -> list[AreaInfo]:
        """Areas by code or name (exact, prefix, substring, then fuzzy), best first.

        ``UnknownParameter('q', …)`` with suggestions when nothing matches.
        """
        if area_type is not None:
            self._check_choice("area_type", area_type, AREA_TYPES)
        hits = self.geography.search(text, area_type=area_type, limit=max(1, min(limit, 500)))
        if not hits:
            suggestion = self.geography.suggest(text)
            raise UnknownParameter("q", text, suggestions=[suggestion] if suggestion else [])
        return [self._info(a.code, a.name, a.area_type, a.parent_code) for a in hits]

    def parents(self, code: str) -> list[AreaInfo]:
        """An area's ancestors, nearest first (borough → ICB → London → England)."""
        self.area(code)
        return [
            self._info(a.code, a.name, a.area_type, a.parent_code)
            for a in self.geography.parents(code)
        ]

    def lineage(self, code: str) -> list[LineageLink]:
        """The 2011↔2021 links of an LSOA (either edition's code); ``UnknownParameter`` for
        an unknown code, ``NoData`` for an area that is not an LSOA."""
        area = self.area(code)
        links = self.geography.lsoa11_to_lsoa21()
        if area.area_type == "lsoa11":
            found = links[links["lsoa11_code"] == area.code]
        elif area.area_type == "lsoa21":
            found = links[links["lsoa21_code"] == area.code]
        else:
            raise NoData(
                {"area": area.code, "lineage": "2011-2021"}, {"area_types": ["lsoa11", "lsoa21"]}
            )
        return [
            LineageLink(str(r.lsoa11_code), str(r.lsoa21_code), str(r.change))
            for r in found.itertuples(index=False)
        ]

    def boundaries(self, level: str) -> dict[str, Any]:
        """London boundaries for ``level`` as a GeoJSON FeatureCollection."""
        self._check_choice("level", level, _BOUNDARY_LEVELS)
        lvl: BoundaryLevel = level  # type: ignore[assignment]
        return self.geography.boundaries(lvl)

    def _area(self, code: str) -> AreaInfo | None:
        key = code.strip().upper()
        with self._lock:
            if key in self._areas:
                return self._areas[key]
        area = self.geography.get(key)
        found = (
            self._held_area(key)
            if area is None
            else self._info(area.code, area.name, area.area_type, area.parent_code)
        )
        if found is not None:  # an unknown code may be loaded later: not remembered
            with self._lock:
                self._areas[key] = found
        return found

    def _held_area(self, code: str) -> AreaInfo | None:
        """An area the geography does not know but the store holds values for (e.g. an ICB
        code retired before the bundled lookups): named by its code, no parent."""
        held = self.store.values(visibility=Visibility.public(), area_codes=[code])
        if held.num_rows == 0:
            return None
        return AreaInfo(code, code, str(held.column("area_type")[0].as_py()), None, None)

    def _info(self, code: str, name: str, area_type: str, parent: str | None) -> AreaInfo:
        parent_name = None
        if parent is not None:
            pa_ = self.geography.get(parent)
            parent_name = None if pa_ is None else pa_.name
        return AreaInfo(code, name, area_type, parent, parent_name)

    def _unknown_area(self, parameter: str, code: str) -> UnknownParameter:
        suggestion = self.geography.suggest(code)
        return UnknownParameter(parameter, code, suggestions=[suggestion] if suggestion else [])

    @staticmethod
    def _check_choice(parameter: str, value: str, valid: Sequence[str]) -> None:
        if value not in valid:
            raise UnknownParameter(
                parameter, value, suggestions=closest(value, valid), valid=tuple(valid)
            )

    # ------------------------------------------------------------------ values
    def values(
        self,
        viewer: Visibility,
        *,
        indicator: Filter = None,
        area: Filter = None,
        area_type: Filter = None,
        parent: str | None = None,
        period: Filter = None,
        sex: Filter = None,
        age: Filter = None,
        breakdown: Filter = None,
        category: Filter = None,
        latest: bool = False,
    ) -> list[ValueRow]:
        """Values with metadata, comparisons and provenance, as ``viewer`` may see them.

        ``indicator`` takes catalogue indicator ids or series keys; ``area`` GSS codes;
        ``parent`` an area whose descendants are wanted; ``period`` period labels as
        published ('2021 - 23'); ``breakdown`` breakdown types ('none', 'imd_decile' …) and
        ``category`` their categories. ``latest`` keeps the latest period of each series at
        each area. Raises ``UnknownParameter`` or ``NoData``; never returns an empty list.
        """
        params = _params(
            indicator, area, area_type, parent, period, sex, age, breakdown, category, latest
        )

        def build(vis: Visibility) -> list[ValueRow]:
            return _value_rows(_value_shape(self._wide(vis, **params)))

        return list(self._cached("values", viewer, params, build))

    def value_table(
        self,
        viewer: Visibility,
        *,
        indicator: Filter = None,
        area: Filter = None,
        area_type: Filter = None,
        parent: str | None = None,
        period: Filter = None,
        sex: Filter = None,
        age: Filter = None,
        breakdown: Filter = None,
        category: Filter = None,
        latest: bool = False,
        compared: bool = False,
    ) -> pa.Table:
        """The read of :meth:`values` as an Arrow table shaped like :class:`ValueRow`
        (``comparisons`` a list of structs, ``provenance`` a struct): the fast path for
        serialising (:meth:`json`), with no Python object per row. ``compared`` keeps only
        values with stored comparisons (``NoData`` when none has any). Same errors as
        :meth:`values`."""
        params = _params(
            indicator, area, area_type, parent, period, sex, age, breakdown, category, latest
        )
        wide = self._cached("wide", viewer, params, lambda vis: self._wide(vis, **params))
        table = _value_shape(wide)
        if compared:
            table = table.filter(pc.greater(pc.list_value_length(table["comparisons"]), 0))
            if table.num_rows == 0:
                releases = pc.unique(wide["release_id"]).to_pylist()
                raise NoData(
                    {"indicator": indicator, "area": area, "comparisons": "stored"},
                    {"releases_without_comparisons": sorted(str(r) for r in releases)},
                )
        return table

    def values_json(
        self,
        viewer: Visibility,
        *,
        indicator: Filter = None,
        area: Filter = None,
        area_type: Filter = None,
        parent: str | None = None,
        period: Filter = None,
        sex: Filter = None,
        age: Filter = None,
        breakdown: Filter = None,
        category: Filter = None,
        latest: bool = False,
    ) -> JsonAnswer:
        """:meth:`values` as JSON bytes (``json(value_table(...))``). A public read now
        asking a prepared question (:data:`PREPARED_QUESTIONS`) gets the answer the store
        prepared at load time, with its gzip form, when it was made for exactly the releases
        this read sees and by this layer's recipe; any other read is answered afresh (ADR
        0812). Same bytes either way; same errors as :meth:`values`."""
        params = _params(
            indicator, area, area_type, parent, period, sex, age, breakdown, category, latest
        )
        found = self._prepared(viewer, params)
        if found is not None:
            return found
        return JsonAnswer(self.json(self.value_table(viewer, **params)))

    def _prepared(self, viewer: Visibility, params: dict[str, Any]) -> JsonAnswer | None:
        """The stored answer to the question ``params`` asks, if one may be served."""
        if viewer.include_embargoed or viewer.as_of is not None:
            return None
        asked = _frozen(params)
        name = next(
            (n for n, q in PREPARED_QUESTIONS.items() if _frozen(_question(q)) == asked), None
        )
        if name is None:
            return None
        got = self.store.prepared_answer(name, recipe=self._recipe(name), visibility=viewer)
        return None if got is None else JsonAnswer(gzip=got.gzip)

    def _prepare(self, store: Store, vis: Visibility) -> list[PreparedAnswer]:
        """Make the prepared answers for ``vis`` (the public read the store's current
        records were just derived for), inside the store's refresh transaction. Reads go
        past this layer's caches: the transaction may yet roll back."""
        if store is not self.store:
            raise ValueError("a read layer prepares answers for its own store only")
        answers: list[PreparedAnswer] = []
        for name, question in PREPARED_QUESTIONS.items():
            try:
                table = _value_shape(self._wide(vis, **_question(question)))
            except (NoData, UnknownParameter):
                continue  # nothing to prepare: a read answers (or refuses) afresh
            body = self.json(table)
            packed = gzip.compress(body, compresslevel=6, mtime=0)
            answers.append(PreparedAnswer(name, self._recipe(name), len(body), packed))
        return answers

    def _recipe(self, name: str) -> str:
        """What, besides the store, a prepared answer's bytes depend on: the answer format,
        healthgap's and DuckDB's versions (JSON writing), the question, the catalogue's
        indicator metadata and the names and parents of the areas the question covers.
        Remembered per read layer (its catalogue and geography never change)."""
        with self._lock:
            got = self._recipes.get(name)
        if got is not None:
            return got
        question = _question(PREPARED_QUESTIONS[name])
        meta = self._indicator_meta().to_pydict()
        areas: list[object] = []
        parent = question.get("parent")
        if parent is not None:
            with contextlib.suppress(UnknownParameter):
                for code in sorted(self._descendants(self.area(str(parent)).code)):
                    info = self._area(code)
                    areas.append(None if info is None else (code, *_area_fields(info)))
        text = json.dumps(
            [
                ANSWER_FORMAT,
                __version__,
                self.store.engine_version,
                name,
                sorted(question.items(), key=lambda kv: kv[0]),
                self.catalogue.version,
                meta,
                areas,
            ],
            default=str,
            separators=(",", ":"),
        )
        got = hashlib.sha256(text.encode()).hexdigest()
        with self._lock:
            self._recipes[name] = got
        return got

    def json(self, table: pa.Table) -> bytes:
        """``table`` (e.g. :meth:`value_table` or :meth:`bulk`) as JSON array bytes, written
        by the store's JSON writer: dates and timestamps as ISO strings, non-finite numbers
        as null, field names and order as the table's."""
        return self.store.json_array(_iso_timestamps(table))

    def series(
        self,
        viewer: Visibility,
        *,
        indicator: Filter,
        area: Filter = None,
        area_type: Filter = None,
        parent: str | None = None,
        sex: Filter = None,
        age: Filter = None,
        breakdown: Filter = None,
        category: Filter = None,
    ) -> list[ValueRow]:
        """Every period of an indicator's values (a time series), oldest first."""
        return self.values(
            viewer,
            indicator=indicator,
            area=area,
            area_type=area_type,
            parent=parent,
            sex=sex,
            age=age,
            breakdown=breakdown,
            category=category,
        )

    def latest(self, viewer: Visibility, **filters: Any) -> list[ValueRow]:
        """The latest period of each series at each area (``values(..., latest=True)``)."""
        return self.values(viewer, latest=True, **filters)

    def bulk(
        self,
        viewer: Visibility,
        *,
        indicator: Filter = None,
        area: Filter = None,
        area_type: Filter = None,
        parent: str | None = None,
        period: Filter = None,
        sex: Filter = None,
        age: Filter = None,
        breakdown: Filter = None,
        category: Filter = None,
        latest: bool = False,
    ) -> pa.Table:
        """The same read as :meth:`values`, flat (``BULK_COLUMNS``), as an Arrow table for
        CSV, Parquet or JSON streaming. ``NoData`` rather than an empty table."""
        params = _params(
            indicator, area, area_type, parent, period, sex, age, breakdown, category, latest
        )

        wide = self._cached("wide", viewer, params, lambda vis: self._wide(vis, **params))
        return wide.select(list(BULK_COLUMNS))

    def comparisons(
        self,
        viewer: Visibility,
        *,
        indicator: Filter = None,
        area: Filter = None,
        area_type: Filter = None,
        parent: str | None = None,
        period: Filter = None,
        sex: Filter = None,
        age: Filter = None,
        breakdown: Filter = None,
        category: Filter = None,
        latest: bool = False,
    ) -> list[ValueRow]:
        """Values that have stored comparisons (London, ICB, England, quintile, previous);
        ``NoData`` when the values exist but none was compared."""
        return _value_rows(
            self.value_table(
                viewer,
                indicator=indicator,
                area=area,
                area_type=area_type,
                parent=parent,
                period=period,
                sex=sex,
                age=age,
                breakdown=breakdown,
                category=category,
                latest=latest,
                compared=True,
            )
        )

    def trends(
        self,
        viewer: Visibility,
        *,
        indicator: Filter = None,
        area: Filter = None,
        sex: Filter = None,
        breakdown: Filter = None,
    ) -> list[TrendRow]:
        """Stored recent trends (on each series' latest period)."""
        rows = self.values(
            viewer, indicator=indicator, area=area, sex=sex, breakdown=breakdown, latest=True
        )
        out: list[TrendRow] = []
        for r in rows:
            if r.recent_trend is None:
                continue
            out.append(
                TrendRow(
                    indicator_id=r.indicator_id,
                    series=r.series,
                    area_code=r.area_code,
                    area_name=r.area_name,
                    period_label=r.period_label,
                    sex=r.sex,
                    age=r.age,
                    breakdown_type=r.breakdown_type,
                    breakdown_category=r.breakdown_category,
                    recent_trend=r.recent_trend,
                    trend_reason=r.trend_reason,
                    release_id=r.provenance.release_id,
                )
            )
        if not out:
            raise NoData(
                {"indicator": indicator, "area": area, "trend": "stored"},
                {"latest_periods": sorted({r.period_label for r in rows})},
            )
        return out

    # ------------------------------------------------------------------ releases
    def releases(self, viewer: Visibility) -> list[Release]:
        """Every release with its status as of ``viewer``'s instant (embargoed ones listed
        as a calendar would, their values never shown)."""
        return self.store.releases(visibility=viewer)

    def release(self, viewer: Visibility, release_id: int) -> Release:
        """One release; ``UnknownParameter('release', …)`` if there is none."""
        for r in self.releases(viewer):
            if r.release_id == release_id:
                return r
        raise UnknownParameter(
            "release",
            str(release_id),
            suggestions=closest(
                str(release_id), [str(r.release_id) for r in self.releases(viewer)]
            ),
        )

    def version(self, viewer: Visibility) -> str:
        """A short fingerprint of everything ``viewer`` can see: the visible releases, the
        latest progress return, the latest action library entry and the catalogue version.
        Equal fingerprints mean equal answers, so it serves as an HTTP ETag and a cache key."""
        seen = self.store.read_fingerprint(visibility=viewer.fixed())
        ids = ",".join(map(str, seen.release_ids))
        text = f"{self.catalogue.version}|{ids}|{seen.latest_change}|{seen.latest_action_seq}"
        returned = seen.latest_progress_return
        if returned is not None and returned != seen.latest_change:
            # A release changed after it (for an editor, maybe in the future, when a new
            # return would not move the latest change): name the return too (ADR 0800).
            text += f"|return {returned}"
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def summary(self) -> list[SourceSummary]:
        """Per source: releases, stored rows, series and the periods held."""
        return self.store.summary()

    @property
    def schema_version(self) -> int:
        """The store's schema version."""
        return self.store.schema_version

    def tidy_values(
        self,
        viewer: Visibility,
        *,
        indicator: Filter = None,
        release_id: int | None = None,
    ) -> pa.Table:
        """Values in the store's canonical tidy shape (VALUE_COLUMNS + ``release_id``), for
        exports: the current ones, or exactly as one release added them.

        ``indicator`` filters on indicator ids as stored. ``NoData`` when nothing matches;
        ``StoreError`` for a release that does not exist or ``viewer`` may not see.
        """
        ids = _names(indicator)
        if release_id is not None:
            table = self.store.release_values(release_id, indicator_ids=ids, visibility=viewer)
        else:
            table = self.store.values(visibility=viewer, indicator_ids=ids)
        if table.num_rows == 0:
            asked: dict[str, object] = {"indicator": ids, "release": release_id}
            held = self.store.value_indicator_ids(visibility=viewer)
            raise NoData(asked, {"indicators": held})
        return table

    # ------------------------------------------------------------------ commitments
    def assessments(self, viewer: Visibility, *, commitment: Filter = None) -> list[AssessmentRow]:
        """Commitment assessments as ``viewer`` would see them made, remembered under the
        fingerprint of what it sees (:meth:`_cached`). ``UnknownParameter`` for an unknown
        commitment; ``NoData`` when none is held."""
        wanted = _names(commitment)
        for c in wanted or ():
            self.commitment(c)
        rows = self._cached("assessments", viewer, {}, self._assessments)
        if wanted is not None:
            rows = tuple(r for r in rows if r.commitment_id in wanted or r.id in wanted)
        if not rows:
            raise NoData({"commitment": wanted, "assessments": "stored"}, {})
        return list(rows)

    def _assessments(self, vis: Visibility) -> tuple[AssessmentRow, ...]:
        """The assessments stored with the newest visible release, looked up, when they are
        what a read now would make: they were made for the public read at load time, so
        they stand only for a read of now (no ``as_of`` in the past), when nothing visible
        changed since (a later publication, an embargo that ended, a progress return) and
        under the running rules (``tracking.rules_fingerprint``: the code and catalogue).
        Otherwise they are made afresh, on what a public read sees at the viewer's instant
        (``as_of``: values as published then, returns recorded by then, deadlines judged
        then), so an earlier date never shows a verdict made from later data (ADR 0700)."""
        from healthgap.tracking.rules import rules_fingerprint

        if self._rules is None:
            self._rules = rules_fingerprint(self.catalogue)
        public = vis.public_view()
        cutoff = public.cutoff()
        as_of = None if cutoff >= vis.clock() else cutoff.date()
        stored = self.store.assessments(visibility=public)
        if as_of is None and stored.num_rows:
            computed = stored.column("computed_at")[0].as_py()
            changed = self.store.latest_change(visibility=public)
            if stored.column("rules")[0].as_py() == self._rules and (
                changed is None or changed <= computed
            ):
                return tuple(
                    _assessment_row(r, json.loads(r["detail"]), int(r["release_id"]))
                    for r in stored.to_pylist()
                )
        return self._assess_at(public, as_of)

    def _assess_at(self, public: Visibility, as_of: date | None) -> tuple[AssessmentRow, ...]:
        """Assessments made now by tracking's rules on what ``public`` sees (``as_of``: as
        on that date), each with the newest release that read sees (0 when it sees none)."""
        from healthgap.tracking import assess_commitments

        latest = max(self.store.visible_release_ids(visibility=public), default=0)
        return tuple(
            _assessment_row(d, json.loads(json.dumps(d, sort_keys=True, default=str)), latest)
            for d in (
                a.to_dict() for a in assess_commitments(self.catalogue, self.store, as_of=as_of)
            )
        )

    def progress_history(self, commitment: str) -> list[ProgressReturn]:
        """Every progress return of a commitment, corrections included, in recorded order."""
        return self.store.progress_history(self.commitment(commitment).id)

    # ------------------------------------------------------------------ release changes
    def release_diff(self, viewer: Visibility, old: int, new: int) -> ReleaseDiff:
        """What changed from release ``old`` to release ``new``, per series: value keys
        added, removed, revised (value or limits differ) and unchanged. Both releases must
        be visible to ``viewer`` (``StoreError`` otherwise)."""
        for rid in (old, new):
            self.release(viewer, rid)
        cols = [*_VALUE_KEY, "indicator_id", "value", "lower95_0cl", "upper95_0cl"]
        with self._snapshot():
            a = self.store.release_values(old, visibility=viewer).select(cols).to_pandas()
            b = self.store.release_values(new, visibility=viewer).select(cols).to_pandas()
        keys = list(_VALUE_KEY)
        both = a.merge(b, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
        changes: list[ReleaseChange] = []
        for series, g in both.groupby("series", sort=True):
            inner = g[g["_merge"] == "both"]
            differs = pd.Series(False, index=inner.index)
            for c in ("value", "lower95_0cl", "upper95_0cl"):
                x, y = inner[f"{c}_old"], inner[f"{c}_new"]
                differs |= ~((x == y) | (x.isna() & y.isna()))
            ids = g["indicator_id_new"].fillna(g["indicator_id_old"]).dropna()
            changes.append(
                ReleaseChange(
                    series=str(series),
                    indicator_id=None if ids.empty else str(ids.iloc[0]),
                    added=int((g["_merge"] == "right_only").sum()),
                    removed=int((g["_merge"] == "left_only").sum()),
                    revised=int(differs.sum()),
                    unchanged=int(len(inner) - differs.sum()),
                )
            )
        return ReleaseDiff(old=old, new=new, changes=tuple(changes))

    # ------------------------------------------------------------------ inequality
    @staticmethod
    def inequality_breakdowns() -> tuple[str, ...]:
        """The breakdowns :meth:`inequality` computes measures across (decile breakdowns and
        the HEAT dimensions)."""
        from healthgap.engine.heat_measures import HEAT_DIMENSIONS
        from healthgap.engine.inequality import DECILE_BREAKDOWNS

        return tuple(sorted(set(DECILE_BREAKDOWNS) | set(HEAT_DIMENSIONS)))

    def inequality(
        self,
        viewer: Visibility,
        *,
        indicator: str,
        area: str,
        period: str,
        breakdown: str,
        sex: str = "persons",
    ) -> list[InequalityRow]:
        """Inequality measures computed on demand from the stored values across a breakdown:
        SII, RII and gap for a decile breakdown; the HEAT measures for deprivation deciles or
        ethnic groups (``healthgap.engine``'s implementations of ``healthgap.methods``).

        ``NoData`` (listing the breakdowns held) when the values cannot bear them.
        """
        from healthgap.engine.heat_measures import HEAT_DIMENSIONS, heat_values
        from healthgap.engine.inequality import DECILE_BREAKDOWNS, inequality_values

        ind = self.indicator(indicator)
        rows = self.bulk(
            viewer, indicator=ind.id, area=area, period=period, sex=sex, breakdown=None
        )
        base = self.store.values(
            visibility=viewer, indicator_ids=[ind.id], area_codes=[self.area(area).code]
        )
        frame = base.filter(
            pc.and_(
                pc.equal(base.column("period_label"), period), pc.equal(base.column("sex"), sex)
            )
        ).drop(["release_id"])
        held = sorted(set(rows.column("breakdown_type").to_pylist()))
        if breakdown not in held:
            raise NoData(
                {"indicator": ind.id, "area": area, "period": period, "breakdown": breakdown},
                {"breakdowns": held},
            )
        out: list[pa.Table] = []
        if breakdown in DECILE_BREAKDOWNS:
            out.append(
                inequality_values(
                    frame, indicator_id=ind.id, statistic=ind.statistic.value, breakdown=breakdown
                )
            )
        if breakdown in HEAT_DIMENSIONS:
            out.append(
                heat_values(
                    frame,
                    indicator_id=ind.id,
                    favourable=ind.polarity.value == "high_is_good",
                    scale=ind.multiplier,
                )
            )
        measures = [r for t in out for r in t.to_pylist()]
        if not measures:
            raise NoData(
                {"indicator": ind.id, "area": area, "period": period, "breakdown": breakdown},
                {
                    "breakdowns_with_measures": list(self.inequality_breakdowns()),
                    "breakdowns": held,
                },
            )
        return [
            InequalityRow(
                indicator_id=ind.id,
                area_code=m["area_code"],
                period_label=m["period_label"],
                sex=m["sex"],
                breakdown_type=breakdown,
                measure=str(m["series"]).rsplit("/", 1)[-1],
                value=m["value"],
                lower95_0cl=m["lower95_0cl"],
                upper95_0cl=m["upper95_0cl"],
                unit=m["unit"],
                note=m["note"],
            )
            for m in measures
        ]

    # ------------------------------------------------------------------ internals
    def _resolve_indicators(
        self, viewer: Visibility, given: list[str]
    ) -> tuple[list[str], list[str]]:
        """Split ``given`` into catalogue indicator ids and visible series keys."""
        ids = {i.id for i in self.catalogue.indicators}
        ind: list[str] = []
        ser: list[str] = []
        held: set[str] | None = None
        for g in given:
            if g in ids:
                ind.append(g)
                continue
            if held is None:
                held = set(self.store.series(visibility=viewer).column("key").to_pylist())
            if g in held:
                ser.append(g)
            else:
                raise UnknownParameter("indicator", g, suggestions=closest(g, [*ids, *held]))
        return ind, ser

    def _wide(
        self,
        viewer: Visibility,
        *,
        indicator: Filter,
        area: Filter,
        area_type: Filter,
        parent: str | None,
        period: Filter,
        sex: Filter,
        age: Filter,
        breakdown: Filter,
        category: Filter,
        latest: bool,
    ) -> pa.Table:
        """One read: the store's joined current values (``Store.value_records``: values,
        comparisons, provenance, filtered and sorted in SQL), then catalogue and geography
        names joined column-wise. Every column of the values and bulk shapes."""
        vis = viewer.fixed()
        indicators = _names(indicator)
        areas = _names(area)
        types = _names(area_type)
        sexes = _names(sex)
        for t in types or ():
            self._check_choice("area_type", t, AREA_TYPES)
        for s in sexes or ():
            self._check_choice("sex", s, SEXES)
        if areas is not None:
            areas = [self.area(a).code for a in areas]
        parent_code = None if parent is None else self.area(parent, parameter="parent").code
        asked: dict[str, object] = {
            "indicator": indicators,
            "area": areas,
            "area_type": types,
            "parent": parent_code,
            "period": _names(period),
            "sex": sexes,
            "age": _names(age),
            "breakdown": _names(breakdown),
            "category": _names(category),
            "latest": True if latest else None,
        }
        codes = areas
        if parent_code is not None:
            within = self._descendants(parent_code)
            codes = sorted(within if areas is None else within.intersection(areas))
        narrow: list[tuple[str, list[str] | None]] = [
            ("area_type", types),
            ("period_label", _names(period)),
            ("sex", sexes),
            ("age_band", _names(age)),
            ("breakdown_type", _names(breakdown)),
            ("breakdown_category", _names(category)),
        ]
        with self._snapshot():
            ind_ids: list[str] | None = None
            series_keys: list[str] | None = None
            if indicators is not None:
                ind_ids, series_keys = self._resolve_indicators(vis, indicators)
            parts: list[pa.Table] = []
            if codes != []:
                common: dict[str, Any] = {
                    "visibility": vis,
                    "area_codes": codes,
                    "narrow": narrow,
                    "latest": latest,
                }
                if indicators is None:
                    parts.append(self.store.value_records(**common))
                elif ind_ids:
                    # Narrow to the series that ever held these indicators (a key column),
                    # then the store's latest-release-per-key step picks the current values.
                    candidates = self.store.series_of_indicators(ind_ids)
                    if candidates:
                        parts.append(
                            self.store.value_records(
                                indicator_ids=ind_ids, series=candidates, **common
                            )
                        )
                if series_keys:
                    parts.append(self.store.value_records(series=series_keys, **common))
            table = _combined(parts)
            if table is None or table.num_rows == 0:
                raise NoData(asked, self._available(vis, ind_ids, series_keys, areas))
            return self._decorate(vis, table)

    def _available(
        self,
        vis: Visibility,
        ind_ids: list[str] | None,
        series_keys: list[str] | None,
        areas: list[str] | None,
    ) -> dict[str, list[str]]:
        """What is held for the indicators and areas asked (a NoData answer's list); when
        nothing at all is held for those areas, where the indicators are held (their area
        types, and the areas when there are few) rather than nothing."""
        found = self._held(vis, ind_ids, series_keys, areas)
        if found is None:
            return {}
        if found.num_rows or areas is None or (ind_ids is None and series_keys is None):
            return _available(found.to_pandas())
        elsewhere = self._held(vis, ind_ids, series_keys, None)
        if elsewhere is None or elsewhere.num_rows == 0:
            return {}
        out = {"area_types": sorted(set(elsewhere.column("area_type").to_pylist()))}
        codes = sorted(set(elsewhere.column("area_code").to_pylist()))
        if len(codes) <= _AREAS_LISTED:
            out["areas"] = codes
        return out

    def _held(
        self,
        vis: Visibility,
        ind_ids: list[str] | None,
        series_keys: list[str] | None,
        areas: list[str] | None,
    ) -> pa.Table | None:
        """The values held for the indicators or series keys (all when neither is given) in
        ``areas`` (all when None); None when there is nothing to read."""
        parts = []
        if ind_ids is None and series_keys is None:
            parts.append(self.store.values(visibility=vis, area_codes=areas))
        if ind_ids:
            parts.append(self.store.values(visibility=vis, indicator_ids=ind_ids, area_codes=areas))
        if series_keys:
            parts.append(self.store.values(visibility=vis, series=series_keys, area_codes=areas))
        return pa.concat_tables(parts) if parts else None

    def _descendants(self, parent: str) -> frozenset[str]:
        """Codes of every area below ``parent`` (any type, any depth), remembered."""
        key = "\0" + parent
        with self._lock:
            got = self._ancestry.get(key)
        if got is None:
            known = self.geography.get(parent) is not None  # a held-only code has none
            got = frozenset(
                a.code
                for t in (AREA_TYPES if known else ())
                for a in self.geography.children(parent, area_type=t)
                if a.code != parent
            )
            with self._lock:
                self._ancestry[key] = got
        return got

    def _decorate(self, vis: Visibility, table: pa.Table) -> pa.Table:
        """``table`` (``Store.value_records``) with indicator metadata and area names added,
        column-wise: a look-up per distinct indicator and area, a ``take`` per column."""
        meta = self._indicator_meta()
        at = pc.index_in(table["indicator_id"], value_set=meta["id"])
        out = table
        for name in ("polarity", "statistic", "comparison_method", "multiplier"):
            out = out.append_column(name, meta[name].take(at))
        series_meta = self.store.series(visibility=vis)
        named = pc.index_in(table["series"], value_set=series_meta["key"])
        out = out.append_column(
            "indicator_name",
            pc.coalesce(meta["name"].take(at), series_meta["name"].take(named), table["series"]),
        )
        codes = pc.unique(table["area_code"])
        infos = [self._area(c) for c in codes.to_pylist()]
        where = pc.index_in(table["area_code"], value_set=codes)
        for name, values in (
            (
                "area_name",
                [c if i is None else i.name for c, i in zip(codes.to_pylist(), infos, strict=True)],
            ),
            ("parent_code", [None if i is None else i.parent_code for i in infos]),
            ("parent_name", [None if i is None else i.parent_name for i in infos]),
        ):
            out = out.append_column(name, pa.array(values, pa.string()).take(where))
        return out.rename_columns(
            [
                "age" if n == "age_band" else "value_note" if n == "note" else n
                for n in out.schema.names
            ]
        )

    def _indicator_meta(self) -> pa.Table:
        """The catalogue's indicators as a table: id, name, polarity, statistic,
        comparison_method, multiplier."""
        got = self._indicator_table
        if got is None:
            inds = self.catalogue.indicators
            got = pa.table(
                {
                    "id": pa.array([i.id for i in inds], pa.string()),
                    "name": pa.array([i.name for i in inds], pa.string()),
                    "polarity": pa.array([_enum(i.polarity) for i in inds], pa.string()),
                    "statistic": pa.array([_enum(i.statistic) for i in inds], pa.string()),
                    "comparison_method": pa.array(
                        [_enum(i.comparison_method) for i in inds], pa.int64()
                    ),
                    "multiplier": pa.array([i.multiplier for i in inds], pa.float64()),
                }
            )
            self._indicator_table = got
        return got

    def _series_meta(self, vis: Visibility) -> dict[str, tuple[str, str | None]]:
        table = self.store.series(visibility=vis)
        return {
            k: (n, u)
            for k, n, u in zip(
                table.column("key").to_pylist(),
                table.column("name").to_pylist(),
                table.column("unit").to_pylist(),
                strict=True,
            )
        }


def _params(
    indicator: Filter,
    area: Filter,
    area_type: Filter,
    parent: str | None,
    period: Filter,
    sex: Filter,
    age: Filter,
    breakdown: Filter,
    category: Filter,
    latest: bool,
) -> dict[str, Any]:
    """A values read's filters by name (a cache key and ``_wide``'s keywords)."""
    return {
        "indicator": indicator,
        "area": area,
        "area_type": area_type,
        "parent": parent,
        "period": period,
        "sex": sex,
        "age": age,
        "breakdown": breakdown,
        "category": category,
        "latest": latest,
    }


def _question(question: Mapping[str, Any]) -> dict[str, Any]:
    """A prepared question's filters as a full values read's keywords."""
    full = _params(None, None, None, None, None, None, None, None, None, False)
    full.update(question)
    return full


def _area_fields(info: AreaInfo) -> tuple[object, ...]:
    return tuple(getattr(info, f) for f in AreaInfo.__dataclass_fields__)


def _enum(x: object) -> object:
    return getattr(x, "value", x)


def _combined(parts: list[pa.Table]) -> pa.Table | None:
    """One table of ``parts``; a value key found in two parts (an indicator asked by id and
    by series key) kept once."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    table = pa.concat_tables(parts)
    keys = table.select(list(_VALUE_KEY)).to_pandas()
    keep = keys.drop_duplicates().index.to_numpy()
    order = [(k, "ascending") for k in _VALUE_KEY]
    return table.take(pa.array(keep)).sort_by(order)


#: Fields of :class:`ValueRow`, in order, before ``comparisons`` and ``provenance``.
_ROW_FIELDS: tuple[str, ...] = tuple(
    f for f in ValueRow.__dataclass_fields__ if f not in ("comparisons", "provenance")
)


def _value_shape(wide: pa.Table) -> pa.Table:
    """The :class:`ValueRow` shape of a wide read: its fields in order, ``comparisons`` (list
    of structs) and ``provenance`` (struct)."""
    provenance = pa.StructArray.from_arrays(
        [
            pa.concat_arrays(wide[c].chunks) if wide[c].num_chunks != 1 else wide[c].chunk(0)
            for c in ("release_id", "source", "published_at", "loaded_at")
        ],
        names=["release_id", "source", "published_at", "loaded_at"],
    )
    columns = [wide[c] for c in _ROW_FIELDS]
    return pa.Table.from_arrays(
        [*columns, wide["comparisons"], provenance],
        names=[*_ROW_FIELDS, "comparisons", "provenance"],
    )


def _iso_timestamps(table: pa.Table) -> pa.Table:
    """Timestamp columns (also inside structs) as ISO 8601 strings, as ``datetime.isoformat``
    writes them (microseconds only when not zero)."""
    out = table
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) or pa.types.is_struct(field.type):
            col = table.column(i)
            arr = pa.concat_arrays(col.chunks) if col.num_chunks != 1 else col.chunk(0)
            out = out.set_column(i, field.name, _iso(arr))
    return out


def _iso(arr: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(arr.type):
        whole = pc.strftime(arr.cast(pa.timestamp("s"), safe=False), "%Y-%m-%dT%H:%M:%S")
        micro = pc.strftime(arr.cast(pa.timestamp("us")), "%Y-%m-%dT%H:%M:%S")
        return pc.if_else(pc.equal(pc.microsecond(arr), 0), whole, micro)
    if pa.types.is_struct(arr.type):
        fields = [arr.type.field(k) for k in range(arr.type.num_fields)]
        children = [_iso(arr.field(k)) for k in range(len(fields))]
        return pa.StructArray.from_arrays(
            children, names=[f.name for f in fields], mask=arr.is_null() if arr.null_count else None
        )
    return arr


#: A NoData answer lists the areas an indicator is held for when there are at most this many.
_AREAS_LISTED = 100


def _available(base: pd.DataFrame) -> dict[str, list[str]]:
    if base.empty:
        return {}
    periods = base.drop_duplicates("period_label").sort_values("period_start")["period_label"]
    return {
        "periods": [str(p) for p in periods],
        "sexes": sorted(base["sex"].unique().tolist()),
        "ages": sorted(base["age_band"].unique().tolist()),
        "breakdowns": sorted(base["breakdown_type"].unique().tolist()),
        "area_types": sorted(base["area_type"].unique().tolist()),
    }


def _value_rows(table: pa.Table) -> list[ValueRow]:
    """:class:`ValueRow` objects of a :meth:`ReadLayer.value_table` (for Python callers)."""
    rows: list[ValueRow] = []
    for r in table.to_pylist():
        prov = r.pop("provenance")
        comps = r.pop("comparisons")
        rows.append(
            ValueRow(
                **r,
                comparisons=tuple(ComparisonRow(**c) for c in comps),
                provenance=Provenance(**prov),
            )
        )
    return rows


def _day(x: object) -> date:
    if isinstance(x, datetime):
        return x.date()
    if isinstance(x, date):
        return x
    return pd.Timestamp(x).date()  # type: ignore[arg-type]


def open_read_layer(path: Path | None = None, *, read_only: bool = True) -> ReadLayer:
    """Open the store at ``path`` (default: the user's store) and a read layer over it.

    ``StoreError`` (from the store) when it is missing, in use or of another schema.
    """
    return ReadLayer(open_store(path, read_only=read_only))


def _assessment_row(
    fields: Mapping[str, Any], detail: dict[str, Any], release_id: int
) -> AssessmentRow:
    """An :class:`AssessmentRow` from a stored row or a fresh assessment's ``to_dict()``."""
    return AssessmentRow(
        **{k: fields[k] for k in ASSESSMENT_FIELDS},
        detail=detail,
        release_id=release_id,
        basis=str(detail.get("basis", "")),
    )
