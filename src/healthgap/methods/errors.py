"""Errors raised by the pure statistical methods (no imports from the rest of healthgap)."""

from __future__ import annotations

__all__ = ["MethodInputError"]


class MethodInputError(ValueError):
    """Arguments a method cannot compute from.

    Names the field (``x``, ``n``, ``stdpop`` …) and, for grouped input, the group.
    """

    def __init__(self, rule: str, *, field: str | None = None, group: object = None) -> None:
        self.rule = rule
        self.field = field
        self.group = group
        parts = []
        if group is not None:
            parts.append(f"group {group!r}")
        if field is not None:
            parts.append(f"field '{field}'")
        super().__init__(": ".join([*parts, rule]) if parts else rule)
