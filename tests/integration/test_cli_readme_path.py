"""The README's path works end to end (issue 17, item 7): the README's own ``healthgap synth``
and ``healthgap compute`` commands (read from README.md, so they cannot drift) produce life
expectancy, suicide and violence, with the rows and values the README claims; piped,
``compute`` prints one final line."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.engine.synth import MIN_SYNTH_YEARS, plan_synthetic_london
from healthgap.store import open_store

WANTED = ("life_expectancy", "suicide_rate", "violence_admissions")


def test_synth_plans_at_least_five_years_by_default_on_the_command_line() -> None:
    assert MIN_SYNTH_YEARS >= 5
    assert len(plan_synthetic_london(10_000, year=2020, min_years=MIN_SYNTH_YEARS).years) == 5
    assert len(plan_synthetic_london(10_000, year=2020).years) == 1  # library default unchanged


README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "### Record-level data: Synthetic London through the engine"


def readme_engine_commands() -> list[tuple[list[str], str]]:
    """The README's synth → compute commands (the first ``sh`` block of its engine section),
    each as (arguments after ``healthgap``, the comment that says what it gives)."""
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, f"README.md lost its section {SECTION!r}"
    block = text.split(SECTION, 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        command, _, comment = line.partition("#")
        if command.strip():
            words = shlex.split(command)
            assert words[0] == "healthgap", line
            commands.append((words[1:], comment.strip()))
    return commands


def test_the_readme_runs_synth_with_its_default_years_then_compute() -> None:
    commands = [words[0] for words, _ in readme_engine_commands()]
    assert commands[-2:] == ["synth", "compute"], commands
    synth = next(words for words, _ in readme_engine_commands() if words[0] == "synth")
    assert "--years" not in synth  # the default (five years) is what the README shows


def test_the_readme_synth_is_the_sessions_readme_input(readme_input) -> None:
    """The session's ``readme_input`` (tests/conftest.py, which other tests read too) ran
    the README's synth command: when the README changes it, change ``README_SYNTH`` too."""
    synth = next(words for words, _ in readme_engine_commands() if words[0] == "synth")
    assert tuple(synth) == readme_input.words


@pytest.mark.slow
def test_the_readme_synth_and_compute_give_life_expectancy_suicide_and_violence(
    readme_input,
    bundled_store_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exactly the README's commands, in a fresh directory, on the default store as ``make
    run`` leaves it (the bundled data); what each prints is what its README comment claims.
    The synth command ran once for the session in a fresh directory (``readme_input``, the
    README's command, checked above); compute runs here, in that directory (it only reads
    there; the session checks that nothing was written)."""
    monkeypatch.chdir(readme_input.cwd)
    monkeypatch.setenv("HEALTHGAP_STORE", str(bundled_store_copy))
    runner = CliRunner()
    for words, comment in readme_engine_commands():
        if words[0] == "synth":
            assert tuple(words) == readme_input.words
            said = " ".join(readme_input.output.split())
        else:
            done = runner.invoke(app, words)
            assert done.exit_code == 0, (words, done.output)
            said = " ".join(done.stdout.split())
        if words[0] == "synth":
            claim = re.search(r"([\d,]+) rows, (\d{4})–(\d{4})", comment)
            assert claim, f"the README's synth comment lost its rows and years: {comment!r}"
            assert f"wrote {claim[1]} event rows" in said, said
            assert f"years {claim[2]}–{claim[3]}" in said, said
        if words[0] == "compute":
            claim = re.search(r"(\d+) indicators, ([\d,]+) values", comment)
            assert claim, f"the README's compute comment lost its figures: {comment!r}"
            assert f": {claim[2]} values into" in said, said
            computed = re.search(r"computed (\d+) \(([^)]*)\)", said)
            assert computed, said
            assert computed[1] == claim[1], said
            for indicator in WANTED:
                assert indicator in computed[2].split(", "), said
            # by default the release is protected across overlapping windows, and says so
            with open_store(bundled_store_copy) as st:
                newest = st.releases()[-1]
            assert json.loads(newest.note or "{}")["protect_overlaps"] is True


@pytest.fixture(scope="module")
def admissions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``healthgap synth --rows 3000 --tables admissions --years 1``: read-only (each test
    computes from it into a store of its own)."""
    records = tmp_path_factory.mktemp("admissions") / "london"
    made = CliRunner().invoke(app, ["synth", "--rows", "3000", "--out", str(records),
                                    "--tables", "admissions", "--years", "1"])  # fmt: skip
    assert made.exit_code == 0, made.output
    return records


@pytest.mark.slow
def test_compute_piped_prints_one_final_line(admissions: Path, tmp_path: Path) -> None:
    records = admissions
    runner = CliRunner()
    store = tmp_path / "s.duckdb"
    assert runner.invoke(app, ["init", "--empty", "--store", str(store)]).exit_code == 0
    computed = runner.invoke(
        app,
        ["compute", "--input", str(records), "--store", str(store),
         "-i", "asthma_admissions_u19", "-i", "tb_incidence"],
    )  # fmt: skip
    assert computed.exit_code == 0, computed.output
    lines = computed.stdout.strip().splitlines()
    assert len(lines) == 1, computed.stdout
    assert lines[0].startswith("release 1: ")
    assert "computed 1 (asthma_admissions_u19); not computed 1 (tb_incidence)" in lines[0]


@pytest.mark.slow
def test_compute_shows_progress_on_a_terminal(admissions: Path, tmp_path: Path) -> None:
    """With stderr on a terminal (a real pseudo-terminal), compute draws a progress bar naming
    the indicator it is computing; stdout, piped, still gets its one final line."""
    import os
    import pty
    import subprocess
    import sys

    records = admissions
    src = Path(__file__).resolve().parents[2] / "src"
    assert (
        CliRunner()
        .invoke(app, ["init", "--empty", "--store", str(tmp_path / "s.duckdb")])
        .exit_code
        == 0
    )
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(src), "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "healthgap.cli.main", "compute", "--input", str(records),
         "--store", str(tmp_path / "s.duckdb"), "-i", "asthma_admissions_u19"],
        stdout=subprocess.PIPE, stderr=slave, env=env,
    )  # fmt: skip
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    out, _ = process.communicate(timeout=300)
    os.close(master)
    assert process.returncode == 0, drawn.decode(errors="replace")
    text = drawn.decode(errors="replace")
    assert "asthma_admissions_u19" in text  # the bar's description names the indicator
    assert "\x1b[" in text  # drawn with terminal control sequences (the live bar)
    assert out.decode().startswith("release 1: ")
