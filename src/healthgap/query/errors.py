"""The read layer's errors: a parameter no one knows, and a valid question with no answer.

Both carry structured fields (the API turns them into RFC 9457 problem details: 422 and 404)
and a message that says what to ask instead. The read layer never returns an empty result.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

from healthgap.errors import HealthgapError

__all__ = ["NoData", "QueryError", "UnknownParameter", "closest"]


class QueryError(HealthgapError):
    """Base class of the read layer's errors."""


def closest(value: str, valid: Iterable[str], *, n: int = 3) -> tuple[str, ...]:
    """Up to ``n`` valid values closest to ``value`` (difflib, case-insensitive)."""
    options = sorted(set(valid))
    lowered = {o.lower(): o for o in options}
    hits = difflib.get_close_matches(value.lower(), list(lowered), n=n, cutoff=0.5)
    return tuple(lowered[h] for h in hits)


class UnknownParameter(QueryError, LookupError):  # noqa: N818 - the API's vocabulary
    """A value of ``parameter`` that names nothing known (HTTP 422).

    ``suggestions`` are the closest valid values; ``valid`` (for short closed lists such as
    sex or area type) every valid value; ``rule`` says what is wrong when the value is not
    merely unknown.
    """

    def __init__(
        self,
        parameter: str,
        value: str,
        *,
        suggestions: Sequence[str] = (),
        valid: Sequence[str] = (),
        rule: str | None = None,
    ) -> None:
        self.parameter = parameter
        self.value = value
        self.suggestions = tuple(suggestions)
        self.valid = tuple(valid)
        msg = f"parameter '{parameter}': " + (
            f"unknown value {value!r}" if rule is None else f"value {value!r}: {rule}"
        )
        if self.suggestions:
            msg += "; did you mean " + " or ".join(f"'{s}'" for s in self.suggestions) + "?"
        if self.valid:
            msg += f" (one of: {', '.join(self.valid)})"
        super().__init__(msg)

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0])


class NoData(QueryError, LookupError):  # noqa: N818 - the API's vocabulary
    """A valid combination of parameters that matches no visible value (HTTP 404).

    ``available`` lists what does exist for the same indicator (and area, when one was
    given): periods, sexes, ages, breakdowns and area types, so the caller can ask again.
    """

    def __init__(self, asked: Mapping[str, object], available: Mapping[str, Sequence[str]]):
        self.asked = {k: v for k, v in asked.items() if v is not None}
        self.available = {k: tuple(v) for k, v in available.items()}
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.asked.items()) or "no filter"
        held = [
            f"{k}: {', '.join(v[:12])}{' …' if len(v) > 12 else ''}"
            for k, v in self.available.items()
            if v
        ]
        msg = f"no values match ({shown})"
        msg += "; held: " + "; ".join(held) if held else "; nothing is held for this query"
        super().__init__(msg)

    def __str__(self) -> str:
        return str(self.args[0])


def _show(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
