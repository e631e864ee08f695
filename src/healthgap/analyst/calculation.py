"""What a calculation declares: its name, help, parameters and the function that runs it.

See :mod:`healthgap.analyst.registry` for how modules contribute calculations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from healthgap.analyst.frame import parse_confidence
from healthgap.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["REQUIRED", "Calculation", "Parameter", "ParameterKind"]

ParameterKind = Literal["column", "columns", "number", "integer", "flag", "confidence", "choice"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: object = _Required()
"""Default of a parameter that must be given."""

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


@dataclass(frozen=True)
class Parameter:
    """One option of a calculation, named as PHEindicatormethods names its argument.

    ``kind`` says how a text value (from the command line) is parsed: ``column`` a column
    name, ``columns`` comma-separated column names, ``number``/``integer``, ``flag``
    (true/false), ``confidence`` (0.95, 95 or "0.95,0.998"), ``choice`` one of ``choices``.
    """

    name: str
    kind: ParameterKind
    help: str
    default: object = REQUIRED
    choices: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        """Whether the parameter has no default."""
        return self.default is REQUIRED

    @property
    def option(self) -> str:
        """The command-line spelling: ``--group-by`` for ``group_by``."""
        return "--" + self.name.replace("_", "-")

    def parse(self, raw: object) -> object:
        """Convert ``raw`` (text from the command line, or a Python value) to the kind."""
        try:
            return self._parse(raw)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"expected {self.kind}: {exc}", key=self.name, value=raw) from exc

    def _parse(self, raw: object) -> object:
        if raw is None:
            return None
        text = raw.strip() if isinstance(raw, str) else None
        if self.kind == "column":
            if not isinstance(raw, str) or not text:
                raise InputError("expected a column name", key=self.name, value=raw)
            return text
        if self.kind == "columns":
            if isinstance(raw, str):
                return tuple(part.strip() for part in raw.split(",") if part.strip())
            if isinstance(raw, list | tuple):
                return tuple(str(part) for part in raw)
            raise InputError("expected column names", key=self.name, value=raw)
        if self.kind == "number":
            return float(raw)  # type: ignore[arg-type]
        if self.kind == "integer":
            return int(raw)  # type: ignore[call-overload]
        if self.kind == "flag":
            if isinstance(raw, bool):
                return raw
            if text is not None and text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise InputError("expected true or false", key=self.name, value=raw)
        if self.kind == "confidence":
            return parse_confidence(raw)
        if str(raw) not in self.choices:
            raise InputError(
                f"expected one of: {', '.join(self.choices)}", key=self.name, value=raw
            )
        return str(raw)


@dataclass(frozen=True)
class Calculation:
    """A data-frame calculation: ``function(data, **options) -> DataFrame``.

    ``function`` takes the input frame and keyword options named exactly as ``parameters``.
    """

    name: str
    help: str
    parameters: tuple[Parameter, ...]
    function: Callable[..., pd.DataFrame]

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name`` (``group-by`` and ``group_by`` both match)."""
        wanted = name.replace("-", "_")
        for parameter in self.parameters:
            if parameter.name == wanted:
                return parameter
        known = ", ".join(p.name for p in self.parameters)
        raise InputError(f"unknown option for '{self.name}' (options: {known})", key=name)

    def options(self, given: Mapping[str, object]) -> dict[str, object]:
        """Parsed options with defaults filled in; names any missing required option."""
        parsed: dict[str, object] = {}
        for name, raw in given.items():
            parameter = self.parameter(name)
            parsed[parameter.name] = parameter.parse(raw)
        for parameter in self.parameters:
            if parameter.name not in parsed:
                if parameter.required:
                    raise InputError(
                        f"required option {parameter.option} is missing", key=parameter.name
                    )
                parsed[parameter.name] = parameter.default
        return parsed

    def run(self, data: pd.DataFrame, options: Mapping[str, object]) -> pd.DataFrame:
        """Parse ``options`` and run the calculation on ``data``."""
        return self.function(data, **self.options(options))
