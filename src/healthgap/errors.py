"""The exceptions healthgap raises.

Every error names what was wrong precisely enough to fix it without reading code::

    HealthgapError
    ├── InputError              bad input: names file, row, column, value and rule
    │   ├── SourceValidationError   a data file that cannot be loaded as a release
    │   └── CatalogueError          a catalogue YAML that breaks a rule or a reference
    ├── UnknownAreaError        an area code or name that is not known (suggests the closest)
    ├── StoreError              the store cannot do what was asked
    │   └── MigrationError          the store's schema cannot be brought to this version
    └── ConfigurationError      a setting or an optional extra is missing or wrong

``healthgap.methods`` is pure and imports nothing from the rest of the package: it raises its
own ``healthgap.methods.errors.MethodInputError`` (a ``ValueError``), so ``except ValueError``
catches both kinds of bad input. This module imports nothing from healthgap either, so every
layer may use it.
"""

from __future__ import annotations

__all__ = [
    "CatalogueError",
    "ConfigurationError",
    "HealthgapError",
    "InputError",
    "MigrationError",
    "SourceValidationError",
    "StoreError",
    "UnknownAreaError",
]


class HealthgapError(Exception):
    """Base class of every error healthgap raises on purpose."""


class InputError(HealthgapError, ValueError):
    """Input that breaks a rule.

    The message reads ``file:row: column 'c': value 'v': rule`` with the parts that apply.
    ``row`` is the 1-based line number in the file (the header is line 1).
    """

    def __init__(
        self,
        rule: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        key: str | None = None,
    ) -> None:
        self.rule = rule
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.key = key
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file if self.row is None else f"{self.file}:{self.row}")
        elif self.row is not None:
            where.append(f"row {self.row}")
        if self.key is not None:
            where.append(f"key '{self.key}'")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        return ": ".join([*where, self.rule]) if where else self.rule


class SourceValidationError(InputError):
    """A data file that cannot become a release; nothing was written."""


class CatalogueError(InputError):
    """A catalogue file that breaks a rule or refers to something missing."""


class UnknownAreaError(HealthgapError, LookupError):
    """An area code or name that healthgap does not know."""

    def __init__(self, code: str, *, suggestion: str | None = None, context: str = "") -> None:
        self.code = code
        self.suggestion = suggestion
        msg = f"unknown area '{code}'"
        if context:
            msg = f"{context}: {msg}"
        if suggestion:
            msg += f"; did you mean '{suggestion}'?"
        super().__init__(msg)

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0])


class StoreError(HealthgapError):
    """The store cannot do what was asked."""


class MigrationError(StoreError):
    """The store's schema cannot be brought to this version of healthgap."""


class ConfigurationError(HealthgapError):
    """A setting, or an optional extra, is missing or wrong."""
