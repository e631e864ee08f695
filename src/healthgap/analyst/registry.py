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
without a default is required. Names must be unique across modules. The registry imports the
modules in order when first imported and fails loudly on a duplicate name or a module without
``CALCULATIONS``.
"""

from __future__ import annotations

import importlib

from healthgap.analyst.calculation import REQUIRED, Calculation, Parameter, ParameterKind

__all__ = ["CALCULATIONS", "REQUIRED", "Calculation", "Parameter", "ParameterKind", "collect"]

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


CALCULATIONS: dict[str, Calculation] = collect()
