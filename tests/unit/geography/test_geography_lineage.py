"""LSOA 2011 ↔ 2021 best-fit lineage."""

from __future__ import annotations

from healthgap.geography import CHANGE_TYPES, load_geography

GEO = load_geography()


def test_lineage_covers_every_london_lsoa_both_ways() -> None:
    lineage = GEO.lsoa11_to_lsoa21()
    assert set(lineage["lsoa11_code"]) == {a.code for a in GEO.areas(area_type="lsoa11")}
    assert set(lineage["lsoa21_code"]) == {a.code for a in GEO.areas(area_type="lsoa21")}
    assert set(lineage["change"]) <= set(CHANGE_TYPES.values())
    assert set(lineage["ltla_code"]) == {b.code for b in GEO.boroughs()}


def test_change_types_match_the_shape_of_the_pairs() -> None:
    lineage = GEO.lsoa11_to_lsoa21()
    n21_per_11 = lineage.groupby("lsoa11_code")["lsoa21_code"].nunique()
    n11_per_21 = lineage.groupby("lsoa21_code")["lsoa11_code"].nunique()
    for row in lineage.itertuples(index=False):
        if row.change == "unchanged":
            assert row.lsoa11_code == row.lsoa21_code
            assert n21_per_11[row.lsoa11_code] == 1
            assert n11_per_21[row.lsoa21_code] == 1
        elif row.change == "split":
            assert n21_per_11[row.lsoa11_code] > 1
        elif row.change == "merged":
            assert n11_per_21[row.lsoa21_code] > 1
    counts = lineage["change"].value_counts()
    assert counts["unchanged"] > 4000
    assert counts["split"] > 0
    assert counts["merged"] > 0


def test_round_trip_forward_then_back_returns_to_the_start() -> None:
    forward = GEO.lsoa11_to_lsoa21()
    back = GEO.lsoa21_to_lsoa11()
    assert list(back.columns[:2]) == ["lsoa21_code", "lsoa11_code"]
    assert len(back) == len(forward)
    to21 = forward.groupby("lsoa11_code")["lsoa21_code"].apply(set).to_dict()
    to11 = back.groupby("lsoa21_code")["lsoa11_code"].apply(set).to_dict()
    change = dict(zip(forward["lsoa11_code"], forward["change"], strict=False))
    for lsoa11, targets in to21.items():
        returned = {s for t in targets for s in to11[t]}
        assert lsoa11 in returned
        if change[lsoa11] in ("unchanged", "split"):
            # one 2011 LSOA → its 2021 pieces → back to itself alone
            assert returned == {lsoa11}
    for lsoa21, sources in to11.items():
        assert {t for s in sources for t in to21[s]} >= {lsoa21}


def test_lineage_stays_within_one_borough() -> None:
    lineage = GEO.lsoa11_to_lsoa21()
    for row in lineage.sample(200, random_state=1).itertuples(index=False):
        assert GEO.borough_of(row.lsoa21_code).code == row.ltla_code
        assert GEO.parents(row.lsoa11_code, as_type="lsoa11")[1].code == row.ltla_code


def test_returned_frames_are_copies() -> None:
    first = GEO.lsoa11_to_lsoa21()
    first.loc[0, "change"] = "tampered"
    assert "tampered" not in set(GEO.lsoa11_to_lsoa21()["change"])
