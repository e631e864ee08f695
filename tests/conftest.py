"""Shared, session-scoped fixtures: the expensive inputs every area's tests need, built once
per test session (per worker under pytest-xdist) instead of once per module or per test.
Under pytest-xdist (``-n 2 --dist loadfile --no-loadscope-reorder``), the files that share
the costliest fixtures run on one worker, as one work unit (:data:`XDIST_FILE_GROUPS`), so each
of those is still built once.

What is here, with the CPU time each took to build when measured (December 2026):

* ``synthetic_london_deaths`` — Synthetic London deaths and population (120,000 rows; 8 s).
* ``synthetic_london_small`` — all tables, 300,000 rows, one year (the sparse input), once
  per test session even under pytest-xdist (:func:`_built_once`).
* ``synthetic_london_computed`` / ``synthetic_london_raw`` — one engine run each on
  ``synthetic_london_deaths`` (life expectancy and suicide, DuckDB, with and without
  disclosure control; 9 s each): use these instead of calling ``run_engine`` again on the
  same input.
* ``synthetic_london_spark_input`` — ``synthetic_london_deaths`` cut to the LSOAs of six
  boroughs (the City and one borough of each ICB: 16,407 deaths, 1.06M population rows
  against 7.28M), the input of the Spark run, of ``computed_store``, of the England-scope
  tests (and of tests that need any valid input).
* ``spark_job_output`` — the same two indicators computed once on local Spark through the
  ``spark-submit`` entry point over ``synthetic_london_spark_input`` (a Spark run costs
  minutes, most of it in validating and aggregating the population table: never start
  another one for a property this output shows).
* ``computed_store`` — ``healthgap compute`` (life expectancy, on the six boroughs) run once
  into a store that already holds the bundled Fingertips life expectancy (England's
  published values).
* ``readme_input`` — the README's own ``healthgap synth --rows 60000 --seed 1 --out london``
  (60,245 rows, 2016–20: 7.5 s of CPU), run once per test session even under pytest-xdist
  (:func:`_built_once`); the README's path, the sparse-input and the overlapping-periods tests
  read it.
* ``bundled_store`` — a store built by ``healthgap init`` from the bundled data (13 s), once
  per test session even under pytest-xdist (:func:`_built_once`: the first worker builds it,
  each worker reads its own copy); copy it with ``bundled_store_copy`` where a test writes
  (a file copy of its 19 MB takes milliseconds).

Everything session-scoped is **read-only by convention**: a test that needs to change
records or a store copies it first (``shutil.copytree`` / ``bundled_store_copy``). The
stores' digests are checked when the session ends, so a test that writes to the shared
file fails the run rather than leaking into other tests.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from healthgap.engine.pipeline import EngineResult

#: The indicators of the shared engine runs: one from deaths by age (a life table) and one
#: counting events with disclosure control on small counts (a DSR from underlying causes).
ENGINE_INDICATORS = ("life_expectancy", "suicide_rate")


#: Test files that share a costly session fixture. The files of every group run as ONE
#: pytest-xdist work unit (``-n 2 --dist loadfile``, see :func:`pytest_xdist_make_scheduler`),
#: so that each fixture is built once, and start first, groups in this order, so that they do
#: not finish the run alone. "spark": every test that starts local Spark (one JVM, one
#: ``spark_job_output``); "synthetic_london": the other users of the Synthetic London engine
#: runs. The Spark files use those runs too (``synthetic_london_deaths``, ``_computed``,
#: ``_raw``, ``computed_store``: about 35 s of CPU), so the two groups share a worker rather
#: than build them twice; the unit (about 200 s on a quiet machine) is still well under half
#: of the suite.
XDIST_FILE_GROUPS = {
    "spark": (
        "tests/integration/test_engine_backend_parity.py",
        "tests/integration/test_engine_pipeline.py",
        "tests/integration/test_engine_spark_job.py",
        "tests/integration/test_engine_validation.py",
    ),
    "synthetic_london": (
        "tests/integration/test_disclosure_attacker.py",
        "tests/integration/test_engine_england.py",
        "tests/integration/test_query_compute.py",
        "tests/unit/engine/test_engine_comparisons.py",
    ),
}
_GROUP_OF_FILE = {f: group for group, files in XDIST_FILE_GROUPS.items() for f in files}
#: The pytest-xdist work unit of every file in :data:`XDIST_FILE_GROUPS`.
_GROUPED_UNIT = "xdist-file-groups"


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a test that starts Spark outside the "spark" files (under xdist it would start
    a second JVM, and perhaps a second Spark run); in an xdist worker, put the groups of
    :data:`XDIST_FILE_GROUPS` first (the scheduler takes files in collection order with
    ``--no-loadscope-reorder``), the other tests keeping their order."""
    for item in items:
        spark = item.get_closest_marker("spark") or "spark_job_output" in getattr(
            item, "fixturenames", ()
        )
        if spark and _GROUP_OF_FILE.get(_file(item.nodeid)) != "spark":
            raise pytest.UsageError(
                f"{item.nodeid} starts local Spark: add its file to "
                "XDIST_FILE_GROUPS['spark'] in tests/conftest.py"
            )
    if hasattr(config, "workerinput"):
        order = list(XDIST_FILE_GROUPS)
        group = {item: _GROUP_OF_FILE.get(_file(item.nodeid)) for item in items}
        items.sort(key=lambda item: order.index(g) if (g := group[item]) else len(order))


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` with the files of every :data:`XDIST_FILE_GROUPS` group as one work
    unit. (``--dist loadgroup`` and ``xdist_group`` marks would say this per test, but
    pytest-xdist 3.8 loses the marks under pytest 9.2: pytest-dev/pytest-xdist#1386.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class GroupedFiles(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            if _file(nodeid) in _GROUP_OF_FILE:
                return _GROUPED_UNIT
            return str(super()._split_scope(nodeid))

    return GroupedFiles(config, log)


#: The local Spark JVM of the tests runs with the client JIT only and the serial collector:
#: its runs are short (minutes), and most of their CPU went to C2 compiling and to parallel
#: GC threads (the Spark run over ``synthetic_london_spark_input``: 93 s of JVM CPU with the
#: defaults, 48 s with these; Spark's plans and results do not depend on either).
#: PYSPARK_SUBMIT_ARGS reaches only the JVMs PySpark launches, and a value set outside the
#: tests is kept.
SPARK_TEST_SUBMIT_ARGS = (
    '--driver-java-options "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC" pyspark-shell'
)


@pytest.fixture(scope="session", autouse=True)
def _spark_test_jvm() -> Iterator[None]:
    """:data:`SPARK_TEST_SUBMIT_ARGS` for the session (unless PYSPARK_SUBMIT_ARGS is set)."""
    with pytest.MonkeyPatch.context() as mp:
        if "PYSPARK_SUBMIT_ARGS" not in os.environ:
            mp.setenv("PYSPARK_SUBMIT_ARGS", SPARK_TEST_SUBMIT_ARGS)
        yield


@pytest.fixture(scope="session")
def synthetic_london_deaths(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic London deaths and population, 120,000 rows, seed 3 (years 2018–20)."""
    from healthgap.engine.synth import generate_synthetic_london

    out = tmp_path_factory.mktemp("synthetic_london") / "deaths_120k_seed3"
    generate_synthetic_london(out, rows=120_000, seed=3, tables=("deaths",))
    return out


def _synth_small(out: Path) -> None:
    from healthgap.engine.synth import generate_synthetic_london

    generate_synthetic_london(out / "all_300k_seed11", rows=300_000, seed=11)


@pytest.fixture(scope="session")
def synthetic_london_small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small, sparse Synthetic London: 300,000 rows of every table, seed 11, one year
    (2020) — the input on which ``healthgap compute`` once crashed in the HEAT RCI, and the
    synthesis tests' sample of every table. Built once per session for all pytest-xdist
    workers (:func:`_built_once`); read-only: anything written there fails the run."""
    out = _built_once(tmp_path_factory, "synthetic-london-small", _synth_small)
    path = out / "all_300k_seed11"
    before = _tree_digest(path)
    yield path
    assert _tree_digest(path) == before, "a test wrote into synthetic_london_small: copy it"


@pytest.fixture(scope="session")
def synthetic_london_computed(synthetic_london_deaths: Path) -> EngineResult:
    """The engine (DuckDB) on ``synthetic_london_deaths``: life expectancy and suicide, with
    disclosure control, comparisons and HEAT, as ``healthgap compute`` publishes them (no input
    checksums). Read it; do not change its tables or dictionaries."""
    from healthgap.engine.pipeline import run_engine

    return run_engine(synthetic_london_deaths, indicators=list(ENGINE_INDICATORS), checksums=False)


@pytest.fixture(scope="session")
def synthetic_london_raw(synthetic_london_deaths: Path) -> EngineResult:
    """The same run without disclosure control: unprotected counts, for arithmetic checks
    only (such values must never be published)."""
    from healthgap.engine.pipeline import run_engine

    return run_engine(
        synthetic_london_deaths,
        indicators=list(ENGINE_INDICATORS),
        checksums=False,
        disclosure_control=False,
    )


#: The boroughs of ``synthetic_london_spark_input``: the City of London (six LSOAs, small
#: counts) and one borough of each of London's five ICBs.
SPARK_INPUT_BOROUGHS = (
    "E09000001",  # City of London (ICB E54000029)
    "E09000002",  # Barking and Dagenham (E54000029)
    "E09000005",  # Brent (E54000027)
    "E09000019",  # Islington (E54000028)
    "E09000021",  # Kingston upon Thames (E54000031)
    "E09000022",  # Lambeth (E54000030)
)


@pytest.fixture(scope="session")
def synthetic_london_spark_input(
    synthetic_london_deaths: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """``synthetic_london_deaths`` restricted to the LSOAs of :data:`SPARK_INPUT_BOROUGHS`
    (deaths and population, one Parquet file each): every area level, deprivation and
    ethnic breakdown and disclosure rule of the full input, at a seventh of its size. Local
    Spark's cost grows with the population table (7.28M rows in the full input, 1.06M here),
    and agreement with DuckDB does not need all of London."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from healthgap.engine.pipeline import lsoa_attributes

    attrs = lsoa_attributes("london")
    held = pc.is_in(attrs["ltla_code"], value_set=pa.array(SPARK_INPUT_BOROUGHS))
    lsoas = attrs.filter(held)["lsoa_code"]
    out = tmp_path_factory.mktemp("synthetic_london") / "deaths_120k_seed3_six_boroughs"
    for name in ("deaths", "population"):
        table = ds.dataset(synthetic_london_deaths / name).to_table()
        table = table.filter(pc.is_in(table["lsoa_code"], value_set=lsoas))
        (out / name).mkdir(parents=True)
        pq.write_table(table, out / name / "part-00000.parquet")
    return out


@pytest.fixture(scope="session")
def spark_job_output(
    synthetic_london_spark_input: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The ``spark-submit`` entry point (``healthgap.engine.spark_job``) run once on local Spark
    over ``synthetic_london_spark_input`` for the indicators of ``synthetic_london_computed``:
    the values Parquet file it wrote (its provenance JSON is beside it). Skips where the spark
    extra is not installed."""
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    from healthgap.engine.spark_job import main

    out = tmp_path_factory.mktemp("spark_job") / "out" / "values.parquet"
    args = ["--input", str(synthetic_london_spark_input), "--out", str(out)]
    for indicator in ENGINE_INDICATORS:
        args += ["--indicator", indicator]
    assert main(args) == 0
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class ComputedStore:
    """A store after ``healthgap compute --json``, and the summary it printed."""

    path: Path
    summary: dict[str, Any]


@pytest.fixture(scope="session")
def computed_store(
    synthetic_london_spark_input: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ComputedStore]:
    """A store holding the bundled Fingertips release of life expectancy (England's published
    values, loaded with ``Store.load_release``), then ``healthgap compute --input
    synthetic_london_spark_input -i life_expectancy -i tb_incidence --json`` (DuckDB;
    tb_incidence needs notifications, so it is reported as skipped). The six boroughs hold
    every area level, ICB and breakdown that storing and comparing need, at a seventh of the
    population rows of ``synthetic_london_deaths``. Read-only; the computed release is
    ``summary["release_id"]``."""
    import json

    from typer.testing import CliRunner

    from healthgap.cli.main import app
    from healthgap.sources import bundled_releases
    from healthgap.store import open_store

    path = tmp_path_factory.mktemp("computed") / "s.duckdb"
    with open_store(path) as st:
        fingertips = next(
            r for r in bundled_releases() if any(s.key == "fingertips:90366" for s in r.series)
        )
        st.load_release(fingertips)
    args = ["compute", "--input", str(synthetic_london_spark_input), "--store", str(path)]
    wanted = ["-i", "life_expectancy", "-i", "tb_incidence", "--json"]
    result = CliRunner().invoke(app, [*args, *wanted])
    assert result.exit_code == 0, result.output
    before = _digest(path)
    yield ComputedStore(path, json.loads(result.stdout))
    assert _digest(path) == before, "a test wrote to the shared computed store: copy it first"


@dataclass(frozen=True)
class BundledStore:
    """A store built by ``healthgap init`` from the bundled data, and what ``init`` printed."""

    path: Path
    output: str


def _built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """A directory ``build`` fills once per test session: in one process, a new one; under
    pytest-xdist, one all workers share, filled by the first worker that asks while the others
    wait for it (an exclusive ``flock`` on a file beside it). It is in the session's base
    temporary directory, so a new session builds it again. Read it; copy what you may change."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        out = tmp_path_factory.mktemp(name)
        build(out)
        return out
    root = tmp_path_factory.getbasetemp().parent / "built-once"  # the session's, every worker's
    root.mkdir(exist_ok=True)
    out = root / name
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (root / f"{name}.done").exists():
            shutil.rmtree(out, ignore_errors=True)  # what a failed build left
            out.mkdir()
            build(out)
            (root / f"{name}.done").touch()
    return out


#: The README's synth command (the first ``sh`` block of its engine section), as
#: ``readme_input`` runs it; ``test_cli_readme_path.py`` fails if the README says otherwise.
README_SYNTH = ("synth", "--rows", "60000", "--seed", "1", "--out", "london")


@dataclass(frozen=True)
class ReadmeInput:
    """The README's ``healthgap synth`` (``words``, after ``healthgap``) run in a fresh
    directory ``cwd``: the records it wrote (``path``, which is ``cwd / "london"``) and what
    it printed."""

    words: tuple[str, ...]
    cwd: Path
    path: Path
    output: str


def _synth_readme(out: Path) -> None:
    """``healthgap synth`` as the README writes it, in the new directory ``out/cwd``; what it
    printed beside that directory."""
    from typer.testing import CliRunner

    from healthgap.cli.main import app

    cwd = out / "cwd"
    cwd.mkdir()
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(app, list(README_SYNTH))
    assert result.exit_code == 0, result.output
    (out / "synth-output.txt").write_text(result.stdout, encoding="utf-8")


def _tree_digest(root: Path) -> str:
    """One digest of every file under ``root`` (names and contents)."""
    sha = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        sha.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


@pytest.fixture(scope="session")
def readme_input(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadmeInput]:
    """The README's input (:data:`README_SYNTH`: 60,245 rows of every table, five years
    2016–20, seed 1), synthesised once per session for all pytest-xdist workers. Read-only:
    a test may run a command in ``cwd`` that only reads it; anything written there fails the
    run when the session ends."""
    built = _built_once(tmp_path_factory, "readme-input", _synth_readme)
    cwd = built / "cwd"
    before = _tree_digest(cwd)
    output = (built / "synth-output.txt").read_text("utf-8")
    yield ReadmeInput(README_SYNTH, cwd, cwd / "london", output)
    assert _tree_digest(cwd) == before, "a test wrote into the shared README input: copy it"


def _init_bundled(out: Path) -> None:
    """``healthgap init`` on a new store ``out/healthgap.duckdb``; what it printed beside it."""
    import typer
    from typer.testing import CliRunner

    from healthgap.cli.store_commands import register

    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["init", "--store", str(out / "healthgap.duckdb")])
    assert result.exit_code == 0, result.output
    (out / "init-output.txt").write_text(result.output, encoding="utf-8")


@pytest.fixture(scope="session")
def bundled_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BundledStore]:
    """``healthgap init`` once per session on a new store: every bundled release loaded with
    its comparisons and assessments (built once for all pytest-xdist workers; each worker
    reads a copy of its own, so that no two processes open one DuckDB file). Open it read-only
    (``open_store(path, read_only=True)``, ``open_read_layer``, any CLI read); a test that
    writes uses ``bundled_store_copy``."""
    built = _built_once(tmp_path_factory, "bundled", _init_bundled)
    path = tmp_path_factory.mktemp("bundled") / "healthgap.duckdb"
    _copy_store(built / "healthgap.duckdb", path)
    before = _digest(path)
    yield BundledStore(path, (built / "init-output.txt").read_text(encoding="utf-8"))
    assert _digest(path) == before, "a test wrote to the shared bundled store: copy it first"


def _copy_store(source: Path, path: Path) -> None:
    """A DuckDB file and its write-ahead log, when the last writer left one."""
    shutil.copyfile(source, path)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, path.with_name(path.name + ".wal"))


@pytest.fixture
def bundled_store_copy(bundled_store: BundledStore, tmp_path: Path) -> Path:
    """A private copy of ``bundled_store`` (its path) that the test may change."""
    path = tmp_path / "bundled" / "healthgap.duckdb"
    path.parent.mkdir()
    _copy_store(bundled_store.path, path)
    return path


@contextlib.contextmanager
def _serving(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on 127.0.0.1 (a free port) in a thread: its base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve_app() -> Callable[[Any], contextlib.AbstractContextManager[str]]:
    """``with serve_app(app) as url:`` — a FastAPI app served on 127.0.0.1 for the block."""
    return _serving
