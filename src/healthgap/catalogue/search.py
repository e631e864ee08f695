"""Free-text search over indicators, commitments and focus areas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from healthgap.catalogue.framework import Catalogue

__all__ = ["SearchHit", "search"]


@dataclass(frozen=True)
class SearchHit:
    """One match: what kind of thing, its id and title, and how well it matched."""

    kind: str
    id: str
    title: str
    score: int


def _score(words: list[str], strong: str, weak: str) -> int:
    """Every word must appear; a word in the id or name counts 3, elsewhere 1.

    The whole phrase appearing in the id or name adds 2 more, so closer names rank first.
    """
    total = 2 if " ".join(words) in strong else 0
    for word in words:
        if word in strong:
            total += 3
        elif word in weak:
            total += 1
        else:
            return 0
    return total


def search(catalogue: Catalogue, text: str) -> tuple[SearchHit, ...]:
    """Hits for ``text`` (case-insensitive, all words must match), best first.

    An empty query matches nothing rather than everything.
    """
    words = text.lower().split()
    if not words:
        return ()
    hits: list[SearchHit] = []
    for ind in catalogue.indicators:
        strong = f"{ind.id} {ind.name}".lower()
        weak = " ".join(
            [
                ind.short_definition,
                ind.definition,
                ind.rationale,
                ind.numerator,
                ind.denominator or "",
                *ind.aims,
                *ind.focus_areas,
                *ind.series_keys,
            ]
        ).lower()
        if score := _score(words, strong, weak):
            hits.append(SearchHit("indicator", ind.id, ind.name, score))
    for com in catalogue.commitments:
        strong = f"{com.id} {com.title}".lower()
        weak = " ".join([com.statement, com.target.text, com.owner, *com.aims]).lower()
        if score := _score(words, strong, weak):
            hits.append(SearchHit("commitment", com.id, com.title, score))
    for area in catalogue.focus_areas:
        strong = f"{area.id} {area.name}".lower()
        weak = " ".join([area.ambition, area.commitment, area.challenge]).lower()
        if score := _score(words, strong, weak):
            hits.append(SearchHit("focus_area", area.id, area.name, score))
    hits.sort(key=lambda h: (-h.score, h.kind, h.id))
    return tuple(hits)
