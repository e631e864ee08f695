"""What an outside attacker knows besides the release: public geography and the catalogue.

- every London LSOA's borough, ICB and region, and its IMD 2019 national decile and London
  decile and quintile (published by MHCLG and the GLA);
- each catalogue indicator's recipe (which events, which ages) and its suppression threshold.

Nothing here comes from the engine's disclosure control: the attacker is independent of it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from healthgap.catalogue import load_catalogue
from healthgap.catalogue.models import Recipe
from healthgap.geography import load_geography

__all__ = ["LONDON", "Knowledge", "Zones", "london_knowledge", "recipe_subset"]

LONDON = "E12000007"
#: The threshold assumed for an indicator whose catalogue entry gives none.
FALLBACK_THRESHOLD = 5


@dataclass(frozen=True)
class Zones:
    """The distinct (borough, national decile, London decile, London quintile) combinations of
    London's LSOAs: the finest geography any published cell can be built from. A borough with
    no LSOA in a decile has no zone for it, so its count there is a known zero."""

    ltla: np.ndarray
    icb: np.ndarray
    region: np.ndarray
    national_decile: np.ndarray
    london_decile: np.ndarray
    london_quintile: np.ndarray

    def __len__(self) -> int:
        return len(self.ltla)


@dataclass(frozen=True)
class Knowledge:
    zones: Zones
    #: indicator id → suppression threshold (counts below it are withheld)
    thresholds: dict[str, int] = field(default_factory=dict)
    #: (a, b): every event counted by indicator a is also counted by indicator b
    subsets: tuple[tuple[str, str], ...] = ()
    #: indicators whose denominator is itself a count of events (a proportion of deaths):
    #: each count is at most its denominator, and the denominators obey every relation too
    event_denominators: frozenset[str] = frozenset()


def recipe_subset(a: Recipe, b: Recipe) -> bool:
    """True when every event ``a`` counts is an event ``b`` counts (same records, ``b``'s
    filters all present in ``a`` with the same codes, ``a``'s ages within ``b``'s)."""
    if a.events != b.events:
        return False
    for key, allowed in b.event_filter.items():
        if tuple(a.event_filter.get(key, ())) != tuple(allowed):
            return False
    a_from, b_from = a.age_from or 0, b.age_from or 0
    a_to = a.age_to if a.age_to is not None else 10**6
    b_to = b.age_to if b.age_to is not None else 10**6
    if not (b_from <= a_from and a_to <= b_to):
        return False
    return b.sex in ("persons", "by_sex") or a.sex == b.sex


@functools.cache
def london_knowledge() -> Knowledge:
    """Public knowledge for a London release (built once: do not change it)."""
    geo = load_geography()
    dep = geo.deprivation("imd2019")
    icb_of = {b.code: geo.icb_of(b.code).code for b in geo.boroughs()}
    combos = sorted(
        {
            (str(r.ltla_code), int(r.national_decile), int(r.london_decile), int(r.london_quintile))
            for r in dep.itertuples()
        }
    )
    ltla = np.array([c[0] for c in combos], dtype=object)
    zones = Zones(
        ltla=ltla,
        icb=np.array([icb_of[c] for c in ltla], dtype=object),
        region=np.array([LONDON] * len(combos), dtype=object),
        national_decile=np.array([c[1] for c in combos]),
        london_decile=np.array([c[2] for c in combos]),
        london_quintile=np.array([c[3] for c in combos]),
    )
    cat = load_catalogue()
    thresholds: dict[str, int] = {}
    recipes: dict[str, Recipe] = {}
    for ind in cat.indicators:
        if ind.recipe is None:
            continue
        recipes[ind.id] = ind.recipe
        below = ind.disclosure.suppress_below if ind.disclosure else FALLBACK_THRESHOLD
        thresholds[ind.id] = max(int(below), 1)
    subsets = tuple(
        (a, b)
        for a in sorted(recipes)
        for b in sorted(recipes)
        if a != b and recipe_subset(recipes[a], recipes[b])
    )
    event_denominators = frozenset(
        i for i, r in recipes.items() if r.population.strip().lower().startswith(r.events.lower())
    )
    return Knowledge(
        zones=zones, thresholds=thresholds, subsets=subsets, event_denominators=event_denominators
    )
