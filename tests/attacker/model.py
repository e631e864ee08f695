"""The attacker's own relations among the counts of a release, as a linear system.

Variables are every count of a *cube* per measure (indicator series × age band) and period:
area (borough, ICB, London) × sex (male, female, persons) × breakdown category, for every
breakdown the release publishes at that area level. Published counts are fixed; withheld
ones, and cells nobody published, are unknown whole numbers ≥ 0. Categories an area cannot
have (a borough with no LSOA in a decile) get no variable: they are known zeros.

Relation families (each one a row of ``lower ≤ A x ≤ upper``):

1. sex: persons = male + female;
2. breakdown margins: the area's total = Σ its deciles (quintiles; national and London);
3. nested breakdowns: quintile q = deciles 2q−1 + 2q (national and London);
4. ethnic groups: Σ published groups ≤ total (ethnicity "unknown" is never published), and
   for the ethnic group × London quintile intersection: group = Σ its quintiles, and
   Σ groups in quintile q ≤ quintile q;
5. areas: parent = Σ children that can have the category (borough → ICB → London);
6. periods: with several periods, or periods longer than a year, every multi-year period is
   the sum of single years (unknowns of their own), so overlapping rolling windows are tied;
   each single year has the cube and relations 1–5 of its own (with only the sums, the slack
   of an inequality — unknown ethnicity, a subset's complement — could be negative in a year
   and so hide what overlapping periods reveal);
7. subset indicators: a count of indicator a ≤ the same count of b when every event a counts
   is one b counts (catalogue recipes: self-harm 10–24 ≤ all-age self-harm; suicides ≤
   deaths), per period or, when they differ, per year;
8. numerator ≤ event-count denominator: where the denominator is itself a count of events
   (knowledge.event_denominators), the denominators form a cube of their own with every
   relation above, and each cell's denominator = count + complement (complement ≥ 0);
   withheld denominators and the complements of withheld rows are attacked too;
9. non-negativity (x ≥ 0) and integrality (bounds are rounded inwards by the solver step).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from .knowledge import Knowledge

__all__ = ["BREAKDOWN_DIMENSIONS", "Cell", "Model", "build_model"]

SEXES = ("male", "female", "persons")
#: breakdown type → the dimensions its category names, in order ("asian|1").
BREAKDOWN_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "none": (),
    "imd2019_decile": ("national_decile",),
    "imd2019_quintile": ("national_quintile",),
    "imd2019_decile_london": ("london_decile",),
    "imd2019_quintile_london": ("london_quintile",),
    "ethnic_group": ("ethnic_group",),
    "ethnic_group_imd2019_quintile_london": ("ethnic_group", "london_quintile"),
}
#: quintile breakdown → its decile breakdown (quintile q = deciles 2q−1 and 2q)
NESTED = {
    "imd2019_quintile": "imd2019_decile",
    "imd2019_quintile_london": "imd2019_decile_london",
}
#: suffixes of the measures holding event-count denominators and their complements
DEN, REST = "#denominator", "#complement"
ETHNIC = "ethnic_group"
ETHNIC_QUINTILE = "ethnic_group_imd2019_quintile_london"
LEVELS = ("ltla", "icb", "region")  # child before parent

Unit = tuple[int, int]  # first and last calendar year
MeasureKey = tuple[str, str, str]  # indicator, series, age band
VarKey = tuple[MeasureKey, Unit, str, str, str, str]  # measure, unit, area, sex, btype, cat


@dataclass(frozen=True)
class Cell:
    """One count of the release (published or withheld)."""

    row: int  # row of the release table
    indicator_id: str
    area_code: str
    period_label: str
    sex: str
    breakdown_type: str
    breakdown_category: str
    count: float | None  # None when withheld
    threshold: int
    #: what is attacked: the row's count, its (event-count) denominator, or denominator − count
    quantity: str = "count"


@dataclass
class Model:
    """``lower ≤ A x ≤ upper`` over variables with bounds ``x_lower ≤ x ≤ x_upper``."""

    n_vars: int
    a: sp.csr_matrix
    lower: np.ndarray
    upper: np.ndarray
    x_lower: np.ndarray
    x_upper: np.ndarray
    #: withheld cells and their variables
    cells: list[Cell]
    variables: np.ndarray
    skipped_rows: int
    families: dict[str, int] = field(default_factory=dict)  # relation family → rows


class _Builder:
    def __init__(self) -> None:
        self.index: dict[VarKey, int] = {}
        self.rows: list[tuple[list[int], list[float], float, float, str]] = []

    def var(self, key: VarKey) -> int:
        i = self.index.get(key)
        if i is None:
            i = self.index[key] = len(self.index)
        return i

    def equal(self, total: int, members: list[int], family: str) -> None:
        """total = Σ members."""
        if members == [total]:
            return
        self.rows.append(([total, *members], [1.0] + [-1.0] * len(members), 0.0, 0.0, family))

    def at_most(self, part: list[int], whole: int, family: str) -> None:
        """Σ part ≤ whole."""
        self.rows.append(([*part, whole], [1.0] * len(part) + [-1.0], -np.inf, 0.0, family))


def _categories(knowledge: Knowledge, ethnic: list[str]) -> dict[tuple[str, str, str], list[str]]:
    """(level, area, breakdown type) → the categories the area can have."""
    z = knowledge.zones
    dims = {
        "national_decile": z.national_decile,
        "national_quintile": (z.national_decile + 1) // 2,
        "london_decile": z.london_decile,
        "london_quintile": z.london_quintile,
    }
    out: dict[tuple[str, str, str], list[str]] = {}
    for level in LEVELS:
        codes = np.asarray(getattr(z, level))
        for code in sorted(set(codes.tolist())):
            inside = codes == code
            for btype, bdims in BREAKDOWN_DIMENSIONS.items():
                options: list[list[str]] = []
                for d in bdims:
                    if d == ETHNIC:
                        options.append(ethnic)
                    else:
                        options.append([str(v) for v in sorted(set(dims[d][inside].tolist()))])
                cats = [""]
                for opts in options:
                    cats = [f"{c}|{o}" if c else o for c in cats for o in opts]
                out[(level, code, btype)] = cats
    return out


def build_model(values: pa.Table, knowledge: Knowledge, *, year_relations: bool = True) -> Model:
    """The attacker's relations for one release's published ``values``.

    ``year_relations=False`` leaves out the single years' own cubes (family 6), keeping only
    their sums and the subset pairs per year: several times fewer rows, and no weaker where
    every cell of a cube is a sum of one set of finest cells (sex × borough × one breakdown,
    or nested ones, with no inequality family): then the within-year equalities follow from
    the period sums (set each year's margins to the sums of its finest cells). Not otherwise
    (ethnic groups ≤ total; national and London deciles side by side).
    """
    names = (
        "indicator_id",
        "series",
        "area_code",
        "area_type",
        "period_start",
        "period_end",
        "period_label",
        "sex",
        "age_band",
        "breakdown_type",
        "breakdown_category",
        "count",
    )
    cols = {k: values[k].to_pylist() for k in names}
    cols["denominator"] = (
        values["denominator"].to_pylist()
        if "denominator" in values.column_names
        else [None] * values.num_rows
    )
    usable = [
        i
        for i in range(values.num_rows)
        if "/" not in cols["series"][i]
        and cols["area_type"][i] in LEVELS
        and cols["indicator_id"][i] is not None
    ]
    ethnic_set: set[str] = set()
    published_btypes: dict[tuple[MeasureKey, str], set[str]] = defaultdict(set)
    periods: dict[MeasureKey, set[Unit]] = defaultdict(set)
    areas_of: dict[str, set[str]] = defaultdict(set)
    for i in usable:
        bt = cols["breakdown_type"][i]
        if bt not in BREAKDOWN_DIMENSIONS:
            raise ValueError(f"attacker: unknown breakdown type {bt!r} (release row {i})")
        if bt in (ETHNIC, ETHNIC_QUINTILE):
            ethnic_set.add(str(cols["breakdown_category"][i]).split("|")[0])
        m = (cols["indicator_id"][i], cols["series"][i], cols["age_band"][i])
        ms = [m]
        if m[0] in knowledge.event_denominators:
            ms.append((m[0] + DEN, m[1], m[2]))
        for mm in ms:
            published_btypes[(mm, cols["area_type"][i])].add(bt)
            periods[mm].add((cols["period_start"][i].year, cols["period_end"][i].year))
        areas_of[cols["area_type"][i]].add(cols["area_code"][i])
    ethnic = sorted(ethnic_set)
    cats = _categories(knowledge, ethnic)
    z = knowledge.zones
    children: dict[tuple[str, str], list[str]] = defaultdict(list)  # (level, parent) → kids
    for child_level, parent_level in itertools.pairwise(LEVELS):
        kids = getattr(z, child_level).tolist()
        pairs = set(zip(kids, getattr(z, parent_level).tolist(), strict=True))
        for child, parent in sorted(pairs):
            children[(parent_level, parent)].append(child)
    area_codes = {lv: sorted(set(np.asarray(getattr(z, lv)).tolist())) for lv in LEVELS}
    for lv, codes in areas_of.items():
        unknown = codes - set(area_codes[lv])
        if unknown:
            raise ValueError(f"attacker: {lv} areas not in London: {sorted(unknown)[:5]}")
    b = _Builder()
    by_indicator: dict[str, list[MeasureKey]] = defaultdict(list)
    for m in periods:
        by_indicator[m[0]].append(m)
    partner_periods: dict[str, set[frozenset[Unit]]] = defaultdict(set)
    for x, y in knowledge.subsets:
        for mx in by_indicator.get(x, []):
            for my in by_indicator.get(y, []):
                partner_periods[x].add(frozenset(periods[my]))
                partner_periods[y].add(frozenset(periods[mx]))
    units_of: dict[MeasureKey, list[Unit]] = {}
    for m, ps in periods.items():
        multi = any(e > s for s, e in ps)
        years = sorted({y for s, e in ps for y in range(s, e + 1)})
        differ = any(other != frozenset(ps) for other in partner_periods[m[0]])
        split = multi and (len(ps) > 1 or differ)
        units_of[m] = sorted(set(ps) | ({(y, y) for y in years} if split else set()))
        # every period's cube and, when split, every single year's: the within-year relations
        # bind the years too (an inequality's slack, e.g. unknown ethnicity, is ≥ 0 in each
        # year, not only summed over each period)
        for unit in units_of[m] if year_relations else sorted(ps):
            _cube(b, m, unit, published_btypes, cats, area_codes, children, ethnic)
        if split:  # a period is the sum of its years (single years: unknowns of their own)
            for s, e in sorted(ps):
                if e == s:
                    continue
                for key in [k for k in b.index if k[0] == m and k[1] == (s, e)]:
                    yrs = [b.var((m, (y, y), *key[2:])) for y in range(s, e + 1)]
                    b.equal(b.index[key], yrs, "periods")
    # subset indicators, per shared unit
    for a_id, b_id in knowledge.subsets:
        for ma in by_indicator.get(a_id, []):
            for mb in by_indicator.get(b_id, []):
                shared = set(units_of[ma]) & set(units_of[mb])
                for key, ia in list(b.index.items()):
                    if key[0] != ma or key[1] not in shared:
                        continue
                    ib = b.index.get((mb, *key[1:]))
                    if ib is not None:
                        b.at_most([ia], ib, "subset indicators")
    # 8. numerator ≤ event-count denominator: denominator = count + complement
    complement: dict[VarKey, int] = {}
    for key, i_count in list(b.index.items()):
        m = key[0]
        if m[0] not in knowledge.event_denominators or m[0].endswith(DEN):
            continue
        i_den = b.index.get(((m[0] + DEN, m[1], m[2]), *key[1:]))
        if i_den is None:
            continue
        i_rest = b.var(((m[0] + REST, m[1], m[2]), *key[1:]))
        complement[key] = i_rest
        b.equal(i_den, [i_count, i_rest], "numerator ≤ denominator")
    n = len(b.index)
    x_lower = np.zeros(n)
    x_upper = np.full(n, np.inf)
    cells: list[Cell] = []
    variables: list[int] = []
    for i in usable:
        m = (cols["indicator_id"][i], cols["series"][i], cols["age_band"][i])
        unit = (cols["period_start"][i].year, cols["period_end"][i].year)
        rest = (
            unit,
            cols["area_code"][i],
            cols["sex"][i],
            cols["breakdown_type"][i],
            str(cols["breakdown_category"][i] or ""),
        )
        targets = [("count", m, cols["count"][i])]
        if m[0] in knowledge.event_denominators:
            targets.append(("denominator", (m[0] + DEN, m[1], m[2]), cols["denominator"][i]))
        withheld_row = any(value is None for _, _, value in targets)
        for quantity, mm, count in targets:
            key = (mm, *rest)
            v = b.index.get(key)
            if v is None:
                if count is not None and count != 0:
                    raise ValueError(f"attacker: release row {i} counts events that cannot exist")
                continue
            if count is not None:
                x_lower[v] = x_upper[v] = float(count)
                continue
            cells.append(_cell(i, m[0], key, cols, quantity, knowledge))
            variables.append(v)
        r = complement.get((m, *rest))
        if withheld_row and r is not None:
            cells.append(_cell(i, m[0], (m, *rest), cols, "complement", knowledge))
            variables.append(r)
    indptr = [0]
    idx: list[int] = []
    data: list[float] = []
    lower = np.empty(len(b.rows))
    upper = np.empty(len(b.rows))
    families: dict[str, int] = defaultdict(int)
    for r, (vs, cs, lo, hi, fam) in enumerate(b.rows):
        idx += vs
        data += cs
        indptr.append(len(idx))
        lower[r], upper[r] = lo, hi
        families[fam] += 1
    a = sp.csr_matrix((data, idx, indptr), shape=(len(b.rows), n))
    return Model(
        n_vars=n,
        a=a,
        lower=lower,
        upper=upper,
        x_lower=x_lower,
        x_upper=x_upper,
        cells=cells,
        variables=np.array(variables, dtype=np.int64),
        skipped_rows=values.num_rows - len(usable),
        families=dict(families),
    )


def _cell(
    row: int,
    indicator: str,
    key: VarKey,
    cols: dict[str, list[object]],
    quantity: str,
    knowledge: Knowledge,
) -> Cell:
    return Cell(
        row=row,
        indicator_id=indicator,
        area_code=key[2],
        period_label=str(cols["period_label"][row]),
        sex=key[3],
        breakdown_type=key[4],
        breakdown_category=key[5],
        count=None,
        threshold=knowledge.thresholds.get(indicator, 1),
        quantity=quantity,
    )


def _cube(
    b: _Builder,
    m: MeasureKey,
    unit: Unit,
    published_btypes: dict[tuple[MeasureKey, str], set[str]],
    cats: dict[tuple[str, str, str], list[str]],
    area_codes: dict[str, list[str]],
    children: dict[tuple[str, str], list[str]],
    ethnic: list[str],
) -> None:
    """Variables and within-period relations of one measure and period."""
    for level in LEVELS:
        btypes = published_btypes.get((m, level), set())
        if not btypes:
            continue
        btypes = btypes | {"none"}
        for area in area_codes[level]:

            def v(sex: str, btype: str, cat: str, area: str = area) -> int:
                return b.var((m, unit, area, sex, btype, cat))

            for btype in sorted(btypes):
                for cat in cats[(level, area, btype)]:
                    # 1. sex
                    b.equal(
                        v("persons", btype, cat),
                        [v("male", btype, cat), v("female", btype, cat)],
                        "sex",
                    )
            for sex in SEXES:
                total = v(sex, "none", "")
                for btype in sorted(btypes):
                    members = [v(sex, btype, c) for c in cats[(level, area, btype)]]
                    if btype in ("none", ETHNIC_QUINTILE):
                        continue
                    if btype == ETHNIC:  # 4. unknown ethnicity is never published
                        b.at_most(members, total, "ethnic groups")
                    else:  # 2. margins
                        b.equal(total, members, "breakdown margins")
                for quint, dec in NESTED.items():  # 3. nested breakdowns
                    if quint not in btypes or dec not in btypes:
                        continue
                    have = set(cats[(level, area, dec)])
                    for q in cats[(level, area, quint)]:
                        ds = [str(2 * int(q) - 1), str(2 * int(q))]
                        b.equal(
                            v(sex, quint, q),
                            [v(sex, dec, d) for d in ds if d in have],
                            "nested breakdowns",
                        )
                if ETHNIC_QUINTILE in btypes:  # 4. ethnic group × London quintile
                    inter = cats[(level, area, ETHNIC_QUINTILE)]
                    for g in ethnic:
                        members = [
                            v(sex, ETHNIC_QUINTILE, c) for c in inter if c.startswith(g + "|")
                        ]
                        b.equal(v(sex, ETHNIC, g), members, "ethnic × quintile margins")
                    for q in cats[(level, area, "imd2019_quintile_london")]:
                        members = [v(sex, ETHNIC_QUINTILE, c) for c in inter if c.endswith("|" + q)]
                        b.at_most(
                            members,
                            v(sex, "imd2019_quintile_london", q),
                            "ethnic × quintile margins",
                        )
            # 5. areas: parent = Σ children that can have the category
            if level == "ltla":
                continue
            child_level = LEVELS[LEVELS.index(level) - 1]
            child_btypes = published_btypes.get((m, child_level), set()) | {"none"}
            if not published_btypes.get((m, child_level)):
                continue
            for btype in sorted(btypes & child_btypes):
                for cat in cats[(level, area, btype)]:
                    kids = [
                        k for k in children[(level, area)] if cat in cats[(child_level, k, btype)]
                    ]
                    for sex in SEXES:
                        b.equal(
                            v(sex, btype, cat),
                            [b.var((m, unit, k, sex, btype, cat)) for k in kids],
                            "areas",
                        )
