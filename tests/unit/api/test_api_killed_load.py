"""A load through the API killed part-way (the client hanging up mid-upload; the server
SIGKILLed mid-load) leaves the store unchanged, and the server answers (again): the API and
the website, from one ``healthgap serve`` process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.publish import load_release, open_writer

from .conftest import release, values

pytestmark = pytest.mark.slow

SRC = str(Path(__file__).resolve().parents[3] / "src")
CLI = [sys.executable, "-c", "from healthgap.cli.main import app; app()"]


def _env(tmpdir: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    return env


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(store: Path, port: int, tmpdir: Path | None = None) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [*CLI, "serve", "--store", str(store), "--port", str(port)],
        env=_env(tmpdir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/releases", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server exited")
    proc.kill()
    raise RuntimeError("the server did not start")


def _big_csv(path: Path) -> None:
    from healthgap.geography import load_geography

    lsoas = [a.code for a in load_geography().areas(area_type="lsoa21")]
    with path.open("w") as out:
        out.write("series,area_code,period_start,period_end,period_label,sex,value\n")
        for y in range(2010, 2018):
            for i, a in enumerate(lsoas):
                out.write(f"user:big,{a},{y}-01-01,{y}-12-31,{y},persons,{i % 97}.5\n")


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "store.duckdb"
    writer = open_writer(path)
    load_release(writer.store, release(values()))
    writer.close()
    writer.store.close()
    # in-process (the server is the subprocess under test; a second interpreter start-up
    # here would only cost time)
    made = CliRunner().invoke(
        app, ["token", "create", "loader", "--role", "editor", "--store", str(path)]
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert "shown once" in made.stdout
    return path, token


def test_a_load_killed_part_way_leaves_the_store_unchanged(
    store: tuple[Path, str], tmp_path: Path
) -> None:
    """The client hangs up mid-upload, then the server is SIGKILLed mid-load: the store is
    unchanged, and ``healthgap serve`` started again answers /v1 (JSON), the website's home
    page (HTML) and /docs from the same process and read layer."""
    path, token = store
    big = tmp_path / "big.csv"
    _big_csv(big)
    port = _port()
    uploads = tmp_path / "server-tmp"
    uploads.mkdir()
    proc = _serve(path, port, uploads)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        before = httpx.get(f"{base}/releases").json()
        # 1. The client hangs up half-way through the upload: nothing written, still answering.
        body = big.read_bytes()
        boundary = "xyzzy"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\nhealthgap\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"'
            "\r\nContent-Type: text/csv\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        request = (
            f"POST /v1/releases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(head) + len(body) + len(tail)}\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(request + head + body[: len(body) // 2])
        time.sleep(1)
        assert httpx.get(f"{base}/releases").json() == before

        # 2. The server is killed while the load's transaction is open.
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(request + head + body + tail)
            # Wait until the server holds the whole upload (the load starts right after),
            # then kill it part-way through reading, deriving and writing the release.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                held = list(uploads.glob("healthgap-upload-*/big.csv"))
                if held and held[0].stat().st_size == len(body):
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("the server never received the whole upload")
            time.sleep(1.0)
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    # 3. Started again on that store (one interpreter start-up serves both checks: the
    # answers after the kill, and the API and the website from one process).
    proc = _serve(path, port)
    try:
        api = httpx.get(f"{base}/releases", timeout=30)
        assert api.headers["content-type"].startswith("application/json")
        after = api.json()
        assert [r["release_id"] for r in after] == [r["release_id"] for r in before]
        r = httpx.get(f"{base}/values", params={"indicator": "user:big"})
        assert r.status_code == 422
        assert (
            httpx.get(f"{base}/values", params={"indicator": "life_expectancy"}).status_code == 200
        )
        home = httpx.get(f"http://127.0.0.1:{port}/", timeout=60)
        assert home.status_code == 200
        assert home.headers["content-type"].startswith("text/html")
        assert "Open Government Licence" in home.text
        docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=30)
        assert docs.status_code == 200
        assert "cdn" not in docs.text.lower()
    finally:
        proc.kill()
        proc.wait(30)
