"""Disclosure control that also ties overlapping rolling periods (2016–18, 2017–19, 2018–20)
through their single years, and withholds a series in every window when in one (issue #11
item 6; ADR 0611): the default of ``run_engine`` and ``healthgap compute``;
``--per-period-disclosure`` protects each period alone. The run records which protection it
had."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.engine.pipeline import run_engine
from healthgap.store import open_store

pytestmark = pytest.mark.slow

#: three-year indicators, fast to protect on the README input
INDICATORS = ["violence_admissions", "suicide_rate"]


@pytest.fixture(scope="module")
def records(readme_input) -> Path:
    """The README's input, ``healthgap synth --rows 60000 --seed 1`` (five years: three
    overlapping windows), synthesised once per session (tests/conftest.py; read-only)."""
    assert readme_input.words[:5] == ("synth", "--rows", "60000", "--seed", "1")
    return Path(readme_input.path)


def _mixed(values: pa.Table) -> int:
    """Series (indicator, area, sex, breakdown) whose count is withheld in some windows and
    published in others (``suppressed`` alone also marks a rate not published for a method's
    reason, its count still shown)."""
    seen: dict[tuple[object, ...], set[bool]] = {}
    cols = ["indicator_id", "area_code", "sex", "breakdown_type", "breakdown_category"]
    for row, count in zip(
        values.select(cols).to_pylist(), values["count"].to_pylist(), strict=True
    ):
        seen.setdefault(tuple(row.values()), set()).add(count is None)
    return sum(len(v) > 1 for v in seen.values())


def test_overlapping_windows_are_protected_by_default(records: Path) -> None:
    """By default no series is withheld in one window and published in another; with
    per-period protection (``protect_overlaps=False``) some are, so the check can fail."""
    runs = {
        flag: run_engine(
            records,
            indicators=INDICATORS,
            checksums=False,
            comparisons=False,
            heat=False,
            protect_overlaps=flag,
        )
        for flag in (None, False)
    }
    on, off = runs[None].values, runs[False].values
    windows = sorted(set(pc.unique(on["period_label"]).to_pylist()))
    assert windows == ["2016 - 18", "2017 - 19", "2018 - 20"]
    assert _mixed(off) > 0
    assert _mixed(on) == 0
    # consistency across windows costs cells: more withheld than per period
    assert on.num_rows == off.num_rows
    key = ["indicator_id", "area_code", "period_label", "sex", "breakdown_type",
           "breakdown_category"]  # fmt: skip
    hidden_on = {
        tuple(r.values()) for r in on.filter(pc.is_null(on["count"])).select(key).to_pylist()
    }
    hidden_off = {
        tuple(r.values()) for r in off.filter(pc.is_null(off["count"])).select(key).to_pylist()
    }
    assert len(hidden_on) > len(hidden_off)
    assert runs[None].provenance["protect_overlaps"] is True
    assert runs[False].provenance["protect_overlaps"] is False


def test_compute_per_period_disclosure_is_recorded(records: Path, tmp_path: Path) -> None:
    """``compute --per-period-disclosure --json`` stores a release that says it was protected
    per period only (the default's provenance is checked on the README's own command, in
    test_cli_readme_path.py)."""
    store = tmp_path / "s.duckdb"
    open_store(store).close()
    args = ["compute", "--input", str(records), "--store", str(store), "--json"]
    for name in INDICATORS:
        args += ["-i", name]
    result = CliRunner().invoke(app, [*args, "--per-period-disclosure"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["provenance"]["protect_overlaps"] is False
    assert sorted(summary["computed"]) == sorted(INDICATORS)
    with open_store(store) as st:
        (release,) = st.releases()
    assert json.loads(release.note or "{}")["protect_overlaps"] is False
    help_text = CliRunner().invoke(app, ["compute", "--help"]).output
    assert "--per-period-disclosure" in help_text
    assert "--protect-overlaps" not in help_text
