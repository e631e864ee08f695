"""``healthgap.client`` against a live server (uvicorn on a free local port): every endpoint
round-trips; errors carry the server's explanation; connection errors are retried."""

from __future__ import annotations

import socket
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest

from healthgap.client import ApiError, Client, NoData, NotAuthorised, UnknownParameter

from .conftest import BOROUGHS, TIDY, Served


def test_client_round_trips_every_read(served: Served, live: str) -> None:
    with Client(live) as hg:
        for frame in (hg.aims(), hg.priorities(), hg.commitments(), hg.focus_areas()):
            assert isinstance(frame, pd.DataFrame)
            assert not frame.empty
        assert not hg.missions().empty
        assert "life_expectancy" in set(hg.indicators()["id"])
        assert hg.indicator("life_expectancy")["id"] == "life_expectancy"
        first = hg.commitments()["id"].iloc[0]
        assert hg.commitment(first)["id"] == first
        assert not hg.search("life expectancy").empty
        assert "E09000007" in set(hg.search_areas("Camden")["code"])
        assert set(hg.areas(area_type="ltla", parent="E12000007")["code"]) >= set(BOROUGHS)
        assert not hg.areas().empty
        assert hg.area("E09000001")["name"] == "City of London"
        assert "E12000007" in set(hg.parents("E09000001")["code"])
        lsoa = hg.areas(area_type="lsoa21", parent="E09000001")["code"].iloc[0]
        assert not hg.lineage(lsoa).empty
        assert hg.boundaries("ltla")["type"] == "FeatureCollection"

        series = hg.series("life_expectancy", area=BOROUGHS)
        assert len(series) == 9
        assert {"value", "lower95_0cl", "upper95_0cl", "area_name"} <= set(series.columns)
        latest = hg.values("life_expectancy", area_type="ltla", latest=True)
        assert set(latest["period_label"]) == {"2021"}
        assert not hg.comparisons("life_expectancy", latest=True).empty
        assert not hg.trends("life_expectancy").empty
        assert not hg.assessments().empty
        assert len(hg.values("life_expectancy", as_of=date(2024, 1, 31))) == 15
        for fmt in ("parquet", "csv", "json"):
            bulk = hg.bulk("life_expectancy", format=fmt)
            assert len(bulk) == 15
            assert bulk["value"].notna().all()
        rel = hg.releases()
        assert list(rel["release_id"]) == [1]
        assert hg.release(1)["source"] == "fingertips"
        assert hg.release_changes(1, 1)["unchanged"].sum() == 15
        assert "## 1.0.0" in hg.changelog()
        with pytest.raises(NoData) as nodata:
            hg.inequality(
                "life_expectancy", area="E12000007", period="2021", breakdown="imd_decile"
            )
        assert nodata.value.available


def test_client_round_trips_every_write(served: Served, live: str, tmp_path: Path) -> None:
    with Client(live, token=served.admin) as admin:
        made = admin.create_token("writer", "editor")
        assert made["role"] == "editor"
        assert len(admin.tokens()) == 3
        assert "token" not in admin.tokens().columns
        editor = Client(live, token=made["token"])
        f = tmp_path / "mine.csv"
        f.write_text(TIDY)
        loaded = editor.load(f, source="healthgap", published_at=date(2024, 2, 1))
        rid = loaded["release_id"]
        assert loaded["loaded"] is True
        assert len(editor.values("user:my-measure")) == 2
        until = served.clock.now + timedelta(days=3)
        assert editor.set_embargo(rid, until)["release_id"] == rid
        # Hidden from public reads: even the series key is unknown while under embargo.
        with pytest.raises(UnknownParameter):
            editor.values("user:my-measure")
        editor.set_embargo(rid, None)
        assert len(editor.values("user:my-measure")) == 2
        row = editor.record_progress(
            "school_superzones_2025", value=20, as_of=date(2025, 3, 31), source="GLA"
        )
        assert row["value"] == 20
        assert list(editor.progress("school_superzones_2025")["value"]) == [20]
        assert admin.revoke_token(made["token_id"])["revoked_at"] is not None
        with pytest.raises(NotAuthorised):
            editor.record_progress(
                "school_superzones_2025", value=21, as_of=date(2025, 3, 31), source="GLA"
            )
        editor.close()


def test_client_errors_carry_the_servers_explanation(live: str) -> None:
    with Client(live) as hg:
        with pytest.raises(UnknownParameter) as unknown:
            hg.values("life_expectncy")
        assert unknown.value.parameter == "indicator"
        assert "life_expectancy" in unknown.value.suggestions
        with pytest.raises(NoData) as nodata:
            hg.values("life_expectancy", period="1999")
        assert nodata.value.available["periods"] == ["2019", "2020", "2021"]
        assert "held" in str(nodata.value)
        with pytest.raises(NotAuthorised):
            hg.tokens()
        with pytest.raises(ApiError):
            hg.boundaries("planet")


def test_client_retries_connection_errors_with_backoff() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    hg = Client(f"http://127.0.0.1:{port}", retries=2, backoff=0.05)
    started = time.monotonic()
    with pytest.raises(httpx.ConnectError):
        hg.aims()
    assert time.monotonic() - started >= 0.05 + 0.1
    hg.close()


def test_client_always_verifies_tls() -> None:
    hg = Client("https://127.0.0.1:9")
    assert hg._http._transport._pool._ssl_context.verify_mode.name == "CERT_REQUIRED"  # type: ignore[attr-defined]
    hg.close()
