"""The registry is lazy per method (issue 17, item 1): ``calc dsr`` imports neither SciPy nor the
comparison modules, and the index agrees with what the modules declare."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scipy import special

from healthgap.analyst import registry
from healthgap.methods import intervals

SRC = Path(__file__).resolve().parents[3] / "src"


def _modules_after(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_index_lists_exactly_what_the_modules_declare_in_order() -> None:
    declared = registry.collect()
    assert list(registry.INDEX) == list(declared)
    for name, calculation in declared.items():
        assert registry.INDEX[name] == calculation.function.__module__
    assert list(registry.CALCULATIONS) == list(declared)
    assert len(registry.CALCULATIONS) == len(declared)


def test_unknown_name_is_a_key_error_and_get_returns_none() -> None:
    with pytest.raises(KeyError):
        registry.CALCULATIONS["no_such"]
    assert registry.CALCULATIONS.get("no_such") is None
    assert "dsr" in registry.CALCULATIONS


def test_a_stale_index_entry_fails_loudly() -> None:
    stale = registry.LazyCalculations({"dsr": "healthgap.analyst.heat"})
    with pytest.raises(LookupError, match="lacks it"):
        stale["dsr"]


def test_looking_up_dsr_and_running_it_imports_no_scipy() -> None:
    loaded = _modules_after(
        "import pandas as pd\n"
        "from healthgap.analyst.registry import CALCULATIONS\n"
        "frame = pd.DataFrame({'a': ['x'] * 19, 'start': [0, *range(5, 95, 5)],\n"
        "                      'd': [20] * 19, 'p': [1000] * 19})\n"
        "out = CALCULATIONS['dsr'].run(frame, {'x': 'd', 'n': 'p', 'stdpop': 'esp2013',\n"
        "                                      'ageband': 'start', 'group_by': 'a'})\n"
        "assert out['value'].notna().all()"
    )
    assert not [m for m in loaded if m == "scipy" or m.startswith("scipy.")]
    assert "healthgap.analyst.comparison" not in loaded
    assert "healthgap.analyst.benchmarking" not in loaded


@pytest.mark.parametrize("confidence", sorted(intervals._Z))
def test_z_table_is_scipy_ndtri_bit_for_bit(confidence: float) -> None:
    assert intervals.z_from_confidence(confidence) == float(
        special.ndtri(1.0 - (1.0 - confidence) / 2.0)
    )


def test_other_levels_still_use_scipy() -> None:
    assert intervals.z_from_confidence(0.97) == float(special.ndtri(1.0 - 0.03 / 2.0))
