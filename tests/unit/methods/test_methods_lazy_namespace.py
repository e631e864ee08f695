"""``healthgap.methods`` imports its heavier kernels on first use (issue 17, ADR 0105): every
exported name still resolves, to the same object as its submodule's, and a function that shares
its module's name (``dsr``, ``mean`` …) is the function, whatever was imported first."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import healthgap.methods as methods

SRC = Path(__file__).resolve().parents[3] / "src"


def test_every_exported_name_resolves_to_its_submodules_object() -> None:
    for name in methods.__all__:
        value = getattr(methods, name)
        home = methods._LAZY.get(name)
        if home is not None:
            assert value is getattr(importlib.import_module(f"healthgap.methods.{home}"), name)
    assert set(methods._LAZY) <= set(methods.__all__)


@pytest.mark.parametrize(
    "name", ["dsr", "mean", "proportion", "rate", "life_expectancy", "healthy_life_expectancy"]
)
def test_functions_named_like_their_module_stay_functions(name: str) -> None:
    importlib.import_module(f"healthgap.methods.{name}")
    assert inspect.isfunction(getattr(methods, name))
    assert name not in methods._LAZY


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'no_such'"):
        methods.no_such  # noqa: B018


def test_importing_methods_leaves_the_lazy_kernels_unimported() -> None:
    code = "import sys, json, healthgap.methods\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)  # fmt: skip
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    for module in set(methods._LAZY.values()):
        assert f"healthgap.methods.{module}" not in loaded, module
