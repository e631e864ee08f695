"""``healthgap fetch``, end to end against a real HTTP server on 127.0.0.1.

The server (``fetch_server.py``) serves recorded responses in the real Fingertips download
layout (``tests/fixtures/fetch``). Every failure case asserts the store is unchanged.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.catalogue import load_catalogue
from healthgap.cli.main import app
from healthgap.sources.fetch import fingertips_urls
from healthgap.store import open_store
from healthgap.tracking import LONDON, Status, assess_commitment

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch_server import Reply, Routes, serve

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fetch"
AREAS = (FIXTURES / "fingertips_20601_areas.csv").read_bytes()
ICBS = (FIXTURES / "fingertips_20601_icbs.csv").read_bytes()
HTML = b"<!DOCTYPE html><html><head><title>Proxy login required</title></head><body/></html>"


def _routes(base: str, areas: list[Reply], icbs: list[Reply] | None = None) -> dict[str, list]:
    urls = dict(fingertips_urls(f"{base}/api", 20601))
    return {
        urls["areas"][len(base) :]: areas,
        urls["icbs"][len(base) :]: icbs if icbs is not None else [Reply(body=ICBS)],
    }


def _fetch(base: str, store: Path, cache: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        [
            "fetch", "fingertips", "--indicator", "20601", "--base-url", f"{base}/api",
            "--store", str(store), "--cache-dir", str(cache), "--retry-delay", "0.01",
            "--attempts", "3", *extra,
        ],
    )  # fmt: skip
    return result.exit_code, result.output


def _snapshot(store: Path) -> tuple[int, int]:
    if not store.exists():
        return (0, 0)
    with open_store(store, read_only=True) as s:
        return len(s.releases()), s.values().num_rows


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    with open_store(path):
        pass
    return path


def test_good_response_makes_the_london_commitments_assessable(store: Path, tmp_path: Path) -> None:
    catalogue = load_catalogue()
    with open_store(store, read_only=True) as s:
        before = assess_commitment(
            catalogue, s, catalogue.commitment("reception_overweight_10pct_2023_24")
        )
    assert before.status is Status.NOT_ASSESSABLE
    routes = Routes()
    with serve(routes) as base:
        routes.replies.update(_routes(base, [Reply(body=AREAS)]))
        code, out = _fetch(base, store, tmp_path / "cache")
    assert code == 0, out
    assert "loaded release" in out
    assert "2 downloaded" in out
    with open_store(store, read_only=True) as s:
        values = s.values(indicator_ids=["reception_overweight_obese"]).to_pylist()
        release = s.releases()[-1]
        for cid in ("reception_overweight_10pct_2023_24", "halve_reception_overweight_2030"):
            row = assess_commitment(catalogue, s, catalogue.commitment(cid))
            assert row.area_code == LONDON
            assert row.status is not Status.NOT_ASSESSABLE, (cid, row.reason)
            assert row.assessment is not None
            assert row.assessment.latest is not None
            assert row.assessment.latest.label == "2022/23"
        published = s.comparisons(release_id=release.release_id).to_pylist()
    assert release.source == "fingertips_api"
    assert len(release.files) == 2
    assert all(len(f.sha256) == 64 for f in release.files)
    assert all(f.name.startswith(base) for f in release.files)
    codes = {v["area_code"] for v in values}
    assert {"E12000007", "E92000001", "E09000001", "E54000027"} <= codes
    assert not codes & {"E06000001", "E12000001", "E54000008"}  # outside London: left out
    london = [v for v in values if v["area_code"] == LONDON and v["period_label"] == "2022/23"]
    assert len(london) == 1
    assert london[0]["count"] == 22400 - 420 * 7
    assert london[0]["denominator"] == 100000
    assert london[0]["lower99_8cl"] < london[0]["lower95_0cl"] < london[0]["value"]
    assert london[0]["note"] == "Aggregated from all known lower geography values"
    vs_england = [c for c in published if c["area_code"] == LONDON and c["benchmark"] == "country"]
    assert {c["outcome"] for c in vs_england} == {"Similar"}
    assert all(c["comparison_method"] == 1 for c in vs_england)
    assert not list((tmp_path / "cache").rglob("*.csv"))  # loaded: cache emptied


def test_rerun_of_the_same_data_writes_nothing(store: Path, tmp_path: Path) -> None:
    routes = Routes()
    with serve(routes) as base:
        routes.replies.update(_routes(base, [Reply(body=AREAS)]))
        assert _fetch(base, store, tmp_path / "c")[0] == 0
        held = _snapshot(store)
        code, out = _fetch(base, store, tmp_path / "c")
    assert code == 0
    assert "already holds exactly this data" in out
    assert _snapshot(store) == held


def test_retries_500s_then_succeeds(store: Path, tmp_path: Path) -> None:
    routes = Routes()
    with serve(routes) as base:
        routes.replies.update(
            _routes(base, [Reply(500, b"busy", "text/plain"), Reply(503), Reply(body=AREAS)])
        )
        code, out = _fetch(base, store, tmp_path / "c")
    assert code == 0, out
    assert max(routes.hits.values()) == 3
    assert _snapshot(store)[0] == 1


@pytest.mark.parametrize(
    ("replies", "message"),
    [
        ([Reply(500, b"oops", "text/plain")], "HTTP 500"),
        ([Reply(200, AREAS, cut=len(AREAS) // 2)], "cut short"),
        ([Reply(200, HTML, "text/html")], "got HTML: Proxy login required; nothing was written"),
        ([Reply(200, HTML, "text/plain")], "got HTML: Proxy login required"),
        ([Reply(404, b"no such indicator", "text/plain")], "HTTP 404"),
    ],
    ids=["persistent-500", "truncated", "html", "html-as-text", "404"],
)
def test_network_failures_write_nothing(
    store: Path, tmp_path: Path, replies: list[Reply], message: str
) -> None:
    before = _snapshot(store)
    routes = Routes()
    with serve(routes) as base:
        routes.replies.update(_routes(base, replies))
        code, out = _fetch(base, store, tmp_path / "c")
    assert code != 0
    assert message in out
    assert "nothing was written" in out
    assert len(out.strip().splitlines()) == 1  # one clear line, no traceback
    assert _snapshot(store) == before


def _edited(old: bytes, new: bytes, count: int = 1) -> bytes:
    assert old in AREAS
    return AREAS.replace(old, new, count)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_edited(b"Lower CI 95.0 limit", b"Lower 95% CI"), "Lower CI 95.0 limit"),
        (_edited(b",E09000007,", b",E09000099,"), "E09000099"),
        (_edited(b",E09000007,", b",LONDON7,"), "not a GSS area code"),
        (AREAS[: AREAS.rindex(b"\n", 0, len(AREAS) - 1) + 30], "expected 26 fields"),
    ],
    ids=["renamed-column", "unknown-borough", "malformed-code", "truncated-no-length"],
)
def test_bad_data_writes_nothing(store: Path, tmp_path: Path, body: bytes, message: str) -> None:
    before = _snapshot(store)
    routes = Routes()
    with serve(routes) as base:
        routes.replies.update(_routes(base, [Reply(body=body, content_type="text/csv")]))
        # Content-Length matches the (edited) body: the server is "right", the data is not.
        code, out = _fetch(base, store, tmp_path / "c")
    assert code == 2, out
    assert message in out
    assert "nothing was written" in out
    assert _snapshot(store) == before
    assert not list((tmp_path / "c").rglob("areas.csv"))  # a bad download is not kept


def test_resumes_from_the_cache_after_a_failure(store: Path, tmp_path: Path) -> None:
    routes = Routes()
    with serve(routes) as base:
        routes.replies.update(_routes(base, [Reply(body=AREAS)], [Reply(500)]))
        code, _ = _fetch(base, store, tmp_path / "c")
        assert code == 1
        assert len(list((tmp_path / "c").rglob("areas.csv"))) == 1  # kept for the re-run
        routes.replies.update(_routes(base, [Reply(500)], [Reply(body=ICBS)]))
        code, out = _fetch(base, store, tmp_path / "c")
    assert code == 0, out
    assert "1 downloaded, 1 from the cache" in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_says_offline(store: Path, tmp_path: Path) -> None:
    before = _snapshot(store)
    code, out = _fetch(f"http://127.0.0.1:{_free_port()}", store, tmp_path / "c")
    assert code == 1
    assert "cannot reach 127.0.0.1" in out
    assert "offline" in out
    assert "nothing was written" in out
    assert len(out.strip().splitlines()) == 1
    assert _snapshot(store) == before


def test_needs_an_indicator_or_all_catalogue(store: Path) -> None:
    result = CliRunner().invoke(app, ["fetch", "fingertips", "--store", str(store)])
    assert result.exit_code == 2
    assert "--all-catalogue" in result.output
    result = CliRunner().invoke(
        app, ["fetch", "fingertips", "--indicator", "rough_sleeping_count", "--store", str(store)]
    )
    assert result.exit_code == 2
    assert "declares no Fingertips id" in result.output


def test_an_id_no_indicator_declares_is_stored_unmapped_and_said(
    store: Path, tmp_path: Path
) -> None:
    routes = Routes()
    with serve(routes) as base:
        for part, url in fingertips_urls(f"{base}/api", 99999):
            body = (FIXTURES / f"fingertips_20601_{part}.csv").read_bytes()
            routes.replies[url[len(base) :]] = [Reply(body=body.replace(b"\n20601,", b"\n99999,"))]
        result = CliRunner().invoke(
            app,
            [
                "fetch", "fingertips", "--indicator", "99999", "--base-url",
                f"{base}/api", "--store", str(store), "--cache-dir", str(tmp_path / "c"),
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "no catalogue indicator declares series fingertips:99999" in result.output
    with open_store(store, read_only=True) as s:
        values = s.values(series=["fingertips:99999"]).to_pylist()
    assert values
    assert {v["indicator_id"] for v in values} == {None}


def test_asked_for_one_indicator_got_another(store: Path, tmp_path: Path) -> None:
    before = _snapshot(store)
    routes = Routes()
    with serve(routes) as base:
        routes.replies.update(_routes(base, [Reply(body=AREAS.replace(b"\n20601,", b"\n20602,"))]))
        code, out = _fetch(base, store, tmp_path / "c")
    assert code == 2
    assert "asked for indicator 20601, the download holds 20602" in out
    assert _snapshot(store) == before


def test_all_catalogue_fetches_every_declared_id_as_one_release(
    store: Path, tmp_path: Path
) -> None:
    catalogue = load_catalogue()
    ids = sorted(
        {s.fingertips_id for i in catalogue.indicators for s in i.sources if s.fingertips_id}
    )
    assert len(ids) >= 20
    routes = Routes()
    with serve(routes) as base:
        for fid in ids:
            for part, url in fingertips_urls(f"{base}/api", fid):
                body = (FIXTURES / f"fingertips_20601_{part}.csv").read_bytes()
                body = body.replace(b"\n20601,", f"\n{fid},".encode())
                routes.replies[url[len(base) :]] = [Reply(body=body)]
        result = CliRunner().invoke(
            app,
            [
                "fetch", "fingertips", "--all-catalogue", "--base-url", f"{base}/api",
                "--store", str(store), "--cache-dir", str(tmp_path / "c"),
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{2 * len(ids)} downloaded" in result.output
    assert set(routes.hits) == {
        url[len(base) :] for fid in ids for _, url in fingertips_urls(f"{base}/api", fid)
    }
    with open_store(store, read_only=True) as s:
        (release,) = s.releases()
        series = {v["series"] for v in s.values().to_pylist()}
    assert len(release.files) == 2 * len(ids)
    assert series == {f"fingertips:{fid}" for fid in ids}


def test_base_url_and_cache_from_the_environment(store: Path, tmp_path: Path) -> None:
    routes = Routes()
    with serve(routes) as base:
        routes.replies.update(_routes(base, [Reply(body=AREAS)]))
        result = CliRunner().invoke(
            app,
            ["fetch", "fingertips", "--indicator", "20601", "--store", str(store)],
            env={"HEALTHGAP_FINGERTIPS_URL": f"{base}/api", "HEALTHGAP_CACHE": str(tmp_path / "e")},
        )
    assert result.exit_code == 0, result.output
    assert sum(routes.hits.values()) == 2
    assert (tmp_path / "e").is_dir()


def _rewrite(body: bytes, fid: int, *, count_above_denominator: str) -> bytes:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(body.decode())))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for r in rows[1:]:
        r[0] = str(fid)
        if r[4] == count_above_denominator:
            r[17], r[18] = "3000", "2000"  # observed deaths above expected
        writer.writerow(r)
    return out.getvalue().encode()


def test_units_come_with_the_values_and_ratios_may_exceed_their_denominator(
    store: Path, tmp_path: Path
) -> None:
    routes = Routes()
    with serve(routes) as base:
        for fid in (20601, 91096):
            for part, url in fingertips_urls(f"{base}/api", fid):
                body = (FIXTURES / f"fingertips_20601_{part}.csv").read_bytes()
                body = _rewrite(body, fid, count_above_denominator="E09000002")
                if fid == 20601 and part == "areas":
                    body = AREAS
                routes.replies[url[len(base) :]] = [Reply(body=body)]
        result = CliRunner().invoke(
            app,
            [
                "fetch", "fingertips", "--indicator", "20601", "--indicator", "91096",
                "--base-url", f"{base}/api", "--store", str(store),
                "--cache-dir", str(tmp_path / "c"),
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    with open_store(store, read_only=True) as s:
        values = s.values().to_pylist()
    units = {v["series"]: v["unit"] for v in values}
    assert units == {"fingertips:20601": "%", "fingertips:91096": "ratio (%)"}
    above = [v for v in values if v["series"] == "fingertips:91096" and v["count"] == 3000]
    assert above
    assert all(v["denominator"] == 2000 for v in above)
