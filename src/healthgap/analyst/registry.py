"""Every data-frame calculation the analyst layer offers, by name.

Protocol: a module listed in :data:`_MODULES` declares a module-level tuple::

    CALCULATIONS = (
        Calculation(
            "name",                      # the METHOD of ``healthgap calc METHOD``
            "One-line help.",
            (Parameter("x", "column", "Column of numerators."), ...),
            function,                    # function(data: DataFrame, **options) -> DataFrame
        ),
        ...
    )

Parameter names are the function's keyword arguments, spelled as PHEindicatormethods names its
arguments; the command line turns ``_`` into ``-`` (``--group-by``). Each parameter's ``kind``
(:data:`~healthgap.analyst.calculation.ParameterKind`) says how text is parsed; a parameter
without a default is required. Names must be unique across modules.

:data:`CALCULATIONS` is lazy: :data:`INDEX` says which module declares each name, so
``healthgap calc dsr`` imports only :mod:`healthgap.analyst.basic` (not SciPy-heavy modules
such as the comparisons); listing every calculation's help imports them all. A new calculation
is added to its module's ``CALCULATIONS`` and to :data:`INDEX` (a test checks the two agree).
:func:`collect` imports modules eagerly and fails loudly on a duplicate name or a module without
``CALCULATIONS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from healthgap.analyst.calculation import REQUIRED, Calculation, Parameter, ParameterKind

__all__ = [
    "CALCULATIONS",
    "INDEX",
    "REQUIRED",
    "Calculation",
    "Parameter",
    "ParameterKind",
    "collect",
]

_MODULES: tuple[str, ...] = (
    "healthgap.analyst.basic",
    "healthgap.analyst.heat",
    "healthgap.analyst.inequality",
    "healthgap.analyst.comparison",
    "healthgap.analyst.benchmarking",
)


def collect(modules: tuple[str, ...] = _MODULES) -> dict[str, Calculation]:
    """The calculations declared by ``modules``, by name, in declaration order."""
    found: dict[str, Calculation] = {}
    for name in modules:
        module = importlib.import_module(name)
        declared = getattr(module, "CALCULATIONS", None)
        if not isinstance(declared, tuple) or not all(isinstance(c, Calculation) for c in declared):
            raise TypeError(f"{name} must declare CALCULATIONS as a tuple of Calculation")
        for calculation in declared:
            if calculation.name in found:
                raise ValueError(f"calculation '{calculation.name}' declared twice ({name})")
            found[calculation.name] = calculation
    return found


_BASIC = "healthgap.analyst.basic"
_COMPARISON = "healthgap.analyst.comparison"
_BENCHMARKING = "healthgap.analyst.benchmarking"
_INEQUALITY = "healthgap.analyst.inequality"

#: Every calculation's name → the module that declares it, in listing order.
INDEX: dict[str, str] = {
    **dict.fromkeys(
        ("proportion", "rate", "mean", "dsr", "isr_rate", "isr_ratio", "life_expectancy", "hle"),
        _BASIC,
    ),
    "heat": "healthgap.analyst.heat",
    "sii": _INEQUALITY,
    "quantile": _INEQUALITY,
    **dict.fromkeys(
        ("funnel_limits", "funnel_significance", "trend", "benchmark_comparison"), _COMPARISON
    ),
    **dict.fromkeys(("categories", "spine", "change", "target"), _BENCHMARKING),
}


class LazyCalculations(Mapping[str, Calculation]):
    """The calculations by name; a calculation's module is imported when it is first looked up."""

    def __init__(self, index: Mapping[str, str]) -> None:
        self._index = dict(index)
        self._loaded: dict[str, Calculation] = {}

    def __getitem__(self, name: str) -> Calculation:
        if name not in self._loaded:
            module = self._index[name]  # KeyError: no such calculation
            self._loaded.update(collect((module,)))
            if name not in self._loaded:
                raise LookupError(f"registry INDEX names {module} for '{name}', which lacks it")
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, name: object) -> bool:
        return name in self._index


CALCULATIONS: Mapping[str, Calculation] = LazyCalculations(INDEX)
