"""``healthgap catalogue coverage`` on the bundled store, and after a Fingertips fetch."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.catalogue import load_catalogue
from healthgap.cli.main import app
from healthgap.sources.fetch import fingertips_urls
from healthgap.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch_server import Reply, Routes, serve

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fetch"


@pytest.fixture(scope="module")
def bundled(bundled_store) -> Path:
    """The session's store of the bundled data (``healthgap init``; read-only)."""
    return bundled_store.path


def _coverage(store: Path) -> dict:
    result = CliRunner().invoke(app, ["catalogue", "coverage", "--store", str(store), "--json"])
    assert result.exit_code == 0, result.output
    data: dict = json.loads(result.output)
    return data


def _levels(item: dict) -> dict[str, dict]:
    return {lv["level"]: lv for lv in item["levels"]}


def test_coverage_on_the_bundled_store(bundled: Path) -> None:
    data = _coverage(bundled)
    assert data["basis"] == "store"
    indicators = {i["indicator_id"]: i for i in data["indicators"]}
    commitments = {c["commitment_id"]: c for c in data["commitments"]}
    assert len(indicators) == len(load_catalogue().indicators)
    # every indicator and commitment reports the four geographies, each held or with a fill
    for item in [*indicators.values(), *commitments.values()]:
        levels = _levels(item)
        assert list(levels) == ["london", "boroughs", "icbs", "england"]
        for lv in levels.values():
            assert lv["held"] == bool(lv["latest_period"])
            assert lv["held"] != bool(lv["fill"])
    # life expectancy: boroughs and England bundled from Fingertips, with a latest period
    le = _levels(indicators["life_expectancy"])
    assert le["boroughs"]["held"]
    assert le["england"]["held"]
    assert le["boroughs"]["latest_period"]
    # an indicator with a Fingertips id and no London series: fetch it
    ids = indicators["reception_overweight_obese"]["fingertips_ids"]
    assert ids == [20601]
    reception = _levels(indicators["reception_overweight_obese"])
    fetch_it = "healthgap fetch fingertips --indicator 20601"
    assert reception["london"]["held"] or reception["london"]["fill"] == fetch_it
    # a commitment without indicators: only the GLA's own return can fill it
    hub = _levels(commitments["anti_racist_hub"])
    assert hub["london"]["fill"].startswith("load the GLA's own return")
    human = CliRunner().invoke(app, ["catalogue", "coverage", "--store", str(bundled)])
    assert human.exit_code == 0
    assert "Commitments by geography" in human.output


def test_a_fetch_fills_the_london_gap(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    with open_store(store):
        pass
    before = _levels(
        next(
            i
            for i in _coverage(store)["indicators"]
            if i["indicator_id"] == "reception_overweight_obese"
        )
    )
    assert not before["london"]["held"]
    routes = Routes()
    with serve(routes) as base:
        for part, url in fingertips_urls(f"{base}/api", 20601):
            body = (FIXTURES / f"fingertips_20601_{part}.csv").read_bytes()
            routes.replies[url[len(base) :]] = [Reply(body=body)]
        result = CliRunner().invoke(
            app,
            [
                "fetch", "fingertips", "--indicator", "reception_overweight_obese",
                "--base-url", f"{base}/api", "--store", str(store),
                "--cache-dir", str(tmp_path / "c"),
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = _coverage(store)
    after = _levels(
        next(i for i in data["indicators"] if i["indicator_id"] == "reception_overweight_obese")
    )
    assert after["london"] == {
        "level": "london", "held": True, "latest_period": "2022/23", "fill": "",
        "latest_end": "2023-08-31",
    }  # fmt: skip
    assert after["boroughs"]["held"]
    com = _levels(
        next(
            c
            for c in data["commitments"]
            if c["commitment_id"] == "halve_reception_overweight_2030"
        )
    )
    assert com["london"]["latest_period"] == "2022/23"
