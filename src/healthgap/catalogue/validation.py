"""Rules that span files: every reference resolves, ids are unique, numbering is complete."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from healthgap.catalogue.dump import COLLECTION_FILES

if TYPE_CHECKING:
    from healthgap.catalogue.framework import Catalogue

__all__ = ["Problem", "check_references"]


@dataclass(frozen=True)
class Problem:
    """A broken cross-file rule: which file and item, which field and value, which rule."""

    file: str
    key: str
    column: str | None
    value: object
    rule: str


def _file_for(attr: str, item_id: str) -> str:
    if attr == "indicators":
        return f"indicators/{item_id}.yaml"
    return COLLECTION_FILES[attr]


def _refs(
    attr: str, item_id: str, column: str, values: Iterable[str], known: set[str], what: str
) -> list[Problem]:
    return [
        Problem(_file_for(attr, item_id), item_id, column, v, f"refers to an unknown {what}")
        for v in values
        if v not in known
    ]


def _numbering(attr: str, items: Iterable[tuple[str, int]], expected: range) -> list[Problem]:
    seen: dict[int, str] = {}
    out: list[Problem] = []
    for item_id, number in items:
        if number in seen:
            out.append(
                Problem(
                    _file_for(attr, item_id),
                    item_id,
                    "number",
                    number,
                    f"number already used by '{seen[number]}'",
                )
            )
        seen[number] = item_id
    for missing in expected:
        if missing not in seen:
            out.append(
                Problem(COLLECTION_FILES[attr], attr, "number", missing, "number is missing")
            )
    return out


def check_references(catalogue: Catalogue) -> list[Problem]:
    """Every cross-reference problem in ``catalogue`` (an empty list when it is consistent)."""
    aims = {a.id for a in catalogue.aims}
    areas = {f.id for f in catalogue.focus_areas}
    priorities = {p.id for p in catalogue.priorities}
    missions = {m.id for m in catalogue.missions}
    indicators = {i.id for i in catalogue.indicators}
    commitments = {c.id for c in catalogue.commitments}
    problems: list[Problem] = []

    for attr in (*COLLECTION_FILES, "indicators"):
        if attr == "changes":
            continue
        seen: set[str] = set()
        for item in getattr(catalogue, attr):
            if item.id in seen:
                problems.append(
                    Problem(_file_for(attr, item.id), item.id, "id", item.id, "id must be unique")
                )
            seen.add(item.id)

    for ind in catalogue.indicators:
        problems += _refs("indicators", ind.id, "aims", ind.aims, aims, "aim")
        problems += _refs("indicators", ind.id, "focus_areas", ind.focus_areas, areas, "focus area")
    for com in catalogue.commitments:
        problems += _refs("commitments", com.id, "aims", com.aims, aims, "aim")
        problems += _refs(
            "commitments", com.id, "focus_areas", com.focus_areas, areas, "focus area"
        )
        problems += _refs(
            "commitments", com.id, "priorities", com.priorities, priorities, "priority"
        )
        problems += _refs("commitments", com.id, "missions", com.missions, missions, "mission")
        problems += _refs(
            "commitments", com.id, "indicators", com.indicators, indicators, "indicator"
        )
    for area in catalogue.focus_areas:
        problems += _refs("focus_areas", area.id, "aims", area.aims, aims, "aim")
    for mission in catalogue.missions:
        problems += _refs("missions", mission.id, "aims", mission.aims, aims, "aim")
    for fig in catalogue.key_figures:
        problems += _refs(
            "key_figures", fig.id, "indicators", fig.indicators, indicators, "indicator"
        )
    everything = aims | areas | priorities | missions | indicators | commitments
    for n, change in enumerate(catalogue.changes):
        problems += [
            Problem("changes.yaml", f"[{n}]", "ids", v, "refers to an unknown id")
            for v in change.ids
            if v not in everything
        ]

    problems += _numbering("aims", ((a.id, a.number) for a in catalogue.aims), range(1, 6))
    problems += _numbering(
        "focus_areas", ((f.id, f.number) for f in catalogue.focus_areas), range(1, 11)
    )
    problems += _numbering(
        "six_tests", ((t.id, t.number) for t in catalogue.six_tests), range(1, 7)
    )
    keyed = {c.key_commitment for c in catalogue.commitments if c.key_commitment is not None}
    problems += [
        Problem("commitments.yaml", "commitments", "key_commitment", n, "key commitment missing")
        for n in range(1, 7)
        if n not in keyed
    ]

    primary: dict[str, str] = {}
    for ind in catalogue.indicators:
        for src in ind.sources:
            if src.series is None or src.proxy or src.transform.value != "none":
                continue
            if src.series in primary and primary[src.series] != ind.id:
                problems.append(
                    Problem(
                        _file_for("indicators", ind.id),
                        ind.id,
                        "sources",
                        src.series,
                        f"series is already the direct source of '{primary[src.series]}'; "
                        "mark one of them proxy or give it a transform",
                    )
                )
            primary.setdefault(src.series, ind.id)

    if catalogue.changes and catalogue.changes[-1].version != catalogue.version:
        problems.append(
            Problem(
                "changes.yaml",
                f"[{len(catalogue.changes) - 1}]",
                "version",
                catalogue.changes[-1].version,
                f"the last change must carry the catalogue version {catalogue.version}",
            )
        )
    return problems
