"""Messages that point the right way (issue 17, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from healthgap.cli.main import COMMANDS, app


def _run(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args])


def _proportion(source: Path, out: Path, *extra: object):  # type: ignore[no-untyped-def]
    return _run("calc", "proportion", "--input", source, "--output", out, "--x", "count",
                "--n", "pop", *extra)  # fmt: skip


@pytest.mark.parametrize(("delimiter", "shown", "flag"), [(";", "';'", "';'"),
                                                          ("\t", "tab", "'\\t'")])  # fmt: skip
def test_a_non_comma_delimited_file_says_so(
    tmp_path: Path, delimiter: str, shown: str, flag: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"count{delimiter}pop\n1{delimiter}10\n", encoding="utf-8")
    refused = _proportion(source, tmp_path / "out.csv")
    assert refused.exit_code == 2
    assert f"looks delimited by {shown}" in refused.output
    assert f"--delimiter {flag}" in refused.output
    assert not (tmp_path / "out.csv").exists()
    accepted = _proportion(source, tmp_path / "out.csv", "--delimiter", flag.strip("'"))
    assert accepted.exit_code == 0, accepted.output
    assert pd.read_csv(tmp_path / "out.csv").value.iloc[0] == pytest.approx(0.1)


def test_a_directory_is_not_file_not_found(tmp_path: Path) -> None:
    refused = _proportion(tmp_path, tmp_path / "out.csv")
    assert refused.exit_code == 2
    assert "is a directory, not a file" in refused.output
    assert "not found" not in refused.output


@pytest.mark.parametrize(
    ("head", "named"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", "Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "Excel 97-2003 workbook"),
        (b"PAR1\x15\x04", "a Parquet file"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "a binary file"),
    ],
)
def test_a_workbook_or_binary_file_is_named_not_called_latin_1(
    tmp_path: Path, head: bytes, named: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(head + b"\x00" * 64)
    refused = _proportion(source, tmp_path / "out.csv")
    assert refused.exit_code == 2
    assert named in refused.output
    assert "Latin-1" not in refused.output


def test_calc_reports_bad_encoding_with_file_line_and_character(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("count,pop\n1,10\n2,Cr\xe8che\n".encode("latin-1"))
    refused = _proportion(source, tmp_path / "out.csv")
    assert refused.exit_code == 2
    assert f"{source}:3" in refused.output
    assert "line 3, character 5" in refused.output


def test_export_refuses_a_format_the_name_contradicts(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    store.touch()
    refused = _run("export", "--format", "parquet", "--out", tmp_path / "x.csv", "--store", store)
    assert refused.exit_code == 2
    assert "--format parquet but --out" in refused.output
    assert not (tmp_path / "x.csv").exists()


def test_export_takes_its_format_from_the_name(bundled_store, tmp_path: Path) -> None:
    """``--out x.csv`` says the format; ``--format`` was required as well. A name that says
    nothing needs ``--format``, and the refusal gives both ways."""
    done = _run("export", "--out", tmp_path / "x.parquet", "--store", bundled_store.path,
                "--indicator", "sii_life_expectancy", "--area", "E09000025")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "(parquet)" in done.output
    assert pd.read_parquet(tmp_path / "x.parquet").area_code.unique().tolist() == ["E09000025"]
    refused = _run("export", "--out", tmp_path / "x.txt", "--store", bundled_store.path)
    assert refused.exit_code == 2
    assert "give --format (csv or parquet) or end the name in .csv or .parquet" in refused.output
    assert not (tmp_path / "x.txt").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["export", "--format", "csv", "--out", "x.csv"],
        ["assess"],
        ["progress", "list"],
        ["catalogue", "coverage"],
        ["load", "x.csv", "--source", "healthgap"],
    ],
)
def test_a_store_that_does_not_exist_is_refused(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo.duckdb"
    refused = _run(*command, "--store", missing)
    assert refused.exit_code == 2, refused.output
    assert "no such store" in refused.output
    assert not missing.exists()


@pytest.mark.parametrize(("command", "code"), [("init", 0), ("compute", 2), ("status", 2)])
def test_only_init_may_name_a_new_store(tmp_path: Path, command: str, code: int) -> None:
    """The store check runs before the command parses its options (--help here)."""
    result = _run(command, "--store", tmp_path / "new.duckdb", "--help")
    assert result.exit_code == code, result.output


def test_an_unknown_indicator_in_export_suggests_the_closest_id(tmp_path: Path) -> None:
    from healthgap.store import open_store

    store = tmp_path / "s.duckdb"
    open_store(store).close()
    refused = _run("export", "--format", "csv", "--out", tmp_path / "x.csv", "--store", store,
                   "--indicator", "life_expectency")  # fmt: skip
    assert refused.exit_code == 1
    assert "'life_expectency': did you mean 'life_expectancy'" in refused.output
    assert not (tmp_path / "x.csv").exists()


def test_the_spark_hint_names_the_extra() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['pyspark'] = None\n"
        "from healthgap.engine.backends import connect\n"
        "try:\n    connect('spark')\nexcept Exception as exc:\n    print(exc)"
    )
    src = Path(__file__).resolve().parents[2] / "src"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(src), "PATH": ""}, check=True)  # fmt: skip
    assert "pip install 'healthgap[spark]'" in out.stdout


@pytest.mark.parametrize(
    "command",
    [["status"], ["areas"], ["catalogue", "list"], ["catalogue", "show", "x"],
     ["catalogue", "search", "x"], ["catalogue", "coverage"], ["catalogue", "validate"],
     ["compute"], ["progress", "list"], ["progress", "history", "x"], ["assess"],
     ["profile", "x"]],
)  # fmt: skip
def test_every_command_that_shows_data_has_json(command: list[str]) -> None:
    shown = _run(*command, "--help")
    assert shown.exit_code == 0, shown.output
    assert "--json" in shown.output


@pytest.fixture
def new_store(tmp_path: Path) -> Path:
    from healthgap.store import open_store

    store = tmp_path / "s.duckdb"
    open_store(store).close()
    return store


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"series;area_code\nx;E09000012\n", "looks delimited by ';', not commas"),
        (b"series\tarea_code\nx\tE09000012\n", "looks delimited by tab"),
        (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml" + b"\x00" * 64, "an Excel workbook"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "a binary file"),
        (
            "series,area_code\nx,Cr\xe8che\n".encode("latin-1"),
            "in.csv:2: invalid UTF-8 at line 2, character 5",
        ),
    ],
)
def test_load_says_what_the_file_is(
    tmp_path: Path, new_store: Path, content: bytes, said: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    refused = _run("load", source, "--source", "healthgap", "--store", new_store)
    assert refused.exit_code == 2, refused.output
    assert said in refused.output
    assert "--delimiter" not in refused.output  # load has no such option
    assert "nothing was written" in refused.output
    status = _run("status", "--store", new_store, "--json")
    assert json.loads(status.output)["releases"] == []


def test_load_of_a_directory_is_not_file_not_found(tmp_path: Path, new_store: Path) -> None:
    refused = _run("load", tmp_path, "--source", "healthgap", "--store", new_store)
    assert refused.exit_code == 2
    assert "is a directory, not a file" in refused.output
    assert "not found" not in refused.output


def test_load_and_profile_refuse_a_missing_store(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("series,area_code\n", encoding="utf-8")
    for command in (["load", source, "--source", "healthgap"], ["profile", "E09000012"]):
        refused = _run(*command, "--store", tmp_path / "typo.duckdb")
        assert refused.exit_code == 2, refused.output
        assert "no such store" in refused.output


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"init"}))
def test_every_command_but_init_refuses_a_missing_store(tmp_path: Path, command: str) -> None:
    """The check runs before the command (or its group) parses anything."""
    missing = tmp_path / "typo.duckdb"
    refused = _run(command, "--store", missing, "--help")
    assert refused.exit_code == 2, refused.output
    assert f"--store {missing}: no such store" in refused.output
    assert not missing.exists()


def test_compute_says_how_to_create_a_store_and_init_empty_makes_one(tmp_path: Path) -> None:
    """compute refuses a store that does not exist, naming both ways to create one; ``init
    --empty`` creates a store without the bundled data in which compute can publish (ADR
    0106). Neither the refusal nor ``--help`` creates a file."""
    records = tmp_path / "records"
    records.mkdir()
    store = tmp_path / "new.duckdb"
    refused = _run("compute", "--input", records, "--store", store)
    assert refused.exit_code == 2
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1
    assert f"`healthgap init --store {store}`" in lines[0]
    assert f"`healthgap init --empty --store {store}`" in lines[0]
    assert not store.exists()
    made = _run("init", "--empty", "--store", store)
    assert made.exit_code == 0, made.output
    assert "created, bundled data not loaded; 0 release(s) held" in made.output
    again = _run("init", "--empty", "--store", store)
    assert "already existed" in again.output
    status = _run("status", "--store", store)
    assert status.exit_code == 1  # an empty store holds no data
    computed = _run("compute", "--input", records, "--store", store)
    assert computed.exit_code == 2  # now the records' own error: an empty directory
    assert "no such store" not in computed.output


def test_compute_refuses_a_missing_default_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "default.duckdb"
    monkeypatch.setenv("HEALTHGAP_STORE", str(missing))
    (tmp_path / "records").mkdir()
    refused = _run("compute", "--input", tmp_path / "records")
    assert refused.exit_code == 2
    assert f"no store at {missing}" in refused.output
    assert "`healthgap init --empty`" in refused.output
    assert not missing.exists()
