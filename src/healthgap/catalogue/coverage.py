"""Which indicators and commitments have data: a pure function of the catalogue and what is held."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from healthgap.catalogue.framework import Catalogue

__all__ = [
    "GLA_RETURN",
    "LEVELS",
    "NOT_DECLARED",
    "CommitmentCoverage",
    "Coverage",
    "HeldSeries",
    "IndicatorCoverage",
    "LevelCoverage",
    "coverage",
    "fill_command",
]

#: What the store holds for one series key: (first period label, last period label, row count).
HeldSummary = tuple[str, str, int]

#: The geographies coverage reports, in order: London region, its boroughs, ICBs, England.
LEVELS: tuple[str, ...] = ("london", "boroughs", "icbs", "england")

#: Per series key, per level held: (ISO end date of the latest period, its label).
HeldLevels = Mapping[str, Mapping[str, tuple[str, str]]]

#: The ``fill`` of a level the indicator is not declared for (no gap to fill).
NOT_DECLARED = "not declared for this geography"

#: The advice for data no public source publishes.
GLA_RETURN = "load the GLA's own return (healthgap load FILE --source healthgap)"

_DECLARED = {"london": "region", "boroughs": "ltla", "icbs": "icb", "england": "england"}


@dataclass(frozen=True)
class HeldSeries:
    """A series the store holds for an indicator."""

    key: str
    first_period: str
    last_period: str
    rows: int
    proxy: bool


@dataclass(frozen=True)
class LevelCoverage:
    """Whether one geography is held (by a direct series), its latest period, and how to fill
    the gap: ``fill`` is '' when held, else a command or what to load."""

    level: str
    held: bool
    latest_period: str
    fill: str
    latest_end: str = ""
    """ISO date the latest period ends (for ordering; '' when not held)."""


@dataclass(frozen=True)
class IndicatorCoverage:
    """Whether an indicator has data, from which series and over which periods."""

    indicator_id: str
    has_data: bool
    direct: bool
    series: tuple[HeldSeries, ...]
    declared_bundled: bool
    levels: tuple[LevelCoverage, ...] = ()
    fingertips_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class CommitmentCoverage:
    """Whether any indicator linked to a commitment has data."""

    commitment_id: str
    has_data: bool
    indicators: tuple[str, ...]
    indicators_with_data: tuple[str, ...]
    levels: tuple[LevelCoverage, ...] = ()


def fill_command(fingertips_ids: tuple[int, ...]) -> str:
    """What fills a gap: ``healthgap fetch fingertips --indicator N …`` or the GLA return."""
    if not fingertips_ids:
        return GLA_RETURN
    flags = " ".join(f"--indicator {i}" for i in fingertips_ids)
    return f"healthgap fetch fingertips {flags}"


def _levels(
    direct_keys: list[str],
    held_levels: HeldLevels,
    fill: str,
    declared: set[str],
) -> tuple[LevelCoverage, ...]:
    out: list[LevelCoverage] = []
    for level in LEVELS:
        found = [held_levels[k][level] for k in direct_keys if level in held_levels.get(k, {})]
        if found:
            end, label = max(found)
            out.append(LevelCoverage(level, True, label, "", end))
        elif _DECLARED[level] not in declared and level != "london":
            out.append(LevelCoverage(level, False, "", NOT_DECLARED))
        else:
            out.append(LevelCoverage(level, False, "", fill))
    return tuple(out)


def _commitment_levels(parts: list[IndicatorCoverage]) -> tuple[LevelCoverage, ...]:
    out: list[LevelCoverage] = []
    for i, level in enumerate(LEVELS):
        rows = [p.levels[i] for p in parts if p.levels]
        held = [r for r in rows if r.held]
        if held:
            latest = max(held, key=lambda r: r.latest_end)
            out.append(LevelCoverage(level, True, latest.latest_period, "", latest.latest_end))
        else:
            fills = list(dict.fromkeys(r.fill for r in rows if r.fill))
            out.append(LevelCoverage(level, False, "", "; ".join(fills) or GLA_RETURN))
    return tuple(out)


@dataclass(frozen=True)
class Coverage:
    """Coverage of the whole catalogue. ``basis`` is ``store`` or ``declared``."""

    basis: str
    indicators: tuple[IndicatorCoverage, ...]
    commitments: tuple[CommitmentCoverage, ...]


def coverage(
    catalogue: Catalogue,
    held: Mapping[str, HeldSummary] | None,
    held_levels: HeldLevels | None = None,
    held_ids: Collection[str] | None = None,
) -> Coverage:
    """Coverage from what a store holds, or from the declared ``bundled`` flags.

    ``held`` maps series key → (first period label, last period label, rows); pass ``None``
    when no store summary is available and the answer then rests on the catalogue's own
    ``bundled`` declarations (``basis == "declared"``, with no periods). ``held_levels``
    (series key → level → (ISO end of the latest period, its label)) adds, per indicator
    and commitment, whether London, the boroughs, ICBs and England are held by a direct
    (non-proxy) series, the latest period, and the command that fills each gap.
    ``held_ids`` (the indicator ids the store holds values under: what ``healthgap export
    --indicator ID`` returns) makes ``has_data`` true only for those: a proxy series, or a
    series stored under another indicator's id, is listed but is not the indicator's data.
    """
    per_indicator: list[IndicatorCoverage] = []
    for ind in catalogue.indicators:
        fids = tuple(
            dict.fromkeys(s.fingertips_id for s in ind.sources if s.fingertips_id is not None)
        )
        direct_keys = [
            s.series
            for s in ind.sources
            if s.series is not None and not s.proxy and s.transform.value == "none"
        ]
        own = tuple(  # ids of the indicator itself, not of a proxy or a complement
            dict.fromkeys(
                s.fingertips_id
                for s in ind.sources
                if s.fingertips_id is not None and not s.proxy and s.transform.value == "none"
            )
        )
        mapped = tuple(i for i in own if f"fingertips:{i}" in direct_keys)
        fill = fill_command(mapped)
        if own and not mapped:
            fill = (
                f"{fill_command(own)} (once the catalogue declares series "
                f"fingertips:{own[0]} for this indicator)"
            )
        levels = (
            ()
            if held_levels is None
            else _levels(direct_keys, held_levels, fill, {g.value for g in ind.geographies})
        )
        found: list[HeldSeries] = []
        for src in ind.sources:
            if src.series is None:
                continue
            if held is None:
                if src.bundled:
                    found.append(HeldSeries(src.series, "", "", 0, src.proxy))
                continue
            summary = held.get(src.series)
            if summary is not None and summary[2] > 0:
                first, last, rows = summary
                found.append(HeldSeries(src.series, first, last, rows, src.proxy))
        per_indicator.append(
            IndicatorCoverage(
                indicator_id=ind.id,
                has_data=bool(found) if held_ids is None else ind.id in held_ids,
                direct=any(not s.proxy for s in found) and (held_ids is None or ind.id in held_ids),
                series=tuple(found),
                declared_bundled=ind.bundled,
                levels=levels,
                fingertips_ids=fids,
            )
        )
    with_data = {c.indicator_id for c in per_indicator if c.has_data}
    by_id = {c.indicator_id: c for c in per_indicator}
    per_commitment = tuple(
        CommitmentCoverage(
            commitment_id=com.id,
            has_data=any(i in with_data for i in com.indicators),
            indicators=com.indicators,
            indicators_with_data=tuple(i for i in com.indicators if i in with_data),
            levels=()
            if held_levels is None
            else _commitment_levels([by_id[i] for i in com.indicators if i in by_id]),
        )
        for com in catalogue.commitments
    )
    return Coverage(
        basis="declared" if held is None else "store",
        indicators=tuple(per_indicator),
        commitments=per_commitment,
    )
