"""The whole framework as one frozen value, with look-ups by id and by series key."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

from healthgap.catalogue.models import (
    Aim,
    Change,
    Commitment,
    FocusArea,
    Indicator,
    KeyFigure,
    Mission,
    Priority,
    SixTest,
)
from healthgap.catalogue.search import SearchHit, search
from healthgap.errors import CatalogueError

__all__ = ["Catalogue"]


class Catalogue(BaseModel):
    """Aims, priorities, commitments, focus areas, missions, six tests, indicators, changes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    title: str
    aims: tuple[Aim, ...]
    priorities: tuple[Priority, ...]
    commitments: tuple[Commitment, ...]
    focus_areas: tuple[FocusArea, ...]
    missions: tuple[Mission, ...]
    six_tests: tuple[SixTest, ...]
    indicators: tuple[Indicator, ...]
    key_figures: tuple[KeyFigure, ...] = Field(default=())
    changes: tuple[Change, ...] = Field(default=())

    @cached_property
    def _indicators_by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    @cached_property
    def _commitments_by_id(self) -> dict[str, Commitment]:
        return {c.id: c for c in self.commitments}

    @cached_property
    def _primary_series(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for ind in self.indicators:
            for key in ind.own_series_keys:
                out.setdefault(key, ind.id)
        return out

    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator with this id; raises :class:`CatalogueError` naming the closest id."""
        found = self._indicators_by_id.get(indicator_id)
        if found is None:
            raise _unknown("indicator", indicator_id, self._indicators_by_id)
        return found

    def commitment(self, commitment_id: str) -> Commitment:
        """The commitment with this id; raises :class:`CatalogueError` naming the closest id."""
        found = self._commitments_by_id.get(commitment_id)
        if found is None:
            raise _unknown("commitment", commitment_id, self._commitments_by_id)
        return found

    def search(self, text: str) -> tuple[SearchHit, ...]:
        """Indicators, commitments and focus areas whose text holds every word of ``text``."""
        return search(self, text)

    def indicator_id_for_series(self, key: str) -> str | None:
        """The indicator a published series measures directly, or ``None``.

        Only a source declared without ``proxy`` and without a transform maps: a proxy or a
        complement must never be loaded as if it were the indicator itself.
        """
        return self._primary_series.get(key)

    def commitments_for_indicator(self, indicator_id: str) -> tuple[Commitment, ...]:
        """Commitments whose progress this indicator measures (raises if the id is unknown)."""
        self.indicator(indicator_id)
        return tuple(c for c in self.commitments if indicator_id in c.indicators)


def _unknown(kind: str, wanted: str, known: Mapping[str, object]) -> CatalogueError:
    close = difflib.get_close_matches(wanted, list(known), n=1, cutoff=0.5)
    rule = f"no {kind} with this id"
    if close:
        rule += f"; did you mean '{close[0]}'?"
    return CatalogueError(rule, key=wanted)
