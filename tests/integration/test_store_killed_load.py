"""A load killed part-way (SIGKILL, transaction open) leaves the store as it was; a store held
by another process is reported as in use."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from healthgap.errors import StoreError
from healthgap.store import VALUE_COLUMNS, ReleaseInput, SourceFile, open_store

pytestmark = pytest.mark.slow

ROWS = 1_500_000

_GENERATE = """
import datetime
import numpy as np, pyarrow as pa, pyarrow.compute as pc
from healthgap.store import VALUE_COLUMNS, ReleaseInput, SourceFile

def generated(n, series):
    ix = pa.array(np.arange(n, dtype=np.int64))
    const = lambda v, t: pa.array([v], t).take(pa.array(np.zeros(n, dtype=np.int64)))
    cols = {c.name: pa.nulls(n, pa.string()) for c in VALUE_COLUMNS}
    cols.update(
        series=const(series, pa.string()),
        area_code=pc.binary_join_element_wise("E", pc.cast(ix, pa.string()), ""),
        area_type=const("lsoa21", pa.string()),
        period_start=const(datetime.date(2021, 1, 1), pa.date32()),
        period_end=const(datetime.date(2021, 12, 31), pa.date32()),
        period_label=const("2021", pa.string()),
        sex=const("persons", pa.string()),
        age_band=const("All ages", pa.string()),
        breakdown_type=const("none", pa.string()),
        breakdown_category=const("", pa.string()),
        value=pc.cast(ix, pa.float64()),
        suppressed=const(False, pa.bool_()),
        provisional=const(False, pa.bool_()),
        revised=const(False, pa.bool_()),
    )
    return pa.table(cols)
"""

_CHILD = (
    _GENERATE
    + """
import sys, time
from pathlib import Path
from healthgap.store import open_store

def progress(done, total):
    if done:  # a batch is written and the transaction is still open
        print(f"IN TRANSACTION {done}/{total}", flush=True)
        time.sleep(300)

store = open_store(Path(sys.argv[1]))
values = generated(int(sys.argv[2]), "synthetic:big")
store.load_release(
    ReleaseInput(source="synthetic", files=(SourceFile("big.csv", "b" * 64, len(values)),),
                 values=values),
    progress=progress,
)
print("COMMITTED", flush=True)
"""
)

_HOLDER = """
import sys, time
from pathlib import Path
from healthgap.store import open_store
store = open_store(Path(sys.argv[1]))
print("OPEN", flush=True)
time.sleep(300)
"""


def _small(series: str, file: str) -> ReleaseInput:
    rows = 4
    cols: dict[str, pa.Array] = {c.name: pa.nulls(rows, pa.string()) for c in VALUE_COLUMNS}
    cols.update(
        series=pa.array([series] * rows),
        area_code=pa.array([f"E0900000{i}" for i in range(1, rows + 1)]),
        area_type=pa.array(["ltla"] * rows),
        period_start=pa.array([date(2022, 4, 1)] * rows),
        period_end=pa.array([date(2023, 3, 31)] * rows),
        period_label=pa.array(["2022/23"] * rows),
        sex=pa.array(["female"] * rows),
        age_band=pa.array(["65+ yrs"] * rows),
        breakdown_type=pa.array(["none"] * rows),
        breakdown_category=pa.array([""] * rows),
        value=pa.array([1.5, 2.5, 3.5, None]),
        suppressed=pa.array([False, False, False, True]),
        provisional=pa.array([False] * rows),
        revised=pa.array([False] * rows),
    )
    sha = hashlib.sha256(file.encode()).hexdigest()
    return ReleaseInput(
        source="fingertips",
        files=(SourceFile(file, sha, rows),),
        values=pa.table(cols),
        published_at=date(2023, 5, 2),
    )


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=30)
        for stream in (p.stdout, p.stderr):
            if stream is not None:
                stream.close()


def test_killed_load_leaves_previous_state(
    tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    """Given a store with one release, when a process loading 1.5M rows is SIGKILLed with
    its transaction open, then the store reopens unchanged and accepts a new load."""
    path = tmp_path / "healthgap.duckdb"
    with open_store(path) as s:
        first = s.load_release(_small("fingertips:1", "first.csv"))
        before = (
            [r.release_id for r in s.releases()],
            s.values().to_pylist(),
        )

    child = _spawn(_CHILD, str(path), str(ROWS))
    spawned.append(child)
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.startswith("IN TRANSACTION"), child.stderr.read() if child.stderr else line
    done = int(line.split()[2].split("/")[0])
    assert 0 < done < ROWS
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL

    with open_store(path) as s:
        assert ([r.release_id for r in s.releases()], s.values().to_pylist()) == before
        assert s.values(include_embargoed=True, series=["synthetic:big"]).num_rows == 0
        second = s.load_release(_small("fingertips:2", "second.csv"))
        assert second == first + 1
        assert s.values().num_rows == 8
    with open_store(path, read_only=True) as s:
        assert [r.release_id for r in s.releases()] == [first, second]


def test_store_in_use_by_another_process_is_reported(
    tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    path = tmp_path / "healthgap.duckdb"
    open_store(path).close()
    holder = _spawn(_HOLDER, str(path))
    spawned.append(holder)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "OPEN"
    with pytest.raises(StoreError, match="is in use by another process"):
        open_store(path)
    with pytest.raises(StoreError, match="is in use by another process"):
        open_store(path, read_only=True)
    holder.kill()
    holder.wait(timeout=30)
    with open_store(path, read_only=True) as s:
        assert s.releases() == []
