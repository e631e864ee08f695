"""Reads of the local action library (ADR 0900): list, filter, search, one entry, and the
entries linked to an indicator or an area.

Public viewers see published entries only; editors also see drafts. The shipped library is
read from the catalogue; editors' entries from the store. Unknown filter values raise
:class:`UnknownParameter` with suggestions; a valid filter that matches nothing returns an
empty list (an empty page of a library is an answer, not an error).
"""

from __future__ import annotations

import difflib

from healthgap.catalogue.actions import (
    ActionEntry,
    ChecklistItem,
    ReviewStatus,
    Sector,
    load_checklist,
)
from healthgap.errors import InputError
from healthgap.geography.areas import looks_like_code
from healthgap.partners.library import (
    DOCUMENT_TITLES,
    filter_actions,
    search_actions,
    shipped_actions,
    stored_actions,
)
from healthgap.partners.selfassess import SelfAssessment, SelfAssessmentScore, score
from healthgap.query.errors import UnknownParameter, closest
from healthgap.query.reader import ReadLayer, Viewer

__all__ = [
    "DOCUMENT_TITLES",
    "action",
    "actions",
    "actions_for_area",
    "actions_for_indicator",
    "checklist",
    "find",
    "score_self_assessment",
    "search_library",
]


def _all(read: ReadLayer, viewer: Viewer) -> list[ActionEntry]:
    borough_codes = [b.code for b in read.geography.boroughs()]
    entries = [*shipped_actions(read.catalogue, borough_codes), *stored_actions(read.store)]
    if viewer.include_embargoed:
        return entries
    return [e for e in entries if e.status is ReviewStatus.PUBLISHED]


def _check(parameter: str, value: str | None, valid: list[str]) -> None:
    if value is not None and value not in valid:
        raise UnknownParameter(parameter, value, suggestions=closest(value, valid))


def _name_key(name: str) -> str:
    return " ".join(name.lower().replace("&", " and ").split())


def _closest_names(value: str, names: list[str]) -> tuple[str, ...]:
    """Up to three ``names`` most like ``value``, as a whole or as the start of the name
    ("Kensingtn" → Kensington and Chelsea first)."""
    key = _name_key(value)

    def likeness(name: str) -> float:
        full = _name_key(name)
        return max(
            difflib.SequenceMatcher(None, key, full).ratio(),
            difflib.SequenceMatcher(None, key, full[: len(key)]).ratio(),
        )

    ranked = sorted(names, key=lambda n: -likeness(n))
    return tuple(n for n in ranked[:3] if likeness(n) >= 0.6)


def _borough_code(read: ReadLayer, borough: str | None) -> str | None:
    """The GSS code of a borough given by code or by name ("Hammersmith & Fulham")."""
    if borough is None:
        return None
    boroughs = read.geography.boroughs()
    if borough.strip().upper() in {b.code for b in boroughs}:
        return borough.strip().upper()
    by_name = {_name_key(b.name): b.code for b in boroughs}
    if _name_key(borough) in by_name:
        return by_name[_name_key(borough)]
    if looks_like_code(borough):
        near = closest(borough, [b.code for b in boroughs])
    else:
        near = _closest_names(borough, [b.name for b in boroughs])
    raise UnknownParameter(
        "borough",
        borough,
        suggestions=near,
        rule="not a London borough; give a borough's name or GSS code (E09000001 to E09000033)",
    )


def actions(
    read: ReadLayer,
    viewer: Viewer,
    *,
    aim: str | None = None,
    focus_area: str | None = None,
    sector: str | None = None,
    borough: str | None = None,
    theme: str | None = None,
) -> list[ActionEntry]:
    """Library entries matching every filter given, in library order."""
    _check("aim", aim, [a.id for a in read.catalogue.aims])
    _check("focus_area", focus_area, [f.id for f in read.catalogue.focus_areas])
    if sector is not None:
        sector = sector.strip().lower()
    if sector is not None and sector not in [s.value for s in Sector]:
        raise UnknownParameter("sector", sector, valid=[s.value for s in Sector])
    borough = _borough_code(read, borough)
    return filter_actions(
        _all(read, viewer),
        aim=aim,
        focus_area=focus_area,
        sector=sector,
        borough=borough,
        theme=theme,
    )


def search_library(read: ReadLayer, viewer: Viewer, text: str) -> list[ActionEntry]:
    """Entries matching ``text`` (typo-tolerant), best first."""
    return search_actions(_all(read, viewer), text)


def action(read: ReadLayer, viewer: Viewer, entry_id: str) -> ActionEntry:
    """One entry by id; :class:`UnknownParameter` with the closest ids when unknown."""
    entries = {e.id: e for e in _all(read, viewer)}
    if entry_id not in entries:
        raise UnknownParameter("action", entry_id, suggestions=closest(entry_id, entries))
    return entries[entry_id]


def actions_for_indicator(read: ReadLayer, viewer: Viewer, indicator_id: str) -> list[ActionEntry]:
    """Entries concerning an indicator: those sharing one of its focus areas first, then those
    sharing one of its aims."""
    ind = read.indicator(indicator_id)
    entries = _all(read, viewer)
    by_focus = [e for e in entries if set(e.focus_areas) & set(ind.focus_areas)]
    by_aim = [e for e in entries if e not in by_focus and set(e.aims) & set(ind.aims)]
    return by_focus + by_aim


def actions_for_area(read: ReadLayer, viewer: Viewer, code: str) -> list[ActionEntry]:
    """Entries naming the borough of ``code`` (a borough, or any London area within one)."""
    area = read.area(code)
    if area.area_type in ("region", "country", "icb"):
        borough_codes = {
            b.code
            for b in read.geography.boroughs()
            if area.code in {p.code for p in read.geography.parents(b.code)}
        }
    else:
        borough_codes = {read.geography.borough_of(area.code).code}
    return [e for e in _all(read, viewer) if set(e.boroughs) & borough_codes]


def checklist(read: ReadLayer) -> tuple[ChecklistItem, ...]:
    """The self-assessment checklist (every sector), validated against the catalogue."""
    return load_checklist(
        aims={a.id for a in read.catalogue.aims},
        focus_areas={f.id for f in read.catalogue.focus_areas},
    )


def score_self_assessment(
    read: ReadLayer, viewer: Viewer, assessment: SelfAssessment
) -> SelfAssessmentScore:
    """Coverage by aim, each gap linked to the entries ``viewer`` sees and to indicators."""
    return score(
        assessment,
        checklist(read),
        aims=read.aims(),
        entries=_all(read, viewer),
        indicators=read.indicators(),
    )


def find(
    read: ReadLayer,
    viewer: Viewer,
    *,
    aim: str | None = None,
    focus_area: str | None = None,
    sector: str | None = None,
    borough: str | None = None,
    theme: str | None = None,
    text: str | None = None,
    indicator: str | None = None,
    area: str | None = None,
) -> list[ActionEntry]:
    """Every filter of :func:`actions`, plus the entries linked to an ``indicator`` (in that
    order of relevance) and to an ``area``, and a typo-tolerant ``text`` search (best first).
    A ``text`` without a letter or digit raises ``UnknownParameter('q', …)``."""
    found = actions(
        read, viewer, aim=aim, focus_area=focus_area, sector=sector, borough=borough, theme=theme
    )
    if indicator is not None:
        keep = {e.id for e in found}
        found = [e for e in actions_for_indicator(read, viewer, indicator) if e.id in keep]
    if area is not None:
        linked = {e.id for e in actions_for_area(read, viewer, area)}
        found = [e for e in found if e.id in linked]
    if text is not None and text.strip():
        try:
            found = search_actions(found, text)
        except InputError:
            raise UnknownParameter(
                "q", text, rule="search words must contain a letter or digit"
            ) from None
    return found
