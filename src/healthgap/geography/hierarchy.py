"""The area hierarchy built from the bundled ONS lookups.

Two layers are built separately so that loading stays fast:

* **core** — England, the 9 regions, every England LTLA (2021 and 2024 codes), every ICB
  (2024): a few hundred rows, built on ``load_geography()``;
* **small areas** — London wards (2024), MSOAs and LSOAs (2011 and 2021): built on first use.

Edges run child → parent. An area has one *main* parent (``Area.parent_code``) and may have
further *best-fit* parents: an LSOA 2021's ward (ONS best-fit LSOA21 → ward 2024 lookup).
London boroughs sit under their ICB, ICBs under London; outside London an LTLA sits under its
region and an ICB under England (ICBs outside London are known, but not linked to LTLAs). A
combined area (``COMBINED_AREAS``: NCMP's Hackney and City of London) sits directly under London
and has no children: it is never split into its boroughs nor counted among them.

MSOA 2021 membership is not in a bundled lookup: ONS names every 2021 LSOA after its MSOA
plus one letter ("Camden 001A" is in "Camden 001"), so the MSOA is found by that name in the
MSOA 2021 boundary file; the build checks that every LSOA finds exactly one MSOA and every MSOA
has at least one LSOA (ADR 0300).

Areas are keyed by (code, type): an LSOA or MSOA unchanged from 2011 to 2021 keeps its code, so
``E01000001`` is both an ``lsoa11`` and an ``lsoa21``. Looking up such a code by itself gives
the 2021 area first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from healthgap.errors import InputError
from healthgap.geography._files import read_table, text_columns
from healthgap.geography.areas import (
    COMBINED_AREAS,
    ENGLAND,
    LONDON,
    LONDON_BOROUGHS,
    LONDON_ICBS,
    Area,
    type_rank,
)

__all__ = ["AreaIndex", "Key", "build_core", "build_small_areas", "merge"]


#: An area's identity: its code and type. Unchanged LSOAs and MSOAs keep their code from 2011
#: to 2021, so one code can name both an ``lsoa11`` and an ``lsoa21`` (the same land).
Key = tuple[str, str]

#: Among areas sharing a code, which comes first: the 2021 geography, then 2011.
_PREFERENCE: dict[str, int] = {"lsoa11": 1, "msoa11": 1}


@dataclass(frozen=True)
class AreaIndex:
    """Areas by (code, type), with each area's direct parents (main parent first) and children."""

    nodes: Mapping[Key, Area]
    by_code: Mapping[str, tuple[Key, ...]]
    parents: Mapping[Key, tuple[Key, ...]]
    children: Mapping[Key, tuple[Key, ...]]

    def ancestors(self, key: Key) -> list[Key]:
        """Every ancestor of ``key``, nearest (smallest area type) first."""
        seen: dict[Key, None] = {}
        queue = list(self.parents.get(key, ()))
        while queue:
            nxt = queue.pop(0)
            if nxt not in seen:
                seen[nxt] = None
                queue.extend(self.parents.get(nxt, ()))
        return sorted(seen, key=lambda k: type_rank(k[1]))

    def descendants(self, key: Key, *, area_type: str) -> list[Key]:
        """Every descendant of ``key`` of ``area_type``, sorted by code."""
        found: set[Key] = set()
        seen: set[Key] = set()
        queue = list(self.children.get(key, ()))
        while queue:
            nxt = queue.pop()
            if nxt in seen:
                continue
            seen.add(nxt)
            if nxt[1] == area_type:
                found.add(nxt)
            elif type_rank(nxt[1]) > type_rank(area_type):
                queue.extend(self.children.get(nxt, ()))
        return sorted(found)


def _index(nodes: dict[Key, Area], parents: dict[Key, tuple[Key, ...]]) -> AreaIndex:
    children: dict[Key, list[Key]] = {}
    for child, ps in parents.items():
        for p in ps:
            children.setdefault(p, []).append(child)
    by_code: dict[str, list[Key]] = {}
    for key in nodes:
        by_code.setdefault(key[0], []).append(key)
    return AreaIndex(
        nodes=nodes,
        by_code={
            c: tuple(sorted(ks, key=lambda k: (_PREFERENCE.get(k[1], 0), k[1])))
            for c, ks in by_code.items()
        },
        parents=parents,
        children={k: tuple(sorted(v)) for k, v in children.items()},
    )


def merge(first: AreaIndex, second: AreaIndex) -> AreaIndex:
    """One index holding the areas and edges of both (``second`` must add only new areas)."""
    return _index({**first.nodes, **second.nodes}, {**first.parents, **second.parents})


def _add(
    nodes: dict[Key, Area],
    parents: dict[Key, tuple[Key, ...]],
    rows: Iterable[tuple[str, str, str, tuple[Key, ...]]],
) -> None:
    for code, name, area_type, ps in rows:
        key = (code, area_type)
        if key not in nodes:
            nodes[key] = Area(code, name, area_type, ps[0][0] if ps else None)
            parents[key] = ps


def build_core(lookups: Path) -> AreaIndex:
    """England, regions, LTLAs (2021 and 2024 codes), ICBs and London's combined areas."""
    ltla24 = read_table(
        lookups / "ltla24_region24_england.csv",
        columns=dict.fromkeys(
            ("ltla24_code", "ltla24_name", "region24_code", "region24_name"), "string"
        ),
    )
    ltla21 = read_table(
        lookups / "ltla21_region21_england.csv",
        columns=dict.fromkeys(
            ("ltla21_code", "ltla21_name", "region21_code", "region21_name"), "string"
        ),
    )
    icb_names = read_table(
        lookups / "sicbl24_icb24_names_england.csv",
        columns={"icb24_code": "string", "icb24_name": "string"},
    ).drop_duplicates()
    b2i_file = "london_borough_to_icb24.csv"
    b2i = read_table(
        lookups / b2i_file,
        columns=text_columns("ltla24_code", "ltla24_name", "icb24_code", "icb24_name"),
    )
    _check_borough_icb(b2i, file=b2i_file)
    icb_of = dict(zip(b2i["ltla24_code"], b2i["icb24_code"], strict=True))

    nodes: dict[Key, Area] = {}
    parents: dict[Key, tuple[Key, ...]] = {}
    _add(nodes, parents, [(ENGLAND, "England", "country", ())])
    regions = pd.concat(
        [
            ltla24[["region24_code", "region24_name"]].set_axis(["code", "name"], axis=1),
            ltla21[["region21_code", "region21_name"]].set_axis(["code", "name"], axis=1),
        ]
    ).drop_duplicates("code")
    _add(
        nodes,
        parents,
        ((c, n, "region", ((ENGLAND, "country"),)) for c, n in regions.itertuples(index=False)),
    )
    _add(
        nodes,
        parents,
        (
            (c, n, "icb", ((LONDON, "region"),) if c in LONDON_ICBS else ((ENGLAND, "country"),))
            for c, n in icb_names.sort_values("icb24_code").itertuples(index=False)
        ),
    )
    for table in (ltla24, ltla21):
        _add(
            nodes,
            parents,
            (
                (c, n, "ltla", ((icb_of[c], "icb"),) if c in icb_of else ((r, "region"),))
                for c, n, r, _ in table.itertuples(index=False)
            ),
        )
    _add(
        nodes,
        parents,
        (
            (c, name, "ltla_combined", ((LONDON, "region"),))
            for c, (name, _) in sorted(COMBINED_AREAS.items())
        ),
    )
    wanted = [(c, "ltla") for c in LONDON_BOROUGHS] + [(c, "icb") for c in LONDON_ICBS]
    missing = [k[0] for k in [*wanted, (LONDON, "region")] if k not in nodes]
    if missing:
        raise InputError(
            "London area missing from the lookups", file=str(lookups), value=missing[0]
        )
    return _index(nodes, parents)


def _check_borough_icb(b2i: pd.DataFrame, *, file: str) -> None:
    codes = list(b2i["ltla24_code"])
    if sorted(codes) != list(LONDON_BOROUGHS):
        extra = sorted(set(codes) ^ set(LONDON_BOROUGHS)) or ["duplicate"]
        raise InputError(
            "must list each of the 33 London boroughs E09000001-E09000033 once",
            file=file,
            column="ltla24_code",
            value=extra[0],
        )
    for i, icb in enumerate(b2i["icb24_code"]):
        if icb not in LONDON_ICBS:
            raise InputError(
                "not a London ICB (E54000027-E54000031)",
                file=file,
                row=i + 2,
                column="icb24_code",
                value=icb,
            )


def build_small_areas(
    lookups: Path, *, core: AreaIndex, msoa21_names: Mapping[str, str]
) -> AreaIndex:
    """London wards, MSOAs and LSOAs (2011 and 2021).

    ``msoa21_names`` maps each MSOA 2021 name to its code (from the MSOA 2021 boundaries).
    """
    nodes: dict[Key, Area] = {}
    parents: dict[Key, tuple[Key, ...]] = {}

    l11 = read_table(
        lookups / "lsoa11_msoa11_london.csv",
        columns=dict.fromkeys(
            ("lsoa11_code", "lsoa11_name", "msoa11_code", "msoa11_name"), "string"
        ),
    )
    l11_ltla = read_table(
        lookups / "lsoa11_ltla21_england.csv",
        columns={"lsoa11_code": "string", "ltla21_code": "string"},
    )
    l11 = l11.merge(l11_ltla, on="lsoa11_code", how="left", validate="one_to_one")
    _require_mapped(l11, "ltla21_code", file="lsoa11_ltla21_england.csv", key="lsoa11_code")
    msoa11 = _nested(
        l11, child="msoa11_code", parent="ltla21_code", file="lsoa11_msoa11_london.csv"
    )
    _add(
        nodes,
        parents,
        (
            (c, n, "msoa11", ((msoa11[c], "ltla"),))
            for c, n in l11[["msoa11_code", "msoa11_name"]]
            .drop_duplicates()
            .itertuples(index=False)
        ),
    )
    _add(
        nodes,
        parents,
        (
            (c, n, "lsoa11", ((m, "msoa11"),))
            for c, n, m in l11[["lsoa11_code", "lsoa11_name", "msoa11_code"]].itertuples(
                index=False
            )
        ),
    )

    w_file = "lsoa21_ward24_ltla24_london.csv"
    l21 = read_table(
        lookups / w_file,
        columns=dict.fromkeys(
            ("lsoa21_code", "lsoa21_name", "ward24_code", "ward24_name", "ltla24_code"), "string"
        ),
    )
    msoa_codes = l21["lsoa21_name"].str.slice(0, -1).map(dict(msoa21_names))
    unmatched = msoa_codes.isna().to_numpy().nonzero()[0]
    if len(unmatched):
        i = int(unmatched[0])
        raise InputError(
            "no MSOA 2021 is named as this LSOA's name without its final letter",
            file=w_file,
            row=i + 2,
            column="lsoa21_name",
            value=str(l21["lsoa21_name"].iloc[i]),
        )
    l21 = l21.assign(msoa21_code=msoa_codes.astype("string"))
    without = sorted(set(msoa21_names.values()) - set(l21["msoa21_code"]))
    if without:
        raise InputError("MSOA 2021 has no LSOA 2021 in the lookup", file=w_file, value=without[0])
    msoa21 = _nested(l21, child="msoa21_code", parent="ltla24_code", file=w_file)
    ward = _nested(l21, child="ward24_code", parent="ltla24_code", file=w_file)
    names21 = {code: name for name, code in msoa21_names.items()}
    _add(
        nodes,
        parents,
        ((c, names21[c], "msoa21", ((p, "ltla"),)) for c, p in sorted(msoa21.items())),
    )
    _add(
        nodes,
        parents,
        (
            (c, n, "ward", ((ward[c], "ltla"),))
            for c, n in l21[["ward24_code", "ward24_name"]]
            .drop_duplicates()
            .itertuples(index=False)
        ),
    )
    _add(
        nodes,
        parents,
        (
            (c, n, "lsoa21", ((m, "msoa21"), (w, "ward")))
            for c, n, m, w in l21[
                ["lsoa21_code", "lsoa21_name", "msoa21_code", "ward24_code"]
            ].itertuples(index=False)
        ),
    )
    for key, ps in parents.items():
        for p in ps:
            if p not in nodes and p not in core.nodes:
                raise InputError(f"parent {p[1]} is not known", key=key[0], value=p[0])
    return _index(nodes, parents)


def _require_mapped(frame: pd.DataFrame, column: str, *, file: str, key: str) -> None:
    gaps = frame[column].isna().to_numpy().nonzero()[0]
    if len(gaps):
        raise InputError(
            "no row for this area", file=file, column=key, value=str(frame[key].iloc[int(gaps[0])])
        )


def _nested(frame: pd.DataFrame, *, child: str, parent: str, file: str) -> dict[str, str]:
    """Child → parent, checking that each child lies in exactly one parent."""
    pairs = frame[[child, parent]].drop_duplicates()
    dup = pairs[child].duplicated(keep=False)
    if bool(dup.any()):
        bad = pairs[dup].sort_values(child)
        raise InputError(
            f"{child} lies in more than one {parent}: {', '.join(bad[parent])}",
            file=file,
            column=child,
            value=str(bad[child].iloc[0]),
        )
    return dict(zip(pairs[child], pairs[parent], strict=True))
