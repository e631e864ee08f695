"""Build a health inequalities impact assessment from the read layer (ADR 0900).

The user names the affected population (boroughs, wards, MSOAs, LSOAs or a pasted list of
codes); :func:`impact_assessment` resolves it to LSOAs of one vintage, profiles it against
London (deprivation mix by London decile, age and sex where population is held, the
indicators held for its areas with their stored comparison with London) and lists the groups
at risk and the data gaps. Every figure cites its data and release.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from healthgap.geography import LONDON, LONDON_BOROUGHS, Area, Edition
from healthgap.geography.areas import looks_like_code
from healthgap.geography.search import search_areas
from healthgap.partners.impact import (
    AgeSexRow,
    Catchment,
    CatchmentError,
    Citation,
    DecileShare,
    Finding,
    ImpactAssessment,
    domain_of,
)
from healthgap.query.errors import NoData
from healthgap.query.models import ValueRow
from healthgap.query.reader import ReadLayer, Viewer
from healthgap.sources.titles import source_title

__all__ = [
    "AREA_KINDS",
    "CatchmentError",
    "ImpactAssessment",
    "impact_assessment",
    "parse_codes",
    "resolve_catchment",
]

#: Area types a catchment may be given in.
AREA_KINDS: tuple[str, ...] = ("ltla", "ward", "msoa21", "msoa11", "lsoa21", "lsoa11")
_VINTAGE = {"lsoa21": "2021", "msoa21": "2021", "lsoa11": "2011", "msoa11": "2011"}
#: Broad age bands (first year of age, label) for the age and sex profile.
_AGE_BANDS: tuple[tuple[int, str], ...] = ((0, "0–4"), (5, "5–17"), (18, "18–64"), (65, "65+"))
#: A share this much above London's flags a group at risk (relative, 25 %).
_RISK_RATIO = 1.25
#: Unknown codes given a suggestion (the rest are named without one).
_SUGGEST = 5
#: What separates the items of a pasted list (a name may contain spaces, so not a space).
_ITEMS = re.compile(r"[,;\t\r\n]+")


def parse_codes(codes: Iterable[str], *, names: Collection[str] = ()) -> list[str]:
    """The areas in ``codes``, first occurrence kept. Each value may be a pasted list whose
    items are separated by commas, semicolons or new lines; an item whose every word is
    shaped like a GSS code is that many codes (upper-cased, so spaces separate codes too),
    any other item is one area name ("Notting Dale", "Hammersmith & Fulham"). Consecutive
    items that together make one of ``names`` (names with a comma in them, as
    :func:`_name_key` gives them, e.g. "Ham, Petersham & Richmond Riverside") stay one."""
    out: list[str] = []
    for chunk in codes:
        items = [" ".join(i.split()) for i in _ITEMS.split(chunk)]
        n = 0
        while n < len(items):
            item, n = _longest_name(items, n, names)
            if not item:
                continue
            words = item.split()
            found = [w.upper() for w in words] if all(looks_like_code(w) for w in words) else [item]
            out.extend(c for c in found if c not in out)
    return out


def _longest_name(items: list[str], start: int, names: Collection[str]) -> tuple[str, int]:
    """The items from ``start`` joined by ", " into the longest of ``names``, else the one
    item; and the index after them."""
    best, end = items[start], start + 1
    joined = items[start]
    for stop in range(start + 1, min(len(items), start + 6)):
        joined = f"{joined}, {items[stop]}"
        if _name_key(joined) in names:
            best, end = joined, stop + 1
    return best, end


def _name_key(name: str) -> str:
    """A name as compared: case, ``&``/``and``, curly apostrophes and spacing ignored."""
    text = name.lower().replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    return " ".join(text.split())


def _london_areas(read: ReadLayer) -> list[Area]:
    """The areas a catchment may name: London's boroughs, wards, MSOAs and LSOAs."""
    geo = read.geography
    return [
        a
        for kind in AREA_KINDS
        for a in geo.areas(area_type=kind)
        if kind != "ltla" or a.code in LONDON_BOROUGHS
    ]


def _codes_for_names(read: ReadLayer, wanted: list[str]) -> list[str]:
    """``wanted`` with each area name replaced by its code; :class:`CatchmentError` for a
    name no London area has (with the closest one) or one that several areas share (a
    borough is taken over a ward of the same name; otherwise the codes to choose from)."""
    names = [w for w in wanted if not looks_like_code(w)]
    if not names:
        return wanted
    london = _london_areas(read)
    index: dict[str, dict[str, Area]] = {}
    for a in london:
        index.setdefault(_name_key(a.name), {}).setdefault(a.code, a)
    codes: dict[str, str] = {}
    unknown: list[str] = []
    shared: dict[str, list[Area]] = {}
    geo = read.geography
    for name in names:
        hits = list(index.get(_name_key(name), {}).values())
        if not hits and (qualified := _QUALIFIED.fullmatch(name)) is not None:
            hits = _within(geo, index, qualified)
        boroughs = [a for a in hits if a.area_type == "ltla"]
        if len(hits) == 1 or len(boroughs) == 1:
            codes[name] = (boroughs or hits)[0].code
        elif hits:
            shared[name] = hits
        else:
            unknown.append(name)
    if unknown:
        suggestions: dict[str, str] = {}
        labels: dict[str, str] = {}
        for name in unknown[:_SUGGEST]:
            qualified = _QUALIFIED.fullmatch(name)
            near = search_areas(london, qualified["name"] if qualified else name, limit=1)
            if near:
                suggestions[name] = near[0].code
                labels[near[0].code] = near[0].name
        # Name the unknown codes given with them too, so one answer lists every fault.
        geo = read.geography
        bad_codes = [w for w in wanted if looks_like_code(w) and geo.get(w) is None]
        for code in bad_codes[:_SUGGEST]:
            if (near_code := geo.suggest(code)) is not None:
                suggestions[code] = near_code
        several = any(any(looks_like_code(w) for w in n.split()) for n in unknown)
        raise CatchmentError(
            "no London borough, ward, MSOA or LSOA has these names"
            + (" or codes" if bad_codes else "")
            + ("; separate names and codes with commas or new lines" if several else ""),
            codes=[*unknown, *bad_codes],
            suggestions=suggestions,
            names=labels,
        )
    if shared:
        forms = {name: _qualified_forms(geo, name, hits) for name, hits in shared.items()}
        listed = "; ".join(
            f"{name}: " + ", ".join(f"{form} = {a.code}" for form, a in pairs)
            for name, pairs in forms.items()
        )
        raise CatchmentError(
            "more than one London area has these names; give the name with its borough, as "
            f"offered, or the code ({listed})",
            codes=list(shared),
        )
    out: list[str] = []
    for w in wanted:
        code = codes.get(w, w)
        if code not in out:
            out.append(code)
    return out


#: A name with its borough, as the ambiguity refusal offers it: "Kilburn (Brent)", or with
#: the area type too where the borough alone does not tell: "Kilburn (ward in Brent)".
_QUALIFIED = re.compile(
    r"(?P<name>[^()]+?)\s*\((?:(?P<kind>[A-Za-z0-9]+)\s+in\s+)?(?P<where>[^()]+)\)"
)


def _within(geo: Any, index: dict[str, dict[str, Area]], qualified: re.Match[str]) -> list[Area]:
    """The London areas named ``qualified['name']`` in the borough ``qualified['where']``
    (its name or code), of type ``qualified['kind']`` when given."""
    where = _name_key(qualified["where"])
    kind = (qualified["kind"] or "").lower()
    return [
        a
        for a in index.get(_name_key(qualified["name"]), {}).values()
        if a.area_type != "ltla"
        and (not kind or a.area_type == kind)
        and where in (_name_key((b := geo.borough_of(a.code)).name), b.code.lower())
    ]


def _qualified_forms(geo: Any, name: str, hits: list[Area]) -> list[tuple[str, Area]]:
    """Each of the areas ``hits`` sharing ``name`` with the shortest form naming it alone:
    "Name (Borough)", else "Name (type in Borough)"."""
    borough = {a.code: geo.borough_of(a.code).name for a in hits}
    count = Counter(borough.values())
    return [
        (
            f"{name} ({borough[a.code]})"
            if count[borough[a.code]] == 1
            else f"{name} ({a.area_type} in {borough[a.code]})",
            a,
        )
        for a in hits
    ]


def resolve_catchment(read: ReadLayer, codes: Iterable[str]) -> Catchment:
    """The catchment's LSOAs; :class:`CatchmentError` naming the codes at fault (empty list,
    unknown codes with the closest known code, areas of the wrong type, mixed vintages)."""
    geo = read.geography
    codes = list(codes)
    with_commas = (
        {k for k in (_name_key(a.name) for a in _london_areas(read)) if "," in k}
        if any(not looks_like_code(w) for c in codes for w in c.split())
        else set()
    )
    wanted = parse_codes(codes, names=with_commas)
    if not wanted:
        raise CatchmentError(
            "no areas given; give the names or codes of boroughs, wards, MSOAs or LSOAs"
        )
    wanted = _codes_for_names(read, wanted)
    unknown = [c for c in wanted if geo.get(c) is None]
    if unknown:
        # The closest code for the first few (a fuzzy look-up costs a fraction of a second).
        suggestions = {c: s for c in unknown[:_SUGGEST] if (s := geo.suggest(c)) is not None}
        raise CatchmentError("unknown area codes", codes=unknown, suggestions=suggestions)
    kinds: dict[str, list[str]] = {c: geo.types_of(c) for c in wanted}
    wrong = [c for c, k in kinds.items() if not set(k) & set(AREA_KINDS)]
    if wrong:
        raise CatchmentError(
            "not a London borough, ward, MSOA or LSOA "
            f"({', '.join(f'{c} is {geo.area_type(c)}' for c in wrong)})",
            codes=wrong,
        )
    only: dict[str, list[str]] = {"2011": [], "2021": []}
    for code, k in kinds.items():
        vintages = {_VINTAGE[t] for t in k if t in _VINTAGE}
        if len(vintages) == 1:
            only[vintages.pop()].append(code)
    if only["2011"] and only["2021"]:
        raise CatchmentError(
            "codes of the 2011 and the 2021 small-area geographies are mixed; use one vintage "
            f"(2011 only: {', '.join(only['2011'])}; 2021 only: {', '.join(only['2021'])})",
            codes=only["2011"] + only["2021"],
        )
    vintage = "2011" if only["2011"] else "2021"
    lsoa_type = f"lsoa{vintage[2:]}"
    lsoas: list[str] = []
    empty: list[str] = []
    given: list[tuple[str, str, str]] = []
    for code in wanted:
        kind = next(
            t for t in kinds[code] if t in AREA_KINDS and _VINTAGE.get(t, vintage) == vintage
        )
        area = geo.require(code, as_type=kind)
        given.append((area.code, area.name, kind))
        found = (
            [area.code]
            if kind == lsoa_type
            else [a.code for a in geo.children(area.code, area_type=lsoa_type)]
        )
        if not found:
            empty.append(code)
        lsoas.extend(c for c in found if c not in lsoas)
    if empty:
        raise CatchmentError(f"no {vintage} LSOAs lie within", codes=empty)
    boroughs: dict[str, str] = {}
    for code in lsoas:
        b = geo.borough_of(code)
        boroughs.setdefault(b.code, b.name)
    return Catchment(tuple(given), tuple(lsoas), vintage, tuple(sorted(boroughs.items())))


class _Citations:
    def __init__(self) -> None:
        self.items: dict[str, Citation] = {}

    def add(self, citation: Citation) -> str:
        self.items.setdefault(citation.key, citation)
        return citation.key

    def release(self, read: ReadLayer, release_id: int, what: str) -> str:
        key = f"R{release_id}"
        if key not in self.items:
            source, published_at, _ = read.store.release_provenance()[release_id]
            self.items[key] = Citation(
                key, what, source, release_id, published_at, title=source_title(source)
            )
        return key


def impact_assessment(
    read: ReadLayer,
    viewer: Viewer,
    codes: Iterable[str],
    *,
    title: str,
    description: str = "",
    indicators: Sequence[str] | None = None,
    now: datetime | None = None,
) -> ImpactAssessment:
    """Profile the catchment named by ``codes`` against London as ``viewer`` may see it.

    ``indicators`` limits the indicators shown (catalogue ids; default: every indicator held
    for the catchment's areas). Raises :class:`CatchmentError` for a bad catchment and
    ``UnknownParameter`` for an unknown indicator id.
    """
    if not title.strip():
        raise CatchmentError("the assessment needs a title", key="title")
    catchment = resolve_catchment(read, codes)
    cites = _Citations()
    gaps: list[str] = []
    risks: list[str] = []

    deprivation, dep_key = _deprivation(read, catchment, cites, gaps)
    d12 = sum(d.share for d in deprivation if d.decile <= 2)
    if d12 > 0.2 * _RISK_RATIO:
        risks.append(
            f"People living in London's most deprived fifth of small areas: {100 * d12:.0f}% of "
            f"the catchment's LSOAs against 20% across London [{dep_key}]."
        )

    age_sex, age_area, age_key = _age_sex(read, viewer, catchment, cites, gaps)
    for band in ("0–4", "65+"):
        share = sum(r.share for r in age_sex if r.age_band == band)
        london = sum(r.london_share for r in age_sex if r.age_band == band)
        if london and share > london * _RISK_RATIO:
            who = "Young children (0–4)" if band == "0–4" else "Older people (65+)"
            risks.append(
                f"{who}: {100 * share:.1f}% of {age_area} against {100 * london:.1f}% across "
                f"London [{age_key}]."
            )

    findings = _findings(read, viewer, catchment, indicators, cites, gaps)
    for f in findings:
        if f.compared_to_benchmark == "Worse":
            risks.append(
                f"Residents of {f.area_name}: {f.indicator_name} is significantly worse than "
                f"{f.benchmark} ({f.period}"
                + ("; London has no value for this period" if f.benchmark == "England" else "")
                + f") [{f.citation}]."
            )
    gaps.append(
        "Ethnicity: no population by ethnic group is held, so the catchment's ethnic mix and "
        "the groups the strategy names (including inclusion health groups) cannot be profiled."
    )
    return ImpactAssessment(
        title=title.strip(),
        description=description.strip(),
        created_at=(now or datetime.now(UTC)).replace(tzinfo=None),
        catchment=catchment,
        deprivation=deprivation,
        deprivation_citation=dep_key,
        age_sex=age_sex,
        age_sex_area=age_area,
        age_sex_citation=age_key,
        findings=tuple(findings),
        groups_at_risk=tuple(risks),
        data_gaps=tuple(gaps),
        citations=tuple(cites.items.values()),
    )


def _deprivation(
    read: ReadLayer, catchment: Catchment, cites: _Citations, gaps: list[str]
) -> tuple[tuple[DecileShare, ...], str]:
    edition: Edition = "imd2025" if catchment.vintage == "2021" else "imd2019"
    table = read.geography.deprivation(edition)
    key = cites.add(
        Citation(
            "D1",
            f"Index of Multiple Deprivation ({edition[3:]}) by LSOA {catchment.vintage}, London "
            "deciles recomputed within London from national ranks",
            f"English Indices of Deprivation {edition[3:]}, MHCLG (healthgap geography data)",
            title=f"English Indices of Deprivation {edition[3:]} (MHCLG), as bundled with "
            "healthgap's geography",
        )
    )
    inside = table[table["lsoa_code"].isin(catchment.lsoas)]
    missing = sorted(set(catchment.lsoas) - set(inside["lsoa_code"]))
    if missing:
        gaps.append(
            f"Deprivation: {len(missing)} LSOA(s) have no IMD {edition[3:]} rank "
            f"({', '.join(missing[:5])}{' …' if len(missing) > 5 else ''})."
        )
    here = Counter(int(d) for d in inside["london_decile"])
    london = Counter(int(d) for d in table["london_decile"])
    n, total = max(len(inside), 1), len(table)
    shares = tuple(
        DecileShare(d, here.get(d, 0), here.get(d, 0) / n, london.get(d, 0) / total)
        for d in range(1, 11)
    )
    return shares, key


def _bands(table: pa.Table) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for start, sex, pop in zip(
        table.column("age_start").to_pylist(),
        table.column("sex").to_pylist(),
        table.column("population").to_pylist(),
        strict=True,
    ):
        label = next(lbl for first, lbl in reversed(_AGE_BANDS) if start >= first)
        out[(label, sex)] = out.get((label, sex), 0.0) + float(pop)
    return out


def _with_persons(bands: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """``bands`` with persons rows added (male + female) for age bands that lack them."""
    out = dict(bands)
    for label in {lbl for lbl, _ in bands}:
        if (label, "persons") not in out:
            out[(label, "persons")] = bands.get((label, "male"), 0.0) + bands.get(
                (label, "female"), 0.0
            )
    return out


def _london_population(store: Any, viewer: Viewer, here: pa.Table) -> pa.Table:
    """London's population for the year of ``here`` (London's own rows, else its boroughs'
    summed), or London's latest year when neither is held for that year."""
    year = max(here.column("year").to_pylist()) if here.num_rows else None
    for codes in ([LONDON], list(LONDON_BOROUGHS)):
        table = store.population(area_codes=codes, visibility=viewer)
        if year is not None and table.num_rows:
            same = table.filter(pc.equal(table.column("year"), year))
            if same.num_rows:
                return same
    return _latest_year(store.population(area_codes=[LONDON], visibility=viewer))


def _latest_year(table: pa.Table) -> pa.Table:
    if table.num_rows == 0:
        return table
    year = max(table.column("year").to_pylist())
    keep = [y == year for y in table.column("year").to_pylist()]
    return table.filter(pa.array(keep))


def _age_sex(
    read: ReadLayer, viewer: Viewer, catchment: Catchment, cites: _Citations, gaps: list[str]
) -> tuple[tuple[AgeSexRow, ...], str, str | None]:
    store = read.store
    area = "the catchment"
    here = _latest_year(store.population(area_codes=list(catchment.lsoas), visibility=viewer))
    if here.num_rows == 0:
        borough_codes = [c for c, _ in catchment.boroughs]
        here = _latest_year(store.population(area_codes=borough_codes, visibility=viewer))
        names = ", ".join(n for _, n in catchment.boroughs)
        area = f"the borough(s) the catchment lies in ({names})"
        gaps.append(
            "Age and sex: no population estimates are held for the catchment's LSOAs"
            + (
                "; the profile describes its borough(s)."
                if here.num_rows
                else ", nor its boroughs."
            )
        )
    london = _london_population(store, viewer, here)
    if here.num_rows == 0 or london.num_rows == 0:
        if london.num_rows == 0:
            gaps.append("Age and sex: no population estimates for London are held.")
        return (), area, None
    year_here = max(here.column("year").to_pylist())
    year_london = max(london.column("year").to_pylist())
    area = f"{area} ({year_here} estimates"
    area += ")" if year_here == year_london else f"; London's are for {year_london})"
    if year_here != year_london:
        gaps.append(
            f"Age and sex: the latest estimates held are for {year_here} for the catchment "
            f"and {year_london} for London; the shares compare different years."
        )
    # Male and female where both tables hold them, else persons (summed from male and
    # female where a table holds no persons rows), so the catchment and London compare.
    both = {"male", "female"}
    split = both <= set(here.column("sex").to_pylist()) and both <= set(
        london.column("sex").to_pylist()
    )
    use = both if split else {"persons"}
    a = {k: v for k, v in _with_persons(_bands(here)).items() if k[1] in use}
    b = {k: v for k, v in _with_persons(_bands(london)).items() if k[1] in use}
    ta, tb = sum(a.values()) or 1.0, sum(b.values()) or 1.0
    release_id = int(here.column("release_id")[0].as_py())
    key = cites.release(read, release_id, "population estimates by age and sex")
    rows = tuple(
        AgeSexRow(
            label,
            sex,
            a.get((label, sex), 0.0),
            a.get((label, sex), 0.0) / ta,
            b.get((label, sex), 0.0) / tb,
        )
        for _, label in _AGE_BANDS
        for sex in sorted(use)
    )
    return rows, area, key


def _pick(rows: list[ValueRow]) -> list[ValueRow]:
    """One value per indicator and area: no breakdown, persons where there is a choice."""
    chosen: dict[tuple[str, str], ValueRow] = {}
    for r in rows:
        if r.indicator_id is None or r.breakdown_type != "none":
            continue
        key = (r.indicator_id, r.area_code)
        held = chosen.get(key)
        if held is None or (held.sex != "persons" and r.sex == "persons"):
            chosen[key] = r
    return sorted(chosen.values(), key=lambda r: (r.indicator_name, r.area_code))


def _findings(
    read: ReadLayer,
    viewer: Viewer,
    catchment: Catchment,
    indicators: Sequence[str] | None,
    cites: _Citations,
    gaps: list[str],
) -> list[Finding]:
    areas = [c for c, _ in catchment.boroughs] + [g[0] for g in catchment.given]
    asked = list(indicators) if indicators else None
    try:
        rows = _pick(
            read.latest(viewer, indicator=asked, area=sorted(set(areas)), breakdown="none")
        )
    except NoData:
        rows = []
    found: list[Finding] = []
    for r in rows:
        comp = r.comparison("region")
        # As on the indicator page (ADR 0820): when London has no value for the period,
        # compare with England rather than show "Not compared" for want of London.
        bench, bench_name = comp, "London"
        if comp is None or comp.benchmark_value is None:
            england = r.comparison("country")
            if england is not None and england.benchmark_value is not None:
                bench, bench_name = england, "England"
        key = cites.add(
            Citation(
                f"R{r.provenance.release_id}",
                "indicator values",
                r.provenance.source,
                r.provenance.release_id,
                r.provenance.published_at,
                title=source_title(r.provenance.source),
            )
        )
        found.append(
            Finding(
                domain=domain_of(r.indicator_id),
                indicator_id=r.indicator_id or r.series,
                indicator_name=r.indicator_name,
                area_code=r.area_code,
                area_name=r.area_name,
                period=r.period_label,
                value=None if r.suppressed else r.value,
                lower=r.lower95_0cl,
                upper=r.upper95_0cl,
                unit=r.unit,
                london_value=None if comp is None else comp.benchmark_value,
                compared_to_london="Not compared" if comp is None else comp.outcome,
                citation=key,
                benchmark=bench_name,
                benchmark_value=None if bench is None else bench.benchmark_value,
                compared_to_benchmark="Not compared" if bench is None else bench.outcome,
            )
        )
    if found:
        gaps.append(
            "Indicators are held for boroughs, not for the catchment itself: a borough value "
            "may hide differences within it."
        )
    by_england = [f for f in found if f.benchmark == "England"]
    if by_england:
        gaps.append(
            f"London has no value for the period of {len(by_england)} of the "
            f"{len(found)} indicator values; they are compared with England instead."
        )
    held = {f.indicator_id for f in found}
    wanted = asked or [
        i.id for i in read.indicators() if "ltla" in {g.value for g in i.geographies}
    ]
    missing = [i for i in wanted if i not in held]
    if missing:
        names = [read.indicator(i).name for i in missing]
        gaps.append(
            f"No values held for {len(missing)} relevant indicator(s) at the catchment's areas: "
            f"{'; '.join(names)}."
        )
    return found
