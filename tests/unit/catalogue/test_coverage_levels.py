"""coverage(..., held_levels): London, boroughs, ICBs and England, and how to fill each gap."""

from __future__ import annotations

from healthgap.catalogue import Catalogue, coverage
from healthgap.catalogue.coverage import GLA_RETURN, LEVELS, fill_command


def _levels(rows: tuple) -> dict[str, tuple[bool, str, str]]:
    return {lv.level: (lv.held, lv.latest_period, lv.fill) for lv in rows}


def test_levels_held_latest_period_and_fill_commands(cat: Catalogue) -> None:
    held = {"fingertips:20601": ("2006/07", "2022/23", 500)}
    levels = {
        "fingertips:20601": {
            "boroughs": ("2023-08-31", "2022/23"),
            "england": ("2023-08-31", "2022/23"),
        },
        # a proxy of suicide_rate holding London must not count as London held
        "ons_health_index:suicides": {"london": ("2021-12-31", "2021")},
    }
    result = coverage(cat, held, levels)
    by_id = {c.indicator_id: c for c in result.indicators}
    reception = _levels(by_id["reception_overweight_obese"].levels)
    assert list(reception) == list(LEVELS)
    assert reception["boroughs"] == (True, "2022/23", "")
    assert reception["england"] == (True, "2022/23", "")
    assert reception["london"] == (False, "", "healthgap fetch fingertips --indicator 20601")
    # ICB is not among the indicator's declared geographies
    assert reception["icbs"] == (False, "", "not declared for this geography")
    suicide = by_id["suicide_rate"]
    assert not _levels(suicide.levels)["london"][0]
    commitments = {c.commitment_id: c for c in result.commitments}
    ten_pct = _levels(commitments["reception_overweight_10pct_2023_24"].levels)
    assert ten_pct["boroughs"] == (True, "2022/23", "")
    assert ten_pct["london"][2] == "healthgap fetch fingertips --indicator 20601"
    # a commitment measured by progress returns only: the GLA's own return
    assert _levels(commitments["anti_racist_hub"].levels)["london"] == (False, "", GLA_RETURN)


def test_without_levels_nothing_changes(cat: Catalogue) -> None:
    result = coverage(cat, {})
    assert all(c.levels == () for c in result.indicators)
    assert all(c.levels == () for c in result.commitments)


def test_fill_command() -> None:
    assert fill_command(()) == GLA_RETURN
    assert fill_command((20601, 20602)) == (
        "healthgap fetch fingertips --indicator 20601 --indicator 20602"
    )


def test_every_direct_fingertips_id_is_mapped_so_a_fetch_fills_it(cat: Catalogue) -> None:
    """A Fingertips id a source declares (not a proxy) has its series key, so fetched values
    reach the indicator and its commitments; the fill is the plain fetch command."""
    for indicator in cat.indicators:
        keys = {s.series for s in indicator.sources}
        for source in indicator.sources:
            if source.fingertips_id is not None and not source.proxy:
                assert f"fingertips:{source.fingertips_id}" in keys, indicator.id
    result = coverage(cat, {}, {})
    (asthma,) = [c for c in result.indicators if c.indicator_id == "asthma_admissions_u19"]
    assert asthma.fingertips_ids == (90810,)
    london = {lv.level: lv for lv in asthma.levels}["london"]
    assert london.fill == "healthgap fetch fingertips --indicator 90810"


def test_a_proxy_fingertips_id_is_not_offered_as_the_fill(cat: Catalogue) -> None:
    result = coverage(cat, {}, {})
    (travel,) = [c for c in result.indicators if c.indicator_id == "active_travel_20min"]
    proxies = [s for s in cat.indicator("active_travel_20min").sources if s.proxy]
    assert any(s.fingertips_id for s in proxies)
    assert {lv.level: lv for lv in travel.levels}["london"].fill == GLA_RETURN
