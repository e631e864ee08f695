"""``calc``'s pandas-free CSV path (issue 17, item 1; ADR 0105) writes byte for byte the file
the data-frame path writes, and leaves every input it is not sure of — and every error — to the
data-frame path, so messages name the same file, line, column and rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from healthgap.analyst import csv_path
from healthgap.analyst.registry import CALCULATIONS
from healthgap.cli.calc import run_calc
from healthgap.errors import InputError

SRC = Path(__file__).resolve().parents[3] / "src"
STARTS = (0, *range(5, 95, 5))
LABELS = ("0-4", *(f"{s}-{s + 4}" for s in range(5, 90, 5)), "90+")


def _rows(
    areas: int, *, seed: int, labels: bool = False, years: tuple[int, ...] = (2023,)
) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for year in years:
        for a in range(areas):
            for i, start in enumerate(STARTS):
                band = LABELS[i] if labels else str(start)
                pop = int(rng.integers(50, 9_000))
                rows.append(
                    [f"E0900{a:04d}", str(year), band, str(int(rng.integers(0, 40))), str(pop)]
                )
    return rows


def _write(
    path: Path, header: list[str], rows: list[list[str]], *, sep: str = ",", end: str = "\n"
) -> Path:
    path.write_text(end.join(sep.join(r) for r in [header, *rows]) + end, encoding="utf-8")
    return path


def _both(
    tmp_path: Path, source: Path, arguments: str, delimiter: str | None = None
) -> tuple[bytes, bytes]:
    """(pandas-free output, data-frame output) of ``calc dsr`` on ``source``; the pandas-free
    path must actually have run."""
    calculation = CALCULATIONS["dsr"]
    from healthgap.cli.calc import _flags, _pairs

    options = calculation.options(_pairs(arguments.split(), _flags(calculation)))
    fast, slow = tmp_path / "fast.csv", tmp_path / "frame.csv"
    ran = csv_path.run(
        "dsr", options, input_path=source, output_path=fast, delimiter=delimiter or ","
    )
    assert ran is not None, "the pandas-free path did not take this input"
    rows = run_calc(
        "dsr",
        input_path=source,
        output_path=slow,
        arguments=arguments.split(),
        delimiter=delimiter,
        pandas_free=False,
    )
    assert ran == rows
    return fast.read_bytes(), slow.read_bytes()


HEADER = ["area", "year", "band", "deaths", "pop"]


def test_grouped_start_ages_give_the_same_file(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.csv", HEADER, _rows(60, seed=1))
    fast, frame = _both(
        tmp_path, source, "--x deaths --n pop --stdpop esp2013 --ageband band --group-by area"
    )
    assert fast == frame
    assert fast.count(b"\n") == 61


def test_labels_two_groups_two_levels_missing_counts_and_decimals(tmp_path: Path) -> None:
    rows = _rows(8, seed=2, labels=True, years=(2022, 2023))
    rows[3][3] = ""  # a missing count is 0
    rows[5][4] = "1234.5"
    rows[7][2] = "85 - 89" if rows[7][2] == "85-89" else rows[7][2]
    for row in rows[:19]:  # one small group: NA with its reason
        row[3] = "0"
    source = _write(tmp_path / "in.csv", HEADER, rows)
    args = (
        "--x deaths --n pop --stdpop esp2013 --ageband band --group-by area,year "
        "--confidence 0.95,0.998 --multiplier 1000"
    )
    fast, frame = _both(tmp_path, source, args)
    assert fast == frame
    assert b"lower99_8cl" in fast
    assert b"2022" in fast
    for kind in ("standard", "value", "lower"):
        fast, frame = _both(tmp_path, source, f"{args} --type {kind}")
        assert fast == frame, kind


def test_a_weights_column_without_groups(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = [
        [
            str(int(rng.integers(0, 50))),
            str(int(rng.integers(100, 5000))),
            f"{rng.uniform(100, 9000):.6f}",
        ]
        for _ in range(19)
    ]
    source = _write(tmp_path / "in.csv", ["x", "n", "w"], rows)
    fast, frame = _both(tmp_path, source, "--x x --n n --stdpop w")
    assert fast == frame
    assert fast.count(b"\n") == 2


def test_quoted_names_crlf_and_another_delimiter(tmp_path: Path) -> None:
    rows = _rows(3, seed=4)
    for row in rows:
        row[0] = {"E09000000": '"Bristol, City of"', "E09000001": '"Say ""hi"""'}.get(
            row[0], row[0]
        )
    source = _write(tmp_path / "in.csv", HEADER, rows, end="\r\n")
    args = "--x deaths --n pop --stdpop esp2013 --ageband band --group-by area"
    with pytest.raises(AssertionError, match="did not take"):
        _both(tmp_path, source, args)  # a quote inside a grouping cell: the data-frame path
    rows = [[c if c != '"Say ""hi"""' else "Leeds" for c in r] for r in rows]
    source = _write(tmp_path / "in.csv", HEADER, rows, end="\r\n")
    fast, frame = _both(tmp_path, source, args)
    assert fast == frame
    assert b'"Bristol, City of"' in fast
    semi = _write(tmp_path / "semi.csv", HEADER, _rows(3, seed=5), sep=";")
    fast, frame = _both(tmp_path, semi, args, delimiter=";")
    assert fast == frame


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("1e3", 4),  # an exponent: pandas' parser
        ("007", 0),  # pandas reads an integer and writes 7
        ("TRUE", 0),  # pandas reads a boolean
        ("1234.56789012345678", 4),  # beyond 15 characters
    ],
)
def test_input_outside_the_exact_subset_goes_to_the_data_frame_path(
    tmp_path: Path, cell: str, column: int
) -> None:
    rows = _rows(2, seed=6)
    if column == 0:
        for row in rows[:19]:
            row[0] = cell
    else:
        rows[0][column] = cell
    source = _write(tmp_path / "in.csv", HEADER, rows)
    args = [
        "--x",
        "deaths",
        "--n",
        "pop",
        "--stdpop",
        "esp2013",
        "--ageband",
        "band",
        "--group-by",
        "area",
    ]
    fast, frame = tmp_path / "fast.csv", tmp_path / "frame.csv"
    assert run_calc("dsr", input_path=source, output_path=fast, arguments=args) == 2
    run_calc("dsr", input_path=source, output_path=frame, arguments=args, pandas_free=False)
    assert fast.read_bytes() == frame.read_bytes()
    options = CALCULATIONS["dsr"].options(
        {"x": "deaths", "n": "pop", "stdpop": "esp2013", "ageband": "band", "group_by": "area"}
    )
    assert csv_path.run("dsr", options, input_path=source, output_path=tmp_path / "x.csv") is None
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("row", "column", "cell", "said"),
    [
        (0, 3, "9999", "numerator"),  # deaths above the population
        (1, 2, "3-7", "not an age band"),
        (2, 4, "five", "must be numeric"),
        (3, 0, "", "missing value"),
        (4, 2, "0", "appears twice"),
    ],
)
def test_errors_are_the_data_frame_paths_own(
    tmp_path: Path, row: int, column: int, cell: str, said: str
) -> None:
    rows = _rows(2, seed=7)
    rows[row][column] = cell
    source = _write(tmp_path / "in.csv", HEADER, rows)
    args = [
        "--x",
        "deaths",
        "--n",
        "pop",
        "--stdpop",
        "esp2013",
        "--ageband",
        "band",
        "--group-by",
        "area",
    ]
    out = tmp_path / "out.csv"
    messages = []
    for pandas_free in (True, False):
        with pytest.raises(InputError) as caught:
            run_calc(
                "dsr", input_path=source, output_path=out, arguments=args, pandas_free=pandas_free
            )
        messages.append(str(caught.value))
        assert not out.exists()
    assert messages[0] == messages[1]
    assert said in messages[0]
    assert str(source) in messages[0]


def test_text_pandas_reads_as_missing_or_boolean_is_never_taken_as_plain() -> None:
    from pandas._libs.parsers import STR_NA_VALUES

    assert {v.lower() for v in STR_NA_VALUES} <= csv_path.NOT_PLAIN_TEXT
    assert {"true", "false"} <= csv_path.NOT_PLAIN_TEXT


def test_calc_dsr_on_a_clean_csv_imports_no_pandas(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.csv", HEADER, _rows(2, seed=8))
    out = tmp_path / "out.csv"
    code = (
        "import sys, json\nfrom healthgap.cli.main import app\ntry:\n"
        f"    app(['calc', 'dsr', '--input', {str(source)!r}, '--output', {str(out)!r},"
        " '--x', 'deaths', '--n', 'pop', '--stdpop', 'esp2013', '--ageband', 'band',"
        " '--group-by', 'area'])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "pandas" not in loaded
    assert "pyarrow" not in loaded
    assert out.read_text().count("\n") == 3
