"""A small real store (England, London, three boroughs; three years of life expectancy)
served by the real app: in-process (TestClient) and live (uvicorn on a free port)."""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthgap.api import create_app
from healthgap.publish import Writer, access, load_release, open_writer
from healthgap.query import ReadLayer
from healthgap.store import VALUE_COLUMNS, ReleaseInput, SeriesInfo, SourceFile

ENGLAND = "E92000001"
LONDON = "E12000007"
BOROUGHS = ("E09000001", "E09000002", "E09000003")
SERIES = "fingertips:90366"
BASE = {ENGLAND: 80.0, LONDON: 81.0, "E09000001": 70.0, "E09000002": 81.0, "E09000003": 90.0}
TYPES = {ENGLAND: "country", LONDON: "region"}

TIDY = """series,area_code,period_start,period_end,period_label,sex,value
user:my-measure,E09000001,2023-01-01,2023-12-31,2023,persons,12.5
user:my-measure,E09000002,2023-01-01,2023-12-31,2023,persons,14.0
"""


def values(years: tuple[int, ...] = (2019, 2020, 2021), *, shift: float = 0.0) -> pa.Table:
    rows: dict[str, list[object]] = {c.name: [] for c in VALUE_COLUMNS}
    for area, base in BASE.items():
        for year in years:
            v = base + (year - 2019) * 0.1 + shift
            row: dict[str, object] = {
                "indicator_id": "life_expectancy",
                "series": SERIES,
                "area_code": area,
                "area_type": TYPES.get(area, "ltla"),
                "period_start": date(year, 1, 1),
                "period_end": date(year, 12, 31),
                "period_label": str(year),
                "sex": "persons",
                "age_band": "All ages",
                "breakdown_type": "none",
                "breakdown_category": "",
                "value": v,
                "lower95_0cl": v - 0.5,
                "upper95_0cl": v + 0.5,
                "lower99_8cl": v - 1.0,
                "upper99_8cl": v + 1.0,
                "count": None,
                "denominator": None,
                "unit": "years",
                "suppressed": False,
                "provisional": False,
                "revised": False,
                "note": None,
            }
            for k, val in row.items():
                rows[k].append(val)
    return pa.table(rows)


def release(
    table: pa.Table,
    *,
    name: str = "le.csv",
    published_at: date | None = date(2024, 1, 10),
    embargo_until: datetime | None = None,
) -> ReleaseInput:
    digest = hashlib.sha256(f"{name}:{table.num_rows}:{embargo_until}".encode()).hexdigest()
    return ReleaseInput(
        source="fingertips",
        files=(SourceFile(name, digest, table.num_rows),),
        series=(SeriesInfo(SERIES, "Life expectancy at birth", "OHID", "years"),),
        values=table,
        published_at=published_at,
        embargo_until=embargo_until,
    )


@dataclass
class Clock:
    """An injected clock (naive UTC) the tests move forward."""

    now: datetime = field(default_factory=lambda: datetime(2026, 1, 1, 12, 0))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Served:
    app: FastAPI
    writer: Writer
    reader: ReadLayer
    clock: Clock
    path: Path
    admin: str
    editor: str

    def http(self) -> TestClient:
        return TestClient(self.app)


@dataclass(frozen=True)
class Template:
    """A store file holding one release (``release(values())``) and two tokens, an admin's
    and an editor's (``ada`` and ``eddie``): what ``served`` starts from."""

    path: Path
    admin: str
    editor: str


@pytest.fixture(scope="session")
def served_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """The :class:`Template`, built once per session: each ``served`` store is a file copy
    of it (milliseconds) instead of a load and two tokens (0.4 s). Never open it; the session
    fails if it changed."""
    path = tmp_path_factory.mktemp("api-template") / "store.duckdb"
    writer = open_writer(path)
    load_release(writer.store, release(values()))
    admin, _ = access.create_token(writer.store, "ada", "admin")
    editor, _ = access.create_token(writer.store, "eddie", "editor")
    writer.close()
    writer.store.close()
    assert not path.with_name(path.name + ".wal").exists()  # one file holds it all
    before = path.read_bytes()
    yield Template(path, admin, editor)
    assert path.read_bytes() == before, "a test wrote to the template store"


def serving(template: Template, path: Path) -> Iterator[Served]:
    """A copy of ``template`` at ``path`` and the app serving it, closed when the generator
    resumes."""
    shutil.copyfile(template.path, path)
    writer = open_writer(path)
    reader = ReadLayer(writer.store)
    clock = Clock()
    app = create_app(reader, writer=writer, clock=clock)
    yield Served(app, writer, reader, clock, path, template.admin, template.editor)
    writer.close()
    writer.store.close()


@pytest.fixture
def served(served_template: Template, tmp_path: Path) -> Iterator[Served]:
    """A store and app of the test's own (it may write, load, move the clock)."""
    yield from serving(served_template, tmp_path / "store.duckdb")


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def live(served: Served) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a free port), in a thread: its base URL."""
    sock = free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(served.app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


Factory = Callable[..., object]
