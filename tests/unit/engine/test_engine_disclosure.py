"""Disclosure control: nothing withheld can be recovered from what is published."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyarrow as pa
import pytest

from healthgap.engine.disclosure import (
    WITHHELD_NOTE,
    DisclosureRule,
    Relation,
    additive_relations,
    audit,
    protect,
    protect_many,
    rolling_bounds,
    rolling_relations,
    subset_relations,
)
from healthgap.errors import InputError

PARENTS = {"B1": "I1", "B2": "I1", "B3": "I2", "B4": "I2", "I1": "R", "I2": "R"}


def _table(rng: np.random.Generator, *, small_share: float = 0.25) -> pa.Table:
    """Counts for 4 boroughs, 2 ICBs and London, by sex and 5 quintiles, made additive."""
    base = {}
    for b, sex, q in itertools.product(_BOROUGHS, ("male", "female"), range(1, 6)):
        small = rng.random() < small_share
        base[(b, sex, str(q))] = int(rng.integers(1, 5) if small else rng.integers(5, 60))
    return _cube(base)


_BOROUGHS = ["B1", "B2", "B3", "B4"]


def _cube(base: dict[tuple[str, str, str], int]) -> pa.Table:
    """The table of :func:`_table` from its finest counts, (borough, sex, quintile) → count
    (missing ones 0)."""
    boroughs = _BOROUGHS
    base = {
        k: base.get(k, 0)
        for k in itertools.product(boroughs, ("male", "female"), map(str, range(1, 6)))
    }
    rows = []
    areas = {
        "B1": ["B1"],
        "B2": ["B2"],
        "B3": ["B3"],
        "B4": ["B4"],
        "I1": ["B1", "B2"],
        "I2": ["B3", "B4"],
        "R": boroughs,
    }
    for area, members in areas.items():
        for sex in ("male", "female", "persons"):
            sexes = ("male", "female") if sex == "persons" else (sex,)
            for q in ["", *map(str, range(1, 6))]:
                qs = [str(i) for i in range(1, 6)] if q == "" else [q]
                c = sum(base[(m, s, qq)] for m in members for s in sexes for qq in qs)
                rows.append((area, sex, "none" if q == "" else "imd_quintile", q, float(c)))
    area, sex, bt, bc, count = zip(*rows, strict=True)
    n = len(rows)
    return pa.table(
        {
            "area_code": area,
            "period_label": ["2019"] * n,
            "sex": sex,
            "breakdown_type": bt,
            "breakdown_category": bc,
            "value": [c * 10.0 for c in count],
            "lower95_0cl": [c * 9.0 for c in count],
            "upper95_0cl": [c * 11.0 for c in count],
            "lower99_8cl": [c * 8.0 for c in count],
            "upper99_8cl": [c * 12.0 for c in count],
            "count": count,
            "suppressed": [False] * n,
            "note": pa.array([None] * n, pa.string()),
        }
    )


def _attack(published: pa.Table, rule: DisclosureRule) -> dict[int, tuple[float, float]]:
    """An attacker's view: only the published table and the rule."""
    counts = np.nan_to_num(published["count"].to_numpy(zero_copy_only=False).astype(float))
    hidden = published["suppressed"].to_numpy(zero_copy_only=False)
    # The notes are the same on every withheld row, so all an attacker knows of a withheld
    # count is that it is not negative.
    assert len(set(published.filter(published["suppressed"])["note"].to_pylist())) <= 1
    lower = np.zeros(len(counts))
    upper = np.full(len(counts), np.inf)
    relations = additive_relations(published, parents=PARENTS)
    return audit(relations, counts, hidden, lower_bounds=lower, upper_bounds=upper)


def _unprotected_small(published: pa.Table, table: pa.Table, threshold: int = 5) -> list[str]:
    """The withheld counts that are truly small (1 … threshold − 1 in ``table``) whose range,
    as an attacker derives it from ``published`` and the relations alone, fails the
    protection rule (upper bound ≥ threshold and width ≥ threshold)."""
    true = table["count"].to_numpy(zero_copy_only=False)
    ranges = _attack(published, DisclosureRule(min_count=threshold))
    failing = []
    for cell, (lo, hi) in ranges.items():
        if not 1 <= true[cell] < threshold:
            continue
        hi_n, lo_n = np.floor(hi + 1e-7), np.ceil(lo - 1e-7)
        if not (hi_n >= threshold and hi_n - lo_n >= threshold):
            failing.append(f"row {cell} (true {true[cell]:g}) in [{lo:g}, {hi:g}]")
    return failing


def _withhold(table: pa.Table, hidden: np.ndarray) -> pa.Table:
    """``table`` with the ``hidden`` rows' counts withheld (as published)."""
    counts = [None if h else c for h, c in zip(hidden, table["count"].to_pylist(), strict=True)]
    return table.set_column(
        table.schema.get_field_index("count"), "count", pa.array(counts, pa.float64())
    ).set_column(table.schema.get_field_index("suppressed"), "suppressed", pa.array(hidden))


@pytest.mark.parametrize("seed", range(6))
def test_no_small_withheld_count_can_be_narrowed(seed: int) -> None:
    """Every withheld count that is truly small meets the protection rule against an attacker
    who knows only the published values and the relations (ADR 0611: small counts are what
    the rule protects; a withheld count of 5 or more may be pinned). Primary suppression
    alone fails the same check, so it can fail."""
    rule = DisclosureRule(min_count=5)
    table = _table(np.random.default_rng(seed))
    published, report = protect(table, rule, parents=PARENTS)
    assert report.primary > 0
    counts = table["count"].to_numpy()
    small = (counts >= 1) & (counts < 5)
    assert small.sum() == report.primary
    hidden = published["suppressed"].to_numpy(zero_copy_only=False)
    assert hidden[small].all()  # every small count is withheld
    assert not _unprotected_small(published, table)
    # withheld rows carry no value, limits or count, and say why
    for row in published.filter(published["suppressed"]).to_pylist():
        assert row["value"] is None
        assert row["count"] is None
        assert row["upper99_8cl"] is None
        assert row["note"] == WITHHELD_NOTE.format(min_count=5)
    # the check can fail: primary suppression alone leaves small counts narrowed
    assert _unprotected_small(_withhold(table, small), table)


def test_secondary_rules_ask_only_where_a_small_count_is_withheld() -> None:
    """The LP-free secondary rules look only at equations holding a withheld small count (the
    primary mask, not ``count < T``: zeros are not small): a lone withheld small count needs a
    partner, and so does one whose withheld cells, with the total published, sum below T; a
    lone withheld zero or count ≥ T, or withheld cells without a small one, need none."""
    from healthgap.engine.disclosure import _needs_partner

    # cells: 0 total, 1–3 members; counts and thresholds
    counts = np.array([12.0, 2.0, 0.0, 10.0])
    threshold = np.full(4, 5.0)
    small = (counts >= 1) & (counts < 5)
    members = (1, 2, 3)

    def needs(*withheld: int) -> bool:
        suppressed = np.zeros(4, dtype=bool)
        suppressed[list(withheld)] = True
        return _needs_partner(0, members, suppressed, counts, threshold, small)

    assert needs(1)  # a small count alone: recovered by subtraction
    assert needs(1, 2)  # small + zero: they share a known sum of 2 < 5
    assert not needs(1, 3)  # small + 10: room to move
    assert not needs(2)  # a lone withheld zero: pinned, but zeros are published anyway
    assert not needs(3)  # a lone withheld 10: not small
    assert not needs(0, 3)  # total and 10 withheld: nothing small in it
    assert not needs(0, 1)  # total withheld too: no known sum bounds the small count
    # a zero made confidential (suppress_zero) is small: alone it needs a partner
    assert _needs_partner(
        0, members, np.array([False, False, True, False]), counts, threshold, counts < 5
    )


def test_secondary_suppression_does_not_cascade_through_zeros() -> None:
    """One borough's male deaths: 2 in quintile 1, 10 in quintile 2, no other deaths
    anywhere. The small 2 (and its copies up the areas and in persons) need complementary
    cells; those take the 10s, and nothing more: before, the withheld 10 of persons quintile 2
    was lone in ``persons = male + female`` and took female's 0 as a partner, which was then
    lone in female's quintiles and took another 0, through the whole table of zeros (all 126
    cells withheld to protect 6). Every small count still meets the protection rule."""
    table = _cube({("B1", "male", "1"): 2, ("B1", "male", "2"): 10})
    published, report = protect(table, DisclosureRule(min_count=5), parents=PARENTS)
    assert report.primary == 6  # B1, I1 and London × male and persons, quintile 1
    hidden = published["suppressed"].to_numpy(zero_copy_only=False)
    counts = table["count"].to_numpy()
    assert not hidden[counts == 0].any()  # no zero is withheld
    assert report.secondary == 6
    assert not _unprotected_small(published, table)
    # the check can fail: the small counts alone are pinned by the 10s
    assert _unprotected_small(_withhold(table, (counts >= 1) & (counts < 5)), table)


def test_primary_suppression_alone_would_leak() -> None:
    table = _table(np.random.default_rng(0))
    counts = table["count"].to_numpy()
    primary = (counts >= 1) & (counts < 5)
    relations = additive_relations(table, parents=PARENTS)
    lower = np.where(primary, 1.0, 0.0)
    upper = np.where(primary, 4.0, np.inf)
    ranges = audit(relations, counts, primary, lower_bounds=lower, upper_bounds=upper)
    assert any(hi - lo < 1 for lo, hi in ranges.values())


def test_relations_found_from_the_table() -> None:
    table = _table(np.random.default_rng(1))
    rel = additive_relations(table, parents=PARENTS)
    # per area (7) × sex (3): quintiles → total = 21; per area × breakdown (6): sexes = 42;
    # per parent (3) × sex (3) × breakdown (6): children → parent = 54
    assert len(rel) == 21 + 42 + 54


def test_zero_counts_kept_unless_rule_says_so() -> None:
    t = pa.table(
        {
            "area_code": ["A", "A", "A"],
            "period_label": ["2019"] * 3,
            "sex": ["persons", "male", "female"],
            "breakdown_type": ["none"] * 3,
            "breakdown_category": [""] * 3,
            "value": [1.0, 0.0, 1.0],
            "lower95_0cl": [0.0] * 3,
            "upper95_0cl": [2.0] * 3,
            "lower99_8cl": [0.0] * 3,
            "upper99_8cl": [3.0] * 3,
            "count": [20.0, 0.0, 20.0],
            "suppressed": [False] * 3,
            "note": pa.array([None] * 3, pa.string()),
        }
    )
    kept, r1 = protect(t, DisclosureRule(min_count=5), parents={})
    assert r1.primary == 0
    assert not any(kept["suppressed"].to_pylist())
    hidden, r2 = protect(t, DisclosureRule(min_count=5, suppress_zero=True), parents={})
    assert r2.primary == 1
    # male (0) is withheld; female is withheld to protect it; persons can stay
    assert hidden["suppressed"].to_pylist() == [False, True, True]


def test_missing_counts_are_an_error() -> None:
    t = _table(np.random.default_rng(2))
    t = t.set_column(
        t.schema.get_field_index("count"),
        "count",
        pa.array([None, *t["count"].to_pylist()[1:]], pa.float64()),
    )
    with pytest.raises(InputError, match="count"):
        protect(t, DisclosureRule(), parents=PARENTS)


def test_large_components_are_protected_against_linear_recovery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given components too large for the LP audit, when protected, then no withheld small
    count is a linear combination of published totals (checked from outside with least
    squares; a withheld count of 5 or more may be: ADR 0611)."""
    from healthgap.engine import disclosure

    monkeypatch.setattr(disclosure, "LP_COMPONENT_LIMIT", 0)
    table = _table(np.random.default_rng(11), small_share=0.4)
    published, report = protect(table, DisclosureRule(min_count=5), parents=PARENTS)
    assert report.algebra_audited > 0
    assert report.range_audited == 0
    hidden = np.flatnonzero(published["suppressed"].to_numpy(zero_copy_only=False))
    relations = additive_relations(published, parents=PARENTS)
    pos = {int(c): j for j, c in enumerate(hidden)}
    rows = []
    for total, members in relations:
        row = np.zeros(len(hidden))
        for c, a in ((total, 1.0), *((m, -1.0) for m in members)):
            if c in pos:
                row[pos[c]] += a
        if row.any():
            rows.append(row)
    a = np.array(rows)
    # e_j in the row space of A  <=>  count j is determined; test by projecting e_j
    counts = table["count"].to_numpy()
    small = [j for j, c in enumerate(hidden) if 1 <= counts[c] < 5]
    assert len(small) == report.primary
    for j in small:
        e = np.zeros(len(hidden))
        e[j] = 1.0
        coef, *_ = np.linalg.lstsq(a.T, e, rcond=None)
        assert np.linalg.norm(a.T @ coef - e) > 1e-6


def test_withheld_rows_do_not_say_which_were_small() -> None:
    """Given a borough whose 4 deaths fall one in each of four quintiles, when protected,
    then every cell is withheld with the same note: had the notes said "primary" (so each
    count lies in 1 … 4), the total of at most 4 over four counts of at least 1 would pin
    every count to 1."""
    cats = ["", "1", "2", "3", "4"]
    counts = [4.0, 1.0, 1.0, 1.0, 1.0]
    n = len(cats)
    table = pa.table(
        {
            "area_code": ["B1"] * n,
            "period_label": ["2019"] * n,
            "sex": ["persons"] * n,
            "breakdown_type": ["none"] + ["imd_quintile"] * 4,
            "breakdown_category": cats,
            "value": [c * 10 for c in counts],
            "lower95_0cl": counts,
            "upper95_0cl": counts,
            "lower99_8cl": counts,
            "upper99_8cl": counts,
            "count": counts,
            "suppressed": [False] * n,
            "note": pa.array([None] * n, pa.string()),
        }
    )
    published, report = protect(table, DisclosureRule(min_count=5), parents={})
    assert report.primary == n
    assert published["suppressed"].to_pylist() == [True] * n
    assert set(published["note"].to_pylist()) == {WITHHELD_NOTE.format(min_count=5)}
    relations = additive_relations(table, parents={})
    hidden = np.ones(n, dtype=bool)
    labelled = audit(
        relations,
        np.array(counts),
        hidden,
        lower_bounds=np.ones(n),
        upper_bounds=np.full(n, 4.0),
    )
    assert all(hi - lo < 1 for lo, hi in labelled.values())  # what a label would give away
    for lo, hi in _attack(published, DisclosureRule(min_count=5)).values():
        assert hi - lo >= 1


def test_intersection_cells_are_protected_against_their_margins() -> None:
    """Given an ethnic group's own count and its counts by deprivation quintile, one of them
    small, when protected, then the group's quintiles are related to the group's row and no
    withheld quintile can be recovered by subtracting the others from it."""
    rows = [("ethnic_group", "asian", 40.0)]
    quintile_counts = [2.0, 9.0, 8.0, 11.0, 10.0]
    rows += [
        ("ethnic_group_imd2019_quintile_london", f"asian|{q}", c)
        for q, c in enumerate(quintile_counts, start=1)
    ]
    n = len(rows)
    btype, cat, count = (list(x) for x in zip(*rows, strict=True))
    table = pa.table(
        {
            "area_code": ["R"] * n,
            "period_label": ["2019"] * n,
            "sex": ["persons"] * n,
            "breakdown_type": btype,
            "breakdown_category": cat,
            "value": count,
            "lower95_0cl": count,
            "upper95_0cl": count,
            "lower99_8cl": count,
            "upper99_8cl": count,
            "count": count,
            "suppressed": [False] * n,
            "note": pa.array([None] * n, pa.string()),
        }
    )
    relations = additive_relations(table, parents={})
    assert (0, (1, 2, 3, 4, 5)) in relations
    published, report = protect(table, DisclosureRule(min_count=5), parents={})
    assert report.primary == 1
    assert report.secondary >= 1
    for lo, hi in _attack(published, DisclosureRule(min_count=5)).values():
        assert hi - lo >= 1


def _rows(rows: list[tuple[str, str, str, str, float]], **extra: list[float]) -> pa.Table:
    """A small value table from (area, sex, breakdown type, category, count) rows."""
    area, sex, bt, bc, count = (list(x) for x in zip(*rows, strict=True))
    n = len(rows)
    cols: dict[str, object] = {
        "area_code": area,
        "period_label": ["2019"] * n,
        "sex": sex,
        "breakdown_type": bt,
        "breakdown_category": bc,
        "value": [float(c) for c in count],
        "lower95_0cl": [float(c) for c in count],
        "upper95_0cl": [float(c) for c in count],
        "lower99_8cl": [float(c) for c in count],
        "upper99_8cl": [float(c) for c in count],
        "count": [float(c) for c in count],
        "suppressed": [False] * n,
        "note": pa.array([None] * n, pa.string()),
    }
    cols.update(extra)
    return pa.table(cols)


def test_a_withheld_count_gets_a_real_protection_interval() -> None:
    """Total 12 = 2 + 10 + 0: withholding the 2 and the 0 (the smallest other count) would
    leave the 2 in 0 … 2, "two whole numbers" but known to be small. The protection rule
    (upper bound ≥ 5 and width ≥ 5) needs the 10 withheld with it (issue 11, item 6)."""
    t = _rows(
        [
            ("B1", "persons", "none", "", 12),
            ("B1", "persons", "q", "1", 2),
            ("B1", "persons", "q", "2", 10),
            ("B1", "persons", "q", "3", 0),
        ]
    )
    published, _ = protect(t, DisclosureRule(min_count=5), parents={})
    hidden = published["suppressed"].to_pylist()
    assert hidden == [False, True, True, False]


def test_nested_breakdowns_are_relations() -> None:
    """London quintile 1 = London deciles 1 + 2, published side by side."""
    t = _rows(
        [
            ("B1", "persons", "none", "", 40),
            ("B1", "persons", "imd2019_quintile_london", "1", 11),
            ("B1", "persons", "imd2019_quintile_london", "2", 29),
            ("B1", "persons", "imd2019_decile_london", "1", 9),
            ("B1", "persons", "imd2019_decile_london", "2", 2),
            ("B1", "persons", "imd2019_decile_london", "3", 29),
        ]
    )
    assert (1, (3, 4)) in additive_relations(t, parents={})
    published, _ = protect(t, DisclosureRule(min_count=5), parents={})
    hidden = published["suppressed"].to_pylist()
    # the 2 and the 9 (partners in both the deciles and quintile 1): the 2 lies in 0 … 11
    assert hidden == [False, False, False, True, True, False]


def test_a_child_area_without_the_category_is_a_known_zero() -> None:
    """B2 has no quintile-1 row (no LSOA there): ICB quintile 1 = B1's quintile 1 alone, so
    withholding B1's but publishing the ICB's would give it away."""
    parents = {"B1": "I1", "B2": "I1"}
    t = _rows(
        [
            ("B1", "persons", "none", "", 30),
            ("B1", "persons", "q", "1", 3),
            ("B1", "persons", "q", "3", 27),
            ("B2", "persons", "none", "", 50),
            ("B2", "persons", "q", "3", 50),
            ("I1", "persons", "none", "", 80),
            ("I1", "persons", "q", "1", 3),
            ("I1", "persons", "q", "3", 77),
        ]
    )
    published, _ = protect(t, DisclosureRule(min_count=5), parents=parents)
    hidden = published["suppressed"].to_pylist()
    assert hidden[1]
    assert hidden[6]


def test_groups_that_fall_short_of_the_total_are_an_inequality() -> None:
    """Ethnic groups leave out unknown ethnicity: total 60, white 57 → asian ≤ 3. The
    relation is kept as Σ groups ≤ total, and the 1 is protected by withholding more."""
    t = _rows(
        [
            ("B1", "persons", "none", "", 60),
            ("B1", "persons", "ethnic_group", "asian", 1),
            ("B1", "persons", "ethnic_group", "white", 57),
        ]
    )
    published, _ = protect(t, DisclosureRule(min_count=5), parents={})
    hidden = published["suppressed"].to_pylist()
    # white withheld too: asian + white ≤ 60 leaves the 1 anywhere in 0 … 60 − 0
    assert hidden == [False, True, True]


def test_event_count_denominators_are_protected() -> None:
    """A proportion of events (dementia deaths in hospital / dementia deaths 65+): the
    denominator counts events, so a small denominator, or a small complement (deaths not in
    hospital, 12 − 10 = 2), is withheld with its row, denominator included (issue 11 item 3)."""
    rows = [
        ("B1", "persons", "none", "", 30),
        ("B1", "persons", "q", "1", 10),
        ("B1", "persons", "q", "2", 20),
    ]
    den = [60.0, 12.0, 48.0]
    t = _rows(rows, denominator=den)
    plain, _ = protect(t, DisclosureRule(min_count=5), parents={})
    assert not any(plain["suppressed"].to_pylist())  # numerators alone are all ≥ 5
    rule = DisclosureRule(min_count=5, event_denominator=True)
    published, report = protect(t, rule, parents={})
    hidden = published["suppressed"].to_pylist()
    assert hidden == [False, True, True]
    assert report.primary == 1
    assert published["denominator"].to_pylist() == [60.0, None, None]


def test_applies_to_denominator_protects_small_denominators() -> None:
    t = _rows(
        [("B1", "persons", "none", "", 5), ("B1", "persons", "q", "1", 0)],
        denominator=[40.0, 3.0],
    )
    assert not any(protect(t, DisclosureRule(min_count=5), parents={})[0]["suppressed"].to_pylist())
    published, _ = protect(t, DisclosureRule(min_count=5, applies_to="both"), parents={})
    assert published["suppressed"].to_pylist()[1]
    with pytest.raises(InputError, match="applies_to"):
        DisclosureRule(applies_to="everything")


def _ranges_with(
    published: pa.Table | list[pa.Table],
    extra_equal: list[Relation],
    at_most: list[Relation],
    n_latent: int,
) -> dict[int, tuple[float, float]]:
    """The audit of ``published`` (tables side by side) with extra relations (latent cells
    numbered after the rows)."""
    tables = published if isinstance(published, list) else [published]
    relations: list[Relation] = []
    offset = 0
    for t in tables:
        relations += [
            (a + offset, tuple(m + offset for m in ms))
            for a, ms in additive_relations(t, parents=PARENTS)
        ]
        offset += t.num_rows
    published = pa.concat_tables(tables)
    counts = np.concatenate(
        [
            np.nan_to_num(published["count"].to_numpy(zero_copy_only=False).astype(float)),
            np.zeros(n_latent),
        ]
    )
    hidden = np.concatenate(
        [published["suppressed"].to_numpy(zero_copy_only=False), np.ones(n_latent, dtype=bool)]
    )
    relations += extra_equal
    return audit(
        relations,
        counts,
        hidden,
        lower_bounds=np.zeros(len(counts)),
        upper_bounds=np.full(len(counts), np.inf),
        at_most=at_most,
    )


def _periods(rows: list[tuple[str, int, int, float]]) -> pa.Table:
    """(sex, first year, last year, count) rows of one borough, no breakdown."""
    table = _rows([("B1", sex, "none", "", c) for sex, _, _, c in rows])
    label = [f"{a} - {b % 100:02d}" for _, a, b, _ in rows]
    return (
        table.set_column(1, "period_label", pa.array(label))
        .append_column("period_start", pa.array([dt.date(a, 1, 1) for _, a, _, _ in rows]))
        .append_column("period_end", pa.array([dt.date(b, 12, 31) for _, _, b, _ in rows]))
    )


def test_overlapping_rolling_periods_are_relations() -> None:
    """Male 2017 - 19 is 3. Per period, withholding it with female 2017 - 19 (18) is enough:
    persons 21 leaves it in 0 … 21. But periods share years: female 2017 - 19 ≤ female
    2016 - 18 + 2018 - 20 = 18, so male ≥ 21 − 18 = 3; male 2017 - 19 ≤ 0 + 5: 3 … 5."""
    rows = [
        ("male", 2016, 2018, 0),
        ("male", 2017, 2019, 3),
        ("male", 2018, 2020, 5),
        ("female", 2016, 2018, 10),
        ("female", 2017, 2019, 18),
        ("female", 2018, 2020, 8),
        ("persons", 2016, 2018, 10),
        ("persons", 2017, 2019, 21),
        ("persons", 2018, 2020, 13),
    ]
    table = _periods(rows)
    rolling, end = rolling_relations(table, table.num_rows)
    assert len(rolling) == 9
    assert end == table.num_rows + 3 * 5  # 3 series × 5 years
    # the per-period protector's answer leaks through the periods
    hidden = np.zeros(table.num_rows, dtype=bool)
    hidden[[1, 4]] = True
    weak_published = table.set_column(
        table.schema.get_field_index("suppressed"), "suppressed", pa.array(hidden)
    )
    leak = _ranges_with(weak_published, rolling, [], 15)
    assert (round(leak[1][0]), round(leak[1][1])) == (3, 5)
    published, _ = protect(table, DisclosureRule(min_count=5), parents=PARENTS, periods=True)
    ranges = _ranges_with(published, rolling, [], 15)
    lo, hi = ranges[1]
    assert hi >= 5, ranges[1]
    assert hi - lo >= 5, ranges[1]


def test_rolling_bounds_are_the_latent_years_projected() -> None:
    """Without latent years, the same feasible set for the published periods: three 3-year
    windows over five years give exactly ``P2 ≤ P1 + P3`` per series (one latent sum); two
    windows over four years give nothing; and on random counts the bounds accept a set of
    period counts exactly when whole-year counts ≥ 0 making them up exist (an LP says)."""
    from scipy.optimize import linprog

    from healthgap.engine.disclosure import _period_facets

    three = ((2016, 2018), (2017, 2019), (2018, 2020))
    assert _period_facets(three) == [(1, -1, 1)]
    assert _period_facets(((2017, 2019), (2018, 2020))) == []
    rng = np.random.default_rng(5)
    for spans in (three, (*three, (2019, 2021)), ((2016, 2020), (2017, 2019), (2018, 2018))):
        facets = _period_facets(spans)
        assert facets is not None
        years = sorted({y for a, b in spans for y in range(a, b + 1)})
        m = np.array([[1.0 if a <= y <= b else 0.0 for y in years] for a, b in spans])
        for _ in range(150):
            p = rng.integers(0, 6, len(spans)).astype(float)
            exists = linprog(np.zeros(len(years)), A_eq=m, b_eq=p, bounds=(0, None)).status == 0
            assert exists == all(np.dot(h, p) >= 0 for h in facets), (spans, p)
    table = _periods([("male", 2016, 2018, 0), ("male", 2017, 2019, 3), ("male", 2018, 2020, 5)])
    equal, at_most, end = rolling_bounds(table, 10)
    assert equal == [(10, (0, 2))]  # u = 2016 - 18 + 2018 - 20
    assert at_most == [(10, (1,))]  # 2017 - 19 ≤ u
    assert end == 11


def test_subset_indicators_are_protected_together() -> None:
    """Self-harm 10–24 is a subset of all-age self-harm. Young male 4 and female 4 are
    withheld, young persons 8 published; all-age male 5 and female 5 are published, so
    young male ≤ 5 and young female ≤ 5 pin young male to 3 … 5 unless more is withheld."""
    young = _rows(
        [
            ("B1", "persons", "none", "", 8),
            ("B1", "male", "none", "", 4),
            ("B1", "female", "none", "", 4),
        ]
    )
    everyone = _rows(
        [
            ("B1", "persons", "none", "", 10),
            ("B1", "male", "none", "", 5),
            ("B1", "female", "none", "", 5),
        ]
    )
    rule = DisclosureRule(min_count=5)
    alone, _ = protect(young, rule, parents=PARENTS)
    assert alone["suppressed"].to_pylist() == [False, True, True]
    together = protect_many([(young, rule), (everyone, rule)], parents=PARENTS, subsets=[(0, 1)])
    both = [together[0][0], together[1][0]]
    subset = subset_relations(young, everyone, 0, 3)
    assert sorted(subset) == [(3, (0,)), (4, (1,)), (5, (2,))]
    ranges = _ranges_with(both, [], subset, 0)
    for cell in (1, 2):
        lo, hi = ranges[cell]
        assert hi >= 5, (cell, ranges)
        assert hi - lo >= 5, (cell, ranges)
    # alone, it leaks
    weak = [alone, everyone]
    lo, hi = _ranges_with(weak, [], subset, 0)[1]
    assert (round(lo), round(hi)) == (3, 5)


@pytest.mark.parametrize("exact", [True, False])
def test_report_counts_how_audits_were_settled(
    monkeypatch: pytest.MonkeyPatch, exact: bool
) -> None:
    """Given small counts to protect, when protected, then the report says how each audit of a
    small count ended (cheaply, in the per-count LP phase, locally, or exposed), every small
    count is audited at least once, and LP solves are counted (issue 11 item 12)."""
    from healthgap.engine import disclosure

    if not exact:
        monkeypatch.setattr(disclosure, "EXACT_LIMIT", 0)
    table = _table(np.random.default_rng(3), small_share=0.4)
    _, report = protect(table, DisclosureRule(min_count=5), parents=PARENTS)
    audits = report.settled_cheap + report.settled_by_lp + report.settled_local + report.exposed
    assert audits >= report.primary > 0
    assert report.lp_solves >= report.lp_counts
    if exact:
        assert report.settled_local == 0
        assert report.settled_cheap > 0  # the true counts and batch solves settle some
        assert report.lp_solves > 0
    else:
        assert report.settled_cheap == 0
        assert report.settled_local > 0
        assert report.lp_counts > 0


def test_large_component_falls_back_to_its_exact_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chain of withheld cells, each neighbouring pair summing to a published 10: the
    chain's far end is free, so the first cell (2) ranges over 0 … 10 and is protected. A
    local programme holds the far cells still and pins it; the audit of a large component
    then takes the exact range over the whole component instead of calling it exposed
    (before, it was withheld around again every round, never settled)."""
    from healthgap.engine import disclosure

    monkeypatch.setattr(disclosure, "EXACT_LIMIT", 0)
    cells = 12
    relations = [(cells + k, (k, k + 1)) for k in range(cells - 1)]
    counts = np.array([2.0 if k % 2 == 0 else 8.0 for k in range(cells)] + [10.0] * (cells - 1))
    index = disclosure._relations_of(relations, len(counts))
    check = np.zeros(len(counts), dtype=bool)
    check[0] = True
    threshold = np.full(len(counts), 5.0)
    component = list(range(cells))
    exact = disclosure._exact_unprotected_in(
        component, relations, len(relations), index, counts, threshold, check
    )
    assert exact == []
    stats = disclosure._AuditStats()
    found = disclosure._unprotected_in(
        component, relations, len(relations), index, counts, threshold, check, stats
    )
    assert found == []
    assert stats.settled_by_lp == 1
    assert stats.settled_local == 0
